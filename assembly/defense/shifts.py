"""Dispatch shifts: who is on duty for a plan now. Alerts and public reports go to them first."""

from datetime import datetime

from django.utils import timezone

from assembly.assemblies.models import Membership
from assembly.defense.models import Claim, DispatchShift, GamePlan

DISPATCHER = "dispatcher"


def plan_dispatchers(plan: GamePlan) -> list[int]:
    """Active facilitators holding the plan's dispatcher role: a dispatcher who lost that rank dispatches no more."""
    ranked = [role for role, rank in Membership.RANK.items() if rank >= Membership.RANK[Membership.Role.FACILITATOR]]
    memberships = Claim.objects.filter(
        role__plan=plan,
        role__kind__key=DISPATCHER,
        membership__status=Membership.Status.ACTIVE,
        membership__role__in=ranked,
        membership__user__is_active=True,
    ).values_list("membership_id", flat=True)
    return sorted(set(memberships))


def on_duty(plan: GamePlan, *, at: datetime | None = None) -> list[int]:
    """The dispatchers whose shift covers this moment; all of the plan's dispatchers when nobody's does."""
    at = at or timezone.now()
    dispatchers = plan_dispatchers(plan)
    shifts = DispatchShift.objects.filter(
        plan=plan, starts_at__lte=at, ends_at__gt=at, membership_id__in=dispatchers
    ).values_list("membership_id", flat=True)
    return sorted(set(shifts)) or dispatchers
