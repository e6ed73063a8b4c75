"""Choosing which optional messages arrive: the preferences page and one-click unsubscribe, from signed links."""

from datetime import timedelta

import pytest
from django.core import signing

from assembly.meetings import services
from assembly.notify import registry
from assembly.notify.links import preferences_token
from assembly.notify.models import Message, OptOut
from assembly.notify.services import Outgoing, messages_enqueue, preferences_muted, preferences_save
from tests.factories import MembershipFactory, UserFactory
from tests.notify.helpers import deliver_due, published_meeting

OPTIONAL_KINDS = {"meeting_reminder", "meeting_capacity", "agenda_published", "minutes_published"}


@pytest.fixture
def member(transactional_db):
    return MembershipFactory().user


@pytest.fixture
def key(member) -> str:
    return f"user:{member.pk}"


def _kinds_sent_to(sink, address: str) -> list[str]:
    return [Message.objects.get(pk=delivery.outbox_pk).kind for delivery in sink.to(address)]


def test_optional_kinds_are_reminders_capacity_notices_agendas_and_minutes():
    assert {kind.name for kind in registry.optional_kinds()} == OPTIONAL_KINDS


def test_member_who_muted_reminders_gets_confirmations_but_no_reminders(smtp_sink, member, key, client):
    url = f"/en/notify/preferences/{preferences_token(key)}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["meeting_reminder"].value() is True

    response = client.post(url, {"meeting_capacity": "on", "agenda_published": "on", "minutes_published": "on"})

    assert response.status_code == 200
    assert response.context["saved"] is True
    assert preferences_muted(preference_key=key) == {"meeting_reminder"}
    assert client.get(url).context["form"]["meeting_reminder"].value() is False
    meeting = published_meeting(member.memberships.get().assembly)
    services.registration_create(meeting=meeting, user=member)
    deliver_due()
    deliver_due(now=meeting.starts_at - timedelta(hours=2) + timedelta(minutes=1))
    assert _kinds_sent_to(smtp_sink, member.email) == ["registration_confirmed"]
    assert not Message.objects.filter(kind="meeting_reminder").exists()


def test_preferences_page_enforces_csrf(member, key, csrf_client):
    response = csrf_client.post(f"/en/notify/preferences/{preferences_token(key)}/", {"meeting_capacity": "on"})

    assert response.status_code == 403
    assert preferences_muted(preference_key=key) == set()


def test_one_click_unsubscribe_from_a_received_message_mutes_every_optional_kind(smtp_sink, member, key, csrf_client):
    services.registration_create(meeting=published_meeting(member.memberships.get().assembly), user=member)
    deliver_due()
    [confirmation] = smtp_sink.to(member.email)
    path = confirmation.unsubscribe_path

    page = csrf_client.get(path)
    assert page.status_code == 200
    assert page.context["done"] is False
    assert preferences_muted(preference_key=key) == set()

    # What a mail client sends (RFC 8058): no session, no CSRF token.
    response = csrf_client.post(path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert response.context["done"] is True
    assert preferences_muted(preference_key=key) == OPTIONAL_KINDS


def _forged_tokens(key: str) -> list[str]:
    token = preferences_token(key)
    return [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        signing.dumps(key, salt="assembly.meetings.cancel"),
        "user:1",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["preferences", "unsubscribe"])
@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "This link is not valid."), ("es", "Este enlace no es válido.")],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_notify_views_refuse_forged_tokens(client, view, language, message, method):
    for token in _forged_tokens("user:1"):
        response = getattr(client, method)(f"/{language}/notify/{view}/{token}/")

        assert response.status_code == 400
        assert f'lang="{language}"' in response.text
        assert message in response.text
    assert preferences_muted(preference_key="user:1") == set()


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["preferences", "unsubscribe"])
def test_notify_views_reject_put(client, view):
    response = client.put(f"/en/notify/{view}/{preferences_token('user:1')}/")

    assert response.status_code == 405


@pytest.mark.django_db
def test_deleting_an_account_erases_its_messages_and_settings():
    user = UserFactory()
    key = f"user:{user.pk}"
    messages_enqueue([Outgoing("meeting_capacity", key, 1, occasion="80")])
    preferences_save(preference_key=key, muted_kinds={"meeting_reminder"})

    user.delete()

    assert not Message.objects.filter(recipient_key=key).exists()
    assert not OptOut.objects.filter(preference_key=key).exists()
