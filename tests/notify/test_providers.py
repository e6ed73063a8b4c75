"""The real provider backends, through their client libraries, against local fakes of the providers' APIs."""

import io
import time
from urllib.parse import urlencode

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from assembly.common.localredis import free_port
from assembly.notify import channels, registry
from assembly.notify.fakes import android_signature
from assembly.notify.models import Message
from assembly.notify.providers.signal import signal_receive
from assembly.notify.services import outbox_send_batch, unknown_text_reply
from tests.defense.alert_helpers import alert_scene, raise_alert
from tests.notify.helpers import run_queued_tasks
from tests.notify.provider_helpers import (
    EMAIL_KIND,
    SIGNAL_KIND,
    SMS_KIND,
    TEMPLATES_DIR,
    TEST_KINDS,
    fresh,
    post_callbacks,
    text_rows,
)
from tests.workers import wait_until

pytestmark = pytest.mark.django_db
State = Message.State

ANA, BETO, CARLA = "+13125550142", "+13125550143", "+13125550144"
REFUSED = "+13125550191"
UNDELIVERED = "+13125550181"
STOP_TEXT = "To stop alerts, release your role: https://asamblea.example/p"


@pytest.fixture(autouse=True)
def _test_kinds():
    for kind in TEST_KINDS:
        registry.register_kind(kind)
    yield
    for kind in TEST_KINDS:
        registry._kinds.pop(kind.name, None)


@pytest.fixture
def inbound():
    """A registered handler that answers every text and remembers what it was handed; removed afterwards."""
    seen: list[registry.InboundText] = []

    def handler(text: registry.InboundText) -> str | None:
        seen.append(text)
        return None if text.text == "ignore me" else f"Got it: {text.text}"

    registry.register_inbound(handler)
    yield seen
    registry._inbound.remove(handler)


def _send(rows) -> int:
    return outbox_send_batch(message_ids=[row.pk for row in rows])


# Twilio


def test_twilio_sends_through_the_library_and_keeps_the_sid(fake_twilio):
    rows = text_rows(SMS_KIND, ANA, BETO)

    assert _send(rows) == 2

    sent = fake_twilio.messages()
    assert [(message["to"], message["body"]) for message in sent] == [(ANA, STOP_TEXT), (BETO, STOP_TEXT)]
    assert {message["from"] for message in sent} == {fake_twilio.number}
    assert [(row.state, row.provider_ref) for row in fresh(rows)] == [(State.SENT, m["sid"]) for m in sent]


def test_twilio_status_callback_marks_delivered_and_undelivered(fake_twilio):
    good, lost = text_rows(SMS_KIND, ANA, UNDELIVERED)
    _send([good, lost])

    responses = post_callbacks(fake_twilio)

    assert [response.status_code for response in responses] == [204, 204]
    good, lost = fresh([good, lost])
    assert good.state == State.DELIVERED
    assert (lost.state, lost.last_error) == (State.FAILED, "Twilio undelivered: error 30003")


@pytest.mark.django_db(transaction=True)
def test_twilio_status_callbacks_over_http_reach_the_running_site(fake_twilio, live_server, settings):
    settings.SITE_URL = live_server.url
    fake_twilio.hold_callbacks = False
    good, lost = text_rows(SMS_KIND, ANA, UNDELIVERED)

    _send([good, lost])
    fake_twilio.drain()

    assert fake_twilio.callbacks_failed == 0
    good, lost = fresh([good, lost])
    assert (good.state, lost.state) == (State.DELIVERED, State.FAILED)


def test_twilio_refusal_fails_for_good_without_the_number(fake_twilio):
    [row] = text_rows(SMS_KIND, REFUSED)

    assert _send([row]) == 0

    row.refresh_from_db()
    assert row.state == State.FAILED
    assert "21211" in row.last_error
    assert "555" not in row.last_error
    assert fake_twilio.messages() == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_busy_gives_the_message_back_for_a_retry(fake_twilio, status):
    fake_twilio.busy[ANA] = status
    [row] = text_rows(SMS_KIND, ANA)

    _send([row])

    row.refresh_from_db()
    assert row.state == State.PENDING
    assert row.due_at > row.created_at
    assert f"Twilio {status}" in row.last_error


def test_twilio_refusing_our_credentials_gives_the_message_back(fake_twilio, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    [row] = text_rows(SMS_KIND, ANA)

    _send([row])

    row.refresh_from_db()
    assert (row.state, row.last_error) == (State.PENDING, "sms: try again: Twilio 401 error 20003")


def test_twilio_unreachable_gives_the_message_back(fake_twilio, settings):
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{free_port()}"
    [row] = text_rows(SMS_KIND, ANA)

    _send([row])

    row.refresh_from_db()
    assert (row.state, row.last_error) == (State.PENDING, "sms: try again: Twilio unreachable: ConnectionError")


def test_one_provider_error_holds_up_nothing_else_in_the_batch(fake_twilio, smtp_sink, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}]
    fake_twilio.busy[BETO] = 503
    refused, busy, good = text_rows(SMS_KIND, REFUSED, BETO, ANA)
    [email] = text_rows(EMAIL_KIND, CARLA)

    assert _send([refused, busy, good, email]) == 2

    refused, busy, good, email = fresh([refused, busy, good, email])
    assert [refused.state, busy.state, good.state, email.state] == [
        State.FAILED,
        State.PENDING,
        State.SENT,
        State.SENT,
    ]
    assert [message["to"] for message in fake_twilio.messages()] == [ANA]
    assert len(smtp_sink.deliveries) == 1


def test_a_text_channel_set_up_wrong_holds_up_only_its_own_messages(smtp_sink, settings):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}]
    settings.SIGNAL_BACKEND = "assembly.notify.providers.nowhere.Backend"
    [signal] = text_rows(SIGNAL_KIND, ANA)
    [email] = text_rows(EMAIL_KIND, CARLA)

    assert _send([signal, email]) == 1

    signal, email = fresh([signal, email])
    assert (signal.state, signal.last_error) == (State.PENDING, "signal: ModuleNotFoundError")
    assert email.state == State.SENT
    assert len(smtp_sink.deliveries) == 1


def _twilio_post(fake, path: str, params: dict, *, sign_as: str | None = None, client: Client | None = None):
    from django.conf import settings

    url = settings.SITE_URL + path
    headers = fake.signed_headers(sign_as or url, params)
    return (client or Client()).post(
        path, urlencode(params), content_type="application/x-www-form-urlencoded", headers=headers
    )


def test_twilio_status_with_a_bad_signature_is_refused_and_changes_nothing(fake_twilio):
    [row] = text_rows(SMS_KIND, ANA)
    _send([row])
    [(_url, params, _headers)] = fake_twilio.take_callbacks()

    forged = Client().post(
        "/webhooks/twilio/status/",
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )
    elsewhere = _twilio_post(fake_twilio, "/webhooks/twilio/status/", params, sign_as="https://evil.example/x")
    unsigned = Client().post("/webhooks/twilio/status/", params)

    assert [forged.status_code, elsewhere.status_code, unsigned.status_code] == [403, 403, 403]
    row.refresh_from_db()
    assert row.state == State.SENT


def test_twilio_status_for_an_unknown_sid_changes_nothing(fake_twilio):
    [row] = text_rows(SMS_KIND, ANA)
    _send([row])

    response = _twilio_post(
        fake_twilio, "/webhooks/twilio/status/", {"MessageSid": "SMunknown", "MessageStatus": "delivered"}
    )

    assert response.status_code == 204
    row.refresh_from_db()
    assert row.state == State.SENT


def test_a_late_delivered_status_does_not_revive_a_failed_message(fake_twilio):
    [row] = text_rows(SMS_KIND, UNDELIVERED)
    _send([row])
    post_callbacks(fake_twilio)
    row.refresh_from_db()

    _twilio_post(
        fake_twilio, "/webhooks/twilio/status/", {"MessageSid": row.provider_ref, "MessageStatus": "delivered"}
    )

    row.refresh_from_db()
    assert row.state == State.FAILED


@pytest.mark.parametrize("path", ["/webhooks/twilio/status/", "/webhooks/twilio/sms/", "/webhooks/android/"])
def test_webhooks_reject_get(path):
    assert Client().get(path).status_code == 405


def test_webhooks_need_no_csrf_token_but_a_signature(fake_twilio, fake_android):
    csrf_client = Client(enforce_csrf_checks=True)
    params = {"MessageSid": "SMunknown", "MessageStatus": "delivered"}
    body = b'{"event": "sms:delivered", "payload": {"messageId": "unknown"}}'

    twilio = _twilio_post(fake_twilio, "/webhooks/twilio/status/", params, client=csrf_client)
    android = csrf_client.post(
        "/webhooks/android/",
        body,
        content_type="application/json",
        headers={key: value for key, value in fake_android.signed_headers(body).items() if key != "Content-Type"},
    )
    unsigned = csrf_client.post("/webhooks/twilio/status/", params)

    assert (twilio.status_code, android.status_code, unsigned.status_code) == (204, 204, 403)


def test_webhooks_are_rate_limited_per_address(fake_twilio, settings):
    settings.WEBHOOK_RATE_PER_MINUTE = 3
    params = {"MessageSid": "SMunknown", "MessageStatus": "delivered"}

    # Within one minute: the count starts afresh with each.
    with time_machine.travel(time.time(), tick=False):
        codes = [_twilio_post(fake_twilio, "/webhooks/twilio/status/", params).status_code for _ in range(4)]
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert _twilio_post(fake_twilio, "/webhooks/twilio/status/", params, client=other).status_code == 204

    assert codes == [204, 204, 204, 429]


def test_twilio_inbound_text_goes_to_the_handlers_and_the_reply_rides_back(fake_twilio, inbound):
    params = {"From": "(312) 555-0142", "To": fake_twilio.number, "Body": "1", "MessageSid": "SMin"}

    response = _twilio_post(fake_twilio, "/webhooks/twilio/sms/", params)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert "<Message>Got it: 1</Message>" in response.content.decode()
    assert inbound == [registry.InboundText("sms", ANA, fake_twilio.number, "1")]


def test_twilio_inbound_text_nobody_takes_gets_the_short_help(fake_twilio, inbound):
    response = _twilio_post(
        fake_twilio, "/webhooks/twilio/sms/", {"From": ANA, "To": fake_twilio.number, "Body": "ignore me"}
    )

    assert unknown_text_reply().split(" / ")[0] in response.content.decode()


def test_twilio_inbound_text_with_a_bad_signature_reaches_no_handler(fake_twilio, inbound):
    params = {"From": ANA, "To": fake_twilio.number, "Body": "1"}

    response = _twilio_post(fake_twilio, "/webhooks/twilio/sms/", params, sign_as="http://other.example/")

    assert response.status_code == 403
    assert inbound == []


def test_the_fake_posts_inbound_texts_signed_as_twilio(fake_twilio, inbound, live_server, settings):
    settings.SITE_URL = live_server.url

    response = fake_twilio.text_in(live_server.url + "/webhooks/twilio/sms/", sender=ANA, text="2")

    assert "<Message>Got it: 2</Message>" in response.text
    assert [text.text for text in inbound] == ["2"]


# SMS Gateway for Android


def test_android_gateway_sends_and_delivery_reports_come_back(fake_android):
    good, lost = text_rows(SMS_KIND, ANA, UNDELIVERED)

    assert _send([good, lost]) == 2

    sent = fake_android.messages()
    assert [(message["to"], message["text"]) for message in sent] == [(ANA, STOP_TEXT), (UNDELIVERED, STOP_TEXT)]
    assert [row.provider_ref for row in fresh([good, lost])] == [message["id"] for message in sent]
    assert [response.status_code for response in post_callbacks(fake_android)] == [204, 204]
    good, lost = fresh([good, lost])
    assert (good.state, lost.state) == (State.DELIVERED, State.FAILED)


def test_android_gateway_refusal_and_busy(fake_android):
    fake_android.busy[BETO] = 503
    refused, busy = text_rows(SMS_KIND, REFUSED, BETO)

    _send([refused, busy])

    refused, busy = fresh([refused, busy])
    assert (refused.state, busy.state) == (State.FAILED, State.PENDING)


def test_android_inbound_text_is_answered_by_sms(fake_android, inbound):
    fake_android.inject_inbound(ANA, "3")

    [response] = post_callbacks(fake_android)
    run_queued_tasks("alerts")

    assert response.status_code == 204
    assert inbound == [registry.InboundText("sms", ANA, "", "3")]
    assert [(message["to"], message["text"]) for message in fake_android.messages()] == [(ANA, "Got it: 3")]


def test_android_webhook_refuses_bad_and_stale_signatures(fake_android, inbound):
    body = b'{"event": "sms:received", "payload": {"phoneNumber": "+13125550142", "message": "1"}}'
    stale = str(int(time.time()) - 301)
    now = str(int(time.time()))

    def post(signature: str, stamp: str):
        return Client().post(
            "/webhooks/android/",
            body,
            content_type="application/json",
            headers={"X-Signature": signature, "X-Timestamp": stamp},
        )

    assert post(android_signature("wrong", body, now), now).status_code == 403
    assert post(android_signature(fake_android.secret, body, stale), stale).status_code == 403
    assert post(android_signature(fake_android.secret, body, now), "").status_code == 403
    assert inbound == []
    assert post(android_signature(fake_android.secret, body, now), now).status_code == 204
    assert len(inbound) == 1


# Signal


def test_signal_sends_and_keeps_the_timestamp(fake_signal):
    good, refused = text_rows(SIGNAL_KIND, ANA, REFUSED)

    assert _send([good, refused]) == 1

    [sent] = fake_signal.messages()
    assert (sent["to"], sent["text"]) == (ANA, STOP_TEXT)
    good, refused = fresh([good, refused])
    assert (good.state, good.provider_ref) == (State.SENT, sent["timestamp"])
    assert (refused.state, refused.last_error) == (State.FAILED, "signal refused: signal-cli refused the number")


def test_signal_unreachable_gives_the_message_back(fake_signal, settings):
    settings.SIGNAL_API_URL = f"http://127.0.0.1:{free_port()}"
    [row] = text_rows(SIGNAL_KIND, ANA)

    _send([row])

    row.refresh_from_db()
    assert row.state == State.PENDING


def test_signal_receive_hands_each_message_on_and_answers(fake_signal, inbound):
    fake_signal.inject_inbound(ANA, "1")
    fake_signal.inject_inbound(BETO, "ignore me")

    assert signal_receive() == 2
    run_queued_tasks("alerts")

    assert inbound == [
        registry.InboundText("signal", ANA, fake_signal.number, "1"),
        registry.InboundText("signal", BETO, fake_signal.number, "ignore me"),
    ]
    replies = [(message["to"], message["text"]) for message in fake_signal.messages()]
    assert replies == [(ANA, "Got it: 1"), (BETO, unknown_text_reply())]
    assert signal_receive() == 0


def test_signal_receive_task_survives_an_unreachable_api(settings):
    from assembly.notify.tasks import signal_receive as task

    settings.SIGNAL_API_URL = f"http://127.0.0.1:{free_port()}"
    settings.SIGNAL_NUMBER = "+13125550101"

    task()


def test_get_backend_builds_each_provider(fake_twilio, fake_signal):
    assert type(channels.get_backend(channels.SMS)).__name__ == "TwilioBackend"
    assert type(channels.get_backend(channels.SIGNAL)).__name__ == "SignalBackend"


def test_fake_text_answers_from_a_fake_phone(fake_twilio, inbound, live_server, settings):
    settings.SITE_URL = live_server.url
    out = io.StringIO()

    call_command("fake_text", "(312) 555-0142", "1", stdout=out)

    assert out.getvalue().strip() == "Reply: Got it: 1"
    assert inbound == [registry.InboundText("sms", ANA, fake_twilio.number, "1")]


def test_fake_text_by_signal_reaches_the_receive_loop(fake_signal, inbound):
    call_command("fake_text", ANA, "2", "--signal", stdout=io.StringIO())

    assert signal_receive() == 1
    assert [text.text for text in inbound] == ["2"]


def test_fake_text_refuses_a_bad_number():
    with pytest.raises(CommandError):
        call_command("fake_text", "12", "1")


@pytest.mark.django_db(transaction=True)
def test_a_verified_alert_reaches_phones_through_a_real_worker_and_the_twilio_fake(
    fake_twilio, start_outbox_worker, smtp_sink, settings
):
    scene = alert_scene()
    start_outbox_worker(
        SMS_BACKEND=settings.SMS_BACKEND,
        TWILIO_ACCOUNT_SID=fake_twilio.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio.auth_token,
        TWILIO_FROM=fake_twilio.number,
        TWILIO_API_BASE=fake_twilio.url,
    )

    alert = raise_alert(scene, verified=True)

    wait_until(
        lambda: Message.objects.filter(kind="alert_sms", state=State.SENT).count() == 2,
        what="the worker to text both holders with a phone",
    )
    sent = {message["to"]: message for message in fake_twilio.messages()}
    assert set(sent) == {scene.verifier.user.phone, scene.responder.user.phone}
    assert "Cuadra norte" in sent[scene.verifier.user.phone]["body"]
    assert "North block" in sent[scene.responder.user.phone]["body"]
    refs = set(Message.objects.filter(kind="alert_sms", object_id=alert.pk).values_list("provider_ref", flat=True))
    assert refs == {message["sid"] for message in sent.values()}
    wait_until(lambda: len(smtp_sink.deliveries) == 3, what="the three alert emails")
