"""The purge erases what a past meeting no longer needs, keeps the counts, and drops stale guest sign-ups."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assembly.meetings import services
from assembly.meetings.models import Meeting, Registration
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

Status = Registration.Status


def _ended_days_ago(assembly, days: float, **fields) -> Meeting:
    ends = timezone.now() - timedelta(days=days)
    return MeetingFactory(assembly=assembly, starts_at=ends - timedelta(hours=2), ends_at=ends, **fields)


def _created_hours_ago(registration: Registration, hours: float) -> None:
    Registration.objects.filter(pk=registration.pk).update(created_at=timezone.now() - timedelta(hours=hours))


def test_purge_erases_old_meeting_details_and_guests_but_keeps_counts(assembly, settings):
    keep = settings.MEETING_DETAILS_KEEP_DAYS
    old = _ended_days_ago(assembly, keep + 1, online_url="https://call.example/old", capacity=5)
    member = RegistrationFactory(meeting=old, user=UserFactory(display_name="Marta"), children=2)
    guest = RegistrationFactory(meeting=old, guest=True, guest_alias="Rosa", guest_email="rosa@example.net")
    waiting = RegistrationFactory(meeting=old, guest=True, status=Status.WAITLISTED)
    recent = _ended_days_ago(assembly, keep - 1, online_url="https://call.example/recent")
    recent_guest = RegistrationFactory(meeting=recent, guest=True, guest_alias="Lupe")

    assert services.meetings_purge() == (1, 2)

    old.refresh_from_db()
    assert (old.address, old.online_url) == ("", "")
    assert (old.seats_taken, old.capacity) == (2, 5)
    assert list(old.registrations.order_by("pk").values_list("status", flat=True)) == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
    ]
    guest.refresh_from_db()
    assert (guest.guest_email, guest.guest_alias) == (None, "-")
    waiting.refresh_from_db()
    assert waiting.guest_email is None
    member.refresh_from_db()
    assert (member.user.display_name, member.children) == ("Marta", 2)

    recent.refresh_from_db()
    assert (recent.address, recent.online_url) == ("1200 W Hidden St", "https://call.example/recent")
    recent_guest.refresh_from_db()
    assert recent_guest.guest_alias == "Lupe"
    assert recent_guest.guest_email


def test_purge_twice_changes_nothing_more(assembly, settings):
    old = _ended_days_ago(assembly, settings.MEETING_DETAILS_KEEP_DAYS + 1)
    RegistrationFactory(meeting=old, guest=True)
    services.meetings_purge()
    assert services.meetings_purge() == (0, 0)


def test_purge_erases_online_link_of_online_only_meeting(assembly, settings):
    old = _ended_days_ago(assembly, settings.MEETING_DETAILS_KEEP_DAYS + 1, address="", online_url="https://call.x/1")
    services.meetings_purge()
    old.refresh_from_db()
    assert old.online_url == ""


def test_purge_drops_unconfirmed_guest_sign_ups_older_than_guest_confirm_hours(assembly, settings):
    meeting = MeetingFactory(assembly=assembly)
    stale = RegistrationFactory(meeting=meeting, guest=True, status=Status.UNCONFIRMED)
    _created_hours_ago(stale, settings.GUEST_CONFIRM_HOURS + 1)
    fresh = RegistrationFactory(meeting=meeting, guest=True, status=Status.UNCONFIRMED)
    _created_hours_ago(fresh, settings.GUEST_CONFIRM_HOURS - 1)
    old_but_confirmed = RegistrationFactory(meeting=meeting, guest=True)
    _created_hours_ago(old_but_confirmed, settings.GUEST_CONFIRM_HOURS + 1)

    services.meetings_purge()

    assert set(Registration.objects.values_list("pk", flat=True)) == {fresh.pk, old_but_confirmed.pk}
    meeting.refresh_from_db()
    assert meeting.seats_taken == 1


def test_purge_keeps_guest_who_signed_up_again_recently(assembly, settings):
    meeting = MeetingFactory(assembly=assembly)
    first = services.guest_registration_create(meeting=meeting, alias="Rosa", email="rosa@example.net", language="en")
    _created_hours_ago(first, settings.GUEST_CONFIRM_HOURS - 1)
    services.guest_registration_create(meeting=meeting, alias="Rosa", email="rosa@example.net", language="en")
    # Two hours on, the second link is fresh; the first sign-up's created_at is past the limit.
    services.meetings_purge(now=timezone.now() + timedelta(hours=2))
    assert Registration.objects.filter(pk=first.pk).exists()
