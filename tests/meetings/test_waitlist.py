"""Seats, the waitlist, promotion when a seat frees up, and the notices organizers get as a meeting fills."""

import pytest
from django.core.exceptions import ValidationError

from assembly.assemblies.models import Membership
from assembly.meetings import services
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.meetings.helpers import flashed, meeting_form_data, snapshot, url_in

pytestmark = pytest.mark.django_db

Status = Registration.Status


def _sign_up(meeting: Meeting, count: int) -> list[Registration]:
    return [services.registration_create(meeting=meeting, user=UserFactory()) for _n in range(count)]


def _fresh(registrations: list[Registration]) -> list[str]:
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def _seats(meeting: Meeting) -> int:
    return Meeting.objects.get(pk=meeting.pk).seats_taken


def _promoted(registration: Registration) -> int:
    return Message.objects.filter(
        kind="registration_promoted", recipient_key=f"registration:{registration.pk}", object_id=registration.pk
    ).count()


@pytest.fixture
def meeting(assembly):
    return MeetingFactory(assembly=assembly, capacity=2)


def test_registration_beyond_capacity_joins_the_waitlist(meeting):
    first, second, third = _sign_up(meeting, 3)
    assert _fresh([first, second, third]) == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED]
    assert _seats(meeting) == 2
    assert Message.objects.filter(kind="registration_waitlisted", object_id=third.pk).count() == 1


def test_member_registration_on_full_meeting_says_waitlist(meeting, people):
    _sign_up(meeting, 2)
    response = client_for(people["member"]).post(
        url_in("en", "meeting_register", slug=meeting.assembly.slug, pk=meeting.pk)
    )
    registration = Registration.objects.get(user=people["member"])
    assert registration.status == Status.WAITLISTED
    assert flashed(response) == ["The meeting is full, so you are on the waitlist. We will tell you if a seat opens."]


def test_cancelled_seat_goes_to_the_earliest_waitlisted(meeting):
    first, _second, third, fourth = _sign_up(meeting, 4)
    services.registration_cancel(registration=first)
    assert _fresh([first, third, fourth]) == [Status.CANCELLED, Status.CONFIRMED, Status.WAITLISTED]
    assert _seats(meeting) == 2
    assert (_promoted(third), _promoted(fourth)) == (1, 0)
    # The promoted person gets the reminders the others already have.
    assert Message.objects.filter(kind="meeting_reminder", recipient_key=f"registration:{third.pk}").count() == 2


def test_waitlisted_cancelling_keeps_the_seats(meeting):
    first, second, third = _sign_up(meeting, 3)
    services.registration_cancel(registration=third)
    assert _fresh([first, second, third]) == [Status.CONFIRMED, Status.CONFIRMED, Status.CANCELLED]
    assert _seats(meeting) == 2
    assert not Message.objects.filter(kind="registration_promoted").exists()


def test_cancelled_seat_with_empty_waitlist_frees_a_seat(meeting):
    first, _second = _sign_up(meeting, 2)
    services.registration_cancel(registration=first)
    assert _seats(meeting) == 1
    [newcomer] = _sign_up(meeting, 1)
    assert _fresh([newcomer]) == [Status.CONFIRMED]
    assert _seats(meeting) == 2


def test_rejoining_after_cancelling_goes_to_the_end_of_the_waitlist(meeting):
    _first, _second, third, fourth = _sign_up(meeting, 4)
    services.registration_cancel(registration=third)
    again = services.registration_create(meeting=meeting, user=third.user)
    assert again.pk == third.pk
    services.registration_cancel(registration=_first)
    assert _fresh([fourth, third]) == [Status.CONFIRMED, Status.WAITLISTED]


@pytest.fixture
def organizers(assembly, people):
    return [people["facilitator"], people["coordinator"]]


def _capacity_notices(meeting: Meeting) -> list[tuple[str, str]]:
    return sorted(
        Message.objects.filter(kind="meeting_capacity", object_id=meeting.pk).values_list("recipient_key", "occasion")
    )


def test_organizers_are_told_once_at_80_and_once_at_100_percent(assembly, organizers, people):
    MembershipFactory(assembly=assembly, role=Membership.Role.FACILITATOR, status=Membership.Status.PENDING)
    meeting = MeetingFactory(assembly=assembly, capacity=5)
    registrations = _sign_up(meeting, 3)
    assert _capacity_notices(meeting) == []
    registrations += _sign_up(meeting, 1)
    expected_80 = sorted((f"user:{user.pk}", "80") for user in organizers)
    assert _capacity_notices(meeting) == expected_80
    registrations += _sign_up(meeting, 1)
    expected = sorted(expected_80 + [(f"user:{user.pk}", "100") for user in organizers])
    assert _capacity_notices(meeting) == expected
    # Seats going down and up again do not repeat the notices.
    services.registration_cancel(registration=registrations[0])
    services.registration_cancel(registration=registrations[1])
    _sign_up(meeting, 2)
    assert _seats(meeting) == 5
    assert _capacity_notices(meeting) == expected


def test_meeting_without_capacity_sends_no_capacity_notices(assembly, organizers):
    meeting = MeetingFactory(assembly=assembly, capacity=None)
    _sign_up(meeting, 5)
    assert _capacity_notices(meeting) == []
    assert _seats(meeting) == 5


def test_raising_capacity_promotes_from_the_waitlist(meeting):
    registrations = _sign_up(meeting, 5)
    services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), capacity=3)
    statuses = _fresh(registrations)
    assert statuses == [Status.CONFIRMED] * 3 + [Status.WAITLISTED] * 2
    assert _seats(meeting) == 3
    assert [_promoted(r) for r in registrations] == [0, 0, 1, 0, 0]


def test_removing_capacity_seats_the_whole_waitlist(meeting):
    registrations = _sign_up(meeting, 5)
    services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), capacity=None)
    assert _fresh(registrations) == [Status.CONFIRMED] * 5
    assert _seats(meeting) == 5


def test_raising_capacity_beyond_the_waitlist_leaves_free_seats(meeting):
    registrations = _sign_up(meeting, 3)
    services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), capacity=10)
    assert _fresh(registrations) == [Status.CONFIRMED] * 3
    assert _seats(meeting) == 3


def test_lowering_capacity_below_seats_taken_is_refused(meeting):
    _sign_up(meeting, 2)
    before = snapshot()
    with pytest.raises(ValidationError) as raised:
        services.meeting_update(meeting=Meeting.objects.get(pk=meeting.pk), capacity=1)
    assert raised.value.message_dict == {
        "capacity": ["2 people already have a seat; the meeting needs at least that many."]
    }
    assert snapshot() == before


def test_lowering_capacity_in_the_form_is_refused_with_a_form_error(meeting, people):
    _sign_up(meeting, 2)
    before = snapshot()
    url = url_in("en", "meeting_edit", slug=meeting.assembly.slug, pk=meeting.pk)
    response = client_for(people["facilitator"]).post(url, meeting_form_data(capacity="1"))
    assert response.status_code == 200
    assert response.context["form"].errors["capacity"][0] == (
        "2 people already have a seat; the meeting needs at least that many."
    )
    assert snapshot() == before


def test_meeting_update_keeps_seats_taken_since_the_meeting_was_read(meeting):
    stale = Meeting.objects.get(pk=meeting.pk)
    _sign_up(meeting, 2)
    services.meeting_update(meeting=stale, title_en="New title")
    assert _seats(meeting) == 2
    assert Meeting.objects.get(pk=meeting.pk).title_en == "New title"


def test_meeting_update_refuses_capacity_below_seats_taken_since_read(meeting):
    stale = Meeting.objects.get(pk=meeting.pk)
    _sign_up(meeting, 2)
    with pytest.raises(ValidationError):
        services.meeting_update(meeting=stale, capacity=1)
    assert Meeting.objects.get(pk=meeting.pk).capacity == 2
