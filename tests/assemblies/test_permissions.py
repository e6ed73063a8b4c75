"""The permission matrix of every assembly view: anonymous, stranger, pending, member, facilitator, coordinator."""

import pytest
from django.urls import reverse

from assembly.assemblies.models import Assembly, Membership
from tests.conftest import client_for
from tests.factories import ZoneFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "stranger", "pending", "member", "facilitator", "coordinator"]

# Expected answer per role: an HTTP status, or LOGIN for a redirect to the log-in page.
COORDINATOR_ONLY = dict(zip(ROLES, [LOGIN, 404, 404, 403, 403, 200], strict=True))
COORDINATOR_ONLY_POST = dict(zip(ROLES, [LOGIN, 404, 404, 403, 403, 302], strict=True))

GET_VIEWS = {
    "assembly_edit": COORDINATOR_ONLY,
    "member_list": COORDINATOR_ONLY,
    "failed_messages": COORDINATOR_ONLY,
    "zone_create": COORDINATOR_ONLY,
    "zone_edit": COORDINATOR_ONLY,
}

POST_VIEWS = {
    "membership_approve": COORDINATOR_ONLY_POST,
    "membership_role": COORDINATOR_ONLY_POST,
    "membership_remove": COORDINATOR_ONLY_POST,
    "invitation_create": dict(COORDINATOR_ONLY_POST, coordinator=200),
    "zone_delete": COORDINATOR_ONLY_POST,
    "failed_messages_resend_all": COORDINATOR_ONLY_POST,
    "assembly_leave": dict(zip(ROLES, [LOGIN, 404, 302, 302, 302, 302], strict=True)),
    "assembly_join": dict(zip(ROLES, [LOGIN, 302, 302, 302, 302, 302], strict=True)),
}


def _url(name: str, assembly: Assembly, target: Membership, zone) -> str:
    kwargs = {"slug": assembly.slug}
    if name.startswith("membership_"):
        kwargs["pk"] = target.pk
    if name.startswith("zone_") and name != "zone_create":
        kwargs["pk"] = zone.pk
    return reverse(name, kwargs=kwargs)


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    else:
        assert response.status_code == expected, response.content[:300]


@pytest.fixture
def target(assembly):
    return Membership.objects.create(
        assembly=assembly, user=__import__("tests.factories").factories.UserFactory(), status="pending"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET_VIEWS))
def test_get_view_answers_each_role(name, role, assembly, people, target):
    zone = ZoneFactory(assembly=assembly)
    response = client_for(people[role]).get(_url(name, assembly, target, zone))
    _check(response, GET_VIEWS[name][role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_answers_each_role(name, role, assembly, people, target):
    zone = ZoneFactory(assembly=assembly)
    data = {"role": "facilitator"} if name == "membership_role" else {}
    response = client_for(people[role]).post(_url(name, assembly, target, zone), data)
    _check(response, POST_VIEWS[name][role])


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_rejects_get(name, assembly, people, target):
    zone = ZoneFactory(assembly=assembly)
    response = client_for(people["coordinator"]).get(_url(name, assembly, target, zone))
    assert response.status_code == 405


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_enforces_csrf(name, assembly, people, target, csrf_client):
    zone = ZoneFactory(assembly=assembly)
    csrf_client.force_login(people["coordinator"])
    before = (Membership.objects.count(), assembly.zones.count(), assembly.invitations.count())
    response = csrf_client.post(_url(name, assembly, target, zone), {"role": "member"})
    assert response.status_code == 403
    assert (Membership.objects.count(), assembly.zones.count(), assembly.invitations.count()) == before
    target.refresh_from_db()
    assert target.status == Membership.Status.PENDING


@pytest.mark.parametrize("name", ["assembly_edit", "zone_create"])
def test_form_view_enforces_csrf(name, assembly, people, csrf_client):
    csrf_client.force_login(people["coordinator"])
    response = csrf_client.post(reverse(name, kwargs={"slug": assembly.slug}), {"name_en": "Changed"})
    assert response.status_code == 403
    assembly.refresh_from_db()
    assert assembly.name_en != "Changed"
    assert assembly.zones.count() == 0


@pytest.mark.parametrize("name", ["assembly_edit", "member_list", "zone_create"])
def test_coordinator_view_of_unknown_assembly_is_404(name, people):
    response = client_for(people["coordinator"]).get(reverse(name, kwargs={"slug": "no-such-assembly"}))
    assert response.status_code == 404


def test_coordinator_cannot_reach_another_assemblys_membership(assembly, people):
    other = Membership.objects.create(
        assembly=__import__("tests.factories").factories.AssemblyFactory(),
        user=__import__("tests.factories").factories.UserFactory(),
        status="pending",
    )
    url = reverse("membership_approve", kwargs={"slug": assembly.slug, "pk": other.pk})
    response = client_for(people["coordinator"]).post(url)
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Membership.Status.PENDING


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 404), ("stranger", 404), ("pending", 200), ("member", 200), ("coordinator", 200)],
)
def test_unlisted_assembly_page_is_hidden_from_strangers(role, expected, assembly, people):
    assembly.visibility = Assembly.Visibility.UNLISTED
    assembly.save()
    response = client_for(people[role]).get(reverse("assembly_detail", kwargs={"slug": assembly.slug}))
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_public_assembly_page_is_open_but_counts_only_for_members(role, assembly, people):
    response = client_for(people[role]).get(reverse("assembly_detail", kwargs={"slug": assembly.slug}))
    assert response.status_code == 200
    is_member = role in {"member", "facilitator", "coordinator"}
    assert (response.context["member_count"] is not None) == is_member
    assert (response.context["zones"] is not None) == is_member
    # Nobody but coordinators sees names on the assembly page.
    assert people["member"].display_name not in response.content.decode() or role == "member"


def test_get_views_reject_other_methods(assembly, people):
    client = client_for(people["coordinator"])
    for name in ["assembly_edit", "member_list", "zone_create"]:
        url = reverse(name, kwargs={"slug": assembly.slug})
        assert client.put(url).status_code == 405
    assert client.post(reverse("home")).status_code == 405
    assert client.post(reverse("assembly_detail", kwargs={"slug": assembly.slug})).status_code == 405
