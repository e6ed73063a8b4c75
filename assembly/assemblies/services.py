import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly, Invitation, Membership, Zone

Role = Membership.Role
Status = Membership.Status


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def departure_is_alone(origin) -> bool:
    """Whether a membership is being deleted on its own (or with its account), not with its whole assembly.

    For `pre_delete` receivers that end what flowed from a membership: when the assembly goes too,
    there is nobody left to hand a seat or a role to.
    """
    return getattr(origin, "model", type(origin)) is not Assembly


def _is_last_coordinator(membership: Membership) -> bool:
    if membership.role != Role.COORDINATOR or not membership.is_active:
        return False
    others = Membership.objects.filter(
        assembly_id=membership.assembly_id, role=Role.COORDINATOR, status=Status.ACTIVE
    ).exclude(pk=membership.pk)
    return not others.exists()


@transaction.atomic
def assembly_create(*, creator, **fields) -> Assembly:
    """Create an assembly; its creator becomes its first coordinator."""
    assembly = Assembly(**fields)
    assembly.full_clean()
    assembly.save()
    Membership.objects.create(assembly=assembly, user=creator, role=Role.COORDINATOR, status=Status.ACTIVE)
    return assembly


@transaction.atomic
def assembly_update(*, assembly: Assembly, **fields) -> Assembly:
    for name, value in fields.items():
        setattr(assembly, name, value)
    assembly.full_clean()
    assembly.save(update_fields=list(fields))
    return assembly


def membership_join(*, assembly: Assembly, user) -> Membership:
    """Join an open assembly or ask to join one that needs approval."""
    if assembly.join_policy == Assembly.JoinPolicy.INVITE:
        raise ValidationError(_("This assembly takes new members by invitation only."))
    status = Status.ACTIVE if assembly.join_policy == Assembly.JoinPolicy.OPEN else Status.PENDING
    try:
        with transaction.atomic():
            return Membership.objects.create(assembly=assembly, user=user, status=status)
    except IntegrityError:
        raise ValidationError(_("You are already a member of this assembly or have asked to join.")) from None


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    if _is_last_coordinator(membership) and membership.assembly.memberships.count() > 1:
        raise ValidationError(_("You are the last coordinator. Make someone else a coordinator before you leave."))
    membership.delete()


@transaction.atomic
def membership_approve(*, membership: Membership) -> Membership:
    updated = Membership.objects.filter(pk=membership.pk, status=Status.PENDING).update(status=Status.ACTIVE)
    if updated != 1:
        raise ValidationError(_("This request was already handled."))
    membership.refresh_from_db(fields=["status"])
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(_("Choose a role from the list."))
    if not membership.is_active:
        raise ValidationError(_("Approve this person before giving them a role."))
    if role != Role.COORDINATOR and _is_last_coordinator(membership):
        raise ValidationError(_("An assembly needs at least one coordinator. Make someone else a coordinator first."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    if _is_last_coordinator(membership):
        raise ValidationError(_("An assembly needs at least one coordinator. Make someone else a coordinator first."))
    membership.delete()


def invitation_create(*, assembly: Assembly, actor) -> tuple[Invitation, str]:
    """Create a single-use invitation and return it with its secret, which is shown only once."""
    token = secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        assembly=assembly,
        token_hash=_hash_token(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_LIFETIME_DAYS),
    )
    return invitation, token


def invitation_get(*, token: str) -> Invitation:
    invitation = Invitation.objects.select_related("assembly").filter(token_hash=_hash_token(token)).first()
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid. Ask the person who sent it for a new one."))
    if invitation.used_at is not None:
        raise ValidationError(_("This invitation link has already been used. Ask for a new one."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation link has expired. Ask for a new one."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Use an invitation exactly once: the conditional UPDATE lets only one person win it."""
    invitation = invitation_get(token=token)
    if Membership.objects.filter(assembly=invitation.assembly, user=user, status=Status.ACTIVE).exists():
        raise ValidationError(_("You are already a member of this assembly."))
    now = timezone.now()
    won = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if won != 1:
        raise ValidationError(_("This invitation link has already been used. Ask for a new one."))
    membership, _created = Membership.objects.update_or_create(
        assembly=invitation.assembly, user=user, defaults={"status": Status.ACTIVE}
    )
    return membership


def invitation_purge_expired() -> int:
    """Delete invitations that can no longer be used: what is not kept cannot be seized."""
    now = timezone.now()
    stale = Invitation.objects.filter(expires_at__lte=now) | Invitation.objects.filter(used_at__isnull=False)
    deleted, _detail = stale.delete()
    return deleted


@transaction.atomic
def zone_save(*, zone: Zone, neighbors=None) -> Zone:
    """Save a zone and, when given, its neighbors (the relation goes both ways)."""
    zone.full_clean()
    zone.save()
    if neighbors is not None:
        zone.neighbors.set([other for other in neighbors if other.assembly_id == zone.assembly_id and other != zone])
    return zone


@transaction.atomic
def zone_delete(*, zone: Zone) -> None:
    zone.delete()
