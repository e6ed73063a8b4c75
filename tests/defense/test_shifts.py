"""A plan's shift calendar: dispatchers sign up for shifts on the assembly's clock, cancel their own (coordinators
anyone's), and whoever is on duty holds the alerts; when someone stops dispatching their shifts and alerts go."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assembly.accounts.models import User
from assembly.assemblies import services as assembly_services
from assembly.assemblies.models import Membership
from assembly.common.models import AuditEntry
from assembly.defense import alerts, services, shifts
from assembly.defense.models import Alert, Claim, DispatchShift
from tests.conftest import client_for
from tests.defense.alert_helpers import AlertScene, alert_scene, holder, raise_alert
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene() -> AlertScene:
    return alert_scene()


def _url(scene: AlertScene, name: str = "plan_shifts", **kwargs) -> str:
    return reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk, **kwargs})


def _wall(scene: AlertScene, moment: datetime) -> str:
    """A moment as a dispatcher types it: the assembly's wall clock."""
    return timezone.localtime(moment, ZoneInfo(scene.assembly.time_zone)).strftime("%Y-%m-%dT%H:%M")


def _form(scene: AlertScene, start: timedelta, hours: float) -> dict:
    begin = timezone.now().replace(second=0, microsecond=0) + start
    return {"starts_at": _wall(scene, begin), "ends_at": _wall(scene, begin + timedelta(hours=hours))}


def _shift(scene: AlertScene, membership: Membership, start: timedelta, hours: float) -> DispatchShift:
    begin = timezone.now() + start
    return DispatchShift.objects.create(
        plan=scene.plan, membership=membership, starts_at=begin, ends_at=begin + timedelta(hours=hours)
    )


def _snapshot() -> list:
    return list(DispatchShift.objects.order_by("pk").values_list("pk", "membership_id", "starts_at", "ends_at"))


# The page: who sees it


@pytest.mark.parametrize(
    ("who", "status"),
    [("dispatcher", 200), ("coordinator", 200), ("responder", 403), ("bystander", 403), ("verifier", 403)],
)
def test_shift_page_is_for_the_plans_dispatchers_and_coordinators(scene, who, status):
    response = client_for(getattr(scene, who).user).get(_url(scene))

    assert response.status_code == status


def test_shift_page_is_404_for_a_stranger_and_sends_the_anonymous_to_log_in(scene):
    assert client_for(UserFactory()).get(_url(scene)).status_code == 404
    assert client_for(alert_scene().coordinator.user).get(_url(scene)).status_code == 404
    response = Client().get(_url(scene))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_shift_page_look_is_audited(scene):
    client_for(scene.dispatcher.user).get(_url(scene))

    assert AuditEntry.objects.filter(action="defense.shifts.view", target_id=scene.plan.pk).count() == 1


def test_shift_page_shows_who_is_on_duty_and_the_next_two_weeks(scene):
    other = holder(scene.plan, "dispatcher", None, language="es")
    _shift(scene, scene.dispatcher, timedelta(hours=-1), 4)
    _shift(scene, other, timedelta(days=3), 8)
    _shift(scene, other, timedelta(days=20), 8)

    page = client_for(scene.coordinator.user).get(_url(scene)).content.decode()

    on_duty = page.split('id="on-duty"')[1].split("</section>")[0]
    assert scene.dispatcher.user.display_name in on_duty
    assert other.user.display_name not in on_duty
    assert page.count("data-shift=") == 2


def test_when_nobody_is_on_duty_the_page_says_alerts_go_to_every_dispatcher(scene):
    page = client_for(scene.dispatcher.user).get(_url(scene)).content.decode()

    assert "Nobody has a shift now, so alerts go to every dispatcher of the plan." in page


# Signing up


@pytest.mark.clock
def test_dispatcher_signs_up_for_a_shift_on_the_assemblys_clock(scene):
    data = _form(scene, timedelta(days=1), 8)

    response = client_for(scene.dispatcher.user).post(_url(scene), data)

    assert response.status_code == 302
    [shift] = DispatchShift.objects.all()
    assert (shift.membership, _wall(scene, shift.starts_at), shift.ends_at - shift.starts_at) == (
        scene.dispatcher,
        data["starts_at"],
        timedelta(hours=8),
    )


def test_a_dispatcher_on_duty_for_another_zone_is_neither_told_nor_made_to_hold(scene):
    # South's own dispatcher is on shift; the whole area's dispatcher (scene.dispatcher) is not.
    south_only = holder(scene.plan, "dispatcher", scene.south, language="es")
    _shift(scene, south_only, timedelta(minutes=-5), 2)

    assert shifts.on_duty(scene.plan, zone=scene.south) == [south_only.pk]
    # Nobody on shift can act in the north: every dispatcher who can is asked.
    assert shifts.on_duty(scene.plan, zone=scene.north) == [scene.dispatcher.pk]
    alert, _created = alerts.alert_raise(
        plan=scene.plan, zone=scene.north, raised_by=scene.coordinator, verified=False, practice=False, location="x"
    )
    assert alert.held_by == scene.dispatcher


def test_a_shift_on_now_puts_its_dispatcher_on_duty_and_alerts_are_held_by_them(scene):
    other = holder(scene.plan, "dispatcher", None, language="es")
    _shift(scene, other, timedelta(minutes=-5), 2)
    assert shifts.on_duty(scene.plan) == [other.pk]

    alert, _created = alerts.alert_raise(
        plan=scene.plan, zone=scene.north, raised_by=scene.coordinator, verified=False, practice=False, location="x"
    )

    assert alert.held_by == other


def test_a_dispatcher_who_raises_an_alert_holds_it(scene):
    alert = raise_alert(scene)

    assert alert.held_by == scene.dispatcher


BAD = {
    "ends before it starts": (
        {"start": timedelta(days=1), "hours": -2},
        "The shift must end after it starts.",
        "El turno debe terminar después de empezar.",
    ),
    "longer than a day": (
        {"start": timedelta(days=1), "hours": 25},
        "A shift lasts at most 24 hours. Sign up for two shifts instead.",
        "Un turno dura 24 horas como mucho. Apúntate a dos turnos.",
    ),
    "in the past": (
        {"start": timedelta(days=-1), "hours": 2},
        "That time has passed. Start the shift at",
        "Esa hora ya pasó. Empieza el turno a las",
    ),
}


@pytest.mark.clock
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_shift_is_refused_with_a_clear_message(scene, case, language):
    times, english, spanish = BAD[case]
    data = _form(scene, times["start"], times["hours"])
    with translation.override(language):
        url = _url(scene)

    response = client_for(scene.dispatcher.user).post(url, data)

    assert response.status_code == 400
    assert (english if language == "en" else spanish) in response.content.decode()
    assert _snapshot() == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_overlapping_shift_of_the_same_person_is_refused(scene, language):
    _shift(scene, scene.dispatcher, timedelta(days=1), 8)
    before = _snapshot()
    with translation.override(language):
        url = _url(scene)

    response = client_for(scene.dispatcher.user).post(url, _form(scene, timedelta(days=1, hours=4), 8))

    assert response.status_code == 400
    words = "You already have a shift from" if language == "en" else "Ya tienes un turno de"
    assert words in response.content.decode()
    assert _snapshot() == before


def test_two_dispatchers_may_share_the_same_hours(scene):
    other = holder(scene.plan, "dispatcher", None, language="es")
    _shift(scene, other, timedelta(days=1), 8)

    response = client_for(scene.dispatcher.user).post(_url(scene), _form(scene, timedelta(days=1), 8))

    assert response.status_code == 302
    assert DispatchShift.objects.count() == 2


@pytest.mark.parametrize("data", [{}, {"starts_at": "tomorrow", "ends_at": "later"}])
def test_a_form_with_no_or_unreadable_times_is_refused(scene, data):
    response = client_for(scene.dispatcher.user).post(_url(scene), data)

    assert response.status_code == 400
    assert "Give the day and time the shift starts" in response.content.decode()
    assert _snapshot() == []


def test_a_coordinator_who_does_not_dispatch_cannot_sign_up(scene):
    response = client_for(scene.coordinator.user).post(_url(scene), _form(scene, timedelta(days=1), 8))

    assert response.status_code == 403
    assert _snapshot() == []


def test_signing_up_enforces_csrf(scene):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.dispatcher.user)

    response = client.post(_url(scene), _form(scene, timedelta(days=1), 8))

    assert response.status_code == 403
    assert _snapshot() == []


@pytest.mark.parametrize("method", ["put", "delete"])
def test_other_methods_on_the_shift_page_are_405(scene, method):
    assert getattr(client_for(scene.dispatcher.user), method)(_url(scene)).status_code == 405


# Cancelling


def test_a_dispatcher_cancels_their_own_shift(scene):
    shift = _shift(scene, scene.dispatcher, timedelta(days=1), 8)

    response = client_for(scene.dispatcher.user).post(_url(scene, "shift_cancel", shift_pk=shift.pk))

    assert response.status_code == 302
    assert _snapshot() == []


def test_a_dispatcher_cannot_cancel_anothers_shift_but_a_coordinator_can(scene):
    other = holder(scene.plan, "dispatcher", None, language="es")
    shift = _shift(scene, other, timedelta(days=1), 8)
    url = _url(scene, "shift_cancel", shift_pk=shift.pk)
    before = _snapshot()

    assert client_for(scene.dispatcher.user).post(url).status_code == 403
    assert _snapshot() == before
    assert client_for(scene.coordinator.user).post(url).status_code == 302
    assert _snapshot() == []


def test_cancelling_refuses_strangers_members_get_and_csrf(scene):
    shift = _shift(scene, scene.dispatcher, timedelta(days=1), 8)
    url = _url(scene, "shift_cancel", shift_pk=shift.pk)
    before = _snapshot()
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(scene.dispatcher.user)

    assert client_for(UserFactory()).post(url).status_code == 404
    assert client_for(scene.responder.user).post(url).status_code == 403
    assert client_for(scene.dispatcher.user).get(url).status_code == 405
    assert csrf.post(url).status_code == 403
    assert _snapshot() == before


def test_a_shift_of_another_plan_is_404_here(scene):
    elsewhere = alert_scene(scene.assembly)
    shift = DispatchShift.objects.create(
        plan=elsewhere.plan,
        membership=elsewhere.dispatcher,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
    )

    response = client_for(scene.coordinator.user).post(_url(scene, "shift_cancel", shift_pk=shift.pk))

    assert response.status_code == 404
    assert DispatchShift.objects.filter(pk=shift.pk).exists()


# When someone stops dispatching


def _held(scene: AlertScene) -> Alert:
    alert = raise_alert(scene)
    assert alert.held_by == scene.dispatcher
    _shift(scene, scene.dispatcher, timedelta(days=1), 8)
    _shift(scene, scene.dispatcher, timedelta(hours=-1), 2)
    return alert


def _ended(scene: AlertScene, alert: Alert) -> None:
    assert not DispatchShift.objects.filter(membership_id=scene.dispatcher.pk).exists()
    assert Alert.objects.get(pk=alert.pk).held_by_id is None


def test_releasing_the_dispatcher_role_ends_shifts_and_lets_go_of_alerts(scene):
    alert = _held(scene)
    [claim] = Claim.objects.filter(membership=scene.dispatcher, role__kind__key="dispatcher")

    services.claim_release(role=claim.role, membership=scene.dispatcher)

    _ended(scene, alert)


def test_falling_below_facilitator_ends_shifts_and_lets_go_of_alerts(scene):
    alert = _held(scene)

    assembly_services.membership_set_role(membership=scene.dispatcher, role=Membership.Role.MEMBER)

    _ended(scene, alert)


def test_a_facilitator_made_coordinator_keeps_their_shifts(scene):
    alert = _held(scene)

    assembly_services.membership_set_role(membership=scene.dispatcher, role=Membership.Role.COORDINATOR)

    assert DispatchShift.objects.filter(membership_id=scene.dispatcher.pk).count() == 2
    assert Alert.objects.get(pk=alert.pk).held_by == scene.dispatcher


@pytest.mark.parametrize("how", ["leaves", "is removed", "deletes the account"])
def test_leaving_ends_shifts_and_lets_go_of_alerts(scene, how):
    alert = _held(scene)
    if how == "leaves":
        assembly_services.membership_leave(membership=scene.dispatcher)
    elif how == "is removed":
        assembly_services.membership_remove(membership=scene.dispatcher)
    else:
        User.objects.get(pk=scene.dispatcher.user_id).delete()

    _ended(scene, alert)


def test_releasing_one_plans_dispatcher_role_keeps_another_plans_shifts(scene):
    other_plan = alert_scene(scene.assembly).plan
    elsewhere_role = Claim.objects.get(
        membership=holder(other_plan, "dispatcher", None, language="en"), role__plan=other_plan
    ).role
    services.claim_create(role=elsewhere_role, membership=scene.dispatcher)
    kept = DispatchShift.objects.create(
        plan=other_plan,
        membership=scene.dispatcher,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
    )
    alert = _held(scene)
    [claim] = Claim.objects.filter(membership=scene.dispatcher, role__plan=scene.plan)

    services.claim_release(role=claim.role, membership=scene.dispatcher)

    assert list(DispatchShift.objects.filter(membership_id=scene.dispatcher.pk)) == [kept]
    assert Alert.objects.get(pk=alert.pk).held_by_id is None
