"""Raising an alert from the form: when it was seen, one alert per tap of the button, and a second alert in a zone
that already has one open only on purpose.
"""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from assembly.defense import alerts
from assembly.defense.forms import new_raise_key
from assembly.defense.models import Alert, GamePlan
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import DETAILS, AlertScene, alert_scene, holder, raise_alert
from tests.defense.factories import ClaimFactory, DefenseRoleFactory, GamePlanFactory

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
    return {"zone": scene.north.pk, **DETAILS, "verified": "on", "key": new_raise_key(), **overrides}


def _page(response) -> str:
    return " ".join(html.unescape(response.content.decode()).split())


# When it was seen -----------------------------------------------------------------------------------


@pytest.mark.clock
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("seen_at", "refusal"), [("9999-12-31T23:59", TOO_LATE), ("0001-01-01T00:00", TOO_EARLY)])
def test_raise_far_dates_are_refused_in_the_readers_language(scene, language, seen_at, refusal):
    response = client_for(scene.dispatcher.user).post(_url(scene.plan, language), _data(scene, seen_at=seen_at))

    assert response.status_code == 400
    assert refusal[language] in _page(response)
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.clock
@pytest.mark.parametrize("seen_at", [datetime(9999, 12, 31, 23, 59), datetime(1, 1, 1)])
@pytest.mark.parametrize("time_zone", ["America/Chicago", "Asia/Tokyo"])
def test_raise_service_refuses_far_dates_in_any_time_zone(scene, seen_at, time_zone):
    with pytest.raises(ValidationError) as error:
        raise_alert(scene, seen_at=seen_at.replace(tzinfo=ZoneInfo(time_zone)))

    assert list(error.value.message_dict) == ["seen_at"]
    assert not Alert.objects.exists()


@pytest.mark.clock
def test_raise_reads_the_time_seen_in_the_assemblys_time_zone(scene):
    seen = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=20)

    response = client_for(scene.dispatcher.user).post(_url(scene.plan), _data(scene, seen_at=_local(scene, seen)))

    assert response.status_code == 302
    assert Alert.objects.get().seen_at == seen


@pytest.mark.clock
def test_raise_allows_a_clock_a_little_fast_but_not_more(scene):
    client = client_for(scene.dispatcher.user)
    now = timezone.now()

    ahead = client.post(_url(scene.plan), _data(scene, seen_at=_local(scene, now + timedelta(minutes=10))))
    slightly = client.post(_url(scene.plan), _data(scene, seen_at=_local(scene, now + timedelta(minutes=3))))

    assert ahead.status_code == 400
    assert TOO_LATE["en"] in _page(ahead)
    assert slightly.status_code == 302
    assert Alert.objects.count() == 1


@pytest.mark.clock
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


# One form, one alert --------------------------------------------------------------------------------


def _key_on(page: str) -> str:
    [key] = re.findall(r'<input type="hidden" name="key" value="([^"]*)">', page)
    return key


def test_raise_form_carries_a_fresh_random_key_each_time_it_is_shown(scene):
    client = client_for(scene.dispatcher.user)

    keys = {_key_on(client.get(_url(scene.plan)).content.decode()) for _n in range(3)}

    assert len(keys) == 3
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,64}", key) for key in keys)


def test_raise_sent_again_with_its_key_lands_on_the_same_board_and_sends_nothing_more(scene):
    client = client_for(scene.dispatcher.user)
    data = _data(scene, key=_key_on(client.get(_url(scene.plan)).content.decode()))
    first = client.post(_url(scene.plan), data)
    [alert] = Alert.objects.all()
    messages = list(Message.objects.order_by("pk").values_list("pk", "kind", "recipient_key"))

    again = client.post(_url(scene.plan), data, follow=True)

    assert Alert.objects.get() == alert
    assert first["Location"] == again.redirect_chain[0][0]
    assert again.status_code == 200
    assert "This alert was already sent. Here is its board." in _page(again)
    assert 'role="alert"' not in again.content.decode()
    assert list(Message.objects.order_by("pk").values_list("pk", "kind", "recipient_key")) == messages


def test_raise_same_key_through_the_service_returns_the_first_alert(scene):
    first = raise_alert(scene, verified=True, key="k" * 22)
    count = Message.objects.count()

    again, created = alerts.alert_raise(
        plan=scene.plan, zone=scene.south, raised_by=scene.dispatcher, verified=True, practice=False, key="k" * 22
    )

    assert (again, created) == (first, False)
    assert Message.objects.count() == count


def test_raise_keys_are_per_plan(scene):
    other = GamePlanFactory(assembly=scene.assembly)
    other.zones.set([scene.north])
    ClaimFactory(role=DefenseRoleFactory(plan=other, key="dispatcher", zone=None), membership=scene.dispatcher)
    raise_alert(scene, key="k" * 22)

    _alert, created = alerts.alert_raise(
        plan=other,
        zone=scene.north,
        raised_by=scene.dispatcher,
        verified=False,
        practice=False,
        key="k" * 22,
        location_en="Fifth and Main",
    )

    assert created
    assert Alert.objects.count() == 2


@pytest.mark.parametrize("key", [None, "", "short", "bad key with spaces!!", "k" * 65])
def test_raise_without_a_good_key_asks_to_send_again_with_a_fresh_one(scene, key):
    data = _data(scene, key=key)
    if key is None:
        del data["key"]

    response = client_for(scene.dispatcher.user).post(_url(scene.plan), data)

    assert response.status_code == 400
    assert "This form is out of date. Check what you wrote and send it again." in _page(response)
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,64}", _key_on(response.content.decode()))
    assert not Alert.objects.exists()


# An alert already open in the zone -----------------------------------------------------------------

OPEN_WARNING = {
    "en": ("An alert is already open", "Before you raise a new one, check on its board that it is not the same"),
    "es": ("Ya hay una alerta abierta", "Antes de enviar otra, revisa en su tablero que no sea el mismo avistamiento"),
}
CONFIRM = {
    "en": (
        "Raise another alert anyway",
        "An alert is already open in this zone: check on its board that this is not the same sighting. "
        "To send a new one anyway, tick “Raise another alert anyway”.",
    ),
    "es": (
        "Enviar otra alerta de todos modos",
        "Ya hay una alerta abierta en esta zona: revisa en su tablero que no sea el mismo avistamiento. "
        "Para enviar otra de todos modos, marca “Enviar otra alerta de todos modos”.",
    ),
}


def _board(alert: Alert, language: str = "en") -> str:
    with translation.override(language):
        return reverse("alert_board", kwargs={"slug": alert.plan.assembly.slug, "alert_pk": alert.pk})


@pytest.mark.parametrize("language", ["en", "es"])
def test_raise_form_warns_of_an_open_alert_with_a_link_to_its_board(scene, language):
    open_one = raise_alert(scene, verified=True)

    page = _page(client_for(scene.dispatcher.user).get(_url(scene.plan, language)))

    heading, advice = OPEN_WARNING[language]
    assert heading in page and advice in page
    assert f'href="{_board(open_one, language)}"' in page
    assert CONFIRM[language][0] in page


def test_raise_form_says_nothing_of_ended_or_expired_alerts(scene):
    closed = raise_alert(scene, verified=True)
    alerts.alert_close(alert=closed)
    stale = raise_alert(scene, zone=scene.south)
    # Past its time but not yet swept: over all the same.
    Alert.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    page = _page(client_for(scene.dispatcher.user).get(_url(scene.plan)))

    assert OPEN_WARNING["en"][0] not in page
    assert CONFIRM["en"][0] not in page


def test_raise_form_shows_a_zone_dispatcher_only_their_zones_open_alerts(scene):
    south_dispatcher = holder(scene.plan, "dispatcher", scene.south, language="en")
    north_alert = raise_alert(scene, verified=True)

    page = _page(client_for(south_dispatcher.user).get(_url(scene.plan)))

    assert f'href="{_board(north_alert)}"' not in page
    assert OPEN_WARNING["en"][0] not in page


@pytest.mark.parametrize("language", ["en", "es"])
def test_raise_in_a_zone_with_an_open_alert_asks_to_confirm(scene, language):
    open_one = raise_alert(scene, verified=True)
    messages = Message.objects.count()
    client = client_for(scene.dispatcher.user)

    asked = client.post(_url(scene.plan, language), _data(scene, location_en="Second sighting"))

    assert asked.status_code == 400
    page = _page(asked)
    assert CONFIRM[language][1] in page
    assert f'href="{_board(open_one, language)}"' in page
    assert list(Alert.objects.all()) == [open_one]
    assert Message.objects.count() == messages
    # The same form, ticked, raises it.
    confirmed = client.post(_url(scene.plan, language), {**asked.wsgi_request.POST.dict(), "another": "on"})
    assert confirmed.status_code == 302
    assert Alert.objects.filter(location_en="Second sighting").count() == 1


def test_raise_in_another_zone_needs_no_confirmation(scene):
    raise_alert(scene, verified=True)

    response = client_for(scene.dispatcher.user).post(_url(scene.plan), _data(scene, zone=scene.south.pk))

    assert response.status_code == 302
    assert Alert.objects.filter(zone=scene.south).count() == 1


def test_raise_after_the_zones_alert_ended_needs_no_confirmation(scene):
    alerts.alert_close(alert=raise_alert(scene, verified=True))

    response = client_for(scene.dispatcher.user).post(_url(scene.plan), _data(scene))

    assert response.status_code == 302
    assert Alert.objects.count() == 2
