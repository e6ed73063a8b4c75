"""Text messages: a small interface with a file backend for development and tests.

A real provider is a settings change: point SMS_BACKEND at a class with the same `send` method.
"""

import json
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not take the message; `permanent` when trying again cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class FileBackend:
    """Write each text message as one JSON file, as Django's file mail backend does for email."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, text: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.json"
        (self.path / name).write_text(json.dumps({"to": to, "text": text}, ensure_ascii=False), encoding="utf-8")


class ConsoleBackend:
    """Print each text message; for a developer's terminal only, since it shows the number."""

    def send(self, *, to: str, text: str) -> None:
        print(f"SMS to {to}: {text}")


def get_backend():
    return import_string(settings.SMS_BACKEND)()
