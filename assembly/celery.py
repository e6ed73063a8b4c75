"""The Celery app: Redis carries the work, the database holds the truth."""

import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_init, worker_shutting_down

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assembly.settings")

app = Celery("assembly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_link_secrets(logger, **kwargs) -> None:
    """Celery replaces the handlers settings.LOGGING configured; give its own the same filter."""
    from assembly.common.logsafety import RedactLinkSecrets

    for handler in logger.handlers:
        if not any(isinstance(f, RedactLinkSecrets) for f in handler.filters):
            handler.addFilter(RedactLinkSecrets())


@worker_init.connect
def prepare_shutdown_flag(**kwargs) -> None:
    from assembly.notify import shutdown

    shutdown.prepare()


@worker_shutting_down.connect
def release_batches_on_shutdown(**kwargs) -> None:
    """docker stop gives 10 s before SIGKILL: batches finish the message in hand and give back the rest now."""
    from assembly.notify import shutdown

    shutdown.announce()
