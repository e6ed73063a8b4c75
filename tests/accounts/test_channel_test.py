"""The test message a person sends themselves from the profile: by each channel they chose, in their language,
through the real outbox; limited, so the button cannot be used to run up a bill; erased with the account."""

from pathlib import Path

import pytest
from django.contrib.messages import get_messages

from assembly.accounts.models import User
from assembly.notify.models import Message
from assembly.notify.segments import fits_one_segment
from assembly.notify.services import outbox_sweep
from tests.conftest import client_for
from tests.defense.alert_helpers import texts
from tests.factories import UserFactory
from tests.notify import conftest as notify_fixtures
from tests.notify.helpers import run_queued_tasks
from tests.redisfault import faulty_redis  # noqa: F401

pytestmark = pytest.mark.django_db

smtp_sink = notify_fixtures.smtp_sink

PHONE = "+13125550142"
SMS_TEXT = {
    "en": "Asamblea: this is the test message you asked for. Alerts from your assemblies will reach you here.",
    "es": "Asamblea: este es el mensaje de prueba que pediste. Las alertas de tus asambleas te llegaran aqui.",
}


def _url(channel: str, language: str = "en") -> str:
    return f"/{language}/accounts/profile/test/{channel}/"


@pytest.fixture
def text_paths(settings, tmp_path) -> dict[str, Path]:
    settings.SMS_BACKEND = settings.SIGNAL_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SMS_FILE_PATH, settings.SIGNAL_FILE_PATH = tmp_path / "sms", tmp_path / "signal"
    return {"sms": settings.SMS_FILE_PATH, "signal": settings.SIGNAL_FILE_PATH}


def _person(**fields) -> User:
    defaults = {"phone": PHONE, "alerts_by_email": True, "alerts_by_sms": True, "alerts_by_signal": True}
    return UserFactory(**{**defaults, **fields})


def _shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _deliver() -> None:
    outbox_sweep()
    run_queued_tasks("alerts")


# Who may, and how ------------------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.post(_url("email"))

    assert response.status_code == 302
    assert response.url.startswith("/en/accounts/login/")
    assert not Message.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_it_rejects_other_methods(method):
    response = getattr(client_for(_person()), method)(_url("email"))

    assert response.status_code == 405
    assert not Message.objects.exists()


def test_it_enforces_csrf(csrf_client):
    csrf_client.force_login(_person())

    response = csrf_client.post(_url("sms"))

    assert response.status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize("channel", ["fax", "whatsapp", "EMAIL"])
def test_an_unknown_channel_is_not_found(channel):
    response = client_for(_person()).post(_url(channel))

    assert response.status_code == 404
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("person", "channel"),
    [
        ({"alerts_by_email": False}, "email"),
        ({"alerts_by_sms": False}, "sms"),
        ({"alerts_by_signal": False}, "signal"),
        ({"phone": ""}, "sms"),
        ({"phone": ""}, "signal"),
    ],
)
@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "Choose this way to get alerts, and save your profile, before testing it."),
        ("es", "Elige esta forma de recibir alertas y guarda tu perfil antes de probarla."),
    ],
)
def test_a_channel_not_chosen_is_refused_in_the_reader_language(person, channel, language, refusal):
    response = client_for(_person(**person)).post(_url(channel, language))

    assert response.status_code == 302
    assert response.url == f"/{language}/accounts/profile/"
    assert _shown(response) == [refusal]
    assert not Message.objects.exists()


def test_a_channel_the_site_does_not_run_is_refused_and_not_offered(settings):
    settings.SIGNAL_BACKEND = ""
    client = client_for(_person())

    response = client.post(_url("signal"))

    assert response.status_code == 302
    assert not Message.objects.exists()
    page = client.get("/en/accounts/profile/").content.decode()
    assert "Send me a test text message" in page
    assert "Send me a test Signal message" not in page


def test_the_profile_offers_a_button_per_chosen_channel_only():
    page = client_for(_person(alerts_by_sms=False)).get("/en/accounts/profile/").content.decode()

    assert "Send me a test email" in page
    assert "Send me a test text message" not in page
    assert "Send me a test Signal message" in page


# What goes out ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_test_email_goes_out_through_the_outbox_in_the_person_language(smtp_sink, language):
    user = _person(language=language)

    response = client_for(user).post(_url("email", "en"))

    assert response.status_code == 302
    assert _shown(response) == [f"A test email is on its way to {user.email}."]
    assert Message.objects.get().recipient_key == f"user:{user.pk}"
    _deliver()
    [mail] = smtp_sink.to(user.email)
    assert mail.subject == {"en": "Your test message from Asamblea", "es": "Tu mensaje de prueba de Asamblea"}[language]
    said = {
        "en": "This is the test message you asked for. Alerts from your assemblies will reach you at this address.",
        "es": "Este es el mensaje de prueba que pediste. Las alertas de tus asambleas te llegarán a esta dirección.",
    }[language]
    assert said in " ".join(mail.text.split())
    assert f"/{language}/accounts/profile/" in mail.text
    assert Message.objects.get().state == Message.State.SENT


@pytest.mark.parametrize("channel", ["sms", "signal"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_test_text_goes_out_through_the_outbox_in_the_person_language(text_paths, smtp_sink, channel, language):
    user = _person(language=language)

    response = client_for(user).post(_url(channel, "es"))

    shown = {"sms": "Un mensaje de texto de prueba", "signal": "Un mensaje de Signal de prueba"}[channel]
    assert _shown(response) == [f"{shown} va en camino al (312) 555-0142."]
    _deliver()
    [sent] = texts(text_paths[channel])
    assert sent["to"] == PHONE
    if channel == "sms":
        assert sent["text"] == SMS_TEXT[language]
        assert fits_one_segment(sent["text"])
    else:
        # Signal takes the words as written: accents and all.
        assert sent["text"] == SMS_TEXT[language].replace("llegaran aqui", "llegarán aquí")
    assert smtp_sink.deliveries == []
    assert Message.objects.get().kind == f"channel_test_{channel}"


def test_each_press_sends_a_new_message(text_paths):
    client = client_for(_person())

    client.post(_url("sms"))
    client.post(_url("sms"))
    _deliver()

    assert len(texts(text_paths["sms"])) == 2


@pytest.mark.parametrize(
    ("language", "refusal"),
    [
        ("en", "You asked for many test messages. Please wait a while and try again."),
        ("es", "Pediste muchos mensajes de prueba. Espera un rato e inténtalo de nuevo."),
    ],
)
def test_too_many_tests_are_refused_with_a_clear_message(text_paths, language, refusal):
    user = _person()
    client = client_for(user)
    for _ in range(3):
        assert client.post(_url("sms", language)).status_code == 302

    response = client.post(_url("email", language))

    assert response.status_code == 302
    # The page the person is sent back to shows the messages of every press so far, this refusal last.
    assert _shown(response)[-1] == refusal
    assert Message.objects.count() == 3
    # Another person is not held back by this one's presses.
    client_for(_person()).post(_url("sms"))
    assert Message.objects.count() == 4


def test_many_accounts_cannot_flood_one_number(text_paths):
    clients = [client_for(_person()) for _ in range(4)]
    for client in clients[:3]:
        for _ in range(3):
            client.post(_url("sms"))
    clients[3].post(_url("sms"))

    response = clients[3].post(_url("sms"))

    assert _shown(response)[-1] == "You asked for many test messages. Please wait a while and try again."
    assert Message.objects.count() == 10
    assert clients[3].post(_url("email")).status_code == 302
    assert Message.objects.count() == 11


def test_tests_are_refused_while_redis_is_down(faulty_redis, transactional_db):  # noqa: F811
    user = _person()
    client = client_for(user)
    faulty_redis.stop()

    response = client.post(_url("sms"))

    assert response.status_code == 302
    assert _shown(response) == ["Test messages are paused for a few minutes. Please try again later."]
    assert not Message.objects.exists()


def test_deleting_the_account_erases_its_test_messages(text_paths):
    user = _person()
    other = _person()
    client = client_for(user)
    client.post(_url("sms"))
    client.post(_url("email"))
    client_for(other).post(_url("sms"))

    client.post("/en/accounts/delete/", {"confirm": "on"})

    assert list(Message.objects.values_list("recipient_key", flat=True)) == [f"user:{other.pk}"]
