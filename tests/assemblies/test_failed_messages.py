"""Coordinators see the messages about their assembly that failed, never what they said, and send them again."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assembly.assemblies.models import Membership
from assembly.common.models import AuditEntry
from assembly.meetings import services as meeting_services
from assembly.meetings.models import Registration
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import DETAILS, alert_scene, raise_alert
from tests.factories import MembershipFactory
from tests.meetings.factories import MeetingFactory
from tests.notify import conftest as notify_fixtures
from tests.notify.helpers import queued_tasks, run_queued_tasks

pytestmark = pytest.mark.django_db

smtp_sink = notify_fixtures.smtp_sink

State = Message.State
GUEST_EMAIL = "rosa.guest@example.net"
GUEST_ALIAS = "Rosa Guest"


def _fail(rows) -> None:
    rows.update(state=State.FAILED, attempts=5, last_error="SMTP 550", claimed_at=timezone.now())


@pytest.fixture
def failed(db):
    """An assembly with failed messages of each sort: to a member, to a guest, and an alert's text message."""
    scene = alert_scene()
    meeting = MeetingFactory(assembly=scene.assembly, capacity=10)
    member = meeting_services.registration_create(meeting=meeting, user=scene.bystander.user)
    guest = meeting_services.guest_registration_create(
        meeting=meeting, alias=GUEST_ALIAS, email=GUEST_EMAIL, language="en"
    )
    alert = raise_alert(scene, verified=True)
    _fail(Message.objects.filter(kind="registration_confirmed", object_id=member.pk))
    _fail(Message.objects.filter(kind="guest_confirm", object_id=guest.pk))
    _fail(Message.objects.filter(kind="alert_sms", recipient_key=f"membership:{scene.responder.pk}"))
    # Elsewhere: another assembly's failed message is not this coordinator's to see or send.
    elsewhere = MeetingFactory()
    outsider = MembershipFactory(assembly=elsewhere.assembly)
    meeting_services.registration_create(meeting=elsewhere, user=outsider.user)
    _fail(Message.objects.filter(kind="registration_confirmed", object_id__in=elsewhere.registrations.values("pk")))
    return scene, alert, outsider


def _url(scene, name: str = "failed_messages", **kwargs) -> str:
    return reverse(name, kwargs={"slug": scene.assembly.slug, **kwargs})


def test_failed_messages_lists_kind_channel_and_member_alias_and_nothing_else(failed):
    scene, _alert, outsider = failed

    response = client_for(scene.coordinator.user).get(_url(scene))

    body = response.content.decode()
    assert response.status_code == 200
    assert [(row.kind, row.channel, row.recipient) for row in response.context["rows"]] == [
        ("Verified alerts in my zone", "Text message", scene.responder.user.display_name),
        ("Confirm your sign-up", "Email", "someone who is not a member"),
        ("Sign-up confirmed", "Email", scene.bystander.user.display_name),
    ]
    assert response.context["total"] == 3
    # No address, number or alias of a guest, nothing of the alert, nothing of another assembly.
    for secret in [
        GUEST_EMAIL,
        GUEST_ALIAS,
        scene.responder.user.phone,
        scene.responder.user.email,
        DETAILS["location_en"],
    ]:
        assert str(secret) not in body
    assert outsider.user.display_name not in body
    entry = AuditEntry.objects.get(action="messages.failed.view")
    assert (entry.actor, entry.target_id) == (scene.coordinator.user, scene.assembly.pk)


def test_failed_messages_speak_spanish(failed):
    scene, _alert, _outsider = failed
    client = client_for(scene.coordinator.user)

    body = client.get(f"/es/a/{scene.assembly.slug}/messages/failed/").content.decode()

    for words in ["Mensajes que fallaron", "Mensaje de texto", "alguien que no es miembro", "Enviar todos otra vez"]:
        assert words in body


def test_failed_messages_says_when_none_failed(db):
    scene = alert_scene()

    response = client_for(scene.coordinator.user).get(_url(scene))

    assert "No message about this assembly has failed." in response.content.decode()


def test_send_again_resets_the_row_and_it_goes_out(failed, smtp_sink, django_capture_on_commit_callbacks):
    scene, _alert, _outsider = failed
    registration = Registration.objects.get(user=scene.bystander.user)
    message = Message.objects.get(kind="registration_confirmed", object_id=registration.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(scene.coordinator.user).post(_url(scene, "failed_message_resend", pk=message.pk))

    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error, message.claim_token) == (State.PENDING, 0, "", None)
    assert message.due_at <= timezone.now()
    assert [task.name for task in queued_tasks("alerts")] == ["assembly.notify.sweep"]
    assert Message.objects.filter(state=State.FAILED).count() == 3
    assert AuditEntry.objects.filter(action="messages.failed.resend", target_id=scene.assembly.pk).count() == 1
    run_queued_tasks("alerts")
    run_queued_tasks()
    message.refresh_from_db()
    assert message.state == State.SENT
    assert (len(smtp_sink.to(scene.bystander.user.email)), smtp_sink.to(GUEST_EMAIL)) == (1, [])


def test_send_all_again_resends_this_assemblys_failed_messages_only(failed, django_capture_on_commit_callbacks):
    scene, _alert, outsider = failed

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(scene.coordinator.user).post(_url(scene, "failed_messages_resend_all"), follow=True)

    assert "3 messages are queued to be sent again." in response.content.decode()
    assert list(Message.objects.filter(state=State.FAILED).values_list("object_id", flat=True)) == [
        Registration.objects.get(user=outsider.user).pk
    ]
    assert set(Message.objects.filter(attempts=0, last_error="").values_list("kind", flat=True)) >= {
        "registration_confirmed",
        "guest_confirm",
        "alert_sms",
    }
    # The alert's text is handed to its sender straight away; the others go with the sweep queued after it.
    assert [task.name for task in queued_tasks("alerts")] == ["assembly.notify.send_batch", "assembly.notify.sweep"]


def test_send_all_again_answers_in_spanish(failed):
    scene, _alert, _outsider = failed

    response = client_for(scene.coordinator.user).post(
        f"/es/a/{scene.assembly.slug}/messages/failed/resend/", follow=True
    )

    assert "3 mensajes están en cola para enviarse otra vez." in response.content.decode()


def test_send_again_of_a_message_already_sent_again_says_so(failed):
    scene, _alert, _outsider = failed
    message = Message.objects.get(kind="guest_confirm")
    client = client_for(scene.coordinator.user)
    client.post(_url(scene, "failed_message_resend", pk=message.pk))

    response = client.post(_url(scene, "failed_message_resend", pk=message.pk), follow=True)

    assert "This message is no longer failed: it was sent again already." in response.content.decode()
    assert Message.objects.get(pk=message.pk).state == State.PENDING


def test_send_again_of_another_assemblys_message_is_404(failed):
    scene, _alert, outsider = failed
    theirs = Message.objects.get(
        kind="registration_confirmed", object_id=Registration.objects.get(user=outsider.user).pk
    )

    response = client_for(scene.coordinator.user).post(_url(scene, "failed_message_resend", pk=theirs.pk))

    assert response.status_code == 404
    assert Message.objects.get(pk=theirs.pk).state == State.FAILED


@pytest.mark.parametrize(
    ("role", "expected"),
    [("stranger", 404), ("pending", 404), ("member", 403), ("facilitator", 403), ("coordinator", 302)],
)
def test_send_again_answers_each_role(failed, role, expected):
    scene, _alert, _outsider = failed
    people = {
        "stranger": MembershipFactory().user,
        "pending": MembershipFactory(assembly=scene.assembly, status=Membership.Status.PENDING).user,
        "member": scene.bystander.user,
        "facilitator": scene.dispatcher.user,
        "coordinator": scene.coordinator.user,
    }
    message = Message.objects.get(kind="guest_confirm")

    response = client_for(people[role]).post(_url(scene, "failed_message_resend", pk=message.pk))

    assert response.status_code == expected
    assert Message.objects.get(pk=message.pk).state == (State.PENDING if expected == 302 else State.FAILED)


def test_send_again_rejects_get(failed):
    scene, _alert, _outsider = failed
    message = Message.objects.get(kind="guest_confirm")
    client = client_for(scene.coordinator.user)

    assert client.get(_url(scene, "failed_message_resend", pk=message.pk)).status_code == 405
    assert client.get(_url(scene, "failed_messages_resend_all")).status_code == 405
    assert client.post(_url(scene)).status_code == 405
    assert Message.objects.get(pk=message.pk).state == State.FAILED


def test_send_again_enforces_csrf(failed, csrf_client):
    scene, _alert, _outsider = failed
    message = Message.objects.get(kind="guest_confirm")
    csrf_client.force_login(scene.coordinator.user)

    assert csrf_client.post(_url(scene, "failed_message_resend", pk=message.pk)).status_code == 403
    assert csrf_client.post(_url(scene, "failed_messages_resend_all")).status_code == 403
    assert Message.objects.filter(state=State.FAILED).count() == 4


def test_assembly_page_links_coordinators_to_failed_messages(failed):
    scene, _alert, _outsider = failed
    url = _url(scene)
    page = reverse("assembly_detail", kwargs={"slug": scene.assembly.slug})

    assert url in client_for(scene.coordinator.user).get(page).content.decode()
    assert url not in client_for(scene.bystander.user).get(page).content.decode()
