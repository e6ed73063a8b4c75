"""Faults with real parts: workers killed (SIGKILL) or stopped (SIGTERM) mid-batch, a slow relay, a database that
drops connections. Leases are shrunk through settings; every wait is patience against hanging, not a deadline.

What is promised: nothing is lost, no row a live worker is sending is handed out again whatever the relay's speed,
a dead worker's rows come back once their lease runs out, and a stopping worker gives back what it has not
started at once. The one duplicate left (a crash between the server's answer and "marked sent") carries the
same Message-ID; no test here makes one, so each row must reach the server exactly once.
"""

import dataclasses
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from assembly.notify import registry
from assembly.notify.models import Message
from assembly.notify.services import outbox_send_batch, outbox_sweep, outbox_sweep_alerts
from tests.defense.alert_helpers import alert_scene, raise_alert
from tests.notify.helpers import guests, messages_due, published_meeting, queued_tasks, redis_client
from tests.workers import kill_worker, wait_until

State = Message.State
# Seconds a claim holds without renewal, for both queues, in the workers and in this process's sweeps.
LEASE = 2


@pytest.fixture
def short_leases(settings) -> dict[str, str]:
    """Short leases and requeue delays here, and the same for the workers (returned as their environment)."""
    settings.NOTIFY_LEASE = settings.NOTIFY_ALERT_LEASE = LEASE
    settings.NOTIFY_REQUEUE_AFTER = settings.NOTIFY_ALERT_REQUEUE_AFTER = 1
    return {"NOTIFY_LEASE": str(LEASE), "NOTIFY_ALERT_LEASE": str(LEASE), "EMAIL_TIMEOUT": "300"}


def _all_sent() -> bool:
    return not Message.objects.exclude(state=State.SENT).exists()


def _sweeping_until(condition, *, what: str, sweep=outbox_sweep):
    """Sweep as the beat does, over and over, until condition() holds."""

    def swept() -> bool:
        sweep()
        return condition()

    return wait_until(swept, what=what, patience=120, step=0.2)


def _states() -> Counter:
    return Counter(Message.objects.values_list("state", flat=True))


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_gives_its_rows_back_once_the_lease_runs_out(
    settings, smtp_sink, start_outbox_worker, short_leases
):
    settings.NOTIFY_BATCH_SIZE = 40
    people = guests(published_meeting(), 40)
    messages = messages_due(people)
    smtp_sink.hold(10)
    first = start_outbox_worker(name="first", NOTIFY_BATCH_SIZE="40", **short_leases)
    assert outbox_sweep() == 40
    wait_until(smtp_sink.held.is_set, what="the 10th message to reach the SMTP server")
    # The worker still renews its lease while the server keeps it waiting: nothing is handed out again.
    held_since = timezone.now()
    wait_until(lambda: timezone.now() > held_since + timedelta(seconds=LEASE * 2), what="twice the lease")
    assert outbox_sweep() == 0
    kill_worker(first)
    killed_at = timezone.now()
    smtp_sink.answer_held("451 4.3.0 Not kept, try again")

    assert _states() == {State.SENT: 9, State.SENDING: 31}
    # Nothing renews the lease of a dead worker: its rows come back within one lease of its death.
    leases = Message.objects.filter(state=State.SENDING).values_list("lease_until", flat=True)
    assert max(leases) <= killed_at + timedelta(seconds=LEASE)
    start_outbox_worker(name="second", **short_leases)
    _sweeping_until(_all_sent, what="the second worker to send the rows given back")

    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1 for guest in people}
    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}


@pytest.mark.django_db(transaction=True)
def test_alert_of_a_killed_worker_comes_back_on_the_alert_lease_and_its_own_sweep(
    settings, smtp_sink, start_outbox_worker, tmp_path
):
    # Reminders' claims would hold for ten minutes; an alert's for two seconds.
    settings.NOTIFY_LEASE, settings.NOTIFY_ALERT_LEASE = 600, LEASE
    settings.SMS_FILE_PATH = tmp_path / "sms"
    env = {"NOTIFY_LEASE": "600", "NOTIFY_ALERT_LEASE": str(LEASE), "SMS_FILE_PATH": str(tmp_path / "sms")}
    scene = alert_scene()
    smtp_sink.hold(2)
    first = start_outbox_worker(name="first", EMAIL_TIMEOUT="300", **env)

    alert = raise_alert(scene, verified=True)  # queued on the alerts queue as it commits
    wait_until(smtp_sink.held.is_set, what="the alert's second email to reach the SMTP server")
    kill_worker(first)
    killed_at = timezone.now()
    smtp_sink.answer_held("451 4.3.0 Not kept, try again")

    rows = Message.objects.filter(object_id=alert.pk, kind__in=["alert", "alert_sms"])
    stuck = rows.filter(state=State.SENDING)
    assert stuck.exists()
    assert max(stuck.values_list("lease_until", flat=True)) <= killed_at + timedelta(seconds=LEASE)
    start_outbox_worker(name="second", **env)
    _sweeping_until(
        lambda: not rows.exclude(state=State.SENT).exists(),
        what="the alert's own sweep to give its rows back",
        sweep=outbox_sweep_alerts,
    )

    emails = rows.filter(kind="alert")
    assert smtp_sink.count_by_outbox_pk() == {pk: 1 for pk in emails.values_list("pk", flat=True)}
    assert sorted(smtp_sink.count_by_recipient()) == sorted(m.user.email for m in scene.called_out)


@pytest.mark.django_db(transaction=True)
def test_slow_relay_outlasting_the_lease_never_gets_a_row_sent_twice(
    settings, smtp_sink, start_outbox_worker, short_leases
):
    settings.NOTIFY_BATCH_SIZE = 4
    people = guests(published_meeting(), 4)
    messages = messages_due(people)
    # Each message takes longer than a whole lease; the batch, four times longer.
    smtp_sink.slow(LEASE * 1.5)
    start_outbox_worker(name="slow", NOTIFY_BATCH_SIZE="4", **short_leases)
    # A second worker would take any row the sweep handed out again.
    start_outbox_worker(name="idle", NOTIFY_BATCH_SIZE="4", **short_leases)

    _sweeping_until(_all_sent, what="the slow relay to take all four messages")

    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


def _stop_mid_batch(settings, smtp_sink, start_outbox_worker, short_leases):
    """A worker sending a batch of 20 gets SIGTERM while the server holds its 3rd message; the rest go back."""
    settings.NOTIFY_BATCH_SIZE = 20
    people = guests(published_meeting(), 20)
    messages = messages_due(people)
    smtp_sink.hold(3)
    worker = start_outbox_worker(name="stopping", NOTIFY_BATCH_SIZE="20", **short_leases)
    assert outbox_sweep() == 20
    wait_until(smtp_sink.held.is_set, what="the 3rd message to reach the SMTP server")
    [in_hand] = [m for m in messages if m.pk not in {d.outbox_pk for d in smtp_sink.deliveries}][:1]

    worker.terminate()  # SIGTERM to the worker's main process, as docker stop does

    # Given back at once, while the message in hand is still waiting for the server's answer.
    wait_until(lambda: _states() == {State.SENT: 2, State.SENDING: 1, State.PENDING: 17}, what="the rest given back")
    assert Message.objects.get(state=State.SENDING).pk == in_hand.pk
    released = Message.objects.filter(state=State.PENDING)
    # Not tried, so not counted as a try; and on the queue again for another worker.
    assert set(released.values_list("attempts", flat=True)) == {0}
    # The worker queues them right after the commit that gives them back.
    given_back = set(released.values_list("pk", flat=True))
    wait_until(
        lambda: {pk for task in queued_tasks() for pk in task.kwargs["message_ids"]} == given_back,
        what="the rest to be queued again",
    )
    return worker, people, messages, in_hand


@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_the_message_in_hand_and_gives_back_the_rest_at_once(
    settings, smtp_sink, start_outbox_worker, short_leases
):
    worker, people, messages, in_hand = _stop_mid_batch(settings, smtp_sink, start_outbox_worker, short_leases)

    smtp_sink.accept_held()
    wait_until(lambda: worker.poll() is not None, what="the worker to stop")
    assert Message.objects.get(pk=in_hand.pk).state == State.SENT
    start_outbox_worker(name="next")
    wait_until(_all_sent, what="the next worker to send the rest")

    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1 for guest in people}
    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}


@pytest.mark.django_db(transaction=True)
def test_sigkill_after_sigterm_loses_only_the_lease_of_the_message_in_hand(
    settings, smtp_sink, start_outbox_worker, short_leases
):
    """docker stop: SIGTERM, then SIGKILL while the slow relay still holds the message in hand."""
    worker, people, messages, in_hand = _stop_mid_batch(settings, smtp_sink, start_outbox_worker, short_leases)

    kill_worker(worker)
    killed_at = timezone.now()
    smtp_sink.answer_held("451 4.3.0 Not kept, try again")
    assert Message.objects.get(pk=in_hand.pk).lease_until <= killed_at + timedelta(seconds=LEASE)
    start_outbox_worker(name="next", **short_leases)
    _sweeping_until(_all_sent, what="the next worker to send the rest and the message in hand")

    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1 for guest in people}
    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}


@pytest.mark.django_db(transaction=True)
def test_database_error_while_rendering_is_retried_not_marked_failed(smtp_sink, monkeypatch):
    kind = registry.get_kind("guest_confirm")
    failures = [OperationalError("canceling statement due to statement timeout")] * 2

    def cancelled_twice(**kwargs):
        if failures:
            raise failures.pop()
        return kind.context(**kwargs)

    # The kind as it is, but its first two reads cancelled, as a statement timeout or a failover does.
    monkeypatch.setitem(registry._kinds, kind.name, dataclasses.replace(kind, context=cancelled_twice))
    [guest] = guests(published_meeting(), 1)
    [message] = messages_due([guest])

    assert outbox_send_batch(message_ids=[message.pk]) == 1

    message.refresh_from_db()
    assert message.state == State.SENT
    assert message.attempts == 1
    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1}


@pytest.mark.django_db(transaction=True)
def test_sweep_queues_alerts_before_reminders_due_earlier(settings):
    settings.NOTIFY_MAX_PER_SWEEP = 3
    reminders = messages_due(guests(published_meeting(), 5))
    now = timezone.now()
    alerts = Message.objects.bulk_create(
        [Message(kind="alert", recipient_key=f"membership:{n}", object_id=1, due_at=now) for n in (1, 2)]
    )

    assert outbox_sweep(now=now) == 3

    [alert_task] = queued_tasks("alerts")
    assert alert_task.kwargs["message_ids"] == [alert.pk for alert in alerts]
    [reminder_task] = queued_tasks("celery")
    assert reminder_task.kwargs["message_ids"] == [reminders[0].pk]


@pytest.mark.django_db(transaction=True)
def test_alert_sweep_queues_again_only_alerts_whose_task_redis_lost(settings):
    reminders = messages_due(guests(published_meeting(), 2))
    now = timezone.now()
    [alert] = Message.objects.bulk_create(
        [Message(kind="alert", recipient_key="membership:1", object_id=1, due_at=now)]
    )
    outbox_sweep(now=now)
    redis_client().flushall()

    later = now + timedelta(seconds=settings.NOTIFY_ALERT_REQUEUE_AFTER + 1)
    assert outbox_sweep_alerts(now=later) == 1
    [task] = queued_tasks("alerts")
    assert task.kwargs["message_ids"] == [alert.pk]
    assert queued_tasks("celery") == []
    assert Message.objects.filter(pk__in=[r.pk for r in reminders], queued_at=now).count() == 2


def test_default_leases_and_sweeps_keep_the_promised_recovery_times(settings):
    """Lease plus sweep interval bounds how long a dead worker's rows wait; requeue plus sweep, a lost task."""
    assert settings.NOTIFY_ALERT_LEASE + settings.NOTIFY_ALERT_SWEEP_EVERY <= 30
    assert settings.NOTIFY_LEASE + settings.NOTIFY_SWEEP_EVERY <= 120
    assert settings.NOTIFY_ALERT_REQUEUE_AFTER + settings.NOTIFY_ALERT_SWEEP_EVERY < 15
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["assembly.notify.sweep_alerts"] == settings.NOTIFY_ALERT_SWEEP_EVERY
    assert schedule["assembly.notify.sweep"] == settings.NOTIFY_SWEEP_EVERY


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_database_connections_cut_during_a_fan_out_lose_nothing_and_send_each_once(
    settings, smtp_sink, start_outbox_worker, short_leases
):
    settings.NOTIFY_BATCH_SIZE = 50
    people = guests(published_meeting(), 300)
    messages = messages_due(people)
    smtp_sink.slow(0.02)
    start_outbox_worker(name="cut", NOTIFY_BATCH_SIZE="50", **short_leases)
    stop = threading.Event()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [test_backend] = cursor.fetchone()

    def cut_connections() -> None:
        # The worker's backends (not this test's), five times half a second apart.
        try:
            for _cut in range(5):
                if stop.wait(0.5):
                    return
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
                        [test_backend],
                    )
        finally:
            connection.close()

    cutter = threading.Thread(target=cut_connections)
    assert outbox_sweep() == 300
    cutter.start()
    try:
        wait_until(lambda: len(smtp_sink.deliveries) > 0, what="the fan-out to start")
        _sweeping_until(_all_sent, what="every message to go out despite the cuts")
    finally:
        stop.set()
        cutter.join()

    assert not Message.objects.filter(state=State.FAILED).exists()
    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}
    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1 for guest in people}
