"""Sign-ups and reminders through the real chain: services, the outbox, Redis, a worker process and SMTP."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from assembly.meetings import services
from assembly.meetings.links import registration_id_from_cancel_token
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.factories import MembershipFactory
from tests.notify.helpers import published_meeting, spanish_date, spanish_short_date
from tests.workers import wait_until

SENT = Message.State.SENT


def _sent(**filters) -> bool:
    return Message.objects.filter(state=SENT, **filters).exists()


@pytest.mark.django_db(transaction=True)
def test_registration_confirmation_arrives_through_the_worker(smtp_sink, start_outbox_worker):
    membership = MembershipFactory()
    member = membership.user
    meeting = published_meeting(membership.assembly)
    start_outbox_worker()

    registration = services.registration_create(meeting=meeting, user=member)

    wait_until(lambda: _sent(kind="registration_confirmed"), what="the worker to send the confirmation")
    [delivery] = smtp_sink.deliveries
    assert "Block meeting on rent" in delivery.subject
    assert "Block meeting on rent" in delivery.html
    assert delivery.rcpt_tos == [member.email]
    assert delivery.message.get_all("To") == [member.email]
    assert delivery.message.get_all("Cc") is None
    assert delivery.unsubscribe_path.startswith("/en/notify/unsubscribe/")
    assert delivery.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    cancel = re.search(r"/en/r/cancel/(?P<token>[^/\s]+)/", delivery.text)
    assert registration_id_from_cancel_token(cancel["token"]) == registration.pk
    [calendar] = delivery.calendars()
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Block meeting on rent"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTEND") == meeting.ends_at


@pytest.mark.django_db(transaction=True)
def test_reminders_go_out_once_each_when_due_in_the_members_language(smtp_sink, start_outbox_worker):
    membership = MembershipFactory(user__language="es")
    member = membership.user
    meeting = published_meeting(membership.assembly)
    start_outbox_worker()
    registration = services.registration_create(meeting=meeting, user=member)
    wait_until(lambda: _sent(kind="registration_confirmed"), what="the worker to send the confirmation")
    day_before = meeting.starts_at - timedelta(hours=24)
    two_hours_before = meeting.starts_at - timedelta(hours=2)
    reminder_24h = Message.objects.get(kind="meeting_reminder", due_at=day_before)
    reminder_2h = Message.objects.get(kind="meeting_reminder", due_at=two_hours_before)

    assert outbox_sweep(now=day_before + timedelta(minutes=1)) == 1
    wait_until(lambda: _sent(pk=reminder_24h.pk), what="the worker to send the day-before reminder")
    assert outbox_sweep(now=day_before + timedelta(minutes=1)) == 0
    assert outbox_sweep(now=two_hours_before - timedelta(minutes=1)) == 0
    assert Message.objects.get(pk=reminder_2h.pk).state == Message.State.PENDING
    assert outbox_sweep(now=two_hours_before + timedelta(minutes=1)) == 1
    wait_until(lambda: _sent(pk=reminder_2h.pk), what="the worker to send the two-hours reminder")

    assert smtp_sink.count_by_outbox_pk() == {
        Message.objects.get(kind="registration_confirmed").pk: 1,
        reminder_24h.pk: 1,
        reminder_2h.pk: 1,
    }
    for reminder in smtp_sink.deliveries[1:]:
        assert reminder.rcpt_tos == [member.email]
        assert "Reunión de cuadra sobre la renta" in reminder.subject
        assert spanish_short_date(meeting.starts_at, meeting.assembly) in reminder.subject
        assert spanish_date(meeting.starts_at, meeting.assembly) in reminder.text
        links = re.findall(r"https?://[^\s\"<>]+", reminder.text)
        assert links
        assert all(urlsplit(link).path.startswith("/es/") for link in links)
        assert "/es/r/cancel/" in reminder.text
        assert reminder.unsubscribe_path.startswith("/es/notify/unsubscribe/")
        [event] = reminder.calendars()[0].walk("VEVENT")
        assert str(event["SUMMARY"]) == "Reunión de cuadra sobre la renta"
    assert registration.pk == registration_id_from_cancel_token(
        re.search(r"/es/r/cancel/(?P<token>[^/\s]+)/", smtp_sink.deliveries[-1].text)["token"]
    )
    assert all(reminder.subject.startswith("Recordatorio") for reminder in smtp_sink.deliveries[1:])
