"""Calendar files: one meeting, an assembly's public feed and a member's private feed, parsed back with icalendar."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from assembly.assemblies.models import Assembly
from assembly.meetings import services
from assembly.meetings.models import CalendarFeed, Meeting, Registration
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.meetings.helpers import flashed, page_text

pytestmark = pytest.mark.django_db

HIDDEN = "1200 W Hidden St"


def _events(response) -> dict[str, object]:
    """The events of a calendar response, by summary."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def _only_event(response):
    [event] = _events(response).values()
    return event


def _ics(user, meeting: Meeting):
    url = reverse("meeting_ics", kwargs={"slug": meeting.assembly.slug, "pk": meeting.pk})
    return client_for(user).get(url)


@pytest.mark.parametrize(
    ("zone", "local_hour"),
    [("America/Chicago", 18), ("America/New_York", 19), ("Europe/Madrid", 1)],
)
def test_meeting_ics_round_trips_times_in_the_assembly_time_zone(zone, local_hour, assembly, settings):
    assembly.time_zone = zone
    assembly.save(update_fields=["time_zone"])
    starts = datetime(datetime.now(UTC).year + 1, 1, 16, 0, 30, tzinfo=UTC)
    meeting = MeetingFactory(assembly=assembly, starts_at=starts, ends_at=starts + timedelta(minutes=90))
    response = _ics(None, meeting)
    calendar = Calendar.from_ical(response.content)
    event = _only_event(response)
    for name, stored in [("DTSTART", meeting.starts_at), ("DTEND", meeting.ends_at)]:
        assert event[name].params["TZID"] == zone
        value = event.decoded(name)
        assert value == stored
        assert value.utcoffset() == stored.astimezone(value.tzinfo).utcoffset()
    assert event.decoded("DTSTART").hour == local_hour
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [zone]
    assert str(event["UID"]) == f"meeting-{meeting.pk}@{settings.EMAIL_MESSAGE_ID_DOMAIN}"


def test_meeting_ics_sequence_grows_with_each_reschedule(assembly):
    meeting = MeetingFactory(assembly=assembly)
    assert _only_event(_ics(None, meeting))["SEQUENCE"] == 0
    later = meeting.starts_at + timedelta(days=1)
    services.meeting_update(meeting=meeting, starts_at=later, ends_at=later + timedelta(hours=2))
    event = _only_event(_ics(None, meeting))
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == later
    services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), title_en="Same time, new title")
    assert _only_event(_ics(None, meeting))["SEQUENCE"] == 1
    services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), address="Another door")
    assert _only_event(_ics(None, meeting))["SEQUENCE"] == 2


def test_meeting_ics_is_cancelled_after_meeting_cancel(assembly):
    meeting = MeetingFactory(assembly=assembly)
    assert _only_event(_ics(None, meeting))["STATUS"] == "CONFIRMED"
    services.meeting_cancel(meeting=meeting)
    event = _only_event(_ics(None, meeting))
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1


READERS = ["anonymous", "stranger", "member", "waitlisted", "confirmed", "facilitator", "coordinator"]


@pytest.fixture
def readers(assembly, people):
    """Who reads, and their sign-up to `meeting` if any."""
    meeting = MeetingFactory(assembly=assembly, capacity=1)
    confirmed = RegistrationFactory(meeting=meeting).user
    waitlisted = RegistrationFactory(meeting=meeting, status=Registration.Status.WAITLISTED).user
    return meeting, {**people, "confirmed": confirmed, "waitlisted": waitlisted}


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("visibility", Meeting.AddressVisibility.values)
def test_exact_address_shows_only_to_people_allowed(reader, visibility, readers):
    meeting, people = readers
    Meeting.objects.filter(pk=meeting.pk).update(address_visibility=visibility, online_url="https://call.example/x")
    allowed = visibility == "everyone" or reader in {"confirmed", "facilitator", "coordinator"}
    event = _only_event(_ics(people[reader], meeting))
    assert (HIDDEN in str(event.get("LOCATION", ""))) == allowed
    assert "Community center" in str(event["LOCATION"])
    page = client_for(people[reader]).get(
        reverse("meeting_detail", kwargs={"slug": meeting.assembly.slug, "pk": meeting.pk})
    )
    assert (HIDDEN in page_text(page)) == allowed
    assert ("https://call.example/x" in page_text(page)) == allowed


def _feed(assembly: Assembly, user=None):
    return client_for(user).get(reverse("assembly_calendar", kwargs={"slug": assembly.slug}))


def test_assembly_feed_lists_published_meetings_without_private_addresses(assembly):
    MeetingFactory(assembly=assembly, title_en="Open house", address="1 Open Plaza", address_visibility="everyone")
    MeetingFactory(assembly=assembly, title_en="Planning", address=HIDDEN)
    MeetingFactory(assembly=assembly, title_en="Called off", cancelled=True)
    MeetingFactory(assembly=assembly, title_en="Not ready", draft=True)
    MeetingFactory(title_en="Elsewhere")
    events = _events(_feed(assembly))
    assert set(events) == {"Open house", "Planning", "Called off"}
    assert "1 Open Plaza" in str(events["Open house"]["LOCATION"])
    assert HIDDEN not in _feed(assembly).content.decode()
    assert events["Called off"]["STATUS"] == "CANCELLED"


@pytest.mark.parametrize("role", ["anonymous", "member", "coordinator"])
def test_assembly_feed_of_unlisted_assembly_is_404(role, assembly, people):
    assembly.visibility = Assembly.Visibility.UNLISTED
    assembly.save(update_fields=["visibility"])
    MeetingFactory(assembly=assembly)
    assert _feed(assembly, people[role]).status_code == 404


def _reset(client) -> str:
    response = client.post(reverse("calendar_reset"))
    assert response.status_code == 302
    return response.wsgi_request.user.calendar_feed.token


def _private(token: str):
    return client_for(None).get(reverse("calendar_feed", kwargs={"token": token}))


def test_private_feed_lists_my_sign_ups_with_their_addresses(assembly, people):
    member = people["member"]
    client = client_for(member)
    token = _reset(client)
    mine = MeetingFactory(assembly=assembly, title_en="Mine", address=HIDDEN)
    RegistrationFactory(meeting=mine, user=member)
    waiting = MeetingFactory(assembly=assembly, title_en="Waiting", address_visibility="everyone")
    RegistrationFactory(meeting=waiting, user=member, status=Registration.Status.WAITLISTED)
    dropped = MeetingFactory(assembly=assembly, title_en="Dropped")
    RegistrationFactory(meeting=dropped, user=member, status=Registration.Status.CANCELLED)
    MeetingFactory(assembly=assembly, title_en="Not mine")
    events = _events(_private(token))
    assert set(events) == {"Mine", "Waiting"}
    assert HIDDEN in str(events["Mine"]["LOCATION"])
    settings_page = client.get(reverse("calendar_settings"))
    assert token in page_text(settings_page)


def test_private_feed_hides_registered_only_address_from_the_waitlisted(assembly, people):
    member = people["member"]
    token = _reset(client_for(member))
    meeting = MeetingFactory(assembly=assembly, capacity=1, address=HIDDEN)
    RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, user=member, status=Registration.Status.WAITLISTED)
    assert HIDDEN not in _private(token).content.decode()


def test_private_feed_speaks_the_members_language(assembly):
    member = UserFactory(language="es")
    token = _reset(client_for(member))
    meeting = MeetingFactory(assembly=assembly, title_en="Planning", title_es="Planeación")
    RegistrationFactory(meeting=meeting, user=member)
    calendar = Calendar.from_ical(_private(token).content)
    assert str(calendar["X-WR-CALNAME"]) == "Mis reuniones"
    assert [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")] == ["Planeación"]


def test_private_feed_of_unknown_token_is_404(db):
    assert _private("no-such-token").status_code == 404


def test_private_feed_reset_retires_the_old_address(people):
    client = client_for(people["member"])
    old = _reset(client)
    response = client.post(reverse("calendar_reset"))
    assert flashed(response) == ["Your calendar has a new address. The old one no longer works."]
    new = CalendarFeed.objects.get(user=people["member"]).token
    assert old != new
    assert _private(old).status_code == 404
    assert _private(new).status_code == 200
    assert CalendarFeed.objects.filter(user=people["member"]).count() == 1


def test_private_feed_of_deactivated_member_is_404(people):
    member = people["member"]
    token = _reset(client_for(member))
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert _private(token).status_code == 404
