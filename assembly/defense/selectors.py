from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from assembly.assemblies.models import Membership
from assembly.defense.models import Alert, Claim, DefenseRole, GamePlan

DISPATCHER = "dispatcher"


def plan_list(assembly, *, include_drafts: bool) -> QuerySet[GamePlan]:
    plans = assembly.game_plans.prefetch_related("zones")
    if not include_drafts:
        plans = plans.filter(status=GamePlan.Status.ACTIVE)
    return plans


def roles_of(plan: GamePlan) -> QuerySet[DefenseRole]:
    return plan.roles.select_related("kind", "zone")


@dataclass(frozen=True)
class Coverage:
    needed: int
    filled: int

    @property
    def gap(self) -> int:
        return max(self.needed - self.filled, 0)


def coverage(plan: GamePlan) -> Coverage:
    roles = list(plan.roles.values_list("needed", "filled"))
    return Coverage(needed=sum(n for n, _f in roles), filled=sum(f for _n, f in roles))


def is_dispatcher(plan: GamePlan, membership: Membership | None) -> bool:
    # Dispatching needs the facilitator rank still: a demoted member's old claim opens nothing.
    return (
        membership is not None
        and membership.has_role(Membership.Role.FACILITATOR)
        and Claim.objects.filter(role__plan=plan, role__kind__key=DISPATCHER, membership=membership).exists()
    )


def roster(plan: GamePlan) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(role__plan=plan)
        .select_related("role__kind", "role__zone", "membership__user")
        .order_by("role__kind__position", "role__zone__name", "membership__user__display_name")
    )


def my_claims(plan: GamePlan, membership: Membership | None) -> set[int]:
    if membership is None:
        return set()
    return set(Claim.objects.filter(role__plan=plan, membership=membership).values_list("role_id", flat=True))


def open_alerts(plan: GamePlan, *, now: datetime | None = None) -> QuerySet[Alert]:
    """The plan's alerts not yet ended nor past their time, oldest first."""
    return (
        Alert.objects.filter(plan=plan, status__in=Alert.OPEN, expires_at__gt=now or timezone.now())
        .select_related("zone")
        .order_by("created_at", "pk")
    )
