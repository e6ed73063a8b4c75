"""Message rows for the provider tests, and the held webhook calls of a fake posted through Django's test client."""

from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext_lazy

from assembly.notify import registry
from assembly.notify.models import Message
from tests.factories import UserFactory

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _context(*, message, recipient) -> dict:
    return {"plan_url": "https://asamblea.example/p"}


# Registered only while a provider test runs (see test_providers.py): other tests check every registered kind.
SMS_KIND = registry.MessageKind(
    "provider_test_sms", gettext_lazy("Test"), _context, channel="sms", template="sms/_alert_stop.txt"
)
SIGNAL_KIND = registry.MessageKind(
    "provider_test_signal", gettext_lazy("Test"), _context, channel="signal", template="sms/_alert_stop.txt"
)
EMAIL_KIND = registry.MessageKind("provider_test_email", gettext_lazy("Test"), _context)
TEST_KINDS = (SMS_KIND, SIGNAL_KIND, EMAIL_KIND)


def text_rows(kind: registry.MessageKind, *phones: str) -> list[Message]:
    """One due message of `kind` to a new person with each number, in that order."""
    rows = []
    for phone in phones:
        user = UserFactory(phone=phone, alerts_by_sms=True, alerts_by_signal=True)
        rows.append(
            Message.objects.create(
                kind=kind.name, recipient_key=f"user:{user.pk}", object_id=user.pk, due_at=timezone.now()
            )
        )
    return rows


def fresh(rows: list[Message]) -> list[Message]:
    for row in rows:
        row.refresh_from_db()
    return rows


def post_callbacks(fake, client: Client | None = None) -> list:
    """Post the webhook calls a fake held, as its provider would, to the site; return the responses."""
    client = client or Client()
    responses = []
    for url, data, headers in fake.take_callbacks():
        path = urlsplit(url).path
        if isinstance(data, bytes):
            extra = {key: value for key, value in headers.items() if key != "Content-Type"}
            responses.append(client.post(path, data, content_type="application/json", headers=extra))
        else:
            responses.append(
                client.post(path, urlencode(data), content_type="application/x-www-form-urlencoded", headers=headers)
            )
    return responses
