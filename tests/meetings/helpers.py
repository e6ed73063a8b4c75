"""Small helpers shared by the meetings tests: form data, flashed messages, and a snapshot of what changed."""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from assembly.common.models import AuditEntry
from assembly.meetings.models import AgendaItem, CalendarFeed, Meeting, Registration
from assembly.notify.models import Message

FORM_TIME = "%Y-%m-%dT%H:%M"


def local_start(days: int = 30, *, zone: str = "America/Chicago") -> datetime:
    """A start some days ahead, at 18:30 on the assembly's wall clock."""
    local = (timezone.now() + timedelta(days=days)).astimezone(ZoneInfo(zone))
    return local.replace(hour=18, minute=30, second=0, microsecond=0)


def meeting_form_data(**overrides) -> dict:
    start = local_start()
    data = {
        "title_en": "Planning meeting",
        "title_es": "Reunión de planeación",
        "starts_at": start.strftime(FORM_TIME),
        "ends_at": (start + timedelta(hours=2)).strftime(FORM_TIME),
        "place_name_en": "Library",
        "address": "77 Quiet Ave",
        "address_visibility": Meeting.AddressVisibility.REGISTERED,
        "capacity": "",
        "reminder_hours": "24; 2",
    }
    data.update(overrides)
    return data


def flashed(response) -> list[str]:
    """The messages this request queued for the next page (not older ones still waiting to be shown)."""
    return [str(message) for message in get_messages(response.wsgi_request)._queued_messages]


def snapshot() -> dict:
    """Everything a meetings view can change, to assert that a refused request changed nothing."""
    return {
        "meetings": list(
            Meeting.objects.order_by("pk").values_list(
                "pk", "status", "seats_taken", "capacity", "sequence", "title_en", "starts_at", "address"
            )
        ),
        "registrations": list(
            Registration.objects.order_by("pk").values_list(
                "pk", "meeting_id", "user_id", "guest_email", "guest_alias", "status", "children", "queued_at"
            )
        ),
        "messages": list(Message.objects.order_by("pk").values_list("kind", "recipient_key", "object_id", "occasion")),
        "agendas": list(
            Meeting.objects.order_by("pk").values_list(
                "pk",
                "agenda_published_at",
                "agenda_changed_at",
                "agenda_announced_at",
                "agenda_version",
                "proposals_until",
                "attendance",
                "minutes_published_at",
            )
        ),
        "agenda_items": list(
            AgendaItem.objects.order_by("pk").values_list(
                "pk",
                "meeting_id",
                "parent_id",
                "status",
                "position",
                "duration",
                "title_en",
                "title_es",
                "decisions_en",
                "decisions_es",
                "next_steps_en",
                "next_steps_es",
            )
        ),
        "feeds": list(CalendarFeed.objects.order_by("pk").values_list("user_id", "token")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("action", "target_id")),
    }


def url_in(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def in_language(language: str, msgid: str, **params) -> str:
    """A message as a reader of `language` must see it; fails when Spanish is still missing."""
    with translation.override(language):
        text = gettext(msgid)
    if language != "en":
        assert text != msgid, f"not translated into {language}: {msgid!r}"
    return text % params if params else text


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def in_language_n(language: str, singular: str, plural: str, number: int, **params) -> str:
    """A message with a count, as a reader of `language` must see it; fails when Spanish is still missing."""
    with translation.override(language):
        text = ngettext(singular, plural, number)
    if language != "en":
        assert text not in (singular, plural), f"not translated into {language}: {singular!r}"
    return text % params if params else text
