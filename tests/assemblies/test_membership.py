import pytest
from django.urls import reverse

from assembly.assemblies.models import Assembly, Membership
from tests.conftest import client_for
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _detail(assembly) -> str:
    return reverse("assembly_detail", kwargs={"slug": assembly.slug})


def test_join_open_assembly_makes_an_active_member():
    assembly = AssemblyFactory(join_policy=Assembly.JoinPolicy.OPEN)
    person = UserFactory()
    response = client_for(person).post(reverse("assembly_join", kwargs={"slug": assembly.slug}), follow=True)
    membership = Membership.objects.get(assembly=assembly, user=person)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.role == Role.MEMBER
    assert "Welcome! You are now a member." in response.content.decode()


def test_join_by_approval_waits_for_a_coordinator():
    assembly = AssemblyFactory(join_policy=Assembly.JoinPolicy.APPROVAL)
    person = UserFactory()
    client_for(person).post(reverse("assembly_join", kwargs={"slug": assembly.slug}))
    assert Membership.objects.get(assembly=assembly, user=person).status == Membership.Status.PENDING


def test_join_invite_only_assembly_is_refused_with_a_message():
    assembly = AssemblyFactory(join_policy=Assembly.JoinPolicy.INVITE)
    person = UserFactory()
    response = client_for(person).post(reverse("assembly_join", kwargs={"slug": assembly.slug}), follow=True)
    assert not Membership.objects.filter(user=person).exists()
    assert "by invitation only" in response.content.decode()


def test_join_twice_keeps_one_membership_and_explains():
    assembly = AssemblyFactory(join_policy=Assembly.JoinPolicy.APPROVAL)
    person = UserFactory()
    client = client_for(person)
    client.post(reverse("assembly_join", kwargs={"slug": assembly.slug}))
    response = client.post(reverse("assembly_join", kwargs={"slug": assembly.slug}), follow=True)
    assert Membership.objects.filter(assembly=assembly, user=person).count() == 1
    assert "already a member" in response.content.decode()


def test_join_message_is_in_the_readers_language():
    assembly = AssemblyFactory(join_policy=Assembly.JoinPolicy.INVITE)
    response = client_for(UserFactory()).post(f"/es/a/{assembly.slug}/join/", follow=True)
    assert "solo por invitación" in response.content.decode()


def test_leave_removes_the_membership():
    membership = MembershipFactory()
    response = client_for(membership.user).post(reverse("assembly_leave", kwargs={"slug": membership.assembly.slug}))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_last_coordinator_cannot_leave_while_others_remain():
    coordinator = MembershipFactory(role=Role.COORDINATOR)
    MembershipFactory(assembly=coordinator.assembly)
    response = client_for(coordinator.user).post(
        reverse("assembly_leave", kwargs={"slug": coordinator.assembly.slug}), follow=True
    )
    assert Membership.objects.filter(pk=coordinator.pk).exists()
    assert "last coordinator" in response.content.decode()


def test_approve_activates_a_pending_request(assembly, people):
    pending = Membership.objects.get(assembly=assembly, user=people["pending"])
    client_for(people["coordinator"]).post(
        reverse("membership_approve", kwargs={"slug": assembly.slug, "pk": pending.pk})
    )
    pending.refresh_from_db()
    assert pending.status == Membership.Status.ACTIVE


def test_approve_twice_says_it_was_handled(assembly, people):
    member = Membership.objects.get(assembly=assembly, user=people["member"])
    response = client_for(people["coordinator"]).post(
        reverse("membership_approve", kwargs={"slug": assembly.slug, "pk": member.pk}), follow=True
    )
    assert "already handled" in response.content.decode()


def test_change_role_makes_a_facilitator(assembly, people):
    member = Membership.objects.get(assembly=assembly, user=people["member"])
    client_for(people["coordinator"]).post(
        reverse("membership_role", kwargs={"slug": assembly.slug, "pk": member.pk}), {"role": "facilitator"}
    )
    member.refresh_from_db()
    assert member.role == Role.FACILITATOR


def test_change_role_rejects_an_unknown_role(assembly, people):
    member = Membership.objects.get(assembly=assembly, user=people["member"])
    response = client_for(people["coordinator"]).post(
        reverse("membership_role", kwargs={"slug": assembly.slug, "pk": member.pk}), {"role": "king"}, follow=True
    )
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert "Choose a role from the list." in response.content.decode()


def test_change_role_cannot_demote_the_last_coordinator(assembly, people):
    own = Membership.objects.get(assembly=assembly, user=people["coordinator"])
    response = client_for(people["coordinator"]).post(
        reverse("membership_role", kwargs={"slug": assembly.slug, "pk": own.pk}), {"role": "member"}, follow=True
    )
    own.refresh_from_db()
    assert own.role == Role.COORDINATOR
    assert "at least one coordinator" in response.content.decode()


def test_change_role_of_a_pending_request_is_refused(assembly, people):
    pending = Membership.objects.get(assembly=assembly, user=people["pending"])
    client_for(people["coordinator"]).post(
        reverse("membership_role", kwargs={"slug": assembly.slug, "pk": pending.pk}), {"role": "coordinator"}
    )
    pending.refresh_from_db()
    assert pending.role == Role.MEMBER


def test_remove_takes_a_member_out(assembly, people):
    member = Membership.objects.get(assembly=assembly, user=people["member"])
    client_for(people["coordinator"]).post(
        reverse("membership_remove", kwargs={"slug": assembly.slug, "pk": member.pk})
    )
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_member_list_is_audited_and_shows_names_only_to_coordinators(assembly, people):
    from assembly.common.models import AuditEntry

    response = client_for(people["coordinator"]).get(reverse("member_list", kwargs={"slug": assembly.slug}))
    body = response.content.decode()
    assert people["member"].display_name in body
    assert people["member"].email not in body
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (people["coordinator"], "roster.view", assembly.pk)


def test_member_count_shown_to_members(assembly, people):
    response = client_for(people["member"]).get(_detail(assembly))
    # member, facilitator and coordinator; a pending request is not counted.
    assert response.context["member_count"] == 3
    assert "3 members" in response.content.decode()


def test_create_assembly_makes_the_creator_coordinator():
    person = UserFactory()
    response = client_for(person).post(
        reverse("assembly_create"),
        {
            "name_en": "Riverside Assembly",
            "name_es": "Asamblea del Río",
            "kind": "neighborhood",
            "visibility": "public",
            "join_policy": "open",
            "time_zone": "America/Los_Angeles",
        },
    )
    assembly = Assembly.objects.get(slug="riverside-assembly")
    assert response.status_code == 302
    assert assembly.name_es == "Asamblea del Río"
    assert Membership.objects.get(assembly=assembly, user=person).role == Role.COORDINATOR


def test_create_assembly_needs_a_name_in_one_language():
    person = UserFactory()
    response = client_for(person).post(
        reverse("assembly_create"),
        {"kind": "neighborhood", "visibility": "public", "join_policy": "open", "time_zone": "America/Chicago"},
    )
    assert response.status_code == 200
    assert "Write this in at least one language." in response.content.decode()
    assert not Assembly.objects.exists()


def test_create_assembly_with_only_a_spanish_name_works():
    person = UserFactory()
    client_for(person).post(
        reverse("assembly_create"),
        {
            "name_es": "Asamblea Sur",
            "kind": "neighborhood",
            "visibility": "public",
            "join_policy": "open",
            "time_zone": "America/Chicago",
        },
    )
    assembly = Assembly.objects.get(slug="asamblea-sur")
    assert assembly.name_es == "Asamblea Sur"


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "Mars/Olympus"), ("kind", "castle"), ("visibility", "secret"), ("slug", "no spaces!")],
)
def test_create_assembly_rejects_bad_input_with_form_errors(field, value):
    data = {"name_en": "X", "kind": "neighborhood", "visibility": "public", "join_policy": "open"}
    data["time_zone"] = "America/Chicago"
    data[field] = value
    response = client_for(UserFactory()).post(reverse("assembly_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Assembly.objects.exists()


def test_create_assembly_rejects_a_taken_web_address():
    AssemblyFactory(slug="taken")
    response = client_for(UserFactory()).post(
        reverse("assembly_create"),
        {
            "name_en": "Taken",
            "slug": "taken",
            "kind": "neighborhood",
            "visibility": "public",
            "join_policy": "open",
            "time_zone": "America/Chicago",
        },
    )
    assert "already uses this web address" in response.content.decode()
    assert Assembly.objects.count() == 1


def test_edit_assembly_changes_both_languages(assembly, people):
    client_for(people["coordinator"]).post(
        reverse("assembly_edit", kwargs={"slug": assembly.slug}),
        {
            "name_en": "New name",
            "name_es": "Nombre nuevo",
            "description_en": "",
            "description_es": "Solo en español.",
            "kind": "tenant",
            "visibility": "unlisted",
            "join_policy": "invite",
            "time_zone": "Europe/Madrid",
        },
    )
    assembly.refresh_from_db()
    assert (assembly.name_en, assembly.name_es, assembly.kind, assembly.time_zone) == (
        "New name",
        "Nombre nuevo",
        "tenant",
        "Europe/Madrid",
    )


def test_zone_create_edit_delete(assembly, people):
    client = client_for(people["coordinator"])
    client.post(reverse("zone_create", kwargs={"slug": assembly.slug}), {"name_en": "Block 9", "name_es": "Cuadra 9"})
    zone = assembly.zones.get()
    assert zone.name_es == "Cuadra 9"
    client.post(
        reverse("zone_edit", kwargs={"slug": assembly.slug, "pk": zone.pk}), {"name_en": "Block 10", "name_es": ""}
    )
    zone.refresh_from_db()
    assert zone.name_en == "Block 10"
    assert not zone.name_es
    client.post(reverse("zone_delete", kwargs={"slug": assembly.slug, "pk": zone.pk}))
    assert not assembly.zones.exists()


def test_zone_needs_a_name(assembly, people):
    response = client_for(people["coordinator"]).post(reverse("zone_create", kwargs={"slug": assembly.slug}), {})
    assert response.status_code == 200
    assert not assembly.zones.exists()


def test_zone_form_shows_languages_side_by_side(assembly, people):
    response = client_for(people["coordinator"]).get(reverse("zone_create", kwargs={"slug": assembly.slug}))
    body = response.content.decode()
    assert 'name="name_en"' in body and 'name="name_es"' in body
    assert body.index('name="name_en"') < body.index('name="name_es"') < body.index('name="description_en"')


def test_description_paragraphs_are_rendered_and_escaped(assembly, people):
    assembly.description_en = "First <b>line</b>.\n\nSecond paragraph."
    assembly.save()
    body = client_for(people["member"]).get(_detail(assembly)).content.decode()
    assert "<p>First &lt;b&gt;line&lt;/b&gt;.</p>" in body
    assert "<p>Second paragraph.</p>" in body
