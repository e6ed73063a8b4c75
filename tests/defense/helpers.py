"""Small helpers shared by the defense tests: a scene with roles, formset data, and a snapshot of what changed."""

from assembly.assemblies.models import Assembly, Membership
from assembly.common.models import AuditEntry
from assembly.defense.models import (
    Claim,
    DefenseRole,
    GamePlan,
    MeetingPoint,
    PlanResource,
    PlanStep,
    ReportLine,
    RoleKind,
)
from tests.defense.factories import seeded_kind


def kinds(assembly: Assembly) -> dict[str, RoleKind]:
    return {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly).exclude(key="")}


def membership(assembly: Assembly, user) -> Membership:
    return Membership.objects.get(assembly=assembly, user=user)


def dispatcher_kind(assembly: Assembly) -> RoleKind:
    return seeded_kind(assembly, "dispatcher")


def formset_data(prefix: str, forms: list[dict], *, initial: int) -> dict:
    """POST data for a model formset: the first `initial` forms are existing rows, the others new ones."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(forms)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, fields in enumerate(forms):
        for name, value in fields.items():
            if value is False:
                continue
            data[f"{prefix}-{index}-{name}"] = "on" if value is True else ("" if value is None else str(value))
    return data


def role_fields(role: DefenseRole, **overrides) -> dict:
    """The roles formset fields of an existing role, as the page shows them."""
    return {
        "id": role.pk,
        "kind": role.kind_id,
        "zone": role.zone_id,
        "needed": role.needed,
        "requires_training": role.requires_training,
        "description_en": role.description_en,
        "description_es": role.description_es,
        **overrides,
    }


def roles_data(plan: GamePlan, *new: dict, **changes: dict) -> dict:
    """The roles formset of a plan as the page shows it, with `changes` per role pk ("r<pk>") and `new` roles."""
    existing = [role_fields(role, **changes.get(f"r{role.pk}", {})) for role in plan.roles.order_by("pk")]
    return formset_data("roles", [*existing, *new], initial=len(existing))


def snapshot() -> dict:
    """Everything a defense view or service can change, to assert that a refused request changed nothing."""
    return {
        "kinds": list(RoleKind.objects.order_by("pk").values_list("pk", "assembly_id", "key", "name_en", "name_es")),
        "plans": list(
            GamePlan.objects.order_by("pk").values_list(
                "pk", "status", "title_en", "title_es", "summary_en", "summary_es", "scenario", "alert_hours"
            )
        ),
        "plan_zones": list(GamePlan.zones.through.objects.order_by("pk").values_list("gameplan_id", "zone_id")),
        "steps": list(PlanStep.objects.order_by("pk").values_list("pk", "plan_id", "position", "text_en", "text_es")),
        "points": list(MeetingPoint.objects.order_by("pk").values_list("pk", "plan_id", "position", "name_en")),
        "resources": list(PlanResource.objects.order_by("pk").values_list("pk", "plan_id", "kind", "title_en")),
        "roles": list(
            DefenseRole.objects.order_by("pk").values_list(
                "pk", "plan_id", "kind_id", "zone_id", "needed", "filled", "requires_training", "description_en"
            )
        ),
        "claims": list(
            Claim.objects.order_by("pk").values_list("pk", "role_id", "membership_id", "confirmed_training")
        ),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("actor_id", "action", "target_type", "target_id")),
        "report_lines": list(ReportLine.objects.order_by("pk").values_list("pk", "assembly_id", "code", "phone")),
    }


def holders(role: DefenseRole) -> tuple[int, int]:
    """A role's counter beside the claims that back it: both must always agree."""
    return DefenseRole.objects.get(pk=role.pk).filled, Claim.objects.filter(role=role).count()
