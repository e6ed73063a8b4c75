"""Inbound texts: handed to the apps that read them, answered at once, stored nowhere by notify."""

import json

import pytest

from assembly.notify import registry, services
from assembly.notify.channels import SendError
from assembly.notify.models import Message

pytestmark = pytest.mark.django_db

INBOUND = registry.InboundText(channel="sms", sender="+13125550142", to="+13125550100", text="hola")


@pytest.fixture
def handlers(monkeypatch):
    """Only the handlers a test registers: the site's own are set aside."""
    monkeypatch.setattr(registry, "_inbound", [])
    return registry


def test_a_text_no_handler_takes_gets_the_bilingual_help(handlers):
    handlers.register_inbound(lambda inbound: None)

    reply = services.text_receive(INBOUND)

    assert reply == services.unknown_text_reply()
    assert "1" in reply and "voy" in reply and "coming" in reply
    assert not Message.objects.exists()


def test_the_first_handler_that_answers_gives_the_reply(handlers):
    seen = []
    handlers.register_inbound(lambda inbound: seen.append(inbound.text) and None)
    handlers.register_inbound(lambda inbound: f"got {inbound.text}")
    handlers.register_inbound(lambda inbound: "never")

    assert services.text_receive(INBOUND) == "got hola"
    assert seen == ["hola"]


def test_registering_a_handler_twice_keeps_one(handlers):
    def handler(inbound):
        return None

    handlers.register_inbound(handler)
    handlers.register_inbound(handler)

    assert handlers.inbound_handlers() == [handler]


def test_a_reply_goes_straight_to_the_channel_and_is_not_stored(settings, tmp_path):
    settings.SIGNAL_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SIGNAL_FILE_PATH = tmp_path / "signal"

    assert services.text_reply(channel="signal", to="+13125550142", text="Recibido: vas.") is True

    (written,) = (tmp_path / "signal").iterdir()
    assert json.loads(written.read_text()) == {"to": "+13125550142", "text": "Recibido: vas."}
    assert not Message.objects.exists()


class Refusing:
    def __init__(self, channel):
        pass

    def send(self, *, to, text):
        raise SendError("no such number", permanent=True)


def test_a_reply_the_provider_refuses_is_dropped_quietly(settings, caplog):
    settings.SMS_BACKEND = f"{__name__}.Refusing"

    assert services.text_reply(channel="sms", to="+13125550142", text="ok") is False
    assert "+13125550142" not in caplog.text


def test_the_help_line_is_in_every_language():
    reply = services.unknown_text_reply()

    assert reply.split(" / ") == [
        "Asamblea: reply 1 = coming, 2 = can't, 3 = all clear.",
        "Asamblea: responde 1 = voy, 2 = no puedo, 3 = todo bien.",
    ]


def test_an_sms_reply_is_folded_to_gsm7_and_a_signal_reply_is_not(handlers):
    handlers.register_inbound(lambda inbound: "Asamblea: la alerta está verificada.")

    sms = services.text_receive(INBOUND)
    signal = services.text_receive(registry.InboundText("signal", INBOUND.sender, "", "1"))

    assert sms == "Asamblea: la alerta esta verificada."
    assert signal == "Asamblea: la alerta está verificada."


def test_a_number_that_floods_is_ignored_for_the_window(handlers, settings):
    settings.INBOUND_PER_SENDER = 2
    seen = []
    handlers.register_inbound(lambda inbound: seen.append(inbound.sender) or "ok")
    flooder = registry.InboundText("sms", "+13125550150", "+13125550100", "1")
    other = registry.InboundText("sms", "+13125550151", "+13125550100", "1")

    replies = [services.text_receive(flooder) for _ in range(4)]

    assert replies == ["ok", "ok", "", ""]
    assert seen == ["+13125550150"] * 2
    # Another number is counted on its own.
    assert services.text_receive(other) == "ok"


def test_a_reply_with_nothing_to_say_sends_nothing(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms"

    assert services.text_reply(channel="sms", to="+13125550142", text="") is False
    assert not (tmp_path / "sms").exists()
