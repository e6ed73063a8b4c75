"""Alerts through the whole real chain: services, the outbox, Redis, real worker processes, SMTP and the SMS files.

Alerts ride their own queue: a backlog of reminders on the default queue must not delay them, whether one worker
listens to both queues or a worker of their own listens to the alerts' queue alone.
"""

import re
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assembly.defense import tasks
from assembly.defense.forms import new_raise_key
from assembly.defense.models import Alert, AlertAnswer
from assembly.meetings.models import Registration
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.conftest import client_for
from tests.defense.alert_helpers import (
    DETAILS,
    AlertScene,
    alert_scene,
    details_left,
    raise_alert,
    recipients,
    texts,
    texts_to,
)
from tests.notify import conftest as notify_fixtures
from tests.notify.helpers import published_meeting, queued_tasks
from tests.workers import kill_worker, start_worker, wait_until

smtp_sink = notify_fixtures.smtp_sink

SENT, PENDING = Message.State.SENT, Message.State.PENDING
BACKLOG = 300
ALERT_KINDS = ["alert", "alert_sms"]


@pytest.fixture
def start_alert_worker(transactional_db, smtp_sink, sms_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start real workers on the given queues, mailing through the test's SMTP server and texting into sms_path."""
    started: list[subprocess.Popen] = []

    def start(*, queues: str, name: str = "alerts") -> subprocess.Popen:
        env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_sink.port), "SMS_FILE_PATH": str(sms_path)}
        process = start_worker(queues=queues, name=name, env=env)
        started.append(process)
        return process

    yield start
    for process in started:
        kill_worker(process)


@pytest.fixture
def scene(transactional_db) -> AlertScene:
    return alert_scene()


def _reminder_backlog(scene: AlertScene, count: int) -> list[int]:
    """Day-before reminders for `count` confirmed guests, due now and swept onto the default queue in batches."""
    meeting = published_meeting(scene.assembly)
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                meeting=meeting,
                guest_email=f"neighbor-{n}@example.org",
                guest_alias=f"Neighbor {n}",
                language="en",
                status=Registration.Status.CONFIRMED,
                queued_at=timezone.now(),
            )
            for n in range(count)
        ]
    )
    now = timezone.now()
    reminders = Message.objects.bulk_create(
        [
            Message(
                kind="meeting_reminder",
                recipient_key=f"registration:{registration.pk}",
                object_id=meeting.pk,
                occasion="24h",
                due_at=now,
            )
            for registration in registrations
        ]
    )
    assert outbox_sweep() == count
    return [reminder.pk for reminder in reminders]


def _alert_sent() -> bool:
    return not Message.objects.filter(kind__in=ALERT_KINDS).exclude(state=SENT).exists()


def _reminders_sent() -> int:
    return Message.objects.filter(kind="meeting_reminder", state=SENT).count()


def test_raising_an_alert_queues_its_send_on_the_alerts_queue_at_commit(scene):
    alert = raise_alert(scene, verified=True)

    [task] = queued_tasks("alerts")
    assert task.name == "assembly.notify.send_batch"
    assert sorted(task.kwargs["message_ids"]) == sorted(
        Message.objects.filter(object_id=alert.pk, kind__in=ALERT_KINDS).values_list("pk", flat=True)
    )
    assert task.args == []
    assert task.headers["eta"] is None
    assert queued_tasks("celery") == []
    # Ids only: no address, number, name or detail of the raid rides through Redis.
    for secret in [
        *(m.user.email for m in scene.called_out),
        scene.verifier.user.phone,
        scene.responder.user.display_name,
        DETAILS["location_en"],
        DETAILS["location_es"],
    ]:
        assert secret.encode() not in task.raw


@pytest.mark.parametrize("queues", ["alerts,celery", "alerts"])
def test_an_alert_overtakes_a_backlog_of_reminders(scene, smtp_sink, sms_path, start_alert_worker, settings, queues):
    settings.NOTIFY_BATCH_SIZE = 10
    backlog = _reminder_backlog(scene, BACKLOG)
    assert len(queued_tasks("celery")) == BACKLOG // 10
    raise_alert(scene, verified=True)

    start_alert_worker(queues=queues)

    wait_until(_alert_sent, what="the worker to send the alert")
    reminders_done = _reminders_sent()
    # The alert went out while most of the reminders queued before it still waited.
    assert reminders_done < BACKLOG // 3
    alert_emails = {delivery.rcpt_tos[0] for delivery in smtp_sink.deliveries if "ALERT" in delivery.subject}
    assert alert_emails == {m.user.email for m in scene.called_out}
    assert len(texts_to(sms_path, scene.responder)) == 1
    if queues == "alerts":
        # A worker of their own: the reminders are all still waiting, on the default queue.
        assert reminders_done == 0
        assert Message.objects.filter(pk__in=backlog, state=PENDING).count() == BACKLOG
        assert len(queued_tasks("celery")) == BACKLOG // 10
    else:
        # One worker for both queues still gets to the alert early: then it finishes the reminders.
        wait_until(lambda: _reminders_sent() == BACKLOG, what="the worker to send the reminders", patience=120)
        subjects = [delivery.subject for delivery in smtp_sink.deliveries]
        first_alert = next(n for n, subject in enumerate(subjects) if subject.startswith("ALERT"))
        assert first_alert < BACKLOG // 3
        assert len(subjects) == BACKLOG + len(alert_emails)


def test_a_report_is_verified_answered_and_closed_through_a_real_worker(scene, smtp_sink, sms_path, start_alert_worker):
    start_alert_worker(queues="alerts")
    dispatcher = client_for(scene.dispatcher.user)
    data = {**DETAILS, "zone": scene.north.pk, "practice": "on", "key": new_raise_key()}

    raised = dispatcher.post(reverse("alert_raise", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk}), data)

    [alert] = Alert.objects.all()
    assert raised["Location"] == reverse("alert_board", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk})
    # The verifier reads Spanish, by email and by text, and verifies from the link without logging in.
    wait_until(lambda: smtp_sink.to(scene.verifier.user.email), what="the request to verify")
    [request] = smtp_sink.to(scene.verifier.user.email)
    assert request.subject == "[SIMULACRO] Verifica por favor: avisan de agentes en Cuadra norte"
    wait_until(lambda: texts_to(sms_path, scene.verifier), what="the text asking to verify")
    [text] = texts_to(sms_path, scene.verifier)
    link = re.search(r"https?://\S+", text)[0]
    assert link in request.text
    path = urlsplit(link).path
    assert path.startswith("/es/al/")
    verifier = Client()
    assert "Por favor, verifica" in verifier.get(path).content.decode()
    assert verifier.post(path, {"decision": "confirm"}).status_code == 200

    # Everyone holding a role in north or in the whole area hears of it, in their language.
    wait_until(lambda: recipients("alert", state=SENT) == {m.pk for m in scene.called_out}, what="the alert")
    [english] = smtp_sink.to(scene.responder.user.email)
    assert english.subject == "[DRILL] ALERT: agents in North block, Corner of Fifth and Main"
    assert smtp_sink.to(scene.south_responder.user.email) == []
    assert smtp_sink.to(scene.bystander.user.email) == []
    answer_path = urlsplit(re.search(r"https?://\S+/al/\S+/", english.text)[0]).path
    assert Client().post(answer_path, {"answer": "coming", "eta_minutes": "6"}).status_code == 200
    board = dispatcher.get(reverse("alert_board_data", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk}))
    assert [(row["answer"], row["eta"]) for row in board.json()["answers"]] == [("coming", 6)]

    closed = dispatcher.post(reverse("alert_close", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk}))

    assert closed.status_code == 302
    wait_until(lambda: recipients("alert_over", state=SENT) == {m.pk for m in scene.called_out}, what="the end")
    assert [d.subject for d in smtp_sink.to(scene.responder.user.email)][
        -1
    ] == "[DRILL] The alert in North block is over"
    # The sentence on how to stop alerts goes only when it fits one segment: the plan's link grows with its ids.
    assert texts_to(sms_path, scene.verifier)[-1].startswith(
        "[SIMULACRO] Asamblea: la alerta en Cuadra norte termino. Gracias."
    )
    alert.refresh_from_db()
    assert (alert.status, alert.coming_count, alert.alerted_count) == (Alert.Status.CLOSED, 1, 3)
    assert details_left(alert) == {}
    assert not AlertAnswer.objects.exists()
    assert "Corner of Fifth" not in Client().get(answer_path).content.decode()
    assert len(texts(sms_path)) == 1 + 2 + 2


def test_the_beat_expires_alerts_every_minute_on_the_alerts_queue(scene, start_alert_worker):
    entry = django_settings.CELERY_BEAT_SCHEDULE["defense-expire-alerts"]
    assert (entry["task"], entry["schedule"]) == ("assembly.defense.expire_alerts", 60.0)
    alert = raise_alert(scene, verified=True)
    Alert.objects.filter(pk=alert.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    later = raise_alert(scene, zone=scene.south)

    tasks.expire_alerts.delay()

    assert [task.name for task in queued_tasks("alerts")][-1] == "assembly.defense.expire_alerts"
    start_alert_worker(queues="alerts")
    wait_until(lambda: Alert.objects.get(pk=alert.pk).status == Alert.Status.EXPIRED, what="the alert to expire")
    assert details_left(alert) == {}
    assert Alert.objects.get(pk=later.pk).location_en == DETAILS["location_en"]
