"""When a person's access to an assembly ends (left, removed, account deleted), everything that flowed from it ends.

Sign-ups (seats go to the waitlist), messages and reminders about the assembly, private feed entries,
meeting roles (handed to the next person) and defense places, all in the transaction that ends the access.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from assembly.accounts.services import account_delete
from assembly.assemblies.models import Assembly, Membership
from assembly.defense.models import Claim, DefenseRole
from assembly.meetings import services as meetings
from assembly.meetings.models import CalendarFeed, Meeting, Registration
from assembly.notify.models import Message
from assembly.rotation.models import Assignment
from tests.conftest import client_for
from tests.defense.factories import ClaimFactory, DefenseRoleFactory, GamePlanFactory
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.meetings.helpers import flashed
from tests.rotation.helpers import keep_only, willing

pytestmark = pytest.mark.django_db

Status = Registration.Status
ADDRESS = "77 Secret Courtyard"


@pytest.fixture
def scene():
    """An unlisted assembly where `leaver` has a seat (someone waits), a meeting role and a defense place."""
    assembly = AssemblyFactory(visibility=Assembly.Visibility.UNLISTED)
    coordinator = MembershipFactory(assembly=assembly, role=Membership.Role.COORDINATOR)
    facilitator = MembershipFactory(assembly=assembly, role=Membership.Role.FACILITATOR)
    (notes,) = keep_only(assembly, "note-taker")
    leaver = willing(assembly, notes)
    next_in_line = willing(assembly, notes)
    meeting = MeetingFactory(assembly=assembly, capacity=2, address=ADDRESS, reminder_minutes=[60 * 24])
    seat = meetings.registration_create(meeting=meeting, user=leaver.user)
    # Once members sign up, only people signed up are given a role.
    meetings.registration_create(meeting=meeting, user=next_in_line.user)
    waiting = meetings.registration_create(meeting=meeting, user=UserFactory())
    past = RegistrationFactory(meeting=MeetingFactory(assembly=assembly, past=True, address=ADDRESS), user=leaver.user)
    role = Assignment.objects.create(
        meeting=meeting, role_type=notes, membership=leaver, status=Assignment.Status.ACCEPTED
    )
    place = ClaimFactory(role=DefenseRoleFactory(plan=GamePlanFactory(assembly=assembly)), membership=leaver)
    elsewhere = MeetingFactory(capacity=1)
    kept = meetings.registration_create(meeting=elsewhere, user=leaver.user)
    return {
        "assembly": assembly,
        "coordinator": coordinator,
        "facilitator": facilitator,
        "leaver": leaver,
        "next": next_in_line,
        "meeting": meeting,
        "seat": seat,
        "waiting": waiting,
        "past": past,
        "role": role,
        "place": place,
        "kept": kept,
        "notes": notes,
    }


def _feed_titles(user) -> set[str]:
    client = client_for(user)
    client.post(reverse("calendar_reset"))
    token = CalendarFeed.objects.get(user=user).token
    body = client_for(None).get(reverse("calendar_feed", kwargs={"token": token})).content
    return {str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")}


def _ended_for_the_leaver(scene) -> None:
    meeting, leaver = scene["meeting"], scene["leaver"]
    assert not Registration.objects.filter(pk__in=[scene["seat"].pk, scene["past"].pk]).exists()
    assert Registration.objects.get(pk=scene["waiting"].pk).status == Status.CONFIRMED
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 2
    assert Message.objects.filter(kind="registration_promoted", object_id=scene["waiting"].pk).count() == 1
    assert not Message.objects.filter(recipient_key=f"registration:{scene['seat'].pk}").exists()
    assert not Message.objects.filter(recipient_key=f"membership:{leaver.pk}").exists()
    assert not Claim.objects.filter(pk=scene["place"].pk).exists()
    assert DefenseRole.objects.get(pk=scene["place"].role_id).filled == 0
    role = meeting.assignments.get(role_type=scene["notes"], status__in=Assignment.ACTIVE)
    assert (role.membership_id, role.status) == (scene["next"].pk, Assignment.Status.ASKED)
    assert Message.objects.filter(kind="role_asked", recipient_key=f"membership:{scene['next'].pk}").exists()


def test_removed_member_loses_seats_feed_messages_roles_and_places(scene):
    leaver = scene["leaver"]
    titles_before = _feed_titles(leaver.user)
    assert scene["meeting"].title_en in titles_before

    response = client_for(scene["coordinator"].user).post(
        reverse("membership_remove", kwargs={"slug": scene["assembly"].slug, "pk": leaver.pk})
    )

    assert response.status_code == 302
    _ended_for_the_leaver(scene)
    assert _feed_titles(leaver.user) == {scene["kept"].meeting.title_en}
    my_meetings = client_for(leaver.user).get(reverse("my_meetings")).content.decode()
    assert scene["meeting"].title_en not in my_meetings
    assert ADDRESS not in my_meetings
    # The sign-up to another assembly's meeting is the person's own business and stays.
    assert Registration.objects.get(pk=scene["kept"].pk).status == Status.CONFIRMED


def test_member_who_leaves_loses_them_too(scene):
    response = client_for(scene["leaver"].user).post(reverse("assembly_leave", kwargs={"slug": scene["assembly"].slug}))

    assert response.status_code == 302
    _ended_for_the_leaver(scene)


def test_removed_member_gets_no_changed_mail_with_the_new_address(scene):
    client_for(scene["coordinator"].user).post(
        reverse("membership_remove", kwargs={"slug": scene["assembly"].slug, "pk": scene["leaver"].pk})
    )

    meetings.meeting_update(meeting=scene["meeting"], address="1 New Hiding Place")

    changed = Message.objects.filter(kind="meeting_changed").values_list("recipient_key", flat=True)
    assert f"registration:{scene['seat'].pk}" not in changed
    assert f"registration:{scene['waiting'].pk}" in changed


def test_removal_ends_the_pending_reminders_of_the_departing_member(scene):
    seat_key = f"registration:{scene['seat'].pk}"
    assert Message.objects.filter(kind="meeting_reminder", recipient_key=seat_key).exists()

    client_for(scene["coordinator"].user).post(
        reverse("membership_remove", kwargs={"slug": scene["assembly"].slug, "pk": scene["leaver"].pk})
    )

    assert not Message.objects.filter(recipient_key=seat_key).exists()
    waiting_key = f"registration:{scene['waiting'].pk}"
    assert Message.objects.filter(kind="meeting_reminder", recipient_key=waiting_key).exists()


def test_removing_an_organizer_drops_their_capacity_notices(scene):
    organizer = scene["facilitator"]
    key = f"user:{organizer.user_id}"
    assert Message.objects.filter(kind="meeting_capacity", recipient_key=key).exists()

    client_for(scene["coordinator"].user).post(
        reverse("membership_remove", kwargs={"slug": scene["assembly"].slug, "pk": organizer.pk})
    )

    assert not Message.objects.filter(kind="meeting_capacity", recipient_key=key).exists()


def test_a_refused_removal_changes_nothing(scene):
    """The last coordinator cannot be removed: nothing of theirs ends either."""
    coordinator = scene["coordinator"]
    registration = meetings.registration_create(
        meeting=MeetingFactory(assembly=scene["assembly"]), user=coordinator.user
    )

    response = client_for(coordinator.user).post(
        reverse("membership_remove", kwargs={"slug": scene["assembly"].slug, "pk": coordinator.pk})
    )

    assert flashed(response) == ["An assembly needs at least one coordinator. Make someone else a coordinator first."]
    assert Membership.objects.filter(pk=coordinator.pk).exists()
    assert Registration.objects.get(pk=registration.pk).status == Status.CONFIRMED


def test_a_declined_request_to_join_leaves_sign_ups_to_public_meetings_alone():
    assembly = AssemblyFactory()
    asking = MembershipFactory(assembly=assembly, status=Membership.Status.PENDING)
    coordinator = MembershipFactory(assembly=assembly, role=Membership.Role.COORDINATOR)
    registration = meetings.registration_create(meeting=MeetingFactory(assembly=assembly), user=asking.user)

    client_for(coordinator.user).post(reverse("membership_remove", kwargs={"slug": assembly.slug, "pk": asking.pk}))

    assert not Membership.objects.filter(pk=asking.pk).exists()
    assert Registration.objects.get(pk=registration.pk).status == Status.CONFIRMED


def test_a_role_at_a_meeting_under_way_stays_with_the_person_who_held_it(scene):
    meeting = scene["meeting"]
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(minutes=10))

    client_for(scene["leaver"].user).post(reverse("assembly_leave", kwargs={"slug": scene["assembly"].slug}))

    assert not Message.objects.filter(kind="role_asked").exists()


def test_deleted_account_frees_its_seats_and_promotes_the_waitlist(scene):
    account_delete(user=scene["leaver"].user)

    _ended_for_the_leaver(scene)
    # A seat at a meeting of an assembly they never joined is freed too.
    assert Meeting.objects.get(pk=scene["kept"].meeting_id).seats_taken == 0


def test_deleted_account_frees_a_seat_at_a_public_meeting_without_membership():
    meeting = MeetingFactory(capacity=1)
    visitor = UserFactory()
    meetings.registration_create(meeting=meeting, user=visitor)
    waiting = meetings.registration_create(meeting=meeting, user=UserFactory())

    account_delete(user=visitor)

    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 1
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED


def test_deleting_an_assembly_tells_nobody_about_freed_seats_or_roles(scene):
    scene["assembly"].delete()

    assert not Meeting.objects.filter(pk=scene["meeting"].pk).exists()
    assert not Message.objects.filter(kind__in=["registration_promoted", "role_asked", "role_unfilled"]).exists()
