"""Helpers for the outbox tests: the Redis queue seen from outside, meetings and guests in bulk, Spanish dates."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis
from django.conf import settings
from django.utils import timezone

from assembly.celery import app
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.factories import AssemblyFactory

SPANISH_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
SPANISH_WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


@dataclass(frozen=True)
class QueuedTask:
    name: str
    args: list
    kwargs: dict
    headers: dict
    raw: bytes


def _decode(raw: bytes) -> QueuedTask:
    envelope = json.loads(raw)
    assert envelope["properties"]["body_encoding"] == "base64"
    args, kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    return QueuedTask(envelope["headers"]["task"], args, kwargs, envelope["headers"], raw)


def queued_tasks(queue: str = "celery") -> list[QueuedTask]:
    """The tasks waiting on a Redis queue, oldest first, left where they are."""
    # Kombu pushes on the left and workers pop on the right.
    return [_decode(raw) for raw in reversed(redis_client().lrange(queue, 0, -1))]


def run_queued_tasks(queue: str = "celery") -> int:
    """Do a worker's part in this process: take each task off the Redis queue and run it, until none is left."""
    client = redis_client()
    ran = 0
    while (raw := client.rpop(queue)) is not None:
        task = _decode(raw)
        app.tasks[task.name](*task.args, **task.kwargs)
        ran += 1
    return ran


def deliver_due(*, now: datetime | None = None) -> None:
    """Sweep as the beat would at `now`, then send what the sweep (and anything before it) queued."""
    outbox_sweep(now=now)
    run_queued_tasks()


def published_meeting(assembly=None, *, starts_at: datetime | None = None, **fields) -> Meeting:
    """A published meeting three days ahead, at 18:00 in its assembly's time zone unless told otherwise."""
    assembly = assembly or AssemblyFactory()
    if starts_at is None:
        local = timezone.localtime(timezone.now() + timedelta(days=3), timezone=_zone(assembly))
        starts_at = local.replace(hour=18, minute=0, second=0, microsecond=0)
    return Meeting.objects.create(
        assembly=assembly,
        title_en="Block meeting on rent",
        title_es="Reunión de cuadra sobre la renta",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        status=Meeting.Status.PUBLISHED,
        **fields,
    )


def _zone(assembly) -> ZoneInfo:
    return ZoneInfo(assembly.time_zone)


def spanish_date(moment: datetime, assembly) -> str:
    """How the Spanish mails write a moment's date: "lunes 3 de noviembre de 2025"."""
    local = timezone.localtime(moment, timezone=_zone(assembly))
    return f"{SPANISH_WEEKDAYS[local.weekday()]} {local.day} de {SPANISH_MONTHS[local.month - 1]} de {local.year}"


def spanish_short_date(moment: datetime, assembly) -> str:
    """How Spanish subjects write a moment's day: "3 de noviembre"."""
    local = timezone.localtime(moment, timezone=_zone(assembly))
    return f"{local.day} de {SPANISH_MONTHS[local.month - 1]}"


def guests(meeting: Meeting, count: int) -> list[Registration]:
    """Guest sign-ups made in bulk: guest-n@example.org, in English, waiting to confirm their address."""
    return Registration.objects.bulk_create(
        [
            Registration(
                meeting=meeting,
                guest_email=f"guest-{n}@example.org",
                guest_alias=f"Guest {n}",
                language="en",
                status=Registration.Status.UNCONFIRMED,
                queued_at=timezone.now(),
            )
            for n in range(count)
        ]
    )


def messages_due(registrations: list[Registration], *, kind: str = "guest_confirm") -> list[Message]:
    """One due message per registration, stored as messages_enqueue would but without its sweep.

    guest_confirm by default: it has no calendar attached, so hundreds of them render quickly.
    """
    now = timezone.now()
    return Message.objects.bulk_create(
        [
            Message(kind=kind, recipient_key=f"registration:{registration.pk}", object_id=registration.pk, due_at=now)
            for registration in registrations
        ]
    )
