"""gunicorn's settings for Asamblea, read from the working directory (or with --config gunicorn.conf.py).

gunicorn writes its own access and error logs, outside Django's LOGGING: its request lines and "Error handling
request <path>" would keep the secret of every link opened. This logger runs each of its handlers through the
same filter as Django's, whatever --access-logfile, --error-logfile or syslog options are given.
"""

from gunicorn.glogging import Logger


class RedactingLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        from assembly.common.logsafety import RedactLinkSecrets

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(each, RedactLinkSecrets) for each in handler.filters):
                    handler.addFilter(RedactLinkSecrets())


logger_class = RedactingLogger
