"""What notify knows of an assembly's messages, through what each app registers: which are its, and how they fared."""

import pytest
from django.db.models import Q
from django.utils import timezone

from assembly.meetings import services as meeting_services
from assembly.notify import registry
from assembly.notify.models import Message
from assembly.notify.selectors import delivery_counts, messages_of_assembly
from assembly.notify.services import messages_resend
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db

State = Message.State


def test_every_kind_of_message_says_which_assembly_its_objects_belong_to():
    tied = {kind for _objects, kinds in registry.assembly_objects() for kind in kinds}

    assert tied == set(registry._kinds)


def test_messages_of_assembly_finds_its_own_only():
    mine, theirs = MeetingFactory(), MeetingFactory()
    seat = meeting_services.registration_create(meeting=mine, user=UserFactory())
    other = meeting_services.registration_create(meeting=theirs, user=UserFactory())

    found = set(messages_of_assembly(assembly_id=mine.assembly_id).values_list("pk", flat=True))

    about_mine = Q(kind="registration_confirmed", object_id=seat.pk) | Q(kind="meeting_reminder", object_id=mine.pk)
    about_theirs = Q(kind="registration_confirmed", object_id=other.pk) | Q(
        kind="meeting_reminder", object_id=theirs.pk
    )
    assert found == set(Message.objects.filter(about_mine).values_list("pk", flat=True))
    assert Message.objects.filter(about_theirs).exists()
    assert found.isdisjoint(Message.objects.filter(about_theirs).values_list("pk", flat=True))


def test_delivery_counts_sums_each_channel():
    meeting = MeetingFactory()
    for state in [State.SENT, State.SENT, State.PENDING, State.SENDING, State.FAILED]:
        Message.objects.create(
            kind="meeting_changed",
            recipient_key=f"user:{UserFactory().pk}",
            object_id=meeting.pk,
            state=state,
            due_at=timezone.now(),
        )

    counts = delivery_counts(kinds=["meeting_changed", "meeting_cancelled"], object_id=meeting.pk)

    nothing = {"delivered": 0, "sent": 0, "queued": 0, "failed": 0}
    assert counts == {"email": {**nothing, "sent": 2, "queued": 2, "failed": 1}, "sms": nothing, "signal": nothing}


def test_resend_starts_failed_messages_over_and_leaves_the_others(django_capture_on_commit_callbacks):
    meeting = MeetingFactory()
    rows = [
        Message.objects.create(
            kind="meeting_changed",
            recipient_key=f"user:{UserFactory().pk}",
            object_id=meeting.pk,
            state=state,
            due_at=timezone.now(),
            attempts=5,
            last_error="SMTP 550",
        )
        for state in [State.FAILED, State.SENT]
    ]

    with django_capture_on_commit_callbacks(execute=True):
        resent = messages_resend(messages=Message.objects.all())

    failed, sent = (Message.objects.get(pk=row.pk) for row in rows)
    assert resent == 1
    assert (failed.state, failed.attempts, failed.last_error, failed.queued_at) == (State.PENDING, 0, "", None)
    assert (sent.state, sent.attempts, sent.last_error) == (State.SENT, 5, "SMTP 550")
