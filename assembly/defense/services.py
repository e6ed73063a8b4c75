"""Defense game plans and the claiming of their roles: places are exact under concurrency."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership
from assembly.defense import alerts, reports, shifts
from assembly.defense.models import Alert, Claim, DefenseRole, DispatchShift, GamePlan
from assembly.defense.selectors import DISPATCHER
from assembly.notify.registry import recipient_key
from assembly.notify.services import messages_drop_pending_to


@transaction.atomic
def plan_save(*, plan: GamePlan, zones) -> GamePlan:
    plan.full_clean()
    plan.save()
    plan.zones.set(zones)
    return plan


@transaction.atomic
def plan_set_status(*, plan: GamePlan, status: str) -> GamePlan:
    if status not in GamePlan.Status.values:
        raise ValidationError(_("Choose draft, active or archived."))
    if status == GamePlan.Status.ACTIVE and not plan.roles.exists():
        raise ValidationError(_("Add at least one role before making the plan active."))
    GamePlan.objects.filter(pk=plan.pk).update(status=status)
    plan.status = status
    if status == GamePlan.Status.ACTIVE:
        # An active plan can take reports from the public: its assembly needs the short address for flyers.
        reports.report_line_ensure(assembly=plan.assembly)
    else:
        # A plan that is not active takes no alerts: nobody is on duty for it, and nobody holds its open ones,
        # which run to their end as they are.
        DispatchShift.objects.filter(plan=plan).delete()
        Alert.objects.filter(plan=plan, status__in=Alert.OPEN).update(held_by=None)
    return plan


@transaction.atomic
def role_save(*, role: DefenseRole) -> DefenseRole:
    """Create or change a role; its places can never drop below the people holding them."""
    if role.pk is None:
        role.full_clean()
        role.save()
        return role
    fields = [
        "kind",
        "zone",
        "needed",
        "requires_training",
        *[f.name for f in role._meta.fields if f.name.startswith("description")],
    ]
    # The places are checked against the holders by the UPDATE below, not by the copy loaded here.
    role.full_clean(validate_constraints=False)
    values = {name: getattr(role, name) for name in fields}
    if not DefenseRole.objects.filter(pk=role.pk, filled__lte=role.needed).update(**values):
        holding = DefenseRole.objects.filter(pk=role.pk).values_list("filled", flat=True).first()
        if holding is None:
            raise ValidationError(_("This role was removed meanwhile. Reload the page."))
        raise ValidationError(
            {"needed": _("%(count)d people hold this role; it needs at least that many places.") % {"count": holding}}
        )
    return role


def _check_claimable(role: DefenseRole, membership: Membership) -> None:
    plan = role.plan
    if membership.assembly_id != plan.assembly_id or not membership.is_active:
        raise ValidationError(_("Only members of this assembly can claim its roles."))
    if not plan.is_active:
        raise ValidationError(_("This plan is not active, so its roles cannot be claimed now."))


@transaction.atomic
def claim_create(*, role: DefenseRole, membership: Membership, confirmed_training: bool = False) -> Claim:
    """Take a place in a role: one conditional UPDATE, so the last place goes to one person."""
    _check_claimable(role, membership)
    if role.kind.key == DISPATCHER and not membership.has_role(Membership.Role.FACILITATOR):
        raise ValidationError(
            _("Dispatchers see who holds each role, so only facilitators and coordinators take this role.")
        )
    if role.requires_training and not confirmed_training:
        raise ValidationError(
            {"confirmed_training": _("This role needs training. Confirm that you have had it, or ask a coordinator.")}
        )
    if Claim.objects.filter(role=role, membership=membership).exists():
        raise ValidationError(_("You already hold this role."))
    if not DefenseRole.objects.filter(pk=role.pk, filled__lt=F("needed")).update(filled=F("filled") + 1):
        raise ValidationError(_("Every place in this role is taken. Look for a role with a gap."))
    try:
        with transaction.atomic():
            return Claim.objects.create(role=role, membership=membership, confirmed_training=confirmed_training)
    except IntegrityError:
        # Two clicks raced: undo this one's place.
        DefenseRole.objects.filter(pk=role.pk, filled__gt=0).update(filled=F("filled") - 1)
        raise ValidationError(_("You already hold this role.")) from None


def _release(*, role_id: int, membership_id: int) -> bool:
    """Delete one claim and give its place back, only if this call is the one that deleted it."""
    deleted, _detail = Claim.objects.filter(role_id=role_id, membership_id=membership_id).delete()
    if deleted:
        DefenseRole.objects.filter(pk=role_id, filled__gt=0).update(filled=F("filled") - 1)
    return bool(deleted)


def _parts_end(*, plan: GamePlan, memberships: list[Membership], dispatcher: bool) -> None:
    """End what flowed from roles these people held no more: dispatching, if it was the last dispatcher role they
    had, and the messages about the plan's open alerts not yet sent to them, where they no longer have a part.

    What was sent stays until the alert ends: the board counts it. A message already on its way is checked again
    when it is sent.
    """
    if dispatcher:
        dispatching = set(shifts.plan_dispatchers(plan))
        for membership in memberships:
            if membership.pk not in dispatching:
                shifts.dispatch_end(membership_id=membership.pk, plan=plan)
    if not memberships:
        return
    for alert in Alert.objects.filter(plan=plan, status__in=Alert.OPEN).select_related("plan", "zone"):
        still = alerts.involved(alert)
        gone = [recipient_key("membership", m.pk) for m in memberships if m.pk not in still]
        if gone:
            kinds = [*alerts.ASK_VERIFY, *alerts.BROADCAST, *alerts.UPDATE]
            messages_drop_pending_to(recipient_keys=gone, kinds=kinds, object_id=alert.pk)
        handed = [recipient_key("membership", m.pk) for m in memberships if not alerts.can_raise(plan, m, alert.zone)]
        if handed:
            messages_drop_pending_to(recipient_keys=handed, kinds=[alerts.HANDED], object_id=alert.pk)


@transaction.atomic
def claim_release(*, role: DefenseRole, membership: Membership) -> None:
    if not _release(role_id=role.pk, membership_id=membership.pk):
        raise ValidationError(_("You do not hold this role."))
    _parts_end(plan=role.plan, memberships=[membership], dispatcher=role.kind.key == DISPATCHER)


@transaction.atomic
def claims_release_all(*, membership: Membership) -> int:
    """Give back every place a member holds: they leave the assembly, are removed, or delete their account."""
    role_ids = list(Claim.objects.filter(membership=membership).values_list("role_id", flat=True))
    return sum(_release(role_id=role_id, membership_id=membership.pk) for role_id in role_ids)


@transaction.atomic
def role_delete(*, role: DefenseRole) -> None:
    """Delete a role; what its holders had from it ends with it, as when each releases it."""
    plan, dispatcher = role.plan, role.kind.key == DISPATCHER
    holders = list(Membership.objects.filter(defense_claims__role=role))
    role.delete()
    _parts_end(plan=plan, memberships=holders, dispatcher=dispatcher)
