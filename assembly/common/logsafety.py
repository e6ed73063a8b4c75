"""Keep link secrets out of logs: request lines, "Not Found: <path>" warnings, tracebacks, gunicorn's atoms.

Attached to every handler in settings.LOGGING (and to gunicorn's in gunicorn.conf.py), so a record is
cleaned whichever logger wrote it. An access log that keeps a secret lets whoever reads it open the link.
"""

import copy
import logging
from collections.abc import Mapping

from django.apps import apps
from django.http import HttpRequest

from assembly.common.urlsecrets import redact

_PLAIN = (int, float, bool, type(None))
_REQUEST_META = ("PATH_INFO", "REQUEST_URI", "RAW_URI", "HTTP_REFERER")


def _clean(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, _PLAIN):
        return value
    # An object written with %s or %r (an exception, a request): its text, if that held a secret.
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


def _clean_request(request: HttpRequest) -> HttpRequest:
    """A copy of the request for handlers that print it, so the view still sees the real path."""
    clean = copy.copy(request)
    clean.path = redact(request.path)
    clean.path_info = redact(request.path_info)
    clean.META = {**request.META}
    for name in _REQUEST_META:
        if isinstance(clean.META.get(name), str):
            clean.META[name] = redact(clean.META[name])
    return clean


class RedactLinkSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Before the apps are ready no request has been served, and the URLconf cannot be read yet.
        if not apps.ready:
            return True
        if isinstance(record.args, dict):
            # gunicorn's access atoms: a dict subclass whose type its format relies on, so cleaned in place.
            record.msg = _clean(record.msg)
            for name, value in list(record.args.items()):
                record.args[name] = _clean(value)
        else:
            # The whole message at once: a secret may be split between the format ("/alert/%s/") and its args.
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                message = None
            if message is not None:
                record.msg, record.args = redact(message), None
            else:
                record.msg = _clean(record.msg)
                if isinstance(record.args, Mapping):
                    record.args = {name: _clean(value) for name, value in record.args.items()}
                elif record.args:
                    record.args = tuple(_clean(value) for value in record.args)
        if isinstance(getattr(record, "request", None), HttpRequest):
            record.request = _clean_request(record.request)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
