"""Real threads with their own database connections claim the same role, or raise the same alert, at once: the
places must hold, and one form raises one alert.

Run against the SQLite file the tests use, and against PostgreSQL when DATABASE_URL names it.
"""

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assembly.defense import alerts, services
from assembly.defense.forms import new_raise_key
from assembly.defense.models import Alert, Claim, DefenseRole
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import DETAILS, alert_scene, holder
from tests.defense.factories import ClaimFactory, DefenseRoleFactory
from tests.defense.helpers import holders
from tests.factories import MembershipFactory
from tests.meetings.helpers import flashed
from tests.meetings.test_race import _race

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 20
FULL = "Every place in this role is taken. Look for a role with a gap."
ALREADY = "You already hold this role."


def _fresh(role: DefenseRole) -> DefenseRole:
    return DefenseRole.objects.select_related("plan").get(pk=role.pk)


def _refusals(results) -> Counter:
    return Counter(tuple(result.messages) for result in results if isinstance(result, ValidationError))


def test_race_for_three_places_gives_exactly_three_claims():
    role = DefenseRoleFactory(needed=3)
    members = [MembershipFactory(assembly=role.plan.assembly) for _n in range(RACERS)]

    def claim(index: int) -> Claim:
        return services.claim_create(role=_fresh(role), membership=members[index])

    results, errors = _race(RACERS, claim)
    assert errors == []
    assert len([result for result in results if isinstance(result, Claim)]) == 3
    assert _refusals(results) == {(FULL,): RACERS - 3}
    assert holders(role) == (3, 3)


def test_race_for_three_places_through_the_page_tells_the_others_it_is_full():
    role = DefenseRoleFactory(needed=3)
    assembly, plan = role.plan.assembly, role.plan
    users = [MembershipFactory(assembly=assembly).user for _n in range(RACERS)]
    url = reverse("role_claim", kwargs={"slug": assembly.slug, "pk": plan.pk, "role_pk": role.pk})

    def claim(index: int) -> tuple[int, list[str]]:
        response = client_for(users[index]).post(url)
        return response.status_code, flashed(response)

    results, errors = _race(RACERS, claim)
    assert errors == []
    assert {status for status, _messages in results} == {302}
    assert Counter(message for _status, messages in results for message in messages) == {
        "The role is yours. Its card tells you what to do and where to meet.": 3,
        FULL: RACERS - 3,
    }
    assert holders(role) == (3, 3)


@pytest.mark.parametrize("clicks", [2, RACERS])
def test_race_of_one_member_gives_one_claim(clicks):
    role = DefenseRoleFactory(needed=3)
    member = MembershipFactory(assembly=role.plan.assembly)

    def claim(_index: int) -> Claim:
        return services.claim_create(role=_fresh(role), membership=member)

    results, errors = _race(clicks, claim)
    assert errors == []
    assert len([result for result in results if isinstance(result, Claim)]) == 1
    assert _refusals(results) == {(ALREADY,): clicks - 1}
    assert list(Claim.objects.values_list("role_id", "membership_id")) == [(role.pk, member.pk)]
    assert holders(role) == (1, 1)


def test_race_of_one_member_for_the_last_place_gives_one_claim():
    role = DefenseRoleFactory(needed=3)
    ClaimFactory(role=role)
    ClaimFactory(role=role)
    member = MembershipFactory(assembly=role.plan.assembly)

    def claim(_index: int) -> Claim:
        return services.claim_create(role=_fresh(role), membership=member)

    results, errors = _race(2, claim)
    assert errors == []
    assert len([result for result in results if isinstance(result, Claim)]) == 1
    # The second click finds the place gone or already its own: either way a clear refusal.
    assert set(_refusals(results)) <= {(ALREADY,), (FULL,)}
    assert Claim.objects.filter(membership=member).count() == 1
    assert holders(role) == (3, 3)


def test_race_of_one_member_releasing_twice_gives_back_one_place():
    role = DefenseRoleFactory(needed=3)
    ClaimFactory(role=role)
    mine = ClaimFactory(role=role)

    def release(_index: int) -> None:
        services.claim_release(role=_fresh(role), membership=mine.membership)

    results, errors = _race(2, release)
    assert errors == []
    assert _refusals(results) == {("You do not hold this role.",): 1}
    assert holders(role) == (1, 1)


def test_places_cut_while_members_claim_never_fall_below_the_holders():
    role = DefenseRoleFactory(needed=6)
    members = [MembershipFactory(assembly=role.plan.assembly) for _n in range(RACERS - 1)]

    def act(index: int):
        if index == 0:
            cut = _fresh(role)
            cut.needed = 2
            return services.role_save(role=cut)
        return services.claim_create(role=_fresh(role), membership=members[index - 1])

    results, errors = _race(RACERS, act)
    assert errors == []
    saved = DefenseRole.objects.get(pk=role.pk)
    filled, claims = holders(role)
    assert filled == claims <= saved.needed
    if isinstance(results[0], ValidationError):
        # Claims came first and held more than two places: the cut was refused, the places kept.
        assert saved.needed == 6
        assert claims > 2
    else:
        assert saved.needed == 2
        assert claims == 2


# Alerts: a double tap on "Send the alert" ----------------------------------------------------------


def _alert_form(scene, **overrides) -> dict:
    return {**DETAILS, "zone": scene.north.pk, "verified": "on", "key": new_raise_key(), **overrides}


@pytest.mark.parametrize("taps", [2, 3])
def test_race_of_taps_with_one_form_key_raises_one_alert_and_sends_once(taps):
    scene = alert_scene()
    url = reverse("alert_raise", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk})
    data = _alert_form(scene)

    def tap(_index: int) -> tuple[int, str, list[str]]:
        response = client_for(scene.dispatcher.user).post(url, data)
        return response.status_code, response["Location"], flashed(response)

    results, errors = _race(taps, tap)

    assert errors == []
    [alert] = Alert.objects.all()
    board = reverse("alert_board", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk})
    assert {(status, location) for status, location, _flashed in results} == {(302, board)}
    assert Counter(message for _s, _l, flashed_ in results for message in flashed_) == {
        "The alert is sent. Answers appear on this board as they come.": 1,
        "This alert was already sent. Here is its board.": taps - 1,
    }
    # One set of messages: each person called out, by email, and by text when they gave a number.
    assert sorted(Message.objects.values_list("kind", "recipient_key")) == sorted(
        [("alert", f"membership:{m.pk}") for m in scene.called_out]
        + [("alert_sms", f"membership:{m.pk}") for m in scene.called_out if m.user.phone]
    )


def test_race_of_two_dispatchers_in_one_zone_raises_one_alert_and_asks_the_other_to_confirm():
    scene = alert_scene()
    second = holder(scene.plan, "dispatcher", None, language="en")
    people = [scene.dispatcher, second]

    def raise_(index: int) -> bool:
        _alert, created = alerts.alert_raise(
            plan=scene.plan,
            zone=scene.north,
            raised_by=people[index],
            verified=True,
            practice=False,
            key=new_raise_key(),
            **DETAILS,
        )
        return created

    results, errors = _race(2, raise_)

    assert errors == []
    assert results.count(True) == 1
    [refusal] = [result for result in results if isinstance(result, ValidationError)]
    assert list(refusal.message_dict) == ["another"]
    assert Alert.objects.count() == 1
