"""Real threads with their own database connections act on the same meeting's roles at once: the rules must hold.

Run against the SQLite file the tests use, and against PostgreSQL when DATABASE_URL names it.
"""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from assembly.meetings.models import Meeting
from assembly.rotation import services
from assembly.rotation.models import Assignment, Swap
from tests.factories import AssemblyFactory
from tests.meetings.factories import MeetingFactory
from tests.meetings.test_race import _race
from tests.rotation.helpers import active, holder, keep_only, sent, willing

pytestmark = pytest.mark.django_db(transaction=True)

Status = Assignment.Status
RACERS = 8


def test_race_to_confirm_asks_each_person_once():
    assembly = AssemblyFactory()
    roles = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper")
    for _n in range(5):
        willing(assembly, *roles)
    meeting = MeetingFactory(assembly=assembly)

    def confirm(_index: int) -> int:
        return services.roles_confirm(meeting=Meeting.objects.get(pk=meeting.pk))

    results, errors = _race(RACERS, confirm)
    assert errors == []
    assert sorted(results) == [0] * (RACERS - 1) + [3]
    assert Counter(status for *_rest, status, _reason in active(meeting)) == {Status.ASKED: 3}
    asked = [key for key, _object, _occasion in sent("role_asked")]
    assert len(asked) == len(set(asked)) == 3


def test_race_of_declines_gives_nobody_two_roles():
    assembly = AssemblyFactory()
    roles = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper", "greeter")
    for _n in range(8):
        willing(assembly, *roles)
    meeting = MeetingFactory(assembly=assembly)
    services.roles_confirm(meeting=meeting)
    first = [holder(meeting, role) for role in roles]

    def decline(index: int) -> Assignment:
        assignment = Assignment.objects.select_related("membership", "role_type").get(pk=first[index].pk)
        return services.assignment_answer(assignment=assignment, user=assignment.membership.user, accept=False)

    results, errors = _race(len(first), decline)
    assert errors == []
    assert all(result.status == Status.DECLINED for result in results)
    held = [(role, membership) for role, membership, *_rest in active(meeting)]
    assert None not in [membership for _role, membership in held]
    assert len({membership for _role, membership in held}) == len(roles)
    # Someone who declined a role may be asked for another, never again for the one they declined.
    assert not set(held) & {(a.role_type_id, a.membership_id) for a in first}


def test_race_to_accept_two_swaps_for_one_role_lets_one_happen():
    assembly = AssemblyFactory()
    roles = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper")
    people = [willing(assembly, *roles) for _n in range(3)]
    meeting = MeetingFactory(assembly=assembly)
    services.roles_confirm(meeting=meeting)
    wanted = holder(meeting, roles[0])
    askers = [holder(meeting, role) for role in roles[1:]]
    swaps = [services.swap_request(offered=offered, wanted=wanted, user=offered.membership.user) for offered in askers]

    def agree(index: int) -> Swap:
        swap = Swap.objects.select_related("offered__meeting", "wanted__membership").get(pk=swaps[index].pk)
        return services.swap_answer(swap=swap, user=wanted.membership.user, accept=True)

    results, errors = _race(len(swaps), agree)
    assert errors == []
    assert sorted(type(result).__name__ for result in results) == ["Swap", "ValidationError"]
    assert Counter(Swap.objects.values_list("status", flat=True)) == {Swap.Status.ACCEPTED: 1, Swap.Status.REFUSED: 1}
    holders = [membership for _role, membership, *_rest in active(meeting)]
    assert sorted(holders) == sorted(person.pk for person in people)
    assert isinstance(next(r for r in results if not isinstance(r, Swap)), ValidationError)
