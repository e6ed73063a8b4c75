"""An unverified alert nobody verifies in the plan's time goes up: to the dispatcher on duty and the coordinators,
then to the verifiers of neighboring zones; the board shows each step."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from assembly.defense import alerts, reports, tasks
from assembly.defense.models import Alert, AlertEvent, DispatchShift
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import alert_scene, holder, ids, raise_alert, recipients
from tests.factories import ZoneFactory
from tests.meetings.test_race import _race

pytestmark = pytest.mark.django_db

Status = Alert.Status


@pytest.fixture
def scene():
    """The alert scene with north and south as neighbors, and a second dispatcher and a coordinator."""
    scene = alert_scene()
    scene.north.neighbors.add(scene.south)
    return scene


def _after(alert: Alert, minutes: float) -> time_machine.travel:
    return time_machine.travel(alert.created_at + timedelta(minutes=minutes), tick=False)


def _steps(alert: Alert) -> list[int]:
    return list(AlertEvent.objects.filter(alert=alert, kind=AlertEvent.Kind.ESCALATED).values_list("step", flat=True))


def test_escalation_is_scheduled_on_the_alerts_queue():
    entry = settings.CELERY_BEAT_SCHEDULE["defense-escalate-alerts"]

    assert entry["task"] == "assembly.defense.escalate_alerts"
    assert entry["schedule"] == float(settings.DEFENSE_ESCALATE_EVERY)
    assert settings.CELERY_TASK_ROUTES["assembly.defense.escalate_alerts"] == {"queue": settings.ALERTS_QUEUE}


def test_nothing_happens_before_the_time_to_verify(scene):
    alert = raise_alert(scene)

    with _after(alert, scene.plan.verify_minutes - 0.1):
        assert alerts.alerts_escalate() == 0

    assert Alert.objects.get(pk=alert.pk).escalation == 0
    assert recipients("alert_verify") == ids(scene.verifier)


def test_first_step_asks_the_dispatchers_on_duty_and_the_coordinators(scene):
    on_duty = holder(scene.plan, "dispatcher", None, language="es")
    off_duty = holder(scene.plan, "dispatcher", None, language="en")
    DispatchShift.objects.create(
        plan=scene.plan,
        membership=on_duty,
        starts_at=scene.plan.created_at - timedelta(hours=1),
        ends_at=scene.plan.created_at + timedelta(hours=24),
    )
    alert = raise_alert(scene)

    with _after(alert, scene.plan.verify_minutes):
        tasks.escalate_alerts()

    alert.refresh_from_db()
    assert alert.escalation == 1
    assert _steps(alert) == [1]
    # Not the raiser, not a dispatcher off duty; the verifier asked already is not asked twice.
    assert recipients("alert_verify") == ids(scene.verifier, on_duty, scene.coordinator)
    assert off_duty.pk not in recipients("alert_verify")


def test_nobody_on_duty_means_every_dispatcher(scene):
    other = holder(scene.plan, "dispatcher", None, language="es")
    alert = raise_alert(scene)

    with _after(alert, scene.plan.verify_minutes):
        alerts.alerts_escalate()

    assert recipients("alert_verify") == ids(scene.verifier, other, scene.coordinator)


def test_second_step_asks_the_neighboring_zones_verifiers_who_may_then_verify(scene):
    alert = raise_alert(scene)
    assert not alerts.can_verify(alert, scene.south_verifier)

    with _after(alert, scene.plan.verify_minutes):
        assert alerts.alerts_escalate() == 1
    with _after(alert, 2 * scene.plan.verify_minutes - 0.1):
        assert alerts.alerts_escalate() == 0
    with _after(alert, 2 * scene.plan.verify_minutes):
        assert alerts.alerts_escalate() == 1
    with _after(alert, 10 * scene.plan.verify_minutes):
        assert alerts.alerts_escalate() == 0

    alert.refresh_from_db()
    assert (alert.escalation, _steps(alert)) == (2, [1, 2])
    assert scene.south_verifier.pk in recipients("alert_verify")
    assert alerts.can_verify(alert, scene.south_verifier)
    alerts.alert_verify(alert=alert, membership=scene.south_verifier, confirm=True)
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED


def test_a_zone_that_is_not_a_neighbor_is_never_asked(scene):
    far = ZoneFactory(assembly=scene.assembly)
    scene.plan.zones.add(far)
    far_verifier = holder(scene.plan, "verifier", far, language="en")
    alert = raise_alert(scene)

    with _after(alert, 3 * scene.plan.verify_minutes):
        alerts.alerts_escalate()

    assert far_verifier.pk not in recipients("alert_verify")
    assert not alerts.can_verify(Alert.objects.get(pk=alert.pk), far_verifier)


def test_a_worker_down_for_a_while_takes_both_steps_at_once(scene):
    alert = raise_alert(scene)

    with _after(alert, 3 * scene.plan.verify_minutes):
        assert alerts.alerts_escalate() == 2

    assert _steps(alert) == [1, 2]


@pytest.mark.parametrize("end", ["verified", "cleared", "closed"])
def test_an_alert_verified_or_ended_in_time_goes_no_further(scene, end):
    alert = raise_alert(scene)
    if end == "closed":
        alerts.alert_close(alert=alert)
    else:
        alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=end == "verified")

    with _after(alert, 3 * scene.plan.verify_minutes):
        assert alerts.alerts_escalate() == 0

    assert _steps(alert) == []


def test_the_plans_own_time_to_verify_counts(scene):
    scene.plan.verify_minutes = 1
    scene.plan.save(update_fields=["verify_minutes"])
    alert = raise_alert(scene)

    with _after(alert, 1):
        assert alerts.alerts_escalate() == 1


def test_escalation_steps_are_erased_when_the_alert_ends(scene):
    alert = raise_alert(scene)
    with _after(alert, 3 * scene.plan.verify_minutes):
        alerts.alerts_escalate()

    alerts.alert_close(alert=alert)

    assert not AlertEvent.objects.filter(alert_id=alert.pk).exists()
    assert recipients("alert_verify") == set()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_board_shows_each_step(scene, language):
    alert = raise_alert(scene)
    with _after(alert, 3 * scene.plan.verify_minutes):
        alerts.alerts_escalate()
    with translation.override(language):
        url = reverse("alert_board", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk})

    page = client_for(scene.dispatcher.user).get(url).content.decode()

    words = {
        "en": [
            "Sent to the dispatcher on duty and the coordinators at",
            "Sent to the verifiers of neighboring zones at",
        ],
        "es": [
            "Enviada al despacho de turno y a la coordinación a las",
            "Enviada a quienes verifican en zonas vecinas a las",
        ],
    }[language]
    for text in words:
        assert text in page


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_take_each_step_once():
    scene = alert_scene()
    scene.north.neighbors.add(scene.south)
    alert = raise_alert(scene)

    def escalate(_index: int) -> int:
        return alerts.alerts_escalate(now=alert.created_at + timedelta(minutes=3 * scene.plan.verify_minutes))

    results, errors = _race(4, escalate)

    assert errors == []
    assert sum(results) == 2
    assert _steps(alert) == [1, 2]


def test_a_public_report_nobody_verifies_goes_up_to_the_coordinators(scene):
    alert = reports.alert_report(
        assembly=scene.assembly, zone=scene.north, source=Alert.Source.PUBLIC, language="en", location="By the school"
    )
    # The dispatcher on duty (every dispatcher, nobody having a shift) was asked with the verifier already.
    assert recipients("alert_verify") == ids(scene.verifier, scene.dispatcher)

    with _after(alert, scene.plan.verify_minutes):
        assert alerts.alerts_escalate() == 1

    assert recipients("alert_verify") == ids(scene.verifier, scene.dispatcher, scene.coordinator)
    assert Message.objects.filter(kind="alert_verify", recipient_key=f"membership:{scene.dispatcher.pk}").count() == 1
