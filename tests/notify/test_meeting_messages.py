"""The messages meetings send, from the services that queue them to what the SMTP server receives."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from assembly.accounts.services import account_delete
from assembly.assemblies.models import Membership
from assembly.meetings import services
from assembly.meetings.models import Registration
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.factories import MembershipFactory
from tests.notify.helpers import deliver_due, published_meeting, spanish_date

State = Message.State
TITLE = "Block meeting on rent"
TITLE_ES = "Reunión de cuadra sobre la renta"


def _link_path(text: str, pattern: str) -> str:
    return urlsplit(re.search(rf"https?://\S+{pattern}\S*/", text)[0]).path


@pytest.fixture
def member(transactional_db):
    return MembershipFactory().user


@pytest.fixture
def meeting(member):
    return published_meeting(member.memberships.get().assembly)


def _kinds_sent_to(sink, address: str) -> list[str]:
    return [Message.objects.get(pk=delivery.outbox_pk).kind for delivery in sink.to(address)]


def test_guest_confirms_from_the_mailed_link_and_gets_the_confirmation_in_spanish(smtp_sink, meeting, client):
    registration = services.guest_registration_create(
        meeting=meeting, alias="Ana", email="Ana@Example.org", language="es"
    )
    deliver_due()
    [ask] = smtp_sink.to("ana@example.org")
    assert TITLE_ES in ask.text
    confirm_path = _link_path(ask.text, "/r/confirm/")
    assert confirm_path.startswith("/es/")

    response = client.post(confirm_path)
    deliver_due()

    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert _kinds_sent_to(smtp_sink, "ana@example.org") == ["guest_confirm", "registration_confirmed"]
    confirmation = smtp_sink.to("ana@example.org")[1]
    assert TITLE_ES in confirmation.subject
    assert spanish_date(meeting.starts_at, meeting.assembly) in confirmation.text
    assert confirmation.unsubscribe_path.startswith("/es/notify/unsubscribe/")
    [event] = confirmation.calendars()[0].walk("VEVENT")
    assert event.decoded("DTSTART") == meeting.starts_at


def test_person_who_deleted_their_account_gets_no_reminders(smtp_sink, member, meeting):
    services.registration_create(meeting=meeting, user=member)
    deliver_due()
    assert Message.objects.filter(kind="meeting_reminder", state=State.PENDING).count() == 2

    assert _kinds_sent_to(smtp_sink, member.email) == ["registration_confirmed"]

    account_delete(user=member)
    deliver_due(now=meeting.starts_at - timedelta(hours=2) + timedelta(minutes=1))

    # Nothing is kept of what they were told, and nothing more is sent.
    assert not Message.objects.exists()
    assert len(smtp_sink.to(member.email)) == 1


def test_organizer_who_deleted_their_account_gets_no_capacity_notice(smtp_sink, member):
    organizer = MembershipFactory(assembly=member.memberships.get().assembly, role=Membership.Role.FACILITATOR).user
    meeting = published_meeting(organizer.memberships.get().assembly, capacity=1)
    services.registration_create(meeting=meeting, user=member)
    assert Message.objects.filter(kind="meeting_capacity", recipient_key=f"user:{organizer.pk}").count() == 2

    account_delete(user=organizer)
    deliver_due()

    assert not Message.objects.filter(kind="meeting_capacity").exists()
    assert smtp_sink.to(organizer.email) == []
    assert _kinds_sent_to(smtp_sink, member.email) == ["registration_confirmed"]


def test_rescheduling_retimes_pending_reminders_and_tells_each_attendee(smtp_sink, member, meeting):
    guest = services.guest_registration_create(meeting=meeting, alias="Ana", email="ana@example.org", language="es")
    services.guest_registration_confirm(registration_id=guest.pk)
    registration = services.registration_create(meeting=meeting, user=member)
    deliver_due()
    old_start = meeting.starts_at
    old_reminders = set(Message.objects.filter(kind="meeting_reminder").values_list("pk", flat=True))
    assert len(old_reminders) == 4

    new_start = old_start + timedelta(days=2)
    services.meeting_update(meeting=meeting, starts_at=new_start, ends_at=new_start + timedelta(hours=2))

    reminders = Message.objects.filter(kind="meeting_reminder")
    assert not reminders.filter(pk__in=old_reminders).exists()
    assert sorted((m.recipient_key, m.due_at) for m in reminders) == sorted(
        (f"registration:{r.pk}", new_start - timedelta(hours=hours)) for r in (guest, registration) for hours in (24, 2)
    )
    changed = Message.objects.filter(kind="meeting_changed")
    assert sorted(changed.values_list("recipient_key", "occasion")) == sorted(
        [(f"registration:{guest.pk}", "v1"), (f"registration:{registration.pk}", "v1")]
    )

    deliver_due()
    assert outbox_sweep(now=old_start - timedelta(hours=24) + timedelta(minutes=1)) == 0
    deliver_due(now=new_start - timedelta(hours=24) + timedelta(minutes=1))

    for address, title in ((member.email, TITLE), ("ana@example.org", TITLE_ES)):
        kinds = _kinds_sent_to(smtp_sink, address)
        assert kinds[-2:] == ["meeting_changed", "meeting_reminder"]
        news = smtp_sink.to(address)[-2]
        assert title in news.subject
        [event] = news.calendars()[0].walk("VEVENT")
        assert event.decoded("DTSTART") == new_start
        assert event["SEQUENCE"] == 1
    assert all(m.state == State.SENT for m in changed)


def test_cancelling_a_meeting_drops_its_reminders_and_tells_each_attendee(smtp_sink, member, meeting):
    services.registration_create(meeting=meeting, user=member)
    deliver_due()

    services.meeting_cancel(meeting=meeting)

    assert not Message.objects.filter(kind="meeting_reminder").exists()
    deliver_due()
    deliver_due(now=meeting.starts_at - timedelta(hours=2) + timedelta(minutes=1))
    assert _kinds_sent_to(smtp_sink, member.email) == ["registration_confirmed", "meeting_cancelled"]
    news = smtp_sink.to(member.email)[-1]
    assert TITLE in news.subject
    [event] = news.calendars()[0].walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


def test_cancelling_from_the_mailed_link_stops_that_persons_reminders(smtp_sink, member, meeting, client):
    services.registration_create(meeting=meeting, user=member)
    other = MembershipFactory(assembly=meeting.assembly).user
    services.registration_create(meeting=meeting, user=other)
    deliver_due()
    [confirmation] = smtp_sink.to(member.email)

    response = client.post(_link_path(confirmation.text, "/r/cancel/"))
    deliver_due(now=meeting.starts_at - timedelta(hours=2) + timedelta(minutes=1))

    assert response.status_code == 200
    assert _kinds_sent_to(smtp_sink, member.email) == ["registration_confirmed"]
    assert _kinds_sent_to(smtp_sink, other.email) == ["registration_confirmed", "meeting_reminder", "meeting_reminder"]


def test_member_who_signs_up_again_after_cancelling_gets_a_new_confirmation(smtp_sink, member, meeting):
    registration = services.registration_create(meeting=meeting, user=member)
    deliver_due()
    services.registration_cancel(registration=registration)

    again = services.registration_create(meeting=meeting, user=member)
    deliver_due()

    assert again.pk == registration.pk
    assert again.status == Registration.Status.CONFIRMED
    assert _kinds_sent_to(smtp_sink, member.email) == ["registration_confirmed", "registration_confirmed"]
