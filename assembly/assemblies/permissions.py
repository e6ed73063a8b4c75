"""Who may see and do what in an assembly: the one place these rules live.

Strangers get 404 for anything private, so a private thing's existence is never confirmed;
members without the needed role get 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from assembly.assemblies.models import Assembly, Membership

Role = Membership.Role


def membership_of(user, assembly: Assembly) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(assembly=assembly, user=user).first()


def get_assembly_for_viewer(user, slug: str) -> tuple[Assembly, Membership | None]:
    """Return an assembly anyone may see (public) or that the person belongs to or asked to join."""
    assembly = get_object_or_404(Assembly, slug=slug)
    membership = membership_of(user, assembly)
    if not assembly.is_public and membership is None:
        raise Http404
    return assembly, membership


def get_assembly_for_member(user, slug: str, role: str = Role.MEMBER) -> tuple[Assembly, Membership]:
    """Return an assembly for an active member holding at least `role`: 404 to others, 403 to lower roles."""
    assembly = get_object_or_404(Assembly, slug=slug)
    membership = membership_of(user, assembly)
    if membership is None or not membership.is_active:
        raise Http404
    if not membership.has_role(role):
        raise PermissionDenied
    return assembly, membership


def can_manage_members(membership: Membership | None) -> bool:
    return membership is not None and membership.has_role(Role.COORDINATOR)


def can_see_zones(membership: Membership | None) -> bool:
    return membership is not None and membership.is_active
