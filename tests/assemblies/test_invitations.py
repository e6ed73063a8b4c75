import html
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from assembly.assemblies import services
from assembly.assemblies.models import Assembly, Invitation, Membership
from tests.conftest import client_for
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite_only():
    return AssemblyFactory(join_policy=Assembly.JoinPolicy.INVITE, visibility=Assembly.Visibility.UNLISTED)


def _accept_url(token: str) -> str:
    return reverse("invitation_accept", kwargs={"token": token})


def test_coordinator_creates_a_link_shown_once_and_stored_as_a_hash(invite_only):
    coordinator = MembershipFactory(assembly=invite_only, role=Membership.Role.COORDINATOR).user
    response = client_for(coordinator).post(reverse("invitation_create", kwargs={"slug": invite_only.slug}))
    link = response.context["link"]
    token = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.objects.get()
    assert link in response.content.decode()
    assert token not in invitation.token_hash
    assert invitation.expires_at > timezone.now() + timedelta(days=6)


@pytest.mark.clock
def test_invitation_link_page_gives_the_expiry_on_the_assemblys_clock(invite_only):
    coordinator = MembershipFactory(assembly=invite_only, role=Membership.Role.COORDINATOR).user
    response = client_for(coordinator).post(reverse("invitation_create", kwargs={"slug": invite_only.slug}))
    expires = Invitation.objects.get().expires_at
    local = formats.date_format(timezone.localtime(expires, ZoneInfo(invite_only.time_zone)), "DATETIME_FORMAT")
    in_utc = formats.date_format(timezone.localtime(expires, UTC), "DATETIME_FORMAT")
    page = html.unescape(response.content.decode())
    assert local in page
    assert in_utc not in page


def test_invited_person_joins_as_an_active_member(invite_only):
    _invitation, token = services.invitation_create(assembly=invite_only, actor=None)
    person = UserFactory()
    client = client_for(person)
    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert invite_only.name_en in page.content.decode()
    client.post(_accept_url(token))
    membership = Membership.objects.get(assembly=invite_only, user=person)
    assert membership.status == Membership.Status.ACTIVE
    assert Invitation.objects.get().used_at is not None


def test_invitation_turns_a_pending_request_into_a_membership():
    assembly = AssemblyFactory(join_policy=Assembly.JoinPolicy.APPROVAL)
    pending = MembershipFactory(assembly=assembly, status=Membership.Status.PENDING)
    _invitation, token = services.invitation_create(assembly=assembly, actor=None)
    client_for(pending.user).post(_accept_url(token))
    pending.refresh_from_db()
    assert pending.status == Membership.Status.ACTIVE


def test_reused_invitation_is_refused(invite_only):
    _invitation, token = services.invitation_create(assembly=invite_only, actor=None)
    client_for(UserFactory()).post(_accept_url(token))
    second = UserFactory()
    response = client_for(second).post(_accept_url(token))
    assert response.status_code == 400
    assert "already been used" in response.content.decode()
    assert not Membership.objects.filter(user=second).exists()


@pytest.mark.clock
def test_expired_invitation_is_refused(invite_only):
    invitation, token = services.invitation_create(assembly=invite_only, actor=None)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    person = UserFactory()
    for response in (client_for(person).get(_accept_url(token)), client_for(person).post(_accept_url(token))):
        assert response.status_code == 400
        assert "expired" in response.content.decode()
    assert not Membership.objects.filter(user=person).exists()


def test_forged_invitation_is_refused(invite_only):
    services.invitation_create(assembly=invite_only, actor=None)
    person = UserFactory()
    response = client_for(person).post(_accept_url("forged-token-that-was-never-issued"))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not Membership.objects.filter(user=person).exists()


def test_forged_invitation_message_is_in_spanish_on_the_spanish_site(invite_only):
    response = client_for(UserFactory()).get(f"/es/invite/{'x' * 32}/")
    assert response.status_code == 400
    assert "no es válido" in response.content.decode()


def test_invitation_sends_anonymous_people_to_log_in(invite_only):
    _invitation, token = services.invitation_create(assembly=invite_only, actor=None)
    response = client_for(None).get(_accept_url(token))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert Invitation.objects.get().used_at is None


def test_invitation_accept_rejects_other_methods_and_enforces_csrf(invite_only, csrf_client):
    _invitation, token = services.invitation_create(assembly=invite_only, actor=None)
    person = UserFactory()
    assert client_for(person).put(_accept_url(token)).status_code == 405
    csrf_client.force_login(person)
    assert csrf_client.post(_accept_url(token)).status_code == 403
    assert not Membership.objects.filter(user=person).exists()


def test_member_already_in_the_assembly_keeps_the_invitation_unused(invite_only):
    member = MembershipFactory(assembly=invite_only)
    _invitation, token = services.invitation_create(assembly=invite_only, actor=None)
    response = client_for(member.user).post(_accept_url(token))
    assert response.status_code == 400
    assert Invitation.objects.get().used_at is None


@pytest.mark.clock
def test_purge_erases_spent_and_expired_invitations_only(invite_only):
    fresh, _ = services.invitation_create(assembly=invite_only, actor=None)
    expired, _ = services.invitation_create(assembly=invite_only, actor=None)
    used, _ = services.invitation_create(assembly=invite_only, actor=None)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    Invitation.objects.filter(pk=used.pk).update(used_at=timezone.now())
    assert services.invitation_purge_expired() == 2
    assert list(Invitation.objects.values_list("pk", flat=True)) == [fresh.pk]
