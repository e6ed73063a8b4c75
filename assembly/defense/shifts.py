"""Dispatch shifts: who is on duty for a plan now. Alerts and public reports go to them first."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership, Zone
from assembly.defense.models import Alert, Claim, DispatchShift, GamePlan

DISPATCHER = "dispatcher"


def plan_dispatchers(plan: GamePlan, zone: Zone | None = None) -> list[int]:
    """Active facilitators holding the plan's dispatcher role (for the zone, when given: its own or the whole
    area's): a dispatcher who lost that rank dispatches no more."""
    ranked = [role for role, rank in Membership.RANK.items() if rank >= Membership.RANK[Membership.Role.FACILITATOR]]
    claims = (
        Claim.objects.all() if zone is None else Claim.objects.filter(Q(role__zone=zone) | Q(role__zone__isnull=True))
    )
    memberships = claims.filter(
        role__plan=plan,
        role__kind__key=DISPATCHER,
        membership__status=Membership.Status.ACTIVE,
        membership__role__in=ranked,
        membership__user__is_active=True,
    ).values_list("membership_id", flat=True)
    return sorted(set(memberships))


def on_duty(plan: GamePlan, *, zone: Zone | None = None, at: datetime | None = None) -> list[int]:
    """The dispatchers whose shift covers this moment; all of the plan's dispatchers when nobody's does.

    With a zone, only those who dispatch for it: a dispatcher of another zone can neither see nor act on its
    alerts, so they are neither told of them nor made to hold them.
    """
    at = at or timezone.now()
    dispatchers = plan_dispatchers(plan, zone)
    shifts = DispatchShift.objects.filter(
        plan=plan, starts_at__lte=at, ends_at__gt=at, membership_id__in=dispatchers
    ).values_list("membership_id", flat=True)
    return sorted(set(shifts)) or dispatchers


# A shift may start a little before the form is sent: typing takes time.
START_SKEW = timedelta(minutes=5)
LONGEST = timedelta(hours=24)
AHEAD = timedelta(days=14)


def shifts_ahead(plan: GamePlan, *, now: datetime | None = None) -> QuerySet[DispatchShift]:
    """The plan's shifts on now or starting in the next two weeks, soonest first."""
    now = now or timezone.now()
    return (
        DispatchShift.objects.filter(plan=plan, ends_at__gt=now, starts_at__lt=now + AHEAD)
        .select_related("membership__user")
        .order_by("starts_at", "pk")
    )


def _local(moment: datetime, plan: GamePlan) -> str:
    return formats.date_format(timezone.localtime(moment, ZoneInfo(plan.assembly.time_zone)), "SHORT_DATETIME_FORMAT")


@transaction.atomic
def shift_create(*, plan: GamePlan, membership: Membership, starts_at: datetime, ends_at: datetime) -> DispatchShift:
    """Sign a dispatcher up for a shift: ahead, at most a day long, and not over one of their own."""
    # The plan's row lock puts one plan's sign-ups in a line: two overlapping ones cannot both pass the check.
    plan = GamePlan.objects.select_for_update().select_related("assembly").get(pk=plan.pk)
    if membership.pk not in plan_dispatchers(plan):
        raise ValidationError(_("Only the plan's dispatchers sign up for its shifts."))
    now = timezone.now()
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The shift must end after it starts.")})
    if ends_at - starts_at > LONGEST:
        raise ValidationError({"ends_at": _("A shift lasts at most 24 hours. Sign up for two shifts instead.")})
    if starts_at < now - START_SKEW:
        raise ValidationError(
            {"starts_at": _("That time has passed. Start the shift at %(now)s or later.") % {"now": _local(now, plan)}}
        )
    overlap = DispatchShift.objects.filter(
        plan=plan, membership=membership, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if overlap is not None:
        raise ValidationError(
            _("You already have a shift from %(start)s to %(end)s. Choose a time outside it.")
            % {"start": _local(overlap.starts_at, plan), "end": _local(overlap.ends_at, plan)}
        )
    shift = DispatchShift(plan=plan, membership=membership, starts_at=starts_at, ends_at=ends_at)
    shift.save()
    return shift


def can_cancel(shift: DispatchShift, membership: Membership) -> bool:
    """Dispatchers cancel their own shifts, coordinators anyone's."""
    return shift.membership_id == membership.pk or (
        membership.is_active and membership.has_role(Membership.Role.COORDINATOR)
    )


@transaction.atomic
def shift_cancel(*, shift: DispatchShift, membership: Membership) -> None:
    if not can_cancel(shift, membership):
        raise ValidationError(_("Only the dispatcher on this shift, or a coordinator, can cancel it."))
    DispatchShift.objects.filter(pk=shift.pk).delete()


@transaction.atomic
def dispatch_end(*, membership_id: int, plan: GamePlan | None = None) -> None:
    """Someone no longer dispatches (for a plan, or at all): their shifts go, and the open alerts they held are let go.

    Shifts already over go too: who was on duty when is not kept.
    """
    shifts = DispatchShift.objects.filter(membership_id=membership_id)
    alerts = Alert.objects.filter(held_by_id=membership_id, status__in=Alert.OPEN)
    if plan is not None:
        shifts = shifts.filter(plan=plan)
        alerts = alerts.filter(plan=plan)
    shifts.delete()
    alerts.update(held_by=None)


def shifts_purge(*, now: datetime | None = None) -> int:
    """Delete the shifts that are over: who was on duty when is not kept. Return how many went."""
    deleted, _detail = DispatchShift.objects.filter(ends_at__lt=now or timezone.now()).delete()
    return deleted
