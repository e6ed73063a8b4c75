"""The sweep: what it puts on Redis, and when."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assembly.meetings import services
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.factories import MembershipFactory
from tests.notify.helpers import guests, messages_due, published_meeting, queued_tasks

State = Message.State


@pytest.mark.django_db(transaction=True)
def test_sweep_queues_due_messages_in_batches_without_eta(settings):
    settings.NOTIFY_BATCH_SIZE = 4
    people = guests(published_meeting(), 12)
    due = messages_due(people[:10])
    later = messages_due(people[10:])
    Message.objects.filter(pk__in=[m.pk for m in later]).update(due_at=timezone.now() + timedelta(hours=1))

    assert outbox_sweep() == 10

    tasks = queued_tasks()
    assert [task.name for task in tasks] == ["assembly.notify.send_batch"] * 3
    assert [task.kwargs["message_ids"] for task in tasks] == [
        [m.pk for m in due[:4]],
        [m.pk for m in due[4:8]],
        [m.pk for m in due[8:]],
    ]
    for task in tasks:
        assert task.args == []
        assert task.headers["eta"] is None
        assert task.headers["expires"] is None
        assert "countdown" not in task.headers
        # Ids only: no address or name rides through Redis.
        assert b"@example.org" not in task.raw
        assert b"Guest " not in task.raw
    assert Message.objects.filter(queued_at__isnull=False).count() == 10
    assert not Message.objects.filter(pk__in=[m.pk for m in later], queued_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_sweep_skips_messages_queued_a_moment_ago():
    messages_due(guests(published_meeting(), 3))
    now = timezone.now()
    assert outbox_sweep(now=now) == 3

    assert outbox_sweep(now=now + timedelta(seconds=1)) == 0
    assert len(queued_tasks()) == 1


@pytest.mark.django_db(transaction=True)
def test_signing_up_queues_a_sweep_after_commit_without_eta():
    membership = MembershipFactory()
    services.registration_create(meeting=published_meeting(membership.assembly), user=membership.user)

    # The sweep has the alerts' queue, so a backlog of reminders on the default one never delays it.
    [task] = queued_tasks("alerts")
    assert task.name == "assembly.notify.sweep"
    assert task.args == []
    assert task.kwargs == {}
    assert task.headers["eta"] is None


@pytest.mark.django_db(transaction=True)
def test_sweep_gives_back_only_claims_whose_lease_ran_out(settings):
    [dead, alive] = messages_due(guests(published_meeting(), 2))
    now = timezone.now()
    # Both claimed long ago; only the live worker has kept renewing its lease.
    long_ago = now - timedelta(hours=1)
    Message.objects.filter(pk__in=[dead.pk, alive.pk]).update(state=State.SENDING, claimed_at=long_ago, attempts=1)
    Message.objects.filter(pk=dead.pk).update(lease_until=now - timedelta(seconds=1))
    Message.objects.filter(pk=alive.pk).update(lease_until=now + timedelta(seconds=1))

    assert outbox_sweep(now=now) == 1

    [task] = queued_tasks()
    assert task.kwargs == {"message_ids": [dead.pk]}
    assert Message.objects.get(pk=alive.pk).state == State.SENDING


@pytest.mark.django_db(transaction=True)
def test_sweep_gives_up_on_a_message_stuck_again_after_its_last_attempt(settings):
    [message] = messages_due(guests(published_meeting(), 1))
    Message.objects.filter(pk=message.pk).update(
        state=State.SENDING,
        claimed_at=timezone.now() - timedelta(minutes=5),
        lease_until=timezone.now() - timedelta(seconds=1),
        attempts=settings.NOTIFY_MAX_ATTEMPTS,
    )

    outbox_sweep()

    message.refresh_from_db()
    assert message.state == State.FAILED
    assert queued_tasks() == []
