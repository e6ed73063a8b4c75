"""What an alert message says of its recipient: nothing. No greeting by name, no link or header that names or numbers
the person, no unsubscribe button; each email, and the text that ends an alert, says how to stop alerts (release the
role) with a link to the plan. The texts that ask to verify or to come have room, in one segment, for the answer
link and how to answer by reply only.

Every alert kind goes out through the real outbox, the real SMTP server and the file SMS backend.
"""

import base64
import re
from html import unescape

import pytest

from assembly.accounts.models import User
from assembly.defense import alerts, links
from assembly.defense.models import Alert
from assembly.notify.links import absolute_url, preferences_token
from assembly.notify.models import Message
from assembly.notify.segments import fits_one_segment
from tests.defense.alert_helpers import AlertScene, alert_scene, deliver_alerts, raise_alert, texts
from tests.notify import conftest as notify_fixtures

pytestmark = pytest.mark.django_db

smtp_sink = notify_fixtures.smtp_sink

STOP = {
    "en": "You get alerts because you hold a role in the plan “Home raid plan”. To stop them, release your role on "
    "the plan's page:",
    "es": "Recibes alertas porque tienes un rol en el plan “Plan contra redadas”. Para dejar de recibirlas, deja tu "
    "rol en la página del plan:",
}
# Folded to GSM-7 (más → mas) so the text fits one segment.
STOP_SMS = {"en": "To stop alerts, release your role:", "es": "Para no recibir mas alertas, deja tu rol:"}
GREETINGS = ("Hello", "Hola")
# All a message needs; List-Unsubscribe and its kin would carry the person's key.
HEADERS = {
    "Content-Type",
    "MIME-Version",
    "Content-Transfer-Encoding",
    "Subject",
    "From",
    "To",
    "Date",
    "Message-ID",
    "Auto-Submitted",
}
KINDS = ["alert_verify", "alert", "alert_over"]


@pytest.fixture
def scene(db) -> AlertScene:
    return alert_scene()


def _links(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<>]+", text))


def _every_kind(scene: AlertScene, smtp_sink, sms_path) -> tuple[Alert, dict[str, tuple[list, list]]]:
    """Raise, verify and close one alert; each kind's emails and texts, as they were sent."""
    sent: dict[str, tuple[list, list]] = {}

    def collect(kind: str) -> None:
        deliver_alerts()
        emails = [d for d in smtp_sink.deliveries if not any(d in e for e, _t in sent.values())]
        done_texts = [t for _e, ts in sent.values() for t in ts]
        sent[kind] = (emails, [t for t in texts(sms_path) if t not in done_texts])

    alert = raise_alert(scene)
    collect("alert_verify")
    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=True)
    collect("alert")
    alerts.alert_close(alert=alert)
    collect("alert_over")
    return alert, sent


def _allowed(kind: str, alert: Alert, membership_id: int, language: str, plan_url: str) -> set[str]:
    """The links a message may hold: the plan's, and (while the alert is on) the answer link, which names no one."""
    if kind == "alert_over":
        return {plan_url}
    return {plan_url, links.answer_url(alert.pk, membership_id, language=language)}


@pytest.mark.parametrize("language", ["en", "es"])
def test_alert_messages_of_every_kind_say_nothing_of_whom_they_are_for(scene, smtp_sink, sms_path, language):
    User.objects.update(language=language)
    members = {m.user.email: m for m in (scene.verifier, scene.responder, scene.observer)}
    members.update({m.user.phone: m for m in members.values() if m.user.phone})
    users = User.objects.all()
    # What would give a person away: their alias, and their preferences key in the clear or in base64.
    telltales = [
        *(user.display_name for user in users),
        "user:",
        base64.urlsafe_b64encode(b"user:").decode()[:6],
        *(preferences_token(f"user:{user.pk}") for user in users),
    ]

    alert, sent = _every_kind(scene, smtp_sink, sms_path)

    assert [(kind, bool(emails), bool(sms)) for kind, (emails, sms) in sent.items()] == [
        (kind, True, True) for kind in KINDS
    ]
    plan_url = absolute_url("plan_detail", language=language, slug=scene.assembly.slug, pk=scene.plan.pk)
    for kind, (emails, sms) in sent.items():
        for delivery in emails:
            membership = members[delivery.rcpt_tos[0]]
            allowed = _allowed(kind, alert, membership.pk, language, plan_url)
            raw = delivery.message.as_string()
            assert set(delivery.message.keys()) <= HEADERS, kind
            assert "List-Unsubscribe" not in raw
            text, html = delivery.text.replace("\r\n", "\n"), unescape(delivery.html)
            for body in (text, html, delivery.subject):
                assert not [word for word in (*telltales, *GREETINGS) if word in body], (kind, body)
            assert _links(text) <= allowed and _links(html) <= allowed, kind
            assert f"{STOP[language]}\n{plan_url}" in text, kind
            assert STOP[language] in " ".join(html.split()) and f'href="{plan_url}"' in html, kind
        for message in sms:
            membership = members[message["to"]]
            allowed = _allowed(kind, alert, membership.pk, language, plan_url)
            assert not [word for word in (*telltales, *GREETINGS) if word in message["text"]], kind
            assert _links(message["text"]) <= allowed, kind
            if kind == "alert_over":
                assert message["text"].endswith(f"{STOP_SMS[language]} {plan_url}"), kind
            else:
                assert message["text"].endswith(links.answer_url(alert.pk, membership.pk, language=language)), kind
            assert fits_one_segment(message["text"]), kind


@pytest.mark.parametrize(
    ("ending", "language", "said"),
    [
        ("close", "en", "The dispatcher closed the alert in"),
        ("close", "es", "El despacho cerró la alerta en"),
        ("expire", "en", "has run out of time and is over"),
        ("expire", "es", "se quedó sin tiempo y terminó"),
    ],
)
def test_the_end_of_an_alert_says_how_it_ended(scene, smtp_sink, sms_path, ending, language, said):
    User.objects.update(language=language)
    alert = raise_alert(scene, verified=True)
    deliver_alerts()
    before = len(smtp_sink.deliveries)

    if ending == "close":
        alerts.alert_close(alert=alert)
    else:
        alerts.alerts_expire(now=Alert.objects.get(pk=alert.pk).expires_at)
    deliver_alerts()

    over = smtp_sink.deliveries[before:]
    assert over
    assert all(said in " ".join(delivery.text.split()) for delivery in over)


def test_a_text_channel_turned_off_after_an_alert_was_queued_stops_its_texts(scene, smtp_sink, sms_path):
    # Her phone was taken: she turns text messages off while the alert waits in the outbox.
    alert = raise_alert(scene, verified=True)
    assert Message.objects.filter(kind="alert_sms", recipient_key=f"membership:{scene.responder.pk}").exists()
    User.objects.filter(pk=scene.responder.user_id).update(alerts_by_sms=False)

    deliver_alerts()

    assert not [text for text in texts(sms_path) if text["to"] == scene.responder.user.phone]
    assert [text for text in texts(sms_path) if text["to"] == scene.verifier.user.phone]
    assert not Message.objects.filter(kind="alert_sms", recipient_key=f"membership:{scene.responder.pk}").exists()
    assert Message.objects.filter(
        kind="alert", recipient_key=f"membership:{scene.responder.pk}", object_id=alert.pk, state=Message.State.SENT
    ).exists()
