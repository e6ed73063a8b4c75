"""What the outbox does with each answer of the mail server: retry later, give up, or stop the batch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.notify.helpers import deliver_due, guests, messages_due, published_meeting, run_queued_tasks
from tests.workers import wait_until

State = Message.State


def _released(count: int) -> bool:
    return Message.objects.filter(state=State.PENDING, attempts=1).count() == count


def _all_sent() -> bool:
    return not Message.objects.exclude(state=State.SENT).exists()


@pytest.mark.django_db(transaction=True)
def test_smtp_refusing_for_a_while_delays_then_delivers_each_once(smtp_sink, start_outbox_worker):
    people = guests(published_meeting(), 5)
    messages = messages_due(people)
    smtp_sink.refuse_all("451 4.7.1 Greylisted, try again later")
    start_outbox_worker()

    swept_at = timezone.now()
    assert outbox_sweep(now=swept_at) == 5
    wait_until(lambda: _released(5), what="the worker to give the refused messages back")

    assert smtp_sink.deliveries == []
    for message in Message.objects.all():
        assert message.due_at > timezone.now()
        assert "451" in message.last_error
        assert message.claim_token is None
        assert message.queued_at is None
    assert outbox_sweep(now=swept_at) == 0
    smtp_sink.accept_all()
    retry_at = max(Message.objects.values_list("due_at", flat=True)) + timedelta(seconds=1)
    assert outbox_sweep(now=retry_at) == 5
    wait_until(_all_sent, what="the worker to deliver once the server accepts again")

    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1 for guest in people}
    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}
    assert set(Message.objects.values_list("attempts", flat=True)) == {2}


@pytest.mark.django_db(transaction=True)
def test_smtp_server_down_delays_then_delivers_each_once(smtp_sink, start_outbox_worker):
    people = guests(published_meeting(), 5)
    messages = messages_due(people)
    smtp_sink.stop()
    start_outbox_worker()

    swept_at = timezone.now()
    assert outbox_sweep(now=swept_at) == 5
    wait_until(lambda: _released(5), what="the worker to give the messages back")

    for message in Message.objects.all():
        assert message.due_at > timezone.now()
        assert message.last_error == "connect: ConnectionRefusedError"
    assert outbox_sweep(now=swept_at) == 0
    smtp_sink.start()
    retry_at = max(Message.objects.values_list("due_at", flat=True)) + timedelta(seconds=1)
    assert outbox_sweep(now=retry_at) == 5
    wait_until(_all_sent, what="the worker to deliver once the server is back")

    assert smtp_sink.count_by_recipient() == {guest.guest_email: 1 for guest in people}
    assert smtp_sink.count_by_outbox_pk() == {message.pk: 1 for message in messages}


@pytest.mark.django_db(transaction=True)
def test_smtp_refusing_a_mailbox_fails_that_message_and_never_retries_it(smtp_sink):
    refused, accepted = guests(published_meeting(), 2)
    messages_due([refused, accepted])
    smtp_sink.refuse_recipient(refused.guest_email, "550 5.1.1 No such mailbox here")

    deliver_due()
    deliver_due(now=timezone.now() + timedelta(days=1))

    failed = Message.objects.get(object_id=refused.pk)
    assert failed.state == State.FAILED
    assert failed.last_error == "SMTP 550"
    assert failed.attempts == 1
    assert failed.claim_token is None
    assert Message.objects.get(object_id=accepted.pk).state == State.SENT
    assert smtp_sink.count_by_recipient() == {accepted.guest_email: 1}


@pytest.mark.django_db(transaction=True)
def test_smtp_rejecting_a_message_fails_it_and_never_retries_it(smtp_sink):
    [person] = guests(published_meeting(), 1)
    [message] = messages_due([person])
    smtp_sink.refuse_all("554 5.7.1 Message rejected")

    deliver_due()
    smtp_sink.accept_all()
    assert outbox_sweep(now=timezone.now() + timedelta(days=1)) == 0
    deliver_due(now=timezone.now() + timedelta(days=1))

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert message.last_error == "SMTP 554"
    assert message.attempts == 1
    assert smtp_sink.deliveries == []


@pytest.mark.django_db(transaction=True)
def test_smtp_closing_the_connection_releases_the_rest_of_the_batch(smtp_sink):
    first, closing, rest = guests(published_meeting(), 3)
    messages_due([first, closing, rest])
    smtp_sink.refuse_recipient(closing.guest_email, "421 4.3.2 Shutting down")

    deliver_due()

    assert Message.objects.get(object_id=first.pk).state == State.SENT
    for registration in (closing, rest):
        message = Message.objects.get(object_id=registration.pk)
        assert message.state == State.PENDING
        assert message.last_error == "SMTP 421"
        assert message.due_at > timezone.now()
    assert [delivery.rcpt_tos for delivery in smtp_sink.deliveries] == [[first.guest_email]]
    smtp_sink.accept_all()
    deliver_due(now=timezone.now() + timedelta(minutes=2))
    assert smtp_sink.count_by_recipient() == {first.guest_email: 1, closing.guest_email: 1, rest.guest_email: 1}


@pytest.mark.django_db(transaction=True)
def test_smtp_refusal_backoff_holds_against_a_second_task_for_the_same_message(settings, smtp_sink):
    [person] = guests(published_meeting(), 1)
    [message] = messages_due([person])
    smtp_sink.refuse_all("451 4.7.1 Greylisted, try again later")
    now = timezone.now()
    # A busy worker: the message waits on Redis longer than NOTIFY_REQUEUE_AFTER, so the next sweep queues it again.
    assert outbox_sweep(now=now) == 1
    assert outbox_sweep(now=now + timedelta(seconds=settings.NOTIFY_REQUEUE_AFTER + 1)) == 1

    assert run_queued_tasks() == 2

    message.refresh_from_db()
    assert message.attempts == 1
    assert message.state == State.PENDING
    assert message.due_at > timezone.now()
