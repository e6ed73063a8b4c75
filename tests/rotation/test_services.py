"""The rotation's rules through its services and the database: who is proposed, asked, replaced and swapped."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assembly.assemblies.models import Membership
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from assembly.rotation import services
from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Swap, Willingness
from assembly.rotation.seeds import SEEDED_ROLES, seed_role_types
from tests.factories import AssemblyFactory, MembershipFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.rotation.factories import AbsenceFactory, AssignmentFactory, RoleTypeFactory, SwapFactory
from tests.rotation.helpers import (
    active,
    away_for,
    holder,
    keep_only,
    meeting_day,
    sent,
    snapshot,
    today_in,
    willing,
)

pytestmark = pytest.mark.django_db

Status = Assignment.Status
Reason = Assignment.Reason


@pytest.fixture
def meeting(assembly):
    return MeetingFactory(assembly=assembly)


def _served(meeting, membership, role, *, days_ago: int = 10, status=Status.ACCEPTED) -> Assignment:
    """A role someone held at an earlier meeting of the same assembly."""
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    earlier = MeetingFactory(assembly=meeting.assembly, starts_at=start, ends_at=start + timedelta(hours=2))
    return AssignmentFactory(meeting=earlier, role_type=role, membership=membership, status=status)


def _asked(meeting, role, membership, **kwargs) -> Assignment:
    return AssignmentFactory(meeting=meeting, role_type=role, membership=membership, **kwargs)


# Seeded role types


def test_new_assembly_gets_the_seeded_roles_in_both_languages():
    assembly = AssemblyFactory()
    roles = list(assembly.role_types.all())
    assert [role.key for role in roles] == [seed["key"] for seed in SEEDED_ROLES]
    assert all(role.name_en and role.name_es and role.name_en != role.name_es for role in roles)
    interpreter = assembly.role_types.get(key="interpreter")
    assert interpreter.language_pair == {"en", "es"}
    assert assembly.role_types.get(key="facilitator").requires_training


def test_seed_role_types_again_adds_nothing(assembly):
    renamed = assembly.role_types.get(key="greeter")
    renamed.name_en = "Door"
    renamed.save()
    seed_role_types(RoleType, assembly.pk)
    assert assembly.role_types.count() == len(SEEDED_ROLES)
    assert assembly.role_types.get(key="greeter").name_en == "Door"


# What members offer


def test_rotation_settings_save_records_roles_training_and_languages(assembly):
    notes, facilitation = keep_only(assembly, "note-taker", "facilitator")
    elsewhere = RoleTypeFactory()
    membership = MembershipFactory(assembly=assembly)
    services.rotation_settings_save(
        membership=membership,
        willing={notes.pk, facilitation.pk, elsewhere.pk},
        trained={facilitation.pk, elsewhere.pk},
        languages=["es", "en", "es"],
    )
    assert set(Willingness.objects.values_list("role_type_id", "trained")) == {
        (notes.pk, False),
        (facilitation.pk, True),
    }
    assert RotationProfile.objects.get(membership=membership).languages == ["en", "es"]


def test_rotation_settings_save_forgets_roles_no_longer_offered(assembly):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    membership = willing(assembly, notes, time)
    services.rotation_settings_save(membership=membership, willing={time.pk}, trained=set(), languages=[])
    assert list(Willingness.objects.values_list("role_type_id", flat=True)) == [time.pk]
    assert RotationProfile.objects.get(membership=membership).languages == []


@pytest.mark.clock
def test_absence_add_saves_dates_away(assembly):
    membership = MembershipFactory(assembly=assembly)
    today = today_in(assembly)
    absence = services.absence_add(membership=membership, starts_on=today, ends_on=today + timedelta(days=3))
    assert Absence.objects.get().pk == absence.pk


@pytest.mark.clock
@pytest.mark.parametrize(("starts", "ends"), [(5, 4), (-5, -1)], ids=["back-before-leaving", "already-over"])
def test_absence_add_refuses_impossible_dates(starts, ends, assembly):
    membership = MembershipFactory(assembly=assembly)
    # The assembly's day, not UTC's: in the evening in Chicago, UTC's yesterday is still today there.
    today = today_in(assembly)
    with pytest.raises(ValidationError) as refused:
        services.absence_add(
            membership=membership, starts_on=today + timedelta(days=starts), ends_on=today + timedelta(days=ends)
        )
    assert "ends_on" in refused.value.message_dict
    assert not Absence.objects.exists()


@pytest.mark.clock
def test_rotation_purge_erases_absences_a_day_after_they_end_in_any_time_zone(assembly):
    membership = MembershipFactory(assembly=assembly)
    now = timezone.now()
    today = now.date()
    AbsenceFactory(membership=membership, starts_on=today - timedelta(days=9), ends_on=today - timedelta(days=2))
    # Its last day may still be going on west of UTC.
    lasting = AbsenceFactory(
        membership=membership, starts_on=today - timedelta(days=2), ends_on=today - timedelta(days=1)
    )
    assert services.rotation_purge(now=now) == (1, 0)
    assert list(Absence.objects.all()) == [lasting]


@pytest.mark.clock
def test_rotation_purge_forgets_who_said_no_once_a_meeting_is_long_past(assembly):
    (notes,) = keep_only(assembly, "note-taker")
    start = timezone.now() - timedelta(days=30)
    past = MeetingFactory(assembly=assembly, starts_at=start, ends_at=start + timedelta(hours=2))
    declined = AssignmentFactory(
        meeting=past, role_type=notes, membership=willing(assembly, notes), status=Status.DECLINED
    )
    accepted = AssignmentFactory(
        meeting=past, role_type=notes, membership=willing(assembly, notes), status=Status.ACCEPTED
    )
    assert services.rotation_purge() == (0, 1)
    assert list(Assignment.objects.all()) == [accepted]
    assert not Assignment.objects.filter(pk=declined.pk).exists()


# Who is proposed


def test_roles_propose_proposes_only_willing_active_members(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    MembershipFactory(assembly=assembly)
    willing(assembly, notes, status=Membership.Status.PENDING)
    volunteer = willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [(notes.pk, volunteer.pk, False, Status.PROPOSED, "")]


def test_roles_propose_leaves_out_members_away_that_day(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    away = willing(assembly, notes)
    away_for(away, meeting)
    # Away until the day before the meeting: back in time.
    back = willing(assembly, notes)
    AbsenceFactory(
        membership=back,
        starts_on=meeting_day(meeting) - timedelta(days=5),
        ends_on=meeting_day(meeting) - timedelta(days=1),
    )
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == back


def test_roles_propose_counts_the_meeting_day_on_the_assemblys_clock(assembly):
    (notes,) = keep_only(assembly, "note-taker")
    # 02:00 UTC is still the evening before in Chicago.
    start = (timezone.now() + timedelta(days=10)).replace(hour=2, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(assembly=assembly, starts_at=start, ends_at=start + timedelta(hours=2))
    away = willing(assembly, notes)
    evening_before = start.date() - timedelta(days=1)
    AbsenceFactory(membership=away, starts_on=evening_before, ends_on=evening_before)
    other = willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == other


def test_roles_propose_only_proposes_registered_members_once_members_sign_up(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    coming = willing(assembly, notes)
    RegistrationFactory(meeting=meeting, user=coming.user)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == coming


def test_roles_propose_ignores_guest_and_cancelled_sign_ups(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first = willing(assembly, notes)
    RegistrationFactory(meeting=meeting, guest=True)
    RegistrationFactory(meeting=meeting, user=willing(assembly).user, status=Registration.Status.CANCELLED)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == first


def test_roles_propose_gives_nobody_two_roles(assembly, meeting):
    notes, time, stack = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper")
    busy = willing(assembly, notes, time, stack)
    other = willing(assembly, notes, time)
    services.roles_propose(meeting=meeting)
    rows = active(meeting)
    assert sorted(membership for _role, membership, *_rest in rows if membership) == sorted([busy.pk, other.pk])
    assert [reason for *_rest, reason in rows if reason] == [Reason.ALL_BUSY]


def test_roles_propose_asks_who_served_the_role_fewest_times_first(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    twice, once = willing(assembly, notes), willing(assembly, notes)
    _served(meeting, twice, notes, days_ago=30)
    _served(meeting, twice, notes, days_ago=20)
    _served(meeting, once, notes, days_ago=10)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == once


def test_roles_propose_then_who_served_it_longest_ago(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    lately, long_ago = willing(assembly, notes), willing(assembly, notes)
    _served(meeting, lately, notes, days_ago=5)
    _served(meeting, long_ago, notes, days_ago=40)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == long_ago


def test_roles_propose_then_who_has_fewest_roles_overall(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    seasoned, newcomer = willing(assembly, notes), willing(assembly, notes)
    _served(meeting, seasoned, time, days_ago=5)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == newcomer


def test_history_ignores_cancelled_meetings_declines_shadows_and_later_meetings(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, second = willing(assembly, notes), willing(assembly, notes)
    cancelled = _served(meeting, first, notes, days_ago=20).meeting
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    _served(meeting, first, notes, days_ago=15, status=Status.DECLINED)
    _served(meeting, first, notes, days_ago=12, status=Status.REPLACED)
    _served(meeting, first, notes, days_ago=10)
    shadowing = _served(meeting, first, notes, days_ago=8)
    Assignment.objects.filter(pk=shadowing.pk).update(shadow=True)
    later = meeting.starts_at + timedelta(days=7)
    _asked(MeetingFactory(assembly=assembly, starts_at=later, ends_at=later + timedelta(hours=2)), notes, second)
    history = services.history_before(meeting)
    assert [(service.person_id, service.role_id) for service in history] == [(first.pk, notes.pk)]


def test_roles_propose_pairs_a_trainee_to_shadow_a_role_that_needs_training(assembly, meeting):
    (facilitation,) = keep_only(assembly, "facilitator")
    trained = willing(assembly, facilitation, trained=(facilitation,))
    trainee = willing(assembly, facilitation)
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [
        (facilitation.pk, trained.pk, False, Status.PROPOSED, ""),
        (facilitation.pk, trainee.pk, True, Status.PROPOSED, ""),
    ]


def test_roles_propose_gives_no_shadow_to_roles_without_training(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    assert not meeting.assignments.filter(shadow=True).exists()


def test_needed_roles_include_interpreters_only_when_the_meeting_offers_interpretation(assembly):
    roles = {role.key for role in services.needed_roles(MeetingFactory(assembly=assembly))}
    interpreted = {role.key for role in services.needed_roles(MeetingFactory(assembly=assembly, interpretation=True))}
    assert "interpreter" not in roles
    assert interpreted == roles | {"interpreter"}


def test_roles_propose_finds_an_interpreter_who_speaks_both_languages(assembly):
    (interpreter,) = keep_only(assembly, "interpreter")
    meeting = MeetingFactory(assembly=assembly, interpretation=True)
    willing(assembly, interpreter, languages=("en",))
    bilingual = willing(assembly, interpreter, languages=("es", "en"))
    services.roles_propose(meeting=meeting)
    assert holder(meeting, interpreter).membership == bilingual


def test_roles_propose_does_not_propose_retired_roles(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    volunteer = willing(assembly, notes, time)
    time.retired = True
    time.save()
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [(notes.pk, volunteer.pk, False, Status.PROPOSED, "")]


def test_roles_propose_proposes_a_role_a_coordinator_added(assembly, meeting):
    keep_only(assembly)
    added = RoleTypeFactory(assembly=assembly, name_en="Snacks", name_es="Merienda")
    volunteer = willing(assembly, added)
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [(added.pk, volunteer.pk, False, Status.PROPOSED, "")]


@pytest.mark.parametrize(
    ("reason", "volunteer"),
    [
        (Reason.NO_WILLING, {}),
        (Reason.EVERYONE_AWAY, {"away": True}),
        (Reason.NOT_REGISTERED, {"registered": False}),
        (Reason.NOT_TRAINED, {"trained": False}),
        (Reason.NO_LANGUAGE, {"languages": ("en", "fr")}),
    ],
)
def test_roles_propose_says_why_a_role_is_unfilled(reason, volunteer, assembly):
    (interpreter,) = keep_only(assembly, "interpreter")
    interpreter.requires_training = True
    interpreter.save()
    meeting = MeetingFactory(assembly=assembly, interpretation=True)
    if volunteer:
        person = willing(
            assembly,
            interpreter,
            trained=() if volunteer.get("trained") is False else (interpreter,),
            languages=volunteer.get("languages", ("en", "es")),
        )
        if volunteer.get("away"):
            away_for(person, meeting)
        if volunteer.get("registered") is False:
            RegistrationFactory(meeting=meeting, user=MembershipFactory(assembly=assembly).user)
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [(interpreter.pk, None, False, Status.UNFILLED, reason)]


def test_roles_propose_never_leaves_a_needed_role_blank(assembly):
    meeting = MeetingFactory(assembly=assembly, interpretation=True)
    notes = assembly.role_types.get(key="note-taker")
    willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    rows = active(meeting)
    assert sorted(role for role, _person, shadow, *_rest in rows if not shadow) == sorted(
        role.pk for role in services.needed_roles(meeting)
    )
    assert all(person or (status == Status.UNFILLED and reason) for _role, person, _shadow, status, reason in rows)


def test_roles_propose_says_a_role_is_unfilled_when_everyone_able_is_busy(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    both = willing(assembly, notes, time)
    services.roles_propose(meeting=meeting)
    rows = active(meeting)
    assert [membership for _role, membership, *_rest in rows] in ([both.pk, None], [None, both.pk])
    assert [reason for *_rest, reason in rows if reason] == [Reason.ALL_BUSY]


def test_roles_propose_again_says_busy_when_the_only_volunteer_was_already_asked(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    both = willing(assembly, notes, time)
    _asked(meeting, notes, both)
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [
        (notes.pk, both.pk, False, Status.ASKED, ""),
        (time.pk, None, False, Status.UNFILLED, Reason.ALL_BUSY),
    ]


def test_roles_propose_again_keeps_people_asked_and_proposes_the_rest_anew(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    asked = willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    services.roles_confirm(meeting=meeting)
    volunteer = willing(assembly, time)
    services.roles_propose(meeting=meeting)
    assert active(meeting) == [
        (notes.pk, asked.pk, False, Status.ASKED, ""),
        (time.pk, volunteer.pk, False, Status.PROPOSED, ""),
    ]


# Confirming and asking


def test_roles_confirm_proposes_and_asks_in_one_step(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper = willing(assembly, notes), willing(assembly, time)
    assert services.roles_confirm(meeting=meeting) == 2
    assert active(meeting) == [
        (notes.pk, taker.pk, False, Status.ASKED, ""),
        (time.pk, keeper.pk, False, Status.ASKED, ""),
    ]
    assert sorted(sent("role_asked")) == sorted(
        [
            (f"membership:{taker.pk}", holder(meeting, notes).pk, ""),
            (f"membership:{keeper.pk}", holder(meeting, time).pk, ""),
        ]
    )


def test_roles_confirm_asks_the_proposal_as_the_facilitator_changed_it(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, chosen = willing(assembly, notes), willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).membership == first
    services.assignment_change(assignment=holder(meeting, notes), membership=chosen)
    services.roles_confirm(meeting=meeting)
    assert active(meeting) == [(notes.pk, chosen.pk, False, Status.ASKED, "")]
    assert sent("role_asked") == [(f"membership:{chosen.pk}", holder(meeting, notes).pk, "")]


def test_roles_confirm_keeps_unfilled_roles_unfilled_and_asks_nobody_for_them(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker = willing(assembly, notes)
    assert services.roles_confirm(meeting=meeting) == 1
    assert active(meeting) == [
        (notes.pk, taker.pk, False, Status.ASKED, ""),
        (time.pk, None, False, Status.UNFILLED, Reason.NO_WILLING),
    ]
    assert len(sent("role_asked")) == 1


def test_roles_confirm_again_asks_nobody_twice(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    assert services.roles_confirm(meeting=meeting) == 0
    assert len(sent("role_asked")) == 1


def test_roles_confirm_asks_a_shadow_too(assembly, meeting):
    (facilitation,) = keep_only(assembly, "facilitator")
    trained = willing(assembly, facilitation, trained=(facilitation,))
    trainee = willing(assembly, facilitation)
    services.roles_confirm(meeting=meeting)
    assert {key for key, _object, _occasion in sent("role_asked")} == {
        f"membership:{trained.pk}",
        f"membership:{trainee.pk}",
    }


def _week(assembly, weeks: int) -> Meeting:
    start = (timezone.now() + timedelta(weeks=weeks)).replace(microsecond=0)
    return MeetingFactory(assembly=assembly, starts_at=start, ends_at=start + timedelta(hours=2))


def test_rotation_goes_round_fairly_over_a_series_of_meetings(assembly):
    roles = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper")
    members = [willing(assembly, *roles) for _ in range(5)]
    totals, per_role = Counter(), Counter()
    for week in range(1, 11):
        meeting = _week(assembly, week)
        assert services.roles_confirm(meeting=meeting) == 3
        held = list(meeting.assignments.values_list("membership_id", "role_type_id"))
        assert len({membership for membership, _role in held}) == 3
        totals.update(membership for membership, _role in held)
        per_role.update(held)
        # Everyone serves once before anyone serves twice, and so on round after round.
        assert max(totals[m.pk] for m in members) - min(totals[m.pk] for m in members) <= 1, (week, totals)
    # Ten meetings of three roles: six roles each, two of each kind.
    assert all(totals[m.pk] == 6 for m in members)
    assert all(per_role[(m.pk, role.pk)] == 2 for m in members for role in roles), per_role


def _fairer_holder(held: dict[int, int], turns: Counter, able: dict[int, set[int]]) -> tuple | None:
    """A role given to someone while a member with fewer turns at it could have had it, or None.

    That member was free, or held another role that its holder, or someone free, could have
    taken with no more turns at it than they had: so they were not needed there.
    """
    role_of = {person: role for role, person in held.items()}
    for role, person in held.items():
        for other in able[role]:
            if turns[(other, role)] >= turns[(person, role)]:
                continue
            if other not in role_of:
                return (role, person, other)
            elsewhere = role_of[other]
            stand_ins = {p for p in able[elsewhere] if p not in role_of} | ({person} & able[elsewhere])
            if any(turns[(p, elsewhere)] <= turns[(other, elsewhere)] for p in stand_ins):
                return (role, person, other, elsewhere)
    return None


def test_rotation_is_fair_across_the_roles_of_each_meeting(assembly):
    # Issue 9: six members take notes and keep time; two of them also facilitate, a third is learning to.
    facilitation, notes, time = keep_only(assembly, "facilitator", "note-taker", "timekeeper")
    first = willing(assembly, facilitation, notes, time, trained=(facilitation,))
    trainee = willing(assembly, facilitation, notes, time)
    third = willing(assembly, facilitation, notes, time, trained=(facilitation,))
    members = [first, trainee, third] + [willing(assembly, notes, time) for _ in range(3)]
    able = {
        facilitation.pk: {first.pk, third.pk},
        notes.pk: {m.pk for m in members},
        time.pk: {m.pk for m in members},
    }
    turns = Counter()
    for week in range(1, 9):
        meeting = _week(assembly, week)
        services.roles_confirm(meeting=meeting)
        held = dict(meeting.assignments.filter(shadow=False).values_list("role_type_id", "membership_id"))
        assert set(held) == set(able), week
        assert _fairer_holder(held, turns, able) is None, (week, held, turns)
        turns.update((person, role) for role, person in held.items())
    # Eight meetings: the two facilitators take turns, and the others share notes and time evenly.
    assert [turns[(m.pk, facilitation.pk)] for m in (first, third)] == [4, 4]
    for role in (notes, time):
        others = [turns[(m.pk, role.pk)] for m in [*members[3:], trainee]]
        assert max(others) - min(others) <= 1, (role.key, others)


def test_rotation_skips_who_is_away_and_catches_them_up_later(assembly):
    (notes,) = keep_only(assembly, "note-taker")
    first, second, third = (willing(assembly, notes) for _ in range(3))
    meetings = [_week(assembly, week) for week in range(1, 5)]
    away_for(second, meetings[1])
    order = []
    for meeting in meetings:
        services.roles_confirm(meeting=meeting)
        order.append(holder(meeting, notes).membership_id)
    assert order == [first.pk, third.pk, second.pk, first.pk]


# Facilitators change the proposal


def test_eligible_members_lists_who_could_take_the_role_in_rotation_order(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    veteran, newcomer, away = willing(assembly, notes), willing(assembly, notes), willing(assembly, notes)
    busy = willing(assembly, notes, time)
    willing(assembly, time)
    _served(meeting, veteran, notes)
    away_for(away, meeting)
    assignment = _asked(meeting, notes, veteran, status=Status.PROPOSED)
    _asked(meeting, time, busy, status=Status.PROPOSED)
    assert services.eligible_members(assignment) == [newcomer, veteran]


def test_assignment_change_puts_another_member_in_a_proposed_role(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, chosen = willing(assembly, notes), willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    services.assignment_change(assignment=holder(meeting, notes), membership=chosen)
    assert active(meeting) == [(notes.pk, chosen.pk, False, Status.PROPOSED, "")]
    assert not Message.objects.exists()
    assert first.pk not in [membership for _role, membership, *_rest in active(meeting)]


def test_assignment_change_fills_an_unfilled_role(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    services.roles_propose(meeting=meeting)
    assert holder(meeting, notes).status == Status.UNFILLED
    volunteer = willing(assembly, notes)
    services.assignment_change(assignment=holder(meeting, notes), membership=volunteer)
    assert active(meeting) == [(notes.pk, volunteer.pk, False, Status.PROPOSED, "")]


def test_assignment_change_of_an_asked_role_replaces_it_and_forgets_the_unsent_request(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, chosen = willing(assembly, notes), willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    asked = holder(meeting, notes)
    services.assignment_change(assignment=asked, membership=chosen)
    asked.refresh_from_db()
    assert asked.status == Status.REPLACED and asked.membership == first
    assert active(meeting) == [(notes.pk, chosen.pk, False, Status.PROPOSED, "")]
    assert sent("role_asked") == []
    services.roles_confirm(meeting=meeting)
    assert sent("role_asked") == [(f"membership:{chosen.pk}", holder(meeting, notes).pk, "")]


def test_assignment_change_withdraws_open_swaps_of_the_replaced_role(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper, chosen = willing(assembly, notes, time), willing(assembly, notes, time), willing(assembly, notes)
    offered, wanted = _asked(meeting, notes, taker), _asked(meeting, time, keeper)
    swap = SwapFactory(offered=offered, wanted=wanted)
    services.assignment_change(assignment=offered, membership=chosen)
    swap.refresh_from_db()
    assert swap.status == Swap.Status.REFUSED


def _change_refused(assignment, membership) -> None:
    before = snapshot()
    with pytest.raises(ValidationError):
        services.assignment_change(assignment=assignment, membership=membership)
    assert snapshot() == before


def test_assignment_change_refuses_a_member_away_that_day(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    away = willing(assembly, notes)
    away_for(away, meeting)
    services.roles_propose(meeting=meeting)
    _change_refused(holder(meeting, notes), away)


def test_assignment_change_refuses_a_member_not_willing(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    _change_refused(holder(meeting, notes), willing(assembly, time))


def test_assignment_change_refuses_a_member_who_holds_another_role(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    willing(assembly, notes)
    both = willing(assembly, notes, time)
    _asked(meeting, time, both)
    services.roles_propose(meeting=meeting)
    _change_refused(holder(meeting, notes), both)


def test_assignment_change_refuses_an_untrained_member_for_a_role_that_needs_training(assembly, meeting):
    (facilitation,) = keep_only(assembly, "facilitator")
    willing(assembly, facilitation, trained=(facilitation,))
    services.roles_propose(meeting=meeting)
    _change_refused(holder(meeting, facilitation), willing(assembly, facilitation))


def test_assignment_change_refuses_a_pending_member_or_one_of_another_assembly(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    _change_refused(holder(meeting, notes), willing(assembly, notes, status=Membership.Status.PENDING))
    _change_refused(holder(meeting, notes), MembershipFactory())


def test_assignment_change_refuses_a_shadow_or_a_declined_role(assembly, meeting):
    (facilitation,) = keep_only(assembly, "facilitator")
    willing(assembly, facilitation, trained=(facilitation,))
    willing(assembly, facilitation)
    other = willing(assembly, facilitation)
    services.roles_propose(meeting=meeting)
    _change_refused(holder(meeting, facilitation, shadow=True), other)
    declined = _asked(meeting, facilitation, willing(assembly, facilitation), status=Status.DECLINED)
    _change_refused(declined, other)


# Answering


def test_assignment_answer_accept_records_the_answer(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    taker = willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    services.assignment_answer(assignment=holder(meeting, notes), user=taker.user, accept=True)
    assignment = holder(meeting, notes)
    assert assignment.status == Status.ACCEPTED
    assert assignment.answered_at is not None


def test_assignment_answer_refuses_someone_elses_assignment(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    intruders = [MembershipFactory(assembly=assembly).user, MembershipFactory().user]
    before = snapshot()
    for intruder in intruders:
        for accept in [True, False]:
            with pytest.raises(PermissionDenied):
                services.assignment_answer(assignment=holder(meeting, notes), user=intruder, accept=accept)
    assert snapshot() == before


def test_assignment_answer_refuses_an_unfilled_role(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    services.roles_confirm(meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.assignment_answer(
            assignment=holder(meeting, notes), user=MembershipFactory(assembly=assembly).user, accept=True
        )


def test_assignment_answer_refuses_to_accept_a_role_only_proposed(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    taker = willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.assignment_answer(assignment=holder(meeting, notes), user=taker.user, accept=True)
    assert snapshot() == before


def test_assignment_answer_decline_asks_the_next_eligible_member(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, second, third = (willing(assembly, notes) for _ in range(3))
    _served(meeting, third, notes)
    services.roles_confirm(meeting=meeting)
    declined = holder(meeting, notes)
    services.assignment_answer(assignment=declined, user=first.user, accept=False)
    declined.refresh_from_db()
    assert declined.status == Status.DECLINED and declined.answered_at is not None
    assert active(meeting) == [(notes.pk, second.pk, False, Status.ASKED, "")]
    assert sent("role_asked")[-1] == (f"membership:{second.pk}", holder(meeting, notes).pk, "")


def test_assignment_answer_decline_after_accepting_asks_the_next_one(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, second = willing(assembly, notes), willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    services.assignment_answer(assignment=holder(meeting, notes), user=first.user, accept=True)
    services.assignment_answer(assignment=holder(meeting, notes), user=first.user, accept=False)
    assert active(meeting) == [(notes.pk, second.pk, False, Status.ASKED, "")]


def test_assignment_answer_declines_go_down_the_queue_and_never_ask_twice(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    people = [willing(assembly, notes) for _ in range(3)]
    services.roles_confirm(meeting=meeting)
    for person in people:
        assert holder(meeting, notes).membership == person
        services.assignment_answer(assignment=holder(meeting, notes), user=person.user, accept=False)
    assert active(meeting) == [(notes.pk, None, False, Status.UNFILLED, Reason.ALL_DECLINED)]
    assert [key for key, _object, _occasion in sent("role_asked")] == [f"membership:{p.pk}" for p in people]


def test_assignment_answer_decline_does_not_say_everyone_declined_when_the_rest_are_busy(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker = willing(assembly, notes)
    keeper = willing(assembly, notes, time)
    services.roles_confirm(meeting=meeting)
    assert holder(meeting, time).membership == keeper
    services.assignment_answer(assignment=holder(meeting, notes), user=taker.user, accept=False)
    assert holder(meeting, notes).reason == Reason.ALL_BUSY


def test_assignment_answer_decline_by_the_only_volunteer_says_everyone_declined(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    only = willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    services.assignment_answer(assignment=holder(meeting, notes), user=only.user, accept=False)
    assert active(meeting) == [(notes.pk, None, False, Status.UNFILLED, Reason.ALL_DECLINED)]
    assert len(sent("role_asked")) == 1


def test_assignment_answer_decline_of_a_shadow_asks_nobody_else(assembly, meeting):
    (facilitation,) = keep_only(assembly, "facilitator")
    willing(assembly, facilitation, trained=(facilitation,))
    trainee = willing(assembly, facilitation)
    willing(assembly, facilitation)
    services.roles_confirm(meeting=meeting)
    asked = len(sent("role_asked"))
    services.assignment_answer(assignment=holder(meeting, facilitation, shadow=True), user=trainee.user, accept=False)
    assert holder(meeting, facilitation, shadow=True) is None
    assert len(sent("role_asked")) == asked


def test_assignment_answer_decline_withdraws_open_swaps(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper = willing(assembly, notes, time), willing(assembly, notes, time)
    offered, wanted = _asked(meeting, notes, taker), _asked(meeting, time, keeper)
    swap = services.swap_request(offered=offered, wanted=wanted, user=taker.user)
    services.assignment_answer(assignment=offered, user=taker.user, accept=False)
    swap.refresh_from_db()
    assert swap.status == Swap.Status.REFUSED


def test_assignment_answer_twice_is_refused(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    taker = willing(assembly, notes)
    willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    assignment = holder(meeting, notes)
    services.assignment_answer(assignment=assignment, user=taker.user, accept=False)
    before = snapshot()
    for accept in [True, False]:
        with pytest.raises(ValidationError):
            services.assignment_answer(assignment=assignment, user=taker.user, accept=accept)
    assert snapshot() == before


# Swaps


@pytest.fixture
def pair(assembly, meeting):
    """Two members asked for two roles at the meeting, each able to take the other's."""
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper = willing(assembly, notes, time), willing(assembly, notes, time)
    return _asked(meeting, notes, taker), _asked(meeting, time, keeper)


def test_swap_request_changes_nothing_until_the_other_agrees(pair, meeting):
    offered, wanted = pair
    before = active(meeting)
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    assert swap.status == Swap.Status.ASKED
    assert active(meeting) == before
    assert sent("role_swap_asked") == [(f"membership:{wanted.membership_id}", swap.pk, "")]


def test_swap_answer_accept_trades_the_roles(pair, meeting):
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    services.swap_answer(swap=swap, user=wanted.membership.user, accept=True)
    swap.refresh_from_db()
    assert swap.status == Swap.Status.ACCEPTED
    assert active(meeting) == [
        (offered.role_type_id, wanted.membership_id, False, Status.ACCEPTED, ""),
        (wanted.role_type_id, offered.membership_id, False, Status.ACCEPTED, ""),
    ]
    assert sent("role_swap_answered") == [(f"membership:{offered.membership_id}", swap.pk, Swap.Status.ACCEPTED)]


def test_swap_answer_refuse_changes_no_role(pair, meeting):
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    before = active(meeting)
    services.swap_answer(swap=swap, user=wanted.membership.user, accept=False)
    swap.refresh_from_db()
    assert swap.status == Swap.Status.REFUSED
    assert active(meeting) == before
    assert sent("role_swap_answered") == [(f"membership:{offered.membership_id}", swap.pk, Swap.Status.REFUSED)]


def test_swap_answer_refuses_anyone_but_the_person_asked(pair, assembly, meeting):
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    intruders = [offered.membership.user, MembershipFactory(assembly=assembly).user, MembershipFactory().user]
    before = snapshot()
    for intruder in intruders:
        with pytest.raises(PermissionDenied):
            services.swap_answer(swap=swap, user=intruder, accept=True)
    assert snapshot() == before


def test_swap_answer_twice_is_refused(pair):
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    services.swap_answer(swap=swap, user=wanted.membership.user, accept=False)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.swap_answer(swap=swap, user=wanted.membership.user, accept=True)
    assert snapshot() == before


def test_swap_answer_refuses_when_a_role_changed_meanwhile(pair, assembly):
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    services.assignment_answer(assignment=offered, user=offered.membership.user, accept=False)
    with pytest.raises(ValidationError):
        services.swap_answer(swap=swap, user=wanted.membership.user, accept=True)


def test_swap_answer_refuses_when_the_asker_became_unable_meanwhile(pair, meeting):
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    Willingness.objects.filter(membership=offered.membership, role_type=wanted.role_type).delete()
    before = snapshot()
    with pytest.raises(ValidationError):
        services.swap_answer(swap=swap, user=wanted.membership.user, accept=True)
    assert snapshot() == before


def test_swap_accepted_withdraws_other_open_swaps_of_both_roles(pair, assembly, meeting):
    offered, wanted = pair
    stack = assembly.role_types.get(key="stack-keeper")
    stack.retired = False
    stack.save()
    third = willing(assembly, stack, *[offered.role_type, wanted.role_type])
    Willingness.objects.create(membership=offered.membership, role_type=stack)
    Willingness.objects.create(membership=wanted.membership, role_type=stack)
    other = _asked(meeting, stack, third)
    chosen = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    loser = services.swap_request(offered=other, wanted=wanted, user=third.user)
    services.swap_answer(swap=chosen, user=wanted.membership.user, accept=True)
    loser.refresh_from_db()
    assert loser.status == Swap.Status.REFUSED


def _swap_refused(offered, wanted, user) -> None:
    before = snapshot()
    with pytest.raises(ValidationError):
        services.swap_request(offered=offered, wanted=wanted, user=user)
    assert snapshot() == before


def test_swap_request_refuses_a_role_the_asker_cannot_take(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper = willing(assembly, notes), willing(assembly, notes, time)
    _swap_refused(_asked(meeting, notes, taker), _asked(meeting, time, keeper), taker.user)


def test_swap_request_refuses_when_the_other_cannot_take_the_askers_role(assembly, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper = willing(assembly, notes, time), willing(assembly, time)
    _swap_refused(_asked(meeting, notes, taker), _asked(meeting, time, keeper), taker.user)


def test_swap_request_refuses_a_role_that_needs_training_the_asker_lacks(assembly, meeting):
    notes, facilitation = keep_only(assembly, "note-taker", "facilitator")
    taker = willing(assembly, notes, facilitation)
    trained = willing(assembly, notes, facilitation, trained=(facilitation,))
    _swap_refused(_asked(meeting, notes, taker), _asked(meeting, facilitation, trained), taker.user)


def test_swap_request_refuses_when_the_asker_is_away(pair, meeting):
    offered, wanted = pair
    away_for(offered.membership, meeting)
    _swap_refused(offered, wanted, offered.membership.user)


def test_swap_request_refuses_an_offer_of_someone_elses_role(pair, assembly):
    offered, wanted = pair
    intruders = [wanted.membership.user, MembershipFactory(assembly=assembly).user]
    before = snapshot()
    for intruder in intruders:
        with pytest.raises(PermissionDenied):
            services.swap_request(offered=offered, wanted=wanted, user=intruder)
    assert snapshot() == before


def test_swap_request_refuses_roles_only_proposed_or_unfilled(assembly, meeting):
    notes, time, stack = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper")
    taker, keeper = willing(assembly, notes, time, stack), willing(assembly, notes, time, stack)
    offered = _asked(meeting, notes, taker)
    _swap_refused(offered, _asked(meeting, time, keeper, status=Status.PROPOSED), taker.user)
    _swap_refused(offered, _asked(meeting, stack, None, status=Status.UNFILLED, reason=Reason.NO_WILLING), taker.user)


def test_swap_request_refuses_a_shadow(assembly, meeting):
    notes, facilitation = keep_only(assembly, "note-taker", "facilitator")
    taker = willing(assembly, notes, facilitation)
    trainee = willing(assembly, notes, facilitation)
    _asked(meeting, facilitation, willing(assembly, facilitation, trained=(facilitation,)))
    shadow = _asked(meeting, facilitation, trainee, shadow=True)
    _swap_refused(_asked(meeting, notes, taker), shadow, taker.user)


def test_swap_request_refuses_a_role_at_another_meeting_or_ones_own(pair, assembly):
    offered, wanted = pair
    other = _asked(MeetingFactory(assembly=assembly), wanted.role_type, wanted.membership)
    _swap_refused(offered, other, offered.membership.user)
    _swap_refused(offered, offered, offered.membership.user)


def test_swap_request_twice_is_refused(pair):
    offered, wanted = pair
    services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    _swap_refused(offered, wanted, offered.membership.user)


# Past and cancelled meetings


@pytest.fixture
def settled(pair, assembly, meeting):
    """Every kind of rotation action ready to be tried on the meeting: a proposal, an ask, a swap."""
    offered, wanted = pair
    swap = services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user)
    spare = willing(assembly, offered.role_type, wanted.role_type)
    return {"offered": offered, "wanted": wanted, "swap": swap, "spare": spare}


ACTIONS = {
    "propose": lambda meeting, s: services.roles_propose(meeting=meeting),
    "confirm": lambda meeting, s: services.roles_confirm(meeting=meeting),
    "change": lambda meeting, s: services.assignment_change(assignment=s["offered"], membership=s["spare"]),
    "accept": lambda meeting, s: services.assignment_answer(
        assignment=s["offered"], user=s["offered"].membership.user, accept=True
    ),
    "decline": lambda meeting, s: services.assignment_answer(
        assignment=s["offered"], user=s["offered"].membership.user, accept=False
    ),
    "swap_request": lambda meeting, s: services.swap_request(
        offered=s["wanted"], wanted=s["offered"], user=s["wanted"].membership.user
    ),
    "swap_answer": lambda meeting, s: services.swap_answer(
        swap=s["swap"], user=s["wanted"].membership.user, accept=True
    ),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("state", ["past", "cancelled"])
def test_roles_of_a_past_or_cancelled_meeting_cannot_change(action, state, settled, meeting):
    if state == "past":
        Meeting.objects.filter(pk=meeting.pk).update(
            starts_at=timezone.now() - timedelta(days=1), ends_at=timezone.now() - timedelta(hours=22)
        )
    else:
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    meeting.refresh_from_db()
    for assignment in (settled["offered"], settled["wanted"]):
        assignment.meeting.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        ACTIONS[action](meeting, settled)
    assert ("over" if state == "past" else "cancelled") in " ".join(refused.value.messages)
    assert snapshot() == before


def test_decline_that_leaves_a_role_empty_tells_the_organizers(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    only = willing(assembly, notes)
    organizer = MembershipFactory(assembly=assembly, role=Membership.Role.FACILITATOR)
    services.roles_confirm(meeting=meeting)
    asked = holder(meeting, notes)

    services.assignment_answer(assignment=asked, user=only.user, accept=False)

    empty = holder(meeting, notes)
    assert (empty.status, empty.reason) == (Status.UNFILLED, Assignment.Reason.ALL_DECLINED)
    assert sent("role_unfilled") == [(f"membership:{organizer.pk}", empty.pk, "")]


def test_answer_for_a_role_that_changed_hands_is_refused(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first, second = willing(assembly, notes), willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    stale = Assignment.objects.select_related("membership").get(meeting=meeting)
    # The row went to the other member after the page was read (as a swap would do).
    other = second if stale.membership_id == first.pk else first
    Assignment.objects.filter(pk=stale.pk).update(membership=other)
    before = snapshot()

    with pytest.raises(PermissionDenied):
        services.assignment_answer(assignment=stale, user=stale.membership.user, accept=False)

    assert snapshot() == before


def test_an_unanswered_request_at_a_past_meeting_does_not_count_as_served(assembly, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    ignored, served = willing(assembly, notes), willing(assembly, notes)
    _served(meeting, ignored, notes, days_ago=20, status=Status.ASKED)
    _served(meeting, served, notes, days_ago=30)

    services.roles_propose(meeting=meeting)

    assert holder(meeting, notes).membership == ignored
