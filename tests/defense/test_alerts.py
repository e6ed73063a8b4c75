"""Alerts: who each one reaches, in which language and by which channel, how it ends and is erased, and the
signed link people answer from without logging in.

Messages go through the real outbox, the real Redis queue and the real SMTP server; this process does the alert
worker's part (`deliver_alerts`), and text messages land in the file backend. A real worker is in
test_alert_delivery.py.
"""

import re
from datetime import datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac

from assembly.accounts.models import User
from assembly.accounts.services import account_delete
from assembly.assemblies.models import Membership
from assembly.defense import alerts, links, services
from assembly.defense.forms import new_raise_key
from assembly.defense.models import Alert, AlertAnswer, Claim, GamePlan
from assembly.notify.links import preferences_token
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep, render_email, render_text
from tests.conftest import client_for
from tests.defense.alert_helpers import (
    DETAIL_COLUMNS,
    DETAILS,
    AlertScene,
    alert_scene,
    answer,
    deliver_alerts,
    details_left,
    holder,
    ids,
    raise_alert,
    recipients,
    texts,
    texts_to,
)
from tests.defense.factories import GamePlanFactory
from tests.factories import ZoneFactory
from tests.notify import conftest as notify_fixtures
from tests.notify.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

smtp_sink = notify_fixtures.smtp_sink

Status = Alert.Status
SENT = Message.State.SENT
# Words of the details in either language: none may survive the end of an alert.
DETAIL_WORDS = ["Fifth", "Quinta", "Knocking", "Tocando", "POLICE", "vans", "camionetas"]
DRILL = {
    "en": ("[DRILL] ", "*** DRILL: THIS IS PRACTICE, NOT A REAL RAID ***"),
    "es": ("[SIMULACRO] ", "*** SIMULACRO: ES UNA PRÁCTICA, NO UNA REDADA REAL ***"),
}
BAD_LINK = "This link is not valid. Use the link in the newest message we sent you."
OVER = "This alert is over. Thank you for being ready."


@pytest.fixture
def scene(db) -> AlertScene:
    return alert_scene()


def _emails(sink) -> list[str]:
    return sorted(delivery.rcpt_tos[0] for delivery in sink.deliveries)


def _emails_of(*memberships: Membership) -> list[str]:
    return sorted(membership.user.email for membership in memberships)


def _pks(kind: str) -> set[int]:
    return set(Message.objects.filter(kind=kind).values_list("pk", flat=True))


def _link(alert: Alert, membership: Membership, *, language: str = "en") -> str:
    """The path of the answer link in this person's messages."""
    return urlsplit(links.answer_url(alert.pk, membership.pk, language=language)).path


def _path_for(token: str, *, language: str = "en") -> str:
    with translation.override(language):
        return reverse("alert_answer", kwargs={"token": token})


def _links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def _seen_at() -> datetime:
    """Ten minutes ago, to the minute, as the form reads it."""
    return timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)


def _typed(scene: AlertScene, moment: datetime) -> str:
    """A moment as the dispatcher types it: the wall clock of the assembly's time zone."""
    return timezone.localtime(moment, ZoneInfo(scene.assembly.time_zone)).strftime("%Y-%m-%dT%H:%M")


def _raise_data(scene: AlertScene, **overrides) -> dict:
    return {
        "zone": scene.north.pk,
        **DETAILS,
        "seen_at": _typed(scene, _seen_at()),
        "key": new_raise_key(),
        "verified": "on",
        **overrides,
    }


def _raise_url(plan: GamePlan) -> str:
    return reverse("alert_raise", kwargs={"slug": plan.assembly.slug, "pk": plan.pk})


def _board_url(alert: Alert, name: str = "alert_board") -> str:
    return reverse(name, kwargs={"slug": alert.plan.assembly.slug, "alert_pk": alert.pk})


# Who an alert reaches ------------------------------------------------------------------------------


def test_unverified_alert_reaches_only_the_zones_verifiers(scene, smtp_sink, sms_path):
    alert = raise_alert(scene)

    assert recipients("alert_verify") == recipients("alert_verify_sms") == ids(scene.verifier)
    assert not Message.objects.exclude(kind__in=["alert_verify", "alert_verify_sms"]).exists()
    deliver_alerts()
    assert _emails(smtp_sink) == _emails_of(scene.verifier)
    assert [text["to"] for text in texts(sms_path)] == [scene.verifier.user.phone]
    alert.refresh_from_db()
    assert (alert.status, alert.verified_at, alert.alerted_count) == (Status.UNVERIFIED, None, 0)


def test_unverified_alert_in_another_zone_reaches_that_zones_verifier(scene, smtp_sink):
    raise_alert(scene, zone=scene.south)

    deliver_alerts()
    assert _emails(smtp_sink) == _emails_of(scene.south_verifier)


def test_whole_area_verifier_is_asked_in_every_zone(scene):
    roaming = holder(scene.plan, "verifier", None, language="en")

    raise_alert(scene, zone=scene.south)

    assert recipients("alert_verify") == ids(scene.south_verifier, roaming)


def test_confirming_alerts_every_holder_in_the_zone_and_the_whole_area(scene, smtp_sink, sms_path):
    alert = raise_alert(scene)
    deliver_alerts()

    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=True)

    assert recipients("alert") == ids(*scene.called_out)
    deliver_alerts()
    broadcast = [delivery for delivery in smtp_sink.deliveries if delivery.outbox_pk in _pks("alert")]
    assert sorted(delivery.rcpt_tos[0] for delivery in broadcast) == _emails_of(*scene.called_out)
    assert sorted(text["to"] for text in texts(sms_path)) == sorted(
        [scene.verifier.user.phone, scene.verifier.user.phone, scene.responder.user.phone]
    )
    alert.refresh_from_db()
    assert alert.status == Status.VERIFIED
    assert alert.verified_at is not None
    assert alert.alerted_count == 3


def test_alert_raised_as_verified_skips_the_verifiers_and_reaches_every_holder(scene, smtp_sink):
    alert = raise_alert(scene, verified=True)

    assert recipients("alert_verify") == set()
    assert recipients("alert") == ids(*scene.called_out)
    assert recipients("alert_sms") == ids(scene.verifier, scene.responder)
    deliver_alerts()
    assert _emails(smtp_sink) == _emails_of(*scene.called_out)
    assert alert.alerted_count == Alert.objects.get(pk=alert.pk).alerted_count == 3


def test_holders_waiting_for_approval_are_not_alerted(scene):
    Membership.objects.filter(pk=scene.responder.pk).update(status=Membership.Status.PENDING)

    raise_alert(scene, verified=True)

    assert recipients("alert") == ids(scene.verifier, scene.observer)


def test_clearing_alerts_nobody_else_and_erases_the_details(scene, smtp_sink, sms_path):
    alert = raise_alert(scene)
    answer(alert, scene.verifier, "clear")
    deliver_alerts()

    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=False)

    deliver_alerts()
    assert _emails(smtp_sink) == _emails_of(scene.verifier)
    assert len(texts(sms_path)) == 1
    # Once the report ends, even the rows of what was sent go: they said who was asked.
    assert not Message.objects.exists()
    alert.refresh_from_db()
    assert alert.status == Status.CLEARED
    assert alert.ended_at is not None
    assert details_left(alert) == {}
    assert not AlertAnswer.objects.exists()
    assert (alert.alerted_count, alert.clear_count) == (0, 1)


def test_clearing_before_the_request_went_out_sends_nothing(scene, smtp_sink, sms_path):
    alert = raise_alert(scene)
    # The send is on Redis already when the verifier on the phone says it was nothing.
    assert outbox_sweep() == 2

    alerts.alert_verify(alert=alert, membership=scene.coordinator, confirm=False)

    run_queued_tasks("alerts")
    assert smtp_sink.deliveries == []
    assert texts(sms_path) == []
    assert not Message.objects.exists()


@pytest.mark.parametrize("who", ["south_verifier", "responder", "observer", "bystander", "other_plan_verifier"])
def test_only_a_verifier_of_the_zone_a_dispatcher_or_a_coordinator_can_verify(scene, who):
    alert = raise_alert(scene)

    with pytest.raises(ValidationError, match="Only a verifier of this zone"):
        alerts.alert_verify(alert=alert, membership=getattr(scene, who), confirm=True)

    assert Alert.objects.get(pk=alert.pk).status == Status.UNVERIFIED
    assert recipients("alert") == set()


@pytest.mark.parametrize("who", ["verifier", "dispatcher", "coordinator"])
def test_verifier_dispatcher_and_coordinator_can_verify(scene, who):
    alert = raise_alert(scene)

    alerts.alert_verify(alert=alert, membership=getattr(scene, who), confirm=True)

    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED


def test_an_alert_is_verified_once(scene):
    alert = raise_alert(scene)
    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=True)

    with pytest.raises(ValidationError, match="already verified or has ended"):
        alerts.alert_verify(alert=alert, membership=scene.dispatcher, confirm=False)

    alert.refresh_from_db()
    assert alert.status == Status.VERIFIED
    assert alert.location_en == DETAILS["location_en"]
    assert Message.objects.filter(kind="alert").count() == 3


# In each person's language, by email and by text ---------------------------------------------------


def test_each_person_gets_the_alert_in_their_own_language(scene, smtp_sink, sms_path):
    alert = raise_alert(scene, verified=True)

    deliver_alerts()

    [spanish] = smtp_sink.to(scene.verifier.user.email)
    assert spanish.subject == "ALERTA: agentes en Cuadra norte, Esquina de la Quinta y Main"
    assert "Cuántos agentes: 6" in spanish.text
    for body in (spanish.text, spanish.html):
        assert "Plan contra redadas" in body
        for word in ("Tocando puertas", "Chalecos que dicen POLICE", "Dos camionetas blancas"):
            assert word in body
        assert "Knocking" not in body
    [english] = smtp_sink.to(scene.responder.user.email)
    assert english.subject == "ALERT: agents in North block, Corner of Fifth and Main"
    for body in (english.text, english.html):
        assert "Home raid plan" in body
        for word in ("Knocking on doors", "Vests marked POLICE", "Two white vans"):
            assert word in body
        assert "Tocando" not in body
    for delivery, language, membership in [(spanish, "es", scene.verifier), (english, "en", scene.responder)]:
        found = _links_in(delivery.text)
        assert found
        assert all(urlsplit(link).path.startswith(f"/{language}/") for link in found)
        assert _link(alert, membership, language=language) in delivery.text

    [texto] = texts_to(sms_path, scene.verifier)
    assert texto == (
        "ALERTA: agentes en Cuadra norte, Esquina de la Quinta y Main. Responde 1=voy (1 15=en 15 min), 2=no puedo "
        + links.answer_url(alert.pk, scene.verifier.pk, language="es")
    )
    [text] = texts_to(sms_path, scene.responder)
    assert text == (
        "ALERT: agents in North block, Corner of Fifth and Main. Reply 1=coming (1 15=in 15 min), 2=can't "
        + links.answer_url(alert.pk, scene.responder.pk, language="en")
    )


def test_each_verifier_is_asked_in_their_own_language(scene, smtp_sink, sms_path):
    raise_alert(scene)
    raise_alert(scene, zone=scene.south)

    deliver_alerts()

    [spanish] = smtp_sink.to(scene.verifier.user.email)
    assert spanish.subject == "Verifica por favor: avisan de agentes en Cuadra norte"
    assert "Dónde: Esquina de la Quinta y Main" in spanish.text
    [english] = smtp_sink.to(scene.south_verifier.user.email)
    assert english.subject == "Please verify: agents reported in South block"
    assert "Where: Corner of Fifth and Main" in english.text
    [texto] = texts_to(sms_path, scene.verifier)
    assert texto.startswith(
        "Verifica: agentes en Cuadra norte, Esquina de la Quinta y Main. Responde 1=los veo, 3=no hay nada "
    )
    [text] = texts_to(sms_path, scene.south_verifier)
    assert text.startswith(
        "Check: agents in South block, Corner of Fifth and Main. Reply 1=I see them, 3=nothing there "
    )


def test_an_alert_written_in_one_language_reaches_readers_of_the_other(scene, smtp_sink):
    raise_alert(scene, verified=True, location_en="", activity_en="", uniforms_en="", vehicles_en="")

    deliver_alerts()

    [english] = smtp_sink.to(scene.responder.user.email)
    assert english.subject == "ALERT: agents in North block, Esquina de la Quinta y Main"
    assert "Tocando puertas" in english.text


def test_nobody_without_a_phone_gets_a_text(scene, smtp_sink, sms_path):
    raise_alert(scene, verified=True)

    deliver_alerts()

    assert _emails(smtp_sink) == _emails_of(*scene.called_out)
    assert sorted(text["to"] for text in texts(sms_path)) == sorted(
        [scene.verifier.user.phone, scene.responder.user.phone]
    )
    assert recipients("alert_sms", state=SENT) == ids(scene.verifier, scene.responder)
    assert not Message.objects.filter(kind="alert_sms").exclude(state=SENT).exists()


def test_texts_and_emails_carry_no_more_than_their_recipient_needs(scene, smtp_sink, sms_path):
    raise_alert(scene, verified=True)

    deliver_alerts()

    for delivery in smtp_sink.deliveries:
        assert delivery.rcpt_tos == [delivery.message["To"]]
        assert delivery.message.get_all("Cc") is None
    for text in texts(sms_path):
        assert "@" not in text["text"]
        assert scene.observer.user.display_name not in text["text"]
    assert all(len(text["text"]) < 320 for text in texts(sms_path))


# Drills ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_drill_says_so_in_every_message(scene, smtp_sink, sms_path, language):
    User.objects.update(language=language)
    subject_mark, body_mark = DRILL[language]
    alert = raise_alert(scene, practice=True)
    deliver_alerts()
    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=True)
    deliver_alerts()
    alerts.alert_close(alert=alert)

    deliver_alerts()

    # The alert's own rows are erased when it ends; "it is over" rows go an hour later.
    kinds = Message.objects.filter(state=SENT).values_list("kind", flat=True)
    assert set(kinds) == {"alert_over", "alert_over_sms"}
    # The dispatcher who raised it is not told it is over: they closed it.
    assert len(smtp_sink.deliveries) == 1 + 3 + 3
    for delivery in smtp_sink.deliveries:
        assert delivery.subject.startswith(subject_mark)
        assert delivery.text.strip().startswith(body_mark)
        assert body_mark in delivery.html
    assert len(texts(sms_path)) == 1 + 2 + 2
    for text in texts(sms_path):
        assert text["text"].startswith(subject_mark)


def test_a_real_alert_never_says_drill(scene, smtp_sink, sms_path):
    alert = raise_alert(scene)
    deliver_alerts()
    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=True)
    deliver_alerts()
    alerts.alert_close(alert=alert)
    deliver_alerts()

    assert len(smtp_sink.deliveries) == 1 + 3 + 3
    messages = [d.subject + d.text + d.html for d in smtp_sink.deliveries] + [t["text"] for t in texts(sms_path)]
    assert not [message for message in messages if "DRILL" in message or "SIMULACRO" in message]


def test_a_drill_says_so_on_the_answer_page_and_the_board(scene):
    alert = raise_alert(scene, verified=True, practice=True)
    link, board_url = _link(alert, scene.responder, language="es"), _board_url(alert)

    page = Client().get(link)
    board = client_for(scene.dispatcher.user).get(board_url)

    assert DRILL["es"][1] in page.content.decode()
    assert DRILL["en"][1] in board.content.decode()


# Expiry and erasure ------------------------------------------------------------------------------


def _answered(scene: AlertScene, alert: Alert) -> None:
    answer(alert, scene.responder, "coming", 10)
    answer(alert, scene.dispatcher, "coming", 3)
    answer(alert, scene.observer, "cannot")
    answer(alert, scene.verifier, "clear")


def test_an_alert_past_its_time_expires_and_is_erased_in_every_language(scene):
    alert = raise_alert(scene, verified=True)
    _answered(scene, alert)
    assert abs(alert.expires_at - alert.created_at - timedelta(hours=scene.plan.alert_hours)) < timedelta(seconds=5)

    assert alerts.alerts_expire(now=alert.expires_at - timedelta(seconds=1)) == 0
    assert set(details_left(alert)) == set(DETAIL_COLUMNS)
    assert alerts.alerts_expire(now=alert.expires_at) == 1

    alert.refresh_from_db()
    assert alert.status == Status.EXPIRED
    assert alert.ended_at is not None
    assert details_left(alert) == {}
    assert not AlertAnswer.objects.filter(alert=alert).exists()
    counts = (alert.alerted_count, alert.coming_count, alert.cannot_count, alert.clear_count)
    assert counts == (3, 2, 1, 1)
    assert alerts.alerts_expire(now=alert.expires_at + timedelta(hours=1)) == 0


def test_expiry_leaves_alerts_with_time_left_and_ended_ones_alone(scene):
    due = raise_alert(scene, verified=True)
    later = raise_alert(scene, zone=scene.south)
    Alert.objects.filter(pk=later.pk).update(expires_at=due.expires_at + timedelta(minutes=1))
    closed = raise_alert(scene, verified=True, practice=True, another=True)
    alerts.alert_close(alert=closed)
    ended_at = Alert.objects.get(pk=closed.pk).ended_at

    assert alerts.alerts_expire(now=due.expires_at) == 1

    assert Alert.objects.get(pk=due.pk).status == Status.EXPIRED
    later.refresh_from_db()
    assert (later.status, later.location_en, later.how_many) == (Status.UNVERIFIED, DETAILS["location_en"], 6)
    assert Alert.objects.get(pk=closed.pk).status == Status.CLOSED
    assert Alert.objects.get(pk=closed.pk).ended_at == ended_at


def test_closing_erases_the_details_and_tells_those_called_out(scene, smtp_sink, sms_path):
    alert = raise_alert(scene, verified=True)
    deliver_alerts()
    _answered(scene, alert)

    alerts.alert_close(alert=alert)

    alert.refresh_from_db()
    assert alert.status == Status.CLOSED
    assert details_left(alert) == {}
    assert not AlertAnswer.objects.exists()
    assert (alert.alerted_count, alert.coming_count, alert.cannot_count, alert.clear_count) == (3, 2, 1, 1)
    deliver_alerts()
    over = [delivery for delivery in smtp_sink.deliveries if delivery.outbox_pk in _pks("alert_over")]
    assert sorted(delivery.rcpt_tos[0] for delivery in over) == _emails_of(*scene.called_out)
    assert {delivery.subject for delivery in over} == {
        "The alert in North block is over",
        "La alerta en Cuadra norte terminó",
    }
    # Folded to GSM-7 (terminó → termino) to fit one segment with the link to the plan.
    assert texts_to(sms_path, scene.verifier)[-1].startswith("Asamblea: la alerta en Cuadra norte termino. Gracias. ")
    assert texts_to(sms_path, scene.responder)[-1].startswith("Asamblea: the alert in North block is over. Thank you. ")
    for delivery in over:
        assert not [word for word in DETAIL_WORDS if word in delivery.text + delivery.html + delivery.subject]


def test_closing_an_unverified_alert_tells_nobody_else(scene):
    alert = raise_alert(scene)

    alerts.alert_close(alert=alert)

    assert Alert.objects.get(pk=alert.pk).status == Status.CLOSED
    assert recipients("alert_over") == set()
    assert details_left(alert) == {}


def test_an_alert_ends_once(scene):
    alert = raise_alert(scene, verified=True)
    alerts.alert_close(alert=alert)

    with pytest.raises(ValidationError, match="already ended"):
        alerts.alert_close(alert=alert)

    assert Message.objects.filter(kind="alert_over").count() == 3


def _end(scene: AlertScene, alert: Alert, how: str) -> None:
    if how == "closed":
        alerts.alert_close(alert=alert)
    elif how == "expired":
        alerts.alerts_expire(now=alert.expires_at)
    else:
        Alert.objects.filter(pk=alert.pk).update(status=Status.UNVERIFIED)
        alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=False)


@pytest.mark.parametrize("how", ["closed", "expired"])
def test_ending_an_alert_drops_the_messages_not_yet_sent(scene, smtp_sink, sms_path, how):
    alert = raise_alert(scene, verified=True)
    # On Redis already, waiting for a worker.
    assert outbox_sweep() == 5

    _end(scene, alert, how)

    assert not Message.objects.filter(kind__in=["alert", "alert_sms"]).exists()
    run_queued_tasks("alerts")
    deliver_alerts()
    for delivery in smtp_sink.deliveries:
        assert not [word for word in DETAIL_WORDS if word in delivery.text + delivery.subject]
    assert not [text for text in texts(sms_path) if "Fifth" in text["text"]]
    # Closed or expired, the people called out hear that it is over, and nothing more.
    assert len(smtp_sink.deliveries) == 3


def test_a_message_about_an_ended_alert_renders_to_nothing(scene):
    alert = raise_alert(scene, verified=True)
    [email, text] = Message.objects.filter(recipient_key=f"membership:{scene.verifier.pk}").order_by("kind")
    assert render_email(email) is not None
    assert render_text(text) is not None

    alerts.alert_close(alert=alert)

    # Claimed by a worker before the close, it is dropped when rendered.
    assert render_email(email) is None
    assert render_text(text) is None


@pytest.mark.parametrize("how", ["closed", "expired", "cleared"])
def test_the_answer_link_says_the_alert_is_over_once_it_ended(scene, how):
    alert = raise_alert(scene, verified=True)

    _end(scene, alert, how)

    for membership, language in [(scene.responder, "en"), (scene.verifier, "es")]:
        response = Client().get(_link(alert, membership, language=language))
        assert response.status_code == 200
        page = response.content.decode()
        assert not [word for word in DETAIL_WORDS if word in page]
        assert ("Esta alerta terminó. Gracias por estar lista/o." if language == "es" else OVER) in page


# Answers from the signed link ----------------------------------------------------------------------


def test_the_answer_link_shows_the_alert_without_logging_in(scene):
    alert = raise_alert(scene, verified=True)

    response = Client().get(_link(alert, scene.verifier, language="es"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    for word in ("Cuadra norte", "Esquina de la Quinta y Main", "Tocando puertas", "Voy en camino", "No puedo ir"):
        assert word in page


@pytest.mark.parametrize(
    ("reply", "eta", "kept_eta"),
    [("coming", "12", 12), ("coming", "", None), ("cannot", "", None), ("clear", "", None), ("cannot", "30", None)],
)
def test_the_answer_link_records_the_answer(scene, reply, eta, kept_eta):
    alert = raise_alert(scene, verified=True)

    response = Client().post(_link(alert, scene.responder), {"answer": reply, "eta_minutes": eta})

    assert response.status_code == 200
    assert "Thank you. The dispatcher sees your answer." in response.content.decode()
    [row] = AlertAnswer.objects.all()
    assert (row.alert, row.membership, row.answer, row.eta_minutes) == (alert, scene.responder, reply, kept_eta)
    [shown] = alerts.board(alert)["answers"]
    assert (shown["name"], shown["answer"], shown["eta"]) == (scene.responder.user.display_name, reply, kept_eta)


def test_a_second_answer_replaces_the_first(scene):
    alert = raise_alert(scene, verified=True)
    link = _link(alert, scene.responder)
    Client().post(link, {"answer": "coming", "eta_minutes": "20"})

    response = Client().post(link, {"answer": "cannot", "eta_minutes": ""})

    assert response.status_code == 200
    [row] = AlertAnswer.objects.all()
    assert (row.membership, row.answer, row.eta_minutes) == (scene.responder, "cannot", None)
    assert [shown["answer"] for shown in alerts.board(alert)["answers"]] == ["cannot"]


def test_answers_in_spanish_are_thanked_in_spanish(scene):
    alert = raise_alert(scene, verified=True)

    response = Client().post(_link(alert, scene.verifier, language="es"), {"answer": "coming", "eta_minutes": "5"})

    assert "Gracias. El despacho ve tu respuesta. Puedes cambiarla aquí." in response.content.decode()
    assert AlertAnswer.objects.get().eta_minutes == 5


class _Forms(HTMLParser):
    """The forms of a page: for each, its inputs (name -> value) and its submit buttons (value, label)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"inputs": {}, "buttons": []})
        elif tag == "input" and self.forms and attrs.get("name") not in (None, "csrfmiddlewaretoken"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and self.forms and attrs.get("name") == "answer":
            self._button = {"value": attrs["value"], "label": ""}

    def handle_data(self, data):
        if self._button is not None:
            self._button["label"] += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self.forms[-1]["buttons"].append((self._button["value"], self._button["label"].strip()))
            self._button = None


def _answer_forms(page: str) -> list[dict]:
    parser = _Forms()
    parser.feed(page)
    return [form for form in parser.forms if form["buttons"]]


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["On my way", "I can't come", "All clear here"]),
        ("es", ["Voy en camino", "No puedo ir", "Aquí todo tranquilo"]),
    ],
)
def test_each_answer_is_its_own_button_and_records_that_answer(scene, language, labels):
    alert = raise_alert(scene, verified=True)
    link = _link(alert, scene.responder, language=language)
    client = Client()

    forms = _answer_forms(client.get(link).content.decode())

    # One form per answer, one button each; only "on my way" asks for the minutes.
    assert [form["buttons"] for form in forms] == [
        [("coming", labels[0])],
        [("cannot", labels[1])],
        [("clear", labels[2])],
    ]
    assert [sorted(form["inputs"]) for form in forms] == [["eta_minutes"], [], []]
    for form, eta, kept_eta in zip(forms, ["9", None, None], [9, None, None], strict=True):
        [(value, _label)] = form["buttons"]
        sent = {**form["inputs"], "answer": value}
        if eta is not None:
            sent["eta_minutes"] = eta
        response = client.post(link, sent)
        assert response.status_code == 200
        [row] = AlertAnswer.objects.all()
        assert (row.membership, row.answer, row.eta_minutes) == (scene.responder, value, kept_eta)


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "Choose one of the answers: on my way, I can't come, or all clear here."),
        ("es", "Elige una de las respuestas: voy en camino, no puedo ir o aquí todo tranquilo."),
    ],
)
@pytest.mark.parametrize("data", [{}, {"eta_minutes": "5"}, {"answer": ""}])
def test_an_answer_sent_without_choosing_one_says_so_and_changes_nothing(scene, language, refusal, data):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "cannot")
    before = list(AlertAnswer.objects.values())

    response = Client().post(_link(alert, scene.responder, language=language), data)

    assert response.status_code == 400
    page = unescape(response.content.decode())
    [summary] = re.findall(r'<div class="error-summary" role="alert">(.*?)</div>', page, flags=re.S)
    assert refusal in summary
    assert "Thank you" not in page and "Gracias" not in page
    assert list(AlertAnswer.objects.values()) == before


def _forged_tokens(alert: Alert, scene: AlertScene) -> dict[str, str]:
    mine = links.answer_token(alert.pk, scene.responder.pk)
    alert_id, _sep, digest = mine.partition("-")
    guessed = salted_hmac(links.ANSWER_SALT, f"{alert.pk}:{scene.observer.pk}", secret="guessed-" + "k" * 40)
    return {
        "garbage": "not-a-token",
        "another alert's number": f"{alert.pk + 1}-{digest}",
        "tampered digest": mine[:-2] + ("00" if not mine.endswith("00") else "11"),
        "another key": f"{alert_id}-{guessed.hexdigest()[: links.DIGEST_LENGTH]}",
        "short digest": mine[:-1],
        "a preferences link": preferences_token(f"user:{scene.observer.user.pk}"),
        "no such alert": links.answer_token(alert.pk + 1000, scene.observer.pk),
        "no such member": links.answer_token(alert.pk, scene.observer.pk + 1000),
        "not a number": f"alert-{digest}",
        "unicode digits": f"\u0661-{digest}",
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "garbage",
        "another alert's number",
        "tampered digest",
        "another key",
        "short digest",
        "a preferences link",
        "no such alert",
        "no such member",
        "not a number",
        "unicode digits",
    ],
)
def test_a_forged_link_is_refused_with_a_clear_message(scene, forgery):
    alert = raise_alert(scene, verified=True)
    path = _path_for(_forged_tokens(alert, scene)[forgery])

    shown = Client().get(path)
    posted = Client().post(path, {"answer": "coming", "eta_minutes": "1"})

    for response in (shown, posted):
        assert response.status_code == 400
        assert BAD_LINK in response.content.decode()
        assert DETAILS["location_en"] not in response.content.decode()
    assert not AlertAnswer.objects.exists()


def test_a_forged_link_is_refused_in_the_readers_language(scene):
    response = Client().get(_path_for("not-a-token", language="es"))

    assert response.status_code == 400
    assert "Este enlace no es válido." in response.content.decode()


def test_a_link_stops_working_when_its_member_leaves(scene):
    alert = raise_alert(scene, verified=True)
    token = links.answer_token(alert.pk, scene.responder.pk)
    assert links.alert_and_membership(token) == (alert, scene.responder)

    Membership.objects.filter(pk=scene.responder.pk).update(status=Membership.Status.PENDING)

    assert links.alert_and_membership(token) is None
    assert Client().get(_path_for(token)).status_code == 400


def test_a_link_names_the_alert_but_not_the_person(scene):
    alert = raise_alert(scene, verified=True)
    token = links.answer_token(alert.pk, scene.responder.pk)
    alert_id, _sep, digest = token.partition("-")
    assert alert_id == str(alert.pk)
    assert str(scene.responder.pk) not in digest or len(digest) == links.DIGEST_LENGTH
    assert token != links.answer_token(alert.pk, scene.observer.pk)


def test_a_link_for_another_alert_or_member_cannot_be_made_without_the_key(scene):
    alert = raise_alert(scene, verified=True)
    other = raise_alert(scene, zone=scene.south)
    mine = links.answer_token(alert.pk, scene.responder.pk)

    assert links.alert_and_membership(mine) == (alert, scene.responder)
    # My digest under another alert's number opens nothing.
    assert links.alert_and_membership(f"{other.pk}-{mine.partition('-')[2]}") is None
    tokens = {links.answer_token(a, m) for a in (alert.pk, other.pk) for m in (scene.responder.pk, scene.observer.pk)}
    assert len({token.partition("-")[2] for token in tokens}) == 4


def test_a_replayed_link_after_the_alert_ended_says_it_is_over_and_changes_nothing(scene):
    alert = raise_alert(scene, verified=True)
    link = _link(alert, scene.responder)
    Client().post(link, {"answer": "coming", "eta_minutes": "8"})
    alerts.alert_close(alert=alert)
    before = Alert.objects.filter(pk=alert.pk).values().get()

    response = Client().post(link, {"answer": "cannot", "eta_minutes": ""})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This alert is over. Thank you for answering." in page
    assert OVER in page
    assert Alert.objects.filter(pk=alert.pk).values().get() == before
    assert before["coming_count"] == 1
    assert not AlertAnswer.objects.exists()


def test_a_replayed_verification_after_the_report_was_cleared_changes_nothing(scene):
    alert = raise_alert(scene)
    link = _link(alert, scene.verifier)
    Client().post(link, {"decision": "clear"})
    before = Alert.objects.filter(pk=alert.pk).values().get()

    response = Client().post(link, {"decision": "confirm"})

    assert OVER in response.content.decode()
    assert Alert.objects.filter(pk=alert.pk).values().get() == before
    assert before["status"] == Status.CLEARED
    assert recipients("alert") == set()


def test_a_verifier_confirms_from_the_link(scene):
    alert = raise_alert(scene)
    link = _link(alert, scene.verifier, language="es")
    assert "Por favor, verifica" in Client().get(link).content.decode()

    response = Client().post(link, {"decision": "confirm"})

    assert response.status_code == 200
    assert "Gracias. Se alertó a todas las personas con un rol en la zona." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED
    assert recipients("alert") == ids(*scene.called_out)


def test_a_verifier_clears_from_the_link(scene):
    alert = raise_alert(scene)

    response = Client().post(_link(alert, scene.verifier), {"decision": "clear"})

    assert response.status_code == 200
    assert "Thank you. The report is cleared." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Status.CLEARED
    assert details_left(alert) == {}


def test_a_verifier_beaten_to_it_by_another_is_told_so(scene):
    """Two verifiers press at once: the second sees why nothing happened, not an error page."""
    alert = raise_alert(scene)
    link = _link(alert, scene.verifier)
    reads = []

    def other_verifier_first(execute, sql, params, many, context):
        if sql.startswith("SELECT") and 'FROM "defense_alert"' in sql:
            reads.append(sql)
            if len(reads) == 2:
                # Between the page's read and the service's locked one, the other verifier's confirmation lands.
                Alert.objects.filter(pk=alert.pk).update(status=Status.VERIFIED)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(other_verifier_first):
        response = Client().post(link, {"decision": "clear"})

    assert response.status_code == 400
    assert "This alert was already verified or has ended." in response.content.decode()
    # Not cleared: what the first verifier confirmed is still there.
    alert.refresh_from_db()
    assert alert.status != Status.CLEARED
    assert alert.location_en == DETAILS["location_en"]


@pytest.mark.parametrize("decision", ["", "maybe", "CONFIRM"])
def test_an_unknown_decision_from_the_link_changes_nothing(scene, decision):
    alert = raise_alert(scene)

    response = Client().post(_link(alert, scene.verifier), {"decision": decision})

    assert response.status_code == 400
    assert "Choose one of the answers." in response.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.location_en) == (Status.UNVERIFIED, DETAILS["location_en"])


def test_a_holder_who_is_not_a_verifier_cannot_verify_from_the_link(scene):
    alert = raise_alert(scene)
    link = _link(alert, scene.responder)

    response = Client().post(link, {"decision": "confirm"})

    assert "A verifier is checking this report." in response.content.decode()
    assert "Please verify" not in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Status.UNVERIFIED
    assert recipients("alert") == set()


def test_a_verifier_of_another_zone_cannot_verify_from_a_link(scene):
    alert = raise_alert(scene)

    Client().post(_path_for(links.answer_token(alert.pk, scene.south_verifier.pk)), {"decision": "clear"})

    alert.refresh_from_db()
    assert (alert.status, alert.location_en) == (Status.UNVERIFIED, DETAILS["location_en"])


def test_a_member_who_released_their_role_cannot_answer(scene):
    alert = raise_alert(scene, verified=True)
    role = scene.responder.defense_claims.get().role
    services.claim_release(role=role, membership=scene.responder)

    response = Client().post(_link(alert, scene.responder), {"answer": "coming", "eta_minutes": "5"})

    assert response.status_code == 400
    assert "You no longer hold a role in this zone" in response.content.decode()
    assert not AlertAnswer.objects.exists()


def test_a_member_who_left_the_assembly_has_a_dead_link(scene):
    alert = raise_alert(scene, verified=True)
    link = _link(alert, scene.responder)
    scene.responder.delete()

    response = Client().post(link, {"answer": "coming", "eta_minutes": "5"})

    assert response.status_code == 400
    assert BAD_LINK in response.content.decode()
    assert not AlertAnswer.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"answer": "maybe"},
        {"answer": ""},
        {"answer": "coming", "eta_minutes": "-1"},
        {"answer": "coming", "eta_minutes": "601"},
        {"answer": "coming", "eta_minutes": "soon"},
        {"answer": "coming", "eta_minutes": "9" * 40},
    ],
)
def test_the_answer_link_refuses_bad_input(scene, data):
    alert = raise_alert(scene, verified=True)

    response = Client().post(_link(alert, scene.responder), data)

    assert response.status_code == 400
    assert "error" in response.content.decode()
    assert not AlertAnswer.objects.exists()


def test_an_answer_needs_the_csrf_token_of_the_page(scene, csrf_client):
    alert = raise_alert(scene, verified=True)
    link = _link(alert, scene.responder)

    refused = csrf_client.post(link, {"answer": "coming", "eta_minutes": "5"})
    assert refused.status_code == 403
    assert not AlertAnswer.objects.exists()

    csrf_client.get(link)
    token = csrf_client.cookies["csrftoken"].value
    accepted = csrf_client.post(link, {"answer": "coming", "eta_minutes": "5", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 200
    assert AlertAnswer.objects.get().answer == "coming"


# Raising: the form and its refusals --------------------------------------------------------------


def test_a_dispatcher_raises_an_alert_and_lands_on_its_board(scene):
    seen = _seen_at()
    data = _raise_data(scene, practice="on", seen_at=_typed(scene, seen))

    response = client_for(scene.dispatcher.user).post(_raise_url(scene.plan), data)

    [alert] = Alert.objects.all()
    assert response.status_code == 302
    assert response["Location"] == _board_url(alert)
    assert (alert.plan, alert.zone, alert.raised_by, alert.status) == (
        scene.plan,
        scene.north,
        scene.dispatcher,
        Status.VERIFIED,
    )
    assert alert.practice is True
    assert (alert.location_en, alert.location_es, alert.vehicles_es, alert.how_many) == (
        DETAILS["location_en"],
        DETAILS["location_es"],
        DETAILS["vehicles_es"],
        6,
    )
    # Typed in the assembly's time zone.
    assert alert.seen_at == seen
    assert abs(alert.expires_at - alert.created_at - timedelta(hours=scene.plan.alert_hours)) < timedelta(seconds=5)
    assert recipients("alert") == ids(*scene.called_out)


def test_an_unchecked_box_raises_an_unverified_alert(scene):
    data = _raise_data(scene)
    del data["verified"]

    client_for(scene.coordinator.user).post(_raise_url(scene.plan), data)

    [alert] = Alert.objects.all()
    assert (alert.status, alert.practice, alert.raised_by) == (Status.UNVERIFIED, False, scene.coordinator)
    assert recipients("alert_verify") == ids(scene.verifier)


@pytest.mark.parametrize("status", [GamePlan.Status.DRAFT, GamePlan.Status.ARCHIVED])
def test_an_alert_needs_an_active_plan(scene, status):
    GamePlan.objects.filter(pk=scene.plan.pk).update(status=status)

    response = client_for(scene.coordinator.user).post(_raise_url(scene.plan), _raise_data(scene))
    hidden = client_for(scene.dispatcher.user).post(_raise_url(scene.plan), _raise_data(scene))

    assert response.status_code == 400
    assert "Alerts can only be raised on an active plan." in response.content.decode()
    assert hidden.status_code == 404
    with pytest.raises(ValidationError, match="active plan"):
        raise_alert(scene)
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


def test_an_alert_needs_a_zone_the_plan_covers(scene):
    response = client_for(scene.dispatcher.user).post(_raise_url(scene.plan), _raise_data(scene, zone=scene.outside.pk))

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    with pytest.raises(ValidationError) as error:
        raise_alert(scene, zone=scene.outside)
    assert error.value.message_dict == {"zone": ["This plan does not cover that zone. Choose one of its zones."]}
    assert not Alert.objects.exists()


def test_an_alert_refuses_a_zone_of_another_assembly_even_if_the_plan_lists_it(scene):
    foreign = ZoneFactory()
    scene.plan.zones.add(foreign)

    with pytest.raises(ValidationError, match="does not cover that zone"):
        raise_alert(scene, zone=foreign)

    assert not Alert.objects.exists()


def test_the_form_offers_only_the_plans_zones(scene):
    response = client_for(scene.dispatcher.user).get(_raise_url(scene.plan))

    page = response.content.decode()
    assert "North block" in page
    assert "South block" in page
    assert "Far block" not in page


@pytest.mark.parametrize("blank", ["", "   "])
def test_an_alert_needs_a_location(scene, blank):
    data = _raise_data(scene, location_en=blank, location_es=blank)

    response = client_for(scene.dispatcher.user).post(_raise_url(scene.plan), data)

    assert response.status_code == 400
    assert "Write this in at least one language." in response.content.decode()
    assert not Alert.objects.exists()


def test_an_alert_in_one_language_is_enough(scene):
    data = _raise_data(scene, location_en="", activity_en="", uniforms_en="", vehicles_en="")

    response = client_for(scene.dispatcher.user).post(_raise_url(scene.plan), data)

    assert response.status_code == 302
    assert Alert.objects.get().location_es == DETAILS["location_es"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"how_many": "-1"},
        {"how_many": "1001"},
        {"how_many": "lots"},
        {"seen_at": "yesterday"},
        {"zone": ""},
        {"zone": "north"},
        {"zone": "999999"},
        {"location_en": "x" * 141},
        {"vehicles_es": "x" * 201},
    ],
)
def test_an_alert_refuses_bad_details(scene, overrides):
    response = client_for(scene.dispatcher.user).post(_raise_url(scene.plan), _raise_data(scene, **overrides))

    assert response.status_code == 400
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


def test_a_member_who_is_not_a_dispatcher_cannot_raise(scene):
    for membership in (scene.responder, scene.verifier, scene.bystander):
        response = client_for(membership.user).post(_raise_url(scene.plan), _raise_data(scene))
        assert response.status_code == 403

    assert not Alert.objects.exists()


def test_a_dispatcher_of_another_plan_cannot_raise_on_this_one(scene):
    other = GamePlanFactory(assembly=scene.assembly)
    other.zones.set([scene.north])

    response = client_for(scene.dispatcher.user).post(_raise_url(other), _raise_data(scene))

    assert response.status_code == 403
    assert not Alert.objects.exists()


def test_a_member_of_another_assembly_gets_404(scene):
    elsewhere = alert_scene()

    for user in (elsewhere.dispatcher.user, elsewhere.coordinator.user):
        response = client_for(user).post(_raise_url(scene.plan), _raise_data(scene))
        assert response.status_code == 404
    # Their own assembly's address with this plan's number does not reach it either.
    url = reverse("alert_raise", kwargs={"slug": elsewhere.assembly.slug, "pk": scene.plan.pk})
    assert client_for(elsewhere.coordinator.user).post(url, _raise_data(scene)).status_code == 404
    assert not Alert.objects.exists()


# The board, verifying and closing from it ----------------------------------------------------------


def test_the_board_shows_the_alert_and_its_answers(scene):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 10)
    answer(alert, scene.observer, "cannot")
    client = client_for(scene.dispatcher.user)

    page = client.get(_board_url(alert)).content.decode()
    data = client.get(_board_url(alert, "alert_board_data")).json()

    for word in ("Corner of Fifth and Main", "Knocking on doors", "3 people alerted.", "in 10 min"):
        assert word in page
    assert (data["status"], data["alerted"]) == (Status.VERIFIED, 3)
    assert [(row["name"], row["answer"], row["eta"]) for row in data["answers"]] == [
        (scene.responder.user.display_name, "coming", 10),
        (scene.observer.user.display_name, "cannot", None),
    ]
    answered = timezone.localtime(
        AlertAnswer.objects.get(answer="coming").answered_at, ZoneInfo(scene.assembly.time_zone)
    )
    with translation.override("en"):
        assert data["answers"][0]["at"] == formats.time_format(answered, "TIME_FORMAT")


def test_the_board_of_an_ended_alert_shows_counts_only(scene):
    alert = raise_alert(scene, verified=True)
    _answered(scene, alert)
    alerts.alert_close(alert=alert)
    client = client_for(scene.dispatcher.user)

    page = client.get(_board_url(alert)).content.decode()
    data = client.get(_board_url(alert, "alert_board_data")).json()

    assert "Alerted: 3 · on their way: 2 · could not come: 1 · all clear: 1." in page
    assert not [word for word in DETAIL_WORDS if word in page]
    assert scene.responder.user.display_name not in page
    assert (data["status"], data["answers"]) == (Status.CLOSED, [])


def test_the_board_answers_in_the_dispatchers_language(scene):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 10)

    with translation.override("es"):
        data = client_for(scene.dispatcher.user).get(_board_url(alert, "alert_board_data")).json()

    assert (data["status_label"], data["answers"][0]["label"]) == ("Verificada", "Voy en camino")


def test_the_dispatcher_verifies_and_closes_from_the_board(scene):
    alert = raise_alert(scene)
    client = client_for(scene.dispatcher.user)

    verified = client.post(_board_url(alert, "alert_verify"), {"decision": "confirm"}, follow=True)
    assert "Verified: everyone with a role in the zone is alerted." in verified.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED
    closed = client.post(_board_url(alert, "alert_close"), follow=True)
    assert "The alert is closed and its details are erased." in closed.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == Status.CLOSED
    assert details_left(alert) == {}


def test_a_verifier_clears_from_the_plan_page_and_lands_on_the_plan(scene):
    alert = raise_alert(scene)

    response = client_for(scene.verifier.user).post(_board_url(alert, "alert_verify"), {"decision": "clear"})

    assert response.status_code == 302
    assert response["Location"] == reverse("plan_detail", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk})
    assert Alert.objects.get(pk=alert.pk).status == Status.CLEARED


def test_closing_or_verifying_an_ended_alert_says_why_and_changes_nothing(scene):
    alert = raise_alert(scene)
    alerts.alert_close(alert=alert)
    before = Alert.objects.filter(pk=alert.pk).values().get()
    client = client_for(scene.dispatcher.user)

    closed = client.post(_board_url(alert, "alert_close"), follow=True)
    verified = client.post(_board_url(alert, "alert_verify"), {"decision": "confirm"}, follow=True)

    assert "This alert has already ended." in closed.content.decode()
    assert "This alert was already verified or has ended." in verified.content.decode()
    assert Alert.objects.filter(pk=alert.pk).values().get() == before
    assert not Message.objects.exists()


@pytest.mark.parametrize("data", [{}, {"decision": "maybe"}])
def test_verifying_from_the_board_needs_a_decision(scene, data):
    alert = raise_alert(scene)

    response = client_for(scene.dispatcher.user).post(_board_url(alert, "alert_verify"), data)

    assert response.status_code == 404
    assert Alert.objects.get(pk=alert.pk).status == Status.UNVERIFIED


def test_an_alert_of_another_assembly_is_404_even_to_its_coordinator(scene):
    alert = raise_alert(scene, verified=True)
    elsewhere = alert_scene()
    client = client_for(elsewhere.coordinator.user)

    for name in ("alert_board", "alert_board_data"):
        url = reverse(name, kwargs={"slug": elsewhere.assembly.slug, "alert_pk": alert.pk})
        assert client.get(url).status_code == 404
    for name, data in [("alert_verify", {"decision": "clear"}), ("alert_close", {})]:
        url = reverse(name, kwargs={"slug": elsewhere.assembly.slug, "alert_pk": alert.pk})
        assert client.post(url, data).status_code == 404
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED


def test_the_dispatcher_of_another_plan_in_the_assembly_cannot_see_the_board(scene):
    alert = raise_alert(scene, verified=True)
    other_dispatcher = holder(GamePlanFactory(assembly=scene.assembly), "dispatcher", None, language="en")

    response = client_for(other_dispatcher.user).get(_board_url(alert))

    assert response.status_code == 403


def test_what_a_dispatcher_types_is_shown_as_text_everywhere(scene, smtp_sink):
    typed = '<script>alert("x")</script> & <b>vans</b>'
    alert = raise_alert(scene, verified=True, location_en=typed, activity_en=typed)
    link, board_url = _link(alert, scene.responder), _board_url(alert)
    deliver_alerts()

    [email] = smtp_sink.to(scene.responder.user.email)
    page = Client().get(link).content.decode()
    board = client_for(scene.dispatcher.user).get(board_url).content.decode()

    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;vans&lt;/b&gt;"
    for html in (email.html, page, board):
        assert "<script>alert(" not in html
        assert "<b>vans</b>" not in html
        assert escaped in html.replace("&#x27;", "'").replace("&#34;", "&quot;")
    # Plain text stays plain: nothing to escape in a subject, a text body or a text message.
    assert typed in email.subject
    assert typed in email.text


def test_an_ended_alert_leaves_no_message_rows_saying_who_was_alerted(scene, smtp_sink, sms_path):
    alert = raise_alert(scene, verified=True)
    deliver_alerts()
    alerts.alert_close(alert=alert)
    deliver_alerts()

    assert not Message.objects.filter(kind__in=["alert", "alert_sms", "alert_verify", "alert_verify_sms"]).exists()
    assert Message.objects.filter(kind__in=["alert_over", "alert_over_sms"]).exists()
    alerts.alerts_expire(now=timezone.now() + timedelta(hours=2))
    assert not Message.objects.exists()
    assert Alert.objects.get(pk=alert.pk).raised_by is None


def test_a_dispatcher_of_one_zone_cannot_see_or_end_another_zones_alert(scene):
    south_dispatcher = holder(scene.plan, "dispatcher", scene.south, language="en")
    alert = raise_alert(scene, verified=True)
    client = Client()
    client.force_login(south_dispatcher.user)
    kwargs = {"slug": scene.assembly.slug, "alert_pk": alert.pk}

    assert client.get(reverse("alert_board_data", kwargs=kwargs)).status_code == 403
    assert client.post(reverse("alert_close", kwargs=kwargs)).status_code == 403
    with pytest.raises(ValidationError, match="other zones"):
        alerts.alert_raise(
            plan=scene.plan,
            zone=scene.north,
            raised_by=south_dispatcher,
            verified=True,
            practice=False,
            location_en="X",
        )
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED


def test_a_demoted_dispatcher_loses_the_powers_of_the_claim(scene):
    alert = raise_alert(scene, verified=True)
    Membership.objects.filter(pk=scene.dispatcher.pk).update(role=Membership.Role.MEMBER)
    scene.dispatcher.refresh_from_db()

    assert not alerts.can_raise(scene.plan, scene.dispatcher)
    client = Client()
    client.force_login(scene.dispatcher.user)
    assert (
        client.get(reverse("alert_board", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk})).status_code
        == 403
    )


def test_a_link_opened_by_someone_who_left_the_zone_shows_no_details(scene):
    alert = raise_alert(scene, verified=True)
    path = _path_for(links.answer_token(alert.pk, scene.responder.pk))
    Claim.objects.filter(membership=scene.responder).delete()

    page = Client().get(path).content.decode()

    assert "not for you" in page
    assert DETAILS["location_en"] not in page


def test_an_unverified_alert_with_no_verifier_warns_the_dispatcher(scene):
    Claim.objects.filter(role__kind__key="verifier").delete()
    client = Client()
    client.force_login(scene.dispatcher.user)
    url = reverse("alert_raise", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk})

    data = {"zone": scene.north.pk, "location_en": "Fifth and Main", "key": new_raise_key()}

    response = client.post(url, data, follow=True)

    assert "Nobody verifies in this zone, so nobody was told." in response.content.decode()


def test_a_deleted_account_leaves_no_alert_message_rows(scene):
    raise_alert(scene, verified=True)
    key = f"membership:{scene.responder.pk}"
    assert Message.objects.filter(recipient_key=key).exists()

    account_delete(user=scene.responder.user)

    assert not Message.objects.filter(recipient_key=key).exists()
