"""iCalendar files: one meeting, an assembly's public feed, a member's private feed."""

from collections.abc import Iterable
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from icalendar import Calendar, Event, Timezone

from assembly.common.i18n import localized_value
from assembly.meetings.models import Meeting
from assembly.notify.links import absolute_url


def _event(meeting: Meeting, *, with_address: bool) -> Event:
    zone = ZoneInfo(meeting.assembly.time_zone)
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}")
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add("summary", localized_value(meeting, "title").text)
    place = localized_value(meeting, "place_name").text
    if with_address and meeting.address:
        place = f"{place}, {meeting.address}" if place else meeting.address
    if place:
        event.add("location", place)
    url = absolute_url("meeting_detail", language=translation.get_language(), slug=meeting.assembly.slug, pk=meeting.pk)
    event.add("url", url)
    description = localized_value(meeting, "description").text
    event.add("description", f"{description}\n\n{url}".strip())
    return event


def calendar_for(meetings: Iterable[Meeting], *, name: str, with_address) -> bytes:
    """Build a calendar; with_address(meeting) says whether its reader may see the exact address."""
    calendar = Calendar()
    calendar.add("prodid", "-//Asamblea//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    zones = set()
    for meeting in meetings:
        calendar.add_component(_event(meeting, with_address=with_address(meeting)))
        zones.add(meeting.assembly.time_zone)
    for zone in sorted(zones):
        calendar.add_component(_vtimezone(zone))
    return calendar.to_ical()


@lru_cache(maxsize=64)
def _vtimezone(name: str) -> Timezone:
    # Building a VTIMEZONE costs more than the rest of a calendar; each process builds each zone once.
    return Timezone.from_tzid(name)
