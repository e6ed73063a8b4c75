"""The dispatcher's work on an open alert: hand it over with a note, post updates to everyone alerted, and read the
board: who holds it, the counts, the steps, and whom to call."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from assembly.defense import alerts, links
from assembly.defense.models import Alert, AlertEvent
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import (
    AlertScene,
    alert_scene,
    answer,
    deliver_alerts,
    holder,
    ids,
    raise_alert,
    recipients,
    texts_to,
)
from tests.defense.factories import MeetingPointFactory, PlanStepFactory

pytestmark = pytest.mark.django_db

Status = Alert.Status
Kind = AlertEvent.Kind


@pytest.fixture
def scene() -> AlertScene:
    return alert_scene()


@pytest.fixture
def second(scene):
    """Another dispatcher of the whole area, to hand alerts to."""
    return holder(scene.plan, "dispatcher", None, language="es", phone="+13125550142")


def _url(alert: Alert, name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, kwargs={"slug": alert.plan.assembly.slug, "alert_pk": alert.pk})


def _events() -> list:
    return list(AlertEvent.objects.order_by("pk").values_list("kind", "by_id", "to_id", "note"))


# Handing over


def test_the_holder_hands_the_alert_to_another_dispatcher_with_a_note(scene, second):
    alert = raise_alert(scene, verified=True)

    response = client_for(scene.dispatcher.user).post(
        _url(alert, "alert_hand"), {"to": second.pk, "note": "  They are at the laundromat now.  "}
    )

    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).held_by == second
    assert _events() == [(Kind.HANDED, scene.dispatcher.pk, second.pk, "They are at the laundromat now.")]


def test_the_new_holders_board_shows_it_and_they_may_hand_it_on(scene, second):
    alert = raise_alert(scene, verified=True)
    alerts.alert_hand(alert=alert, by=scene.dispatcher, to=second, note="Over to you")

    page = client_for(second.user).get(_url(alert, "alert_board")).content.decode()
    data = client_for(second.user).get(_url(alert, "alert_board_data")).json()

    assert f"Held by {second.user.display_name}." in page
    assert "Over to you" in page
    assert data["held_by"] == second.user.display_name
    assert data["events"][0]["text"].startswith(
        f"{scene.dispatcher.user.display_name} handed it to {second.user.display_name} at "
    )
    assert alerts.can_hand(Alert.objects.get(pk=alert.pk), second)
    assert not alerts.can_hand(Alert.objects.get(pk=alert.pk), scene.dispatcher)


def test_a_coordinator_hands_an_alert_someone_else_holds(scene, second):
    alert = raise_alert(scene, verified=True)

    response = client_for(scene.coordinator.user).post(_url(alert, "alert_hand"), {"to": second.pk})

    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).held_by == second


def test_a_dispatcher_who_does_not_hold_it_cannot_hand_it(scene, second):
    alert = raise_alert(scene, verified=True)

    response = client_for(second.user).post(_url(alert, "alert_hand"), {"to": second.pk})

    assert response.status_code == 403
    assert Alert.objects.get(pk=alert.pk).held_by == scene.dispatcher
    assert _events() == []


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("case", "english", "spanish"),
    [
        ("nobody", "Choose the dispatcher who takes the alert.", "Elige quién del despacho se queda con la alerta."),
        ("not a dispatcher", "Choose one of the plan", "Elige a alguien del despacho del plan"),
        ("too long", "Ensure this value has at most 280 characters", "Asegúrese de que este valor tenga menos de 280"),
    ],
)
def test_a_bad_hand_off_is_refused_in_the_readers_language(scene, second, case, english, spanish, language):
    alert = raise_alert(scene, verified=True)
    data = {
        "nobody": {"to": ""},
        "not a dispatcher": {"to": scene.responder.pk},
        "too long": {"to": second.pk, "note": "x" * 281},
    }[case]

    response = client_for(scene.dispatcher.user).post(_url(alert, "alert_hand", language), data)

    assert response.status_code == 400
    assert (english if language == "en" else spanish) in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).held_by == scene.dispatcher
    assert _events() == []


def test_an_ended_alert_cannot_be_handed(scene, second):
    alert = raise_alert(scene, verified=True)
    alerts.alert_close(alert=alert)

    response = client_for(scene.coordinator.user).post(_url(alert, "alert_hand"), {"to": second.pk}, follow=True)

    assert "This alert has already ended." in response.content.decode()
    assert _events() == []


# Updates


def test_an_update_goes_to_everyone_called_out_once_each(scene, sms_path):
    alert = raise_alert(scene, verified=True)

    client = client_for(scene.dispatcher.user)
    first = client.post(_url(alert, "alert_update"), {"note": "They moved to Fifth and Main."})
    second = client.post(_url(alert, "alert_update"), {"note": "Two more vans."})

    assert (first.status_code, second.status_code) == (302, 302)
    updates = list(AlertEvent.objects.filter(kind=Kind.UPDATE).order_by("pk"))
    assert [event.note for event in updates] == ["They moved to Fifth and Main.", "Two more vans."]
    assert recipients("alert_update") == ids(*scene.called_out)
    # Each update is its own occasion: both go out to each person.
    for event in updates:
        keys = Message.objects.filter(kind="alert_update", occasion=str(event.pk)).values_list("recipient_key")
        assert len(keys) == 3
    assert recipients("alert_update_sms") == ids(scene.verifier, scene.responder)


def test_an_update_on_an_unverified_alert_goes_to_the_verifiers_asked(scene):
    alert = raise_alert(scene)

    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Still there?")

    assert recipients("alert_update") == ids(scene.verifier)


def test_an_update_renders_in_each_persons_language_with_their_answer_link(scene, sms_path):
    alert = raise_alert(scene, verified=True)
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="They moved to Fifth and Main.")

    deliver_alerts()

    [text] = [t for t in texts_to(sms_path, scene.verifier) if "Fifth and Main" in t]
    assert text.startswith("Asamblea, Cuadra norte: They moved to Fifth and Main.")
    assert links.answer_token(alert.pk, scene.verifier.pk) in text


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("note", "english", "spanish"),
    [
        ("   ", "Write the update first.", "Escribe primero la novedad."),
        ("x" * 61, "Ensure this value has at most 60 characters", "Asegúrese de que este valor tenga menos de 60"),
        # Each takes two units of a text message: 62 in all.
        ("[]" * 15 + "€", "Keep it to 60 characters", "No pases de 60 caracteres"),
    ],
)
def test_a_bad_update_is_refused_in_the_readers_language(scene, note, english, spanish, language):
    alert = raise_alert(scene, verified=True)

    response = client_for(scene.dispatcher.user).post(_url(alert, "alert_update", language), {"note": note})

    assert response.status_code == 400
    assert (english if language == "en" else spanish) in response.content.decode()
    assert _events() == []
    assert not Message.objects.filter(kind__startswith="alert_update").exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "so it fits in 60 characters"), ("es", "así que cabe en 60 caracteres")],
)
def test_the_update_form_says_an_update_fits_in_a_text_message(scene, second, language, words):
    alert = raise_alert(scene, verified=True)

    page = client_for(scene.dispatcher.user).get(_url(alert, "alert_board", language)).content.decode()

    assert words in page
    assert 'maxlength="60"' in page
    # A hand-off's note goes by email: it keeps its room.
    assert 'maxlength="280"' in page


def test_an_update_as_long_as_a_text_message_allows_is_sent(scene):
    alert = raise_alert(scene, verified=True)

    event = alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="é" * alerts.UPDATE_LENGTH)

    assert event.note == "é" * 60


def test_updates_are_erased_with_the_alert(scene):
    alert = raise_alert(scene, verified=True)
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="They moved to Fifth and Main.")

    alerts.alert_close(alert=alert)

    assert _events() == []
    assert not Message.objects.filter(kind__startswith="alert_update").exists()


def test_an_update_on_an_ended_alert_is_refused(scene):
    alert = raise_alert(scene, verified=True)
    alerts.alert_close(alert=alert)

    response = client_for(scene.dispatcher.user).post(_url(alert, "alert_update"), {"note": "Anyone?"}, follow=True)

    assert "This alert has already ended." in response.content.decode()
    assert _events() == []
    assert not Message.objects.filter(kind__startswith="alert_update").exists()


# The board


def test_the_board_counts_answers_and_lists_who_has_not_answered_with_links(scene):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 10)

    data = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data")).json()
    page = client_for(scene.dispatcher.user).get(_url(alert, "alert_board")).content.decode()

    assert data["counts"] == {"coming": 1, "cannot": 0, "clear": 0, "none": 2}
    assert [person["name"] for person in data["waiting"]] == sorted(
        [scene.verifier.user.display_name, scene.observer.user.display_name], key=str.casefold
    )
    verifier = next(person for person in data["waiting"] if person["name"] == scene.verifier.user.display_name)
    assert (verifier["tel"], verifier["sms"]) == ("tel:+15550100001", "sms:+15550100001")
    observer = next(person for person in data["waiting"] if person["name"] == scene.observer.user.display_name)
    assert observer["tel"] == ""
    assert 'href="tel:+15550100001"' in page and 'href="sms:+15550100001"' in page


def test_the_board_gives_elapsed_times_in_words_and_arrivals_as_clock_times(scene):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 15)
    row = alert.answers.get()
    zone = ZoneInfo(scene.assembly.time_zone)

    with time_machine.travel(row.answered_at + timedelta(minutes=12), tick=False):
        data = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data")).json()
    with time_machine.travel(row.answered_at + timedelta(minutes=12), tick=False), translation.override("es"):
        spanish = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data", "es")).json()

    arrives = formats.time_format(timezone.localtime(row.answered_at + timedelta(minutes=15), zone), "TIME_FORMAT")
    assert data["answers"][0]["ago"] == "12\xa0minutes ago"
    assert data["answers"][0]["arrives"] == arrives
    assert spanish["answers"][0]["ago"] == "hace 12\xa0minutos"
    assert data["opened"].endswith("ago")


def test_the_board_of_an_unverified_alert_lists_the_verifiers_to_call(scene):
    alert = raise_alert(scene)

    data = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data")).json()

    assert [person["name"] for person in data["waiting"]] == [scene.verifier.user.display_name]
    assert data["held_by"] == scene.dispatcher.user.display_name


def test_the_board_of_an_ended_alert_names_nobody(scene):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 10)
    alerts.alert_close(alert=alert)

    data = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data")).json()

    assert (data["waiting"], data["events"], data["held_by"], data["answers"]) == ([], [], None, [])
    assert data["counts"] == {"coming": 1, "cannot": 0, "clear": 0, "none": 2}


# The answer page


def _answer_url(alert: Alert, membership, language: str = "en") -> str:
    with translation.override(language):
        return reverse("alert_answer", kwargs={"token": links.answer_token(alert.pk, membership.pk)})


def test_the_answer_page_shows_the_answer_given_the_role_card_and_where_to_meet(scene):
    MeetingPointFactory(plan=scene.plan, name_en="Laundromat on 5th", name_es="Lavandería de la 5ª")
    PlanStepFactory(plan=scene.plan, text_en="Film from across the street", text_es="Graba desde la otra acera")
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 10)

    page = Client().get(_answer_url(alert, scene.responder)).content.decode()

    assert "Your answer: On my way." in page
    assert "You said you can be there in 10 min." in page
    assert "Laundromat on 5th" in page
    assert "Film from across the street" in page
    assert 'class="role-card"' in page


def test_the_answer_page_lets_the_answer_change(scene):
    alert = raise_alert(scene, verified=True)
    answer(alert, scene.responder, "coming", 10)

    Client().post(_answer_url(alert, scene.responder), {"answer": "cannot"})

    assert alert.answers.get().answer == "cannot"


def test_the_answer_page_in_spanish_shows_the_card_in_spanish(scene):
    MeetingPointFactory(plan=scene.plan, name_en="Laundromat on 5th", name_es="Lavandería de la 5ª")
    alert = raise_alert(scene, verified=True)

    page = Client().get(_answer_url(alert, scene.responder, "es")).content.decode()

    assert "Lavandería de la 5ª" in page
    assert "Dónde nos encontramos" in page


def test_the_answer_page_of_someone_no_longer_involved_shows_no_card(scene):
    MeetingPointFactory(plan=scene.plan, name_en="Laundromat on 5th")
    alert = raise_alert(scene, verified=True)

    page = Client().get(_answer_url(alert, scene.bystander)).content.decode()

    assert "Laundromat on 5th" not in page
    assert 'class="role-card"' not in page


def test_the_new_holder_gets_an_email_with_the_board_and_the_note(scene, second, mailoutbox):
    alert = raise_alert(scene, verified=True)
    alerts.alert_hand(alert=alert, by=scene.dispatcher, to=second, note="Over to you")

    deliver_alerts()

    # Being a holder in the zone, they had the alert itself too; the hand-off comes apart, in their Spanish.
    [mail] = [mail for mail in mailoutbox if mail.to == [second.user.email] and "tuya" in mail.subject]
    assert mail.subject == "La alerta en Cuadra norte ahora es tuya"
    assert "Over to you" in mail.body
    assert f"/es/a/{scene.assembly.slug}/alerts/{alert.pk}/" in mail.body
    alerts.alert_close(alert=alert)
    assert not Message.objects.filter(kind="alert_handed").exists()


def test_someone_reached_only_by_text_is_sent_updates_and_told_it_is_over(scene, sms_path):
    User = type(scene.responder.user)
    User.objects.filter(pk=scene.responder.user_id).update(alerts_by_email=False, alerts_by_sms=True)
    alert = raise_alert(scene, verified=True)
    assert scene.responder.pk not in recipients("alert")

    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Two more vans.")
    assert scene.responder.pk in recipients("alert_update_sms")
    alerts.alert_close(alert=alert)

    assert scene.responder.pk in recipients("alert_over_sms")


def test_the_board_of_an_unverified_alert_counts_the_verifiers_asked_as_alerted(scene):
    alert = raise_alert(scene)

    data = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data")).json()

    assert data["alerted"] == 1
