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

    assert reply == services.UNKNOWN_TEXT_REPLY
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
