"""Replies to alerts by text: `1`, `2`, `3` or the words, matched to the newest open alert sent to that number."""

from datetime import timedelta

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assembly.accounts.models import User
from assembly.assemblies.models import Membership
from assembly.defense import alerts, replies, services
from assembly.defense.models import Alert, AlertAnswer, Claim, ReportLine
from assembly.notify.models import Message
from assembly.notify.registry import InboundText, recipient_key
from assembly.notify.services import text_receive, unknown_text_reply
from tests.defense.alert_helpers import AlertScene, alert_scene, deliver_alerts, holder, raise_alert
from tests.defense.factories import DefenseRoleFactory

pytestmark = pytest.mark.django_db

Status = Alert.Status
COMING, CANNOT, CLEAR = AlertAnswer.Answer.COMING, AlertAnswer.Answer.CANNOT, AlertAnswer.Answer.CLEAR
# The scene's verifier of north reads Spanish; its rapid responder there reads English.
OUR_NUMBER = "+13125550100"
# Finding the person and the alert, then what the answer link does: the same few whatever the outbox holds.
PER_REPLY = 10


@pytest.fixture
def scene(db) -> AlertScene:
    return alert_scene()


def text(sender: str, body: str, *, channel: str = "signal") -> str:
    """The reply as written: by Signal, which sends it whole (an SMS reply is folded to GSM-7, tested in notify)."""
    return text_receive(InboundText(channel=channel, sender=sender, to=OUR_NUMBER, text=body))


def from_(membership: Membership, body: str) -> str:
    return text(membership.user.phone, body)


def answer_of(alert: Alert, membership: Membership) -> AlertAnswer | None:
    return AlertAnswer.objects.filter(alert=alert, membership=membership).first()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1", (COMING, None)),
        (" 1 ", (COMING, None)),
        ("1 15", (COMING, 15)),
        ("1, 15 min", (COMING, 15)),
        ("1 15min", (COMING, 15)),
        ("1 20 minutos", (COMING, 20)),
        ("Voy", (COMING, None)),
        ("voy en 10 minutos", (COMING, 10)),
        ("VOY EN CAMINO", (COMING, None)),
        ("On my way", (COMING, None)),
        ("on my way 20 minutes", (COMING, 20)),
        ("Coming!", (COMING, None)),
        ("yes", (COMING, None)),
        ("Sí", (COMING, None)),
        ("¡si!", (COMING, None)),
        ("1 9999", (COMING, replies.ETA_MAX)),
        ("2", (CANNOT, None)),
        ("2 15", (CANNOT, None)),
        ("No puedo", (CANNOT, None)),
        ("can't", (CANNOT, None)),
        ("Can\u2019t", (CANNOT, None)),
        ("cannot", (CANNOT, None)),
        ("NO", (CANNOT, None)),
        ("3", (CLEAR, None)),
        ("Todo bien.", (CLEAR, None)),
        ("all clear", (CLEAR, None)),
        ("Clear", (CLEAR, None)),
    ],
)
def test_reply_parse_reads_digits_and_words_in_both_languages(body, expected):
    reply = replies.reply_parse(body)
    assert (reply.answer, reply.minutes) == expected


@pytest.mark.parametrize("body", ["", "hello", "4", "1 2 3", "15", "voy mañana", "stop", "1 quince"])
def test_reply_parse_refuses_anything_else(body):
    assert replies.reply_parse(body) is None


def test_reply_one_from_a_verifier_verifies_the_report_in_spanish(scene, sms_path):
    alert = raise_alert(scene)
    reply = from_(scene.verifier, "1")
    alert.refresh_from_db()
    assert alert.status == Status.VERIFIED
    assert reply == (
        "Asamblea: gracias. La alerta está verificada: avisamos a todas las personas con un rol en la zona."
    )
    # Verified like from the link: the holders are called out.
    assert Message.objects.filter(kind__in=alerts.BROADCAST, object_id=alert.pk).exists()


def test_reply_three_from_a_verifier_clears_the_report(scene, sms_path):
    alert = raise_alert(scene)
    reply = from_(scene.verifier, "todo bien")
    alert.refresh_from_db()
    assert alert.status == Status.CLEARED
    assert reply == "Asamblea: gracias. El reporte quedó descartado: no avisamos a nadie más."


def test_reply_two_from_a_verifier_changes_nothing(scene, sms_path):
    alert = raise_alert(scene)
    reply = from_(scene.verifier, "2")
    alert.refresh_from_db()
    assert alert.status == Status.UNVERIFIED
    assert reply == "Asamblea: entendido, no puedes verificar. No cambia nada: alguien más irá a ver."


def test_reply_from_a_verifier_in_english(scene, sms_path):
    alert = raise_alert(scene, zone=scene.south)
    assert from_(scene.south_verifier, "1") == (
        "Asamblea: thank you. The alert is verified: everyone with a role in the zone is alerted."
    )
    alert.refresh_from_db()
    assert alert.status == Status.VERIFIED


def test_reply_from_a_holder_records_the_answer_with_minutes(scene, sms_path):
    alert = raise_alert(scene, verified=True)
    reply = from_(scene.responder, "1, 15 min")
    row = answer_of(alert, scene.responder)
    assert (row.answer, row.eta_minutes) == (COMING, 15)
    assert reply == "Asamblea: got it, you're coming, in about 15 min. Reply 2 if that changes."
    # A second answer replaces the first, as on the answer page.
    assert from_(scene.responder, "can't") == (
        "Asamblea: got it, you can't come. Thank you for saying so. Reply 1 if that changes."
    )
    row = answer_of(alert, scene.responder)
    assert (row.answer, row.eta_minutes) == (CANNOT, None)
    assert from_(scene.responder, "all clear") == (
        "Asamblea: got it, all clear where you are. Reply 1 or 2 if that changes."
    )
    assert answer_of(alert, scene.responder).answer == CLEAR
    assert from_(scene.responder, "on my way") == "Asamblea: got it, you're coming. Reply 2 if that changes."
    assert AlertAnswer.objects.filter(alert=alert).count() == 1


def test_reply_from_a_holder_in_spanish(scene, sms_path):
    alert = raise_alert(scene, zone=scene.south, verified=True)
    assert from_(scene.south_responder, "voy en 10 minutos") == (
        "Asamblea: entendido, vienes en unos 10 min. Responde 2 si eso cambia."
    )
    assert from_(scene.south_responder, "no puedo") == (
        "Asamblea: entendido, no puedes venir. Gracias por avisar. Responde 1 si eso cambia."
    )
    assert (
        from_(scene.south_responder, "3") == "Asamblea: entendido, todo bien donde estás. Responde 1 o 2 si eso cambia."
    )
    assert from_(scene.south_responder, "sí") == "Asamblea: entendido, vienes. Responde 2 si eso cambia."
    assert answer_of(alert, scene.south_responder).answer == COMING


def test_reply_minutes_are_capped_as_on_the_answer_page(scene, sms_path):
    alert = raise_alert(scene, verified=True)
    from_(scene.responder, "1 9999")
    assert answer_of(alert, scene.responder).eta_minutes == replies.ETA_MAX == 600


def test_reply_from_a_verifier_after_someone_verified_is_an_answer(scene, sms_path):
    alert = raise_alert(scene)
    # Verified meanwhile, by someone else: the verifier's `1` now says they are coming.
    Alert.objects.filter(pk=alert.pk).update(status=Status.VERIFIED)
    reply = from_(scene.verifier, "1 5")
    assert (answer_of(alert, scene.verifier).answer, answer_of(alert, scene.verifier).eta_minutes) == (COMING, 5)
    assert reply == "Asamblea: entendido, vienes en unos 5 min. Responde 2 si eso cambia."


def test_reply_that_does_not_parse_gets_help_in_the_persons_language(scene, sms_path):
    alert = raise_alert(scene)
    assert from_(scene.verifier, "¿qué pasa?") == (
        "Asamblea: responde 1 si lo viste (avisamos a todos), 2 si no puedes verificar, 3 si no hay nada."
    )
    alerts.alert_verify(alert=alert, membership=scene.dispatcher, confirm=True)
    assert from_(scene.responder, "where?") == (
        "Asamblea: reply 1 if you're coming (1 15 = in 15 min), 2 if you can't, 3 if all is clear."
    )
    alert.refresh_from_db()
    assert alert.status == Status.VERIFIED
    assert not AlertAnswer.objects.exists()


def test_reply_from_an_unknown_number_changes_nothing_and_reveals_nothing(scene, sms_path):
    alert = raise_alert(scene)
    for body in ("1", "3", "hello"):
        assert text("+13125550177", body) == unknown_text_reply()
    assert text("", "1") == unknown_text_reply()
    alert.refresh_from_db()
    assert alert.status == Status.UNVERIFIED


def test_reply_from_a_member_with_no_open_alert_gets_the_strangers_reply(scene, sms_path):
    raise_alert(scene, verified=True)
    # The bystander holds no role: nothing was sent to them, so nothing tells them apart from a stranger.
    assert from_(scene.bystander, "1") == unknown_text_reply()
    assert from_(scene.bystander, "hello") == unknown_text_reply()
    assert not AlertAnswer.objects.exists()


def test_reply_after_the_alert_ended_gets_the_strangers_reply(scene, sms_path):
    alert = raise_alert(scene, verified=True)
    alerts.alert_close(alert=alert)
    assert from_(scene.responder, "1") == unknown_text_reply()
    assert not AlertAnswer.objects.exists()


def test_reply_after_the_role_is_released_changes_nothing(scene, sms_path):
    alert = raise_alert(scene, verified=True)
    # Released before it went, the alert is never sent: the reply is then a stranger's.
    deliver_alerts()
    claim = scene.responder.defense_claims.get()
    services.claim_release(role=claim.role, membership=scene.responder)
    reply = from_(scene.responder, "1")
    assert answer_of(alert, scene.responder) is None
    assert reply == "Asamblea: You no longer hold a role in this zone, so your answer is not needed."


def _asked_then_verified(scene: AlertScene) -> Alert:
    """An alert nobody verified in time: asked of the coordinators, then of south's verifier; then verified."""
    scene.north.neighbors.add(scene.south)
    User = type(scene.coordinator.user)
    User.objects.filter(pk=scene.coordinator.user_id).update(phone="+13125550143", language="es")
    alert = raise_alert(scene)
    alerts.alerts_escalate(now=alert.created_at + timedelta(minutes=scene.plan.verify_minutes * 2 + 1))
    alerts.alert_verify(alert=alert, membership=scene.dispatcher, confirm=True)
    return alert


@pytest.mark.parametrize("body", ["1", "2", "3 ", "voy en 5"])
def test_reply_from_someone_only_asked_to_verify_after_it_was_verified_thanks_them(scene, sms_path, body):
    alert = _asked_then_verified(scene)

    assert text("+13125550143", body) == "Asamblea: ya está verificada. Gracias."
    assert from_(scene.south_verifier, body) == "Asamblea: it is already verified. Thank you."
    assert not AlertAnswer.objects.filter(alert=alert).exists()
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED


def test_reply_from_someone_called_out_who_released_their_role_is_not_thanked_for_verifying(scene, sms_path):
    raise_alert(scene, verified=True)
    deliver_alerts()
    role = scene.verifier.defense_claims.get().role
    services.claim_release(role=role, membership=scene.verifier)

    assert from_(scene.verifier, "1") == (
        "Asamblea: Ya no tienes un rol en esta zona, así que no hace falta tu respuesta."
    )


def test_reply_after_the_membership_ended_changes_nothing(scene, sms_path):
    alert = raise_alert(scene, verified=True)
    Membership.objects.filter(pk=scene.responder.pk).update(status=Membership.Status.PENDING)
    assert from_(scene.responder, "1") == unknown_text_reply()
    raise_alert(scene, zone=scene.south)
    scene.south_verifier.delete()
    assert text("+15550100003", "1") == unknown_text_reply()
    assert not AlertAnswer.objects.filter(alert=alert).exists()
    assert Alert.objects.get(zone=scene.south).status == Status.UNVERIFIED


def test_reply_goes_to_the_newest_alert_sent_to_that_number(scene, sms_path):
    # Two people share one phone (a family's): each holds a role in a different zone.
    in_south = holder(scene.plan, "rapid-responder", scene.south, language="en", phone="+13125550142")
    in_north = holder(scene.plan, "rapid-responder", scene.north, language="en", phone="+13125550142")
    older = raise_alert(scene, zone=scene.south, verified=True)
    newer = raise_alert(scene, zone=scene.north, verified=True)
    # The provider gives the number in E.164; another spelling of it reads the same.
    assert text("+1 312-555-0142", "1") == "Asamblea: got it, you're coming. Reply 2 if that changes."
    assert answer_of(newer, in_north).answer == COMING
    assert not AlertAnswer.objects.filter(alert=older).exists()
    assert answer_of(newer, in_south) is None


def test_report_keyword_from_a_members_phone_is_a_report_not_an_answer(scene, sms_path):
    ReportLine.objects.create(assembly=scene.assembly, code="abcdefgh", phone=OUR_NUMBER)
    alert = raise_alert(scene, zone=scene.south, verified=True)
    reply = from_(scene.south_responder, "REPORTE agentes en la Cuadra sur, esquina de Elm")
    assert "Gracias, tu reporte fue enviado" in reply
    assert not AlertAnswer.objects.filter(alert=alert).exists()


def test_replies_cost_the_same_few_queries_however_many_messages_there_are(
    scene, sms_path, django_assert_max_num_queries, settings
):
    # One person texting a thousand times would be stopped as a flood; here it measures the cost of each.
    settings.INBOUND_PER_SENDER = 10_000
    alert = raise_alert(scene, verified=True)
    # A busy outbox: a thousand other people's messages about other alerts.
    Message.objects.bulk_create(
        Message(
            kind="alert_sms",
            recipient_key=recipient_key("membership", 10_000 + n),
            object_id=alert.pk + 1 + n % 7,
            due_at=timezone.now(),
        )
        for n in range(1000)
    )
    bodies = ["1 15", "2", "3", "voy", "hello"]
    with django_assert_max_num_queries(PER_REPLY):
        from_(scene.responder, "1")
    counts = []
    for n in range(1000):
        # The query log keeps the last 9,000 only: start it afresh so each count is exact.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            from_(scene.responder, bodies[n % len(bodies)])
        counts.append(len(queries))
    assert max(counts) <= PER_REPLY
    # The thousandth reply costs what the first did: nothing piles up.
    assert counts[-len(bodies) :] == counts[: len(bodies)]
    assert answer_of(alert, scene.responder).answer == COMING


def _scene_with_holders(count: int) -> tuple[AlertScene, Alert, Membership]:
    """A scene whose north zone has `count` more rapid responders, a verified alert there, and the last of them."""
    scene = alert_scene()
    role = DefenseRoleFactory(plan=scene.plan, key="rapid-responder", zone=scene.north, needed=count)
    users = User.objects.bulk_create(
        User(email=f"many{n}-{scene.assembly.pk}@example.org", phone=f"+1312556{n:04d}", language="en")
        for n in range(count)
    )
    many = Membership.objects.bulk_create(Membership(assembly=scene.assembly, user=user) for user in users)
    Claim.objects.bulk_create(Claim(role=role, membership=membership) for membership in many)
    return scene, raise_alert(scene, verified=True), many[-1]


def _reply_queries(scene: AlertScene, last: Membership) -> list[int]:
    counts = []
    for membership, body in [
        (scene.responder, "1"),
        (scene.responder, "2"),
        (scene.responder, "hello"),
        (scene.verifier, "1 15"),
        (last, "3"),
    ]:
        with CaptureQueriesContext(connection) as queries:
            from_(membership, body)
        counts.append(len(queries))
    return counts


def test_replies_cost_the_same_few_queries_however_many_hold_a_role_in_the_zone(
    sms_path, django_assert_max_num_queries, monkeypatch
):
    few_scene, few_alert, few_last = _scene_with_holders(10)
    many_scene, many_alert, many_last = _scene_with_holders(300)
    assert many_alert.alerted_count == few_alert.alerted_count + 290

    def every_holder(*args, **kwargs):
        raise AssertionError("a reply read every holder of the zone to find one")

    # One query either way, but reading 300 rows for each of 300 replies: a reply asks about its sender only.
    monkeypatch.setattr(alerts, "_holders", every_holder)
    with django_assert_max_num_queries(PER_REPLY):
        from_(many_last, "1")
    # Whether one person holds a role is asked of the database, never read off the list of every holder.
    assert _reply_queries(many_scene, many_last) == _reply_queries(few_scene, few_last)
    assert answer_of(many_alert, many_last).answer == CLEAR
    assert answer_of(many_alert, many_scene.verifier).eta_minutes == 15
