"""The rules of game plans and their roles, through the services: each refusal is clear and changes nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from assembly.accounts import services as account_services
from assembly.assemblies import services as assembly_services
from assembly.assemblies.models import Membership
from assembly.defense import selectors, services
from assembly.defense.models import Claim, DefenseRole, GamePlan, RoleKind
from assembly.defense.seeds import SEEDED_KINDS
from tests.defense.factories import ClaimFactory, DefenseRoleFactory, GamePlanFactory, seeded_kind
from tests.defense.helpers import holders, kinds, membership, snapshot
from tests.factories import AssemblyFactory, MembershipFactory, ZoneFactory

pytestmark = pytest.mark.django_db

Status = GamePlan.Status


@pytest.fixture
def plan(assembly):
    return GamePlanFactory(assembly=assembly)


@pytest.fixture
def role(plan):
    return DefenseRoleFactory(plan=plan, needed=3)


def _refused(call, **kwargs) -> ValidationError:
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        call(**kwargs)
    assert snapshot() == before
    return refused.value


def _claim(role: DefenseRole, **kwargs) -> Claim:
    return services.claim_create(role=DefenseRole.objects.get(pk=role.pk), **kwargs)


# Seeded kinds


def test_new_assembly_gets_every_seeded_kind_in_both_languages():
    assembly = AssemblyFactory()
    seeded = kinds(assembly)
    assert [(key, kind.name_en, kind.name_es) for key, kind in seeded.items()] == SEEDED_KINDS
    assert seeded["dispatcher"].name_es == "Despacho"
    assert [kind.position for kind in seeded.values()] == list(range(len(SEEDED_KINDS)))


def test_seeded_kinds_belong_to_their_assembly_only():
    first, second = AssemblyFactory(), AssemblyFactory()
    assert seeded_kind(first, "dispatcher") != seeded_kind(second, "dispatcher")
    assert first.defense_role_kinds.count() == second.defense_role_kinds.count() == len(SEEDED_KINDS)


def test_saving_an_assembly_again_seeds_nothing_more(assembly):
    assembly.save()
    assert assembly.defense_role_kinds.count() == len(SEEDED_KINDS)


# Plans


def test_plan_save_keeps_its_zones(assembly):
    north, south = ZoneFactory(assembly=assembly), ZoneFactory(assembly=assembly)
    plan = services.plan_save(
        plan=GamePlan(assembly=assembly, title_en="Home raid", title_es="Redada en casa"), zones=[north, south]
    )
    plan.refresh_from_db()
    assert (plan.title_en, plan.title_es, plan.status) == ("Home raid", "Redada en casa", Status.DRAFT)
    assert set(plan.zones.all()) == {north, south}


@pytest.mark.parametrize("hours", [0, 73])
def test_plan_save_refuses_alerts_that_last_out_of_bounds(hours, assembly):
    error = _refused(
        services.plan_save, plan=GamePlan(assembly=assembly, title_en="Home raid", alert_hours=hours), zones=[]
    )
    assert "alert_hours" in error.message_dict


def test_plan_becomes_active_once_it_has_a_role(plan):
    GamePlan.objects.filter(pk=plan.pk).update(status=Status.DRAFT)
    DefenseRoleFactory(plan=plan)
    services.plan_set_status(plan=GamePlan.objects.get(pk=plan.pk), status=Status.ACTIVE)
    assert GamePlan.objects.get(pk=plan.pk).status == Status.ACTIVE


def test_plan_without_roles_cannot_become_active(assembly):
    draft = GamePlanFactory(assembly=assembly, draft=True)
    error = _refused(services.plan_set_status, plan=draft, status=Status.ACTIVE)
    assert error.messages == ["Add at least one role before making the plan active."]
    assert GamePlan.objects.get(pk=draft.pk).status == Status.DRAFT


@pytest.mark.parametrize("status", ["published", "", "ACTIVE", "deleted"])
def test_plan_refuses_an_unknown_status(status, plan):
    DefenseRoleFactory(plan=plan)
    error = _refused(services.plan_set_status, plan=plan, status=status)
    assert error.messages == ["Choose draft, active or archived."]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ARCHIVED])
def test_plan_can_be_archived_or_put_back_to_draft(status, role):
    ClaimFactory(role=role)
    services.plan_set_status(plan=role.plan, status=status)
    assert GamePlan.objects.get(pk=role.plan.pk).status == status
    assert holders(role) == (1, 1)


# Roles


def test_role_save_creates_a_role_with_no_holders(plan, assembly):
    zone = ZoneFactory(assembly=assembly)
    role = services.role_save(
        role=DefenseRole(plan=plan, kind=seeded_kind(assembly, "legal-observer"), zone=zone, needed=2)
    )
    role.refresh_from_db()
    assert (role.kind.key, role.zone, role.needed, role.filled) == ("legal-observer", zone, 2, 0)


@pytest.mark.parametrize("needed", [0, 201])
def test_role_save_refuses_places_out_of_bounds_for_a_new_role(needed, plan, assembly):
    error = _refused(
        services.role_save, role=DefenseRole(plan=plan, kind=seeded_kind(assembly, "driver"), needed=needed)
    )
    assert "needed" in error.message_dict


@pytest.mark.parametrize("needed", [0, 201])
def test_role_save_refuses_places_out_of_bounds_for_a_role_that_exists(needed, role):
    role.needed = needed
    error = _refused(services.role_save, role=role)
    assert "needed" in error.message_dict


def test_role_save_changes_places_and_keeps_the_holders(role):
    ClaimFactory(role=role)
    ClaimFactory(role=role)
    role = DefenseRole.objects.get(pk=role.pk)
    role.needed = 2
    role.requires_training = True
    role.description_es = "Nuevo texto"
    services.role_save(role=role)
    saved = DefenseRole.objects.get(pk=role.pk)
    assert (saved.needed, saved.filled, saved.requires_training, saved.description_es) == (2, 2, True, "Nuevo texto")


def test_role_save_refuses_fewer_places_than_holders(role):
    ClaimFactory(role=role)
    ClaimFactory(role=role)
    role = DefenseRole.objects.get(pk=role.pk)
    role.needed = 1
    role.description_en = "Changed while refused"
    error = _refused(services.role_save, role=role)
    assert error.message_dict == {"needed": ["2 people hold this role; it needs at least that many places."]}


def test_role_save_counts_holders_who_claimed_after_the_form_was_read(role):
    """The places are checked in the UPDATE itself, not against the copy the coordinator's form loaded."""
    stale = DefenseRole.objects.get(pk=role.pk)
    ClaimFactory(role=role)
    ClaimFactory(role=role)
    stale.needed = 1
    error = _refused(services.role_save, role=stale)
    assert error.message_dict == {"needed": ["2 people hold this role; it needs at least that many places."]}


def test_role_save_of_a_role_removed_meanwhile_is_refused_clearly(role):
    stale = DefenseRole.objects.get(pk=role.pk)
    DefenseRole.objects.filter(pk=role.pk).delete()
    stale.needed = 5
    error = _refused(services.role_save, role=stale)
    assert error.messages == ["This role was removed meanwhile. Reload the page."]


def test_role_delete_removes_its_claims(role):
    claim = ClaimFactory(role=role)
    services.role_delete(role=role)
    assert not DefenseRole.objects.filter(pk=role.pk).exists()
    assert not Claim.objects.filter(pk=claim.pk).exists()


# Claims


def test_claim_takes_a_place(role, people, assembly):
    member = membership(assembly, people["member"])
    claim = _claim(role, membership=member)
    assert (claim.role, claim.membership, claim.confirmed_training) == (role, member, False)
    assert holders(role) == (1, 1)


def test_claim_of_the_last_place_fills_the_role(role, people, assembly):
    ClaimFactory(role=role)
    ClaimFactory(role=role)
    _claim(role, membership=membership(assembly, people["member"]))
    assert holders(role) == (3, 3)
    assert DefenseRole.objects.get(pk=role.pk).gap == 0


def test_claim_of_a_full_role_is_refused(role, people, assembly):
    for _n in range(3):
        ClaimFactory(role=role)
    error = _refused(_claim, role=role, membership=membership(assembly, people["member"]))
    assert error.messages == ["Every place in this role is taken. Look for a role with a gap."]
    assert holders(role) == (3, 3)


def test_claim_twice_is_refused(role, people, assembly):
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    error = _refused(_claim, role=role, membership=member)
    assert error.messages == ["You already hold this role."]
    assert holders(role) == (1, 1)


def test_claim_twice_of_a_role_now_full_says_you_hold_it(role, people, assembly):
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    ClaimFactory(role=role)
    ClaimFactory(role=role)
    error = _refused(_claim, role=role, membership=member)
    assert error.messages == ["You already hold this role."]


def test_member_may_hold_several_roles_of_a_plan(plan, people, assembly):
    member = membership(assembly, people["member"])
    first, second = DefenseRoleFactory(plan=plan), DefenseRoleFactory(plan=plan, key="driver")
    _claim(first, membership=member)
    _claim(second, membership=member)
    assert set(Claim.objects.filter(membership=member).values_list("role_id", flat=True)) == {first.pk, second.pk}


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ARCHIVED])
def test_claim_on_a_plan_that_is_not_active_is_refused(status, role, people, assembly):
    GamePlan.objects.filter(pk=role.plan_id).update(status=status)
    error = _refused(_claim, role=role, membership=membership(assembly, people["coordinator"]))
    assert error.messages == ["This plan is not active, so its roles cannot be claimed now."]


def test_claim_by_a_member_of_another_assembly_is_refused(role):
    error = _refused(_claim, role=role, membership=MembershipFactory())
    assert error.messages == ["Only members of this assembly can claim its roles."]


def test_claim_by_a_pending_member_is_refused(role, people, assembly):
    error = _refused(_claim, role=role, membership=membership(assembly, people["pending"]))
    assert error.messages == ["Only members of this assembly can claim its roles."]


def test_claim_of_a_role_that_needs_training_asks_for_confirmation(plan, people, assembly):
    role = DefenseRoleFactory(plan=plan, key="legal-observer", requires_training=True)
    error = _refused(_claim, role=role, membership=membership(assembly, people["member"]))
    assert error.message_dict == {
        "confirmed_training": ["This role needs training. Confirm that you have had it, or ask a coordinator."]
    }


def test_claim_with_training_confirmed_records_the_confirmation(plan, people, assembly):
    role = DefenseRoleFactory(plan=plan, key="legal-observer", requires_training=True)
    claim = _claim(role, membership=membership(assembly, people["member"]), confirmed_training=True)
    assert Claim.objects.get(pk=claim.pk).confirmed_training is True
    assert holders(role) == (1, 1)


def test_release_frees_the_place(role, people, assembly):
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    services.claim_release(role=role, membership=member)
    assert holders(role) == (0, 0)
    _claim(role, membership=member)
    assert holders(role) == (1, 1)


def test_release_of_a_role_not_held_is_refused(role, people, assembly):
    ClaimFactory(role=role)
    error = _refused(services.claim_release, role=role, membership=membership(assembly, people["member"]))
    assert error.messages == ["You do not hold this role."]
    assert holders(role) == (1, 1)


def test_release_leaves_other_holders_alone(role, people, assembly):
    other = ClaimFactory(role=role)
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    services.claim_release(role=role, membership=member)
    assert list(Claim.objects.filter(role=role)) == [other]
    assert holders(role) == (1, 1)


# Places follow the people who leave


def test_member_who_leaves_frees_their_places(role, people, assembly):
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    assembly_services.membership_leave(membership=member)
    assert holders(role) == (0, 0)


def test_member_removed_by_a_coordinator_frees_their_places(role, people, assembly):
    member = membership(assembly, people["facilitator"])
    _claim(role, membership=member)
    assembly_services.membership_remove(membership=member)
    assert holders(role) == (0, 0)


def test_deleted_account_frees_its_places(role, people, assembly):
    ClaimFactory(role=role)
    other = DefenseRoleFactory(plan=role.plan, key="driver")
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    _claim(other, membership=member)
    account_services.account_delete(user=people["member"])
    assert (holders(role), holders(other)) == ((1, 1), (0, 0))


def test_deleted_assembly_takes_its_plans_and_kinds_along(role, assembly):
    ClaimFactory(role=role)
    assembly.delete()
    assert not GamePlan.objects.exists()
    assert not DefenseRole.objects.exists()
    assert not Claim.objects.exists()
    assert not RoleKind.objects.filter(assembly_id=assembly.pk).exists()


# Selectors


def test_coverage_adds_up_places_and_holders(plan):
    full = DefenseRoleFactory(plan=plan, needed=1)
    ClaimFactory(role=full)
    gap = DefenseRoleFactory(plan=plan, needed=4, key="driver")
    ClaimFactory(role=gap)
    DefenseRoleFactory(plan=plan, needed=2, key="childcare")
    DefenseRoleFactory(needed=9)
    coverage = selectors.coverage(plan)
    assert (coverage.needed, coverage.filled, coverage.gap) == (7, 2, 5)
    assert [role.gap for role in selectors.roles_of(plan).order_by("pk")] == [0, 3, 2]


def test_coverage_of_a_plan_with_no_roles_is_zero(plan):
    coverage = selectors.coverage(plan)
    assert (coverage.needed, coverage.filled, coverage.gap) == (0, 0, 0)


def test_dispatcher_is_a_member_holding_a_dispatcher_claim_in_that_plan(plan, assembly):
    dispatcher = ClaimFactory(role=DefenseRoleFactory(plan=plan, key="dispatcher")).membership
    verifier = ClaimFactory(role=DefenseRoleFactory(plan=plan, key="verifier")).membership
    elsewhere = ClaimFactory(
        role=DefenseRoleFactory(plan=GamePlanFactory(assembly=assembly), key="dispatcher")
    ).membership
    assert selectors.is_dispatcher(plan, dispatcher)
    assert not selectors.is_dispatcher(plan, verifier)
    assert not selectors.is_dispatcher(plan, elsewhere)
    assert not selectors.is_dispatcher(plan, None)


def test_dispatcher_whose_membership_is_pending_is_not_a_dispatcher(plan):
    dispatcher = ClaimFactory(role=DefenseRoleFactory(plan=plan, key="dispatcher")).membership
    Membership.objects.filter(pk=dispatcher.pk).update(status=Membership.Status.PENDING)
    assert not selectors.is_dispatcher(plan, Membership.objects.get(pk=dispatcher.pk))


def test_plan_list_shows_members_only_active_plans(assembly):
    active = GamePlanFactory(assembly=assembly)
    draft = GamePlanFactory(assembly=assembly, draft=True)
    archived = GamePlanFactory(assembly=assembly, archived=True)
    GamePlanFactory()
    assert list(selectors.plan_list(assembly, include_drafts=False)) == [active]
    assert set(selectors.plan_list(assembly, include_drafts=True)) == {active, draft, archived}


def test_my_claims_are_the_roles_the_member_holds_in_that_plan(role, people, assembly):
    member = membership(assembly, people["member"])
    _claim(role, membership=member)
    ClaimFactory(role=DefenseRoleFactory(plan=role.plan, key="driver"))
    ClaimFactory(role=DefenseRoleFactory(plan=GamePlanFactory(assembly=assembly)), membership=member)
    assert selectors.my_claims(role.plan, member) == {role.pk}
    assert selectors.my_claims(role.plan, None) == set()


def test_filled_never_exceeds_needed_in_the_database(role):
    """The check constraint is the last guard if a write ever skips the conditional UPDATE."""
    with pytest.raises(IntegrityError), transaction.atomic():
        DefenseRole.objects.filter(pk=role.pk).update(filled=F("needed") + 1)
