"""The dispatcher's board counts the alert's messages per channel by state; the page polls them."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from assembly.defense import alerts
from assembly.defense.models import Alert
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import alert_scene, deliver_alerts, raise_alert
from tests.notify import conftest as notify_fixtures

pytestmark = pytest.mark.django_db

smtp_sink = notify_fixtures.smtp_sink

State = Message.State


def _url(alert: Alert, name: str = "alert_board") -> str:
    return reverse(name, kwargs={"slug": alert.plan.assembly.slug, "alert_pk": alert.pk})


def _cells(page: str) -> dict[str, list[str]]:
    """The board's delivery table as shown: per channel, the delivered, sent, queued and failed cells."""
    rows = re.findall(r'<tr data-channel="(\w+)">(.*?)</tr>', page, re.S)
    return {channel: re.findall(r'<td data-state="\w+">(\d+)</td>', cells) for channel, cells in rows}


def _counts(sent: int = 0, queued: int = 0, failed: int = 0, delivered: int = 0) -> dict[str, int]:
    return {"delivered": delivered, "sent": sent, "queued": queued, "failed": failed}


def test_board_counts_each_channels_messages_by_state():
    scene = alert_scene()
    alert = raise_alert(scene, verified=True)
    # Three are called out: two by text message too (the observer gave no number).
    emails = list(Message.objects.filter(kind="alert", object_id=alert.pk).order_by("pk"))
    texts = list(Message.objects.filter(kind="alert_sms", object_id=alert.pk).order_by("pk"))
    Message.objects.filter(pk=emails[0].pk).update(state=State.SENT)
    Message.objects.filter(pk=emails[1].pk).update(state=State.FAILED)
    Message.objects.filter(pk=texts[0].pk).update(state=State.SENDING)
    client = client_for(scene.dispatcher.user)

    data = client.get(_url(alert, "alert_board_data")).json()
    page = client.get(_url(alert)).content.decode()

    assert data["delivery"] == {"email": _counts(1, 1, 1), "sms": _counts(0, 2, 0), "signal": _counts()}
    assert _cells(page) == {"email": ["0", "1", "1", "1"], "sms": ["0", "0", "2", "0"], "signal": ["0", "0", "0", "0"]}


def test_board_counts_what_the_outbox_sent(smtp_sink, sms_path):
    scene = alert_scene()
    alert = raise_alert(scene, verified=True)
    smtp_sink.refuse_recipient(scene.observer.user.email, "550 5.1.1 No such mailbox")

    deliver_alerts()

    data = client_for(scene.dispatcher.user).get(_url(alert, "alert_board_data")).json()
    assert data["delivery"] == {"email": _counts(2, 0, 1), "sms": _counts(2, 0, 0), "signal": _counts()}


def test_board_of_an_ended_alert_counts_the_messages_saying_it_is_over():
    scene = alert_scene()
    alert = raise_alert(scene, verified=True)
    alerts.alert_close(alert=alert)

    page = client_for(scene.dispatcher.user).get(_url(alert)).content.decode()

    assert "Messages saying it is over" in page
    assert _cells(page) == {"email": ["0", "0", "3", "0"], "sms": ["0", "0", "2", "0"], "signal": ["0", "0", "0", "0"]}


def test_board_names_channels_and_states_in_spanish():
    scene = alert_scene()
    alert = raise_alert(scene, verified=True)

    with translation.override("es"):
        page = client_for(scene.dispatcher.user).get(_url(alert)).content.decode()

    for words in ["Correo electrónico", "Mensaje de texto", "Entregados", "Enviados", "En cola", "Fallidos"]:
        assert words in page


def test_board_counts_delivered_messages_apart_from_sent():
    scene = alert_scene()
    alert = raise_alert(scene, verified=True)
    texts = list(Message.objects.filter(kind="alert_sms", object_id=alert.pk).order_by("pk"))
    Message.objects.filter(pk=texts[0].pk).update(state=State.DELIVERED)
    Message.objects.filter(pk=texts[1].pk).update(state=State.SENT)
    client = client_for(scene.dispatcher.user)

    data = client.get(_url(alert, "alert_board_data")).json()
    page = client.get(_url(alert)).content.decode()

    assert data["delivery"]["sms"] == _counts(sent=1, delivered=1)
    assert _cells(page)["sms"] == ["1", "1", "0", "0"]
