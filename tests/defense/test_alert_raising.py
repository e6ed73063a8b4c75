"""Raising an alert from the form: when it was seen, one alert per tap of the button, and a second alert in a zone
that already has one open only on purpose.
"""

import html
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from assembly.defense.models import Alert, GamePlan
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import DETAILS, AlertScene, alert_scene, raise_alert

pytestmark = pytest.mark.django_db

TOO_LATE = {
    "en": "That time has not come yet. Give the time the agents were seen, at the latest",
    "es": "Esa hora todavía no ha llegado. Pon la hora en que se vio a los agentes, como muy tarde",
}
TOO_EARLY = {
    "en": "That is more than 12 hours ago, longer than this plan's alerts last. Give a time after",
    "es": "Eso fue hace más de 12 horas, más de lo que duran las alertas de este plan. Pon una hora posterior a",
}


@pytest.fixture
def scene(db) -> AlertScene:
    return alert_scene()


def _url(plan: GamePlan, language: str = "en") -> str:
    with translation.override(language):
        return reverse("alert_raise", kwargs={"slug": plan.assembly.slug, "pk": plan.pk})


def _local(scene: AlertScene, moment: datetime) -> str:
    """A moment as the dispatcher types it: the wall clock of the assembly's time zone."""
    return timezone.localtime(moment, ZoneInfo(scene.assembly.time_zone)).strftime("%Y-%m-%dT%H:%M")


def _data(scene: AlertScene, **overrides) -> dict:
    return {"zone": scene.north.pk, **DETAILS, "verified": "on", **overrides}


def _page(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


# When it was seen -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("seen_at", "refusal"), [("9999-12-31T23:59", TOO_LATE), ("0001-01-01T00:00", TOO_EARLY)])
def test_raise_far_dates_are_refused_in_the_readers_language(scene, language, seen_at, refusal):
    response = client_for(scene.dispatcher.user).post(_url(scene.plan, language), _data(scene, seen_at=seen_at))

    assert response.status_code == 400
    assert refusal[language] in _page(response)
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("seen_at", [datetime(9999, 12, 31, 23, 59), datetime(1, 1, 1)])
@pytest.mark.parametrize("time_zone", ["America/Chicago", "Asia/Tokyo"])
def test_raise_service_refuses_far_dates_in_any_time_zone(scene, seen_at, time_zone):
    with pytest.raises(ValidationError) as error:
        raise_alert(scene, seen_at=seen_at.replace(tzinfo=ZoneInfo(time_zone)))

    assert list(error.value.message_dict) == ["seen_at"]
    assert not Alert.objects.exists()


def test_raise_reads_the_time_seen_in_the_assemblys_time_zone(scene):
    seen = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=20)

    response = client_for(scene.dispatcher.user).post(_url(scene.plan), _data(scene, seen_at=_local(scene, seen)))

    assert response.status_code == 302
    assert Alert.objects.get().seen_at == seen


def test_raise_allows_a_clock_a_little_fast_but_not_more(scene):
    client = client_for(scene.dispatcher.user)
    now = timezone.now()

    ahead = client.post(_url(scene.plan), _data(scene, seen_at=_local(scene, now + timedelta(minutes=10))))
    slightly = client.post(_url(scene.plan), _data(scene, seen_at=_local(scene, now + timedelta(minutes=3))))

    assert ahead.status_code == 400
    assert TOO_LATE["en"] in _page(ahead)
    assert slightly.status_code == 302
    assert Alert.objects.count() == 1


def test_raise_goes_back_as_far_as_the_plans_alerts_last(scene):
    GamePlan.objects.filter(pk=scene.plan.pk).update(alert_hours=2)
    client = client_for(scene.dispatcher.user)
    now = timezone.now()

    too_old = client.post(_url(scene.plan), _data(scene, seen_at=_local(scene, now - timedelta(minutes=125))))
    inside = client.post(_url(scene.plan), _data(scene, seen_at=_local(scene, now - timedelta(minutes=115))))

    assert too_old.status_code == 400
    assert "That is more than 2 hours ago, longer than this plan's alerts last." in _page(too_old)
    assert inside.status_code == 302
    assert Alert.objects.count() == 1
