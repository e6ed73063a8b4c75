from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from assembly.assemblies.models import Assembly, Invitation, Membership


def _with_member_count(queryset: QuerySet[Assembly]) -> QuerySet[Assembly]:
    return queryset.annotate(member_count=Count("memberships", filter=Q(memberships__status=Membership.Status.ACTIVE)))


def assembly_list_public() -> QuerySet[Assembly]:
    return _with_member_count(Assembly.objects.filter(visibility=Assembly.Visibility.PUBLIC))


def membership_list_for_user(user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("assembly").order_by("assembly__name")


def member_count(assembly: Assembly) -> int:
    return assembly.memberships.filter(status=Membership.Status.ACTIVE).count()


def membership_list_for_roster(assembly: Assembly) -> QuerySet[Membership]:
    # Requests waiting for approval first, then coordinators, facilitators, members.
    return assembly.memberships.select_related("user").order_by("-status", "role", "user__display_name")


def invitation_list_open(assembly: Assembly) -> QuerySet[Invitation]:
    return assembly.invitations.filter(used_at__isnull=True, expires_at__gt=timezone.now())
