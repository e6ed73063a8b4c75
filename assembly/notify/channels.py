"""Text channels (SMS, Signal): one small interface, a backend per channel chosen by settings.

A backend has `send(*, to, text) -> str`: it hands one message to its provider and returns the provider's
reference for it (empty when the provider gives none), or raises SendError. Which backend serves a channel is
a setting (SMS_BACKEND, SIGNAL_BACKEND); the file backend below serves development and tests.
"""

import json
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

SMS, SIGNAL = "sms", "signal"
TEXT_CHANNELS = (SMS, SIGNAL)


class SendError(Exception):
    """The provider did not take the message; `permanent` when trying again cannot help (a number that does
    not exist, an account the provider closed), so the outbox stops retrying it."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class FileBackend:
    """Write each message as one JSON file, as Django's file mail backend does for email.

    It keeps numbers and alert places on disk: for development and tests only.
    """

    def __init__(self, channel: str = SMS, path: str | Path | None = None):
        self.channel = channel
        self.path = Path(path or _file_path(channel))

    def send(self, *, to: str, text: str) -> str:
        self.path.mkdir(parents=True, exist_ok=True)
        ref = uuid.uuid4().hex[:12]
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{ref}.json"
        (self.path / name).write_text(json.dumps({"to": to, "text": text}, ensure_ascii=False), encoding="utf-8")
        return f"file-{ref}"


class ConsoleBackend:
    """Print each message; for a developer's terminal only, since it shows the number."""

    def __init__(self, channel: str = SMS):
        self.channel = channel

    def send(self, *, to: str, text: str) -> str:
        print(f"{self.channel} to {to}: {text}")
        return ""


def _file_path(channel: str) -> Path:
    return Path(settings.SIGNAL_FILE_PATH if channel == SIGNAL else settings.SMS_FILE_PATH)


def backend_path(channel: str) -> str:
    """The dotted path of the class serving a channel, or "" when the site sends nothing by it."""
    if channel == SMS:
        return settings.SMS_BACKEND or ""
    if channel == SIGNAL:
        return settings.SIGNAL_BACKEND or ""
    raise ValueError(f"not a text channel: {channel}")


def enabled(channel: str) -> bool:
    return bool(backend_path(channel))


def get_backend(channel: str = SMS):
    path = backend_path(channel)
    if not path:
        raise ImproperlyConfigured(f"No backend is set for the {channel} channel.")
    return import_string(path)(channel=channel)
