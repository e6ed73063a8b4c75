from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly, Invitation, Membership
from assembly.notify import registry
from assembly.notify.selectors import CHANNEL_LABELS, channel_of, failed_messages_of_assembly

# A page of failed messages is for acting on, not an archive: the rest are sent again with "send all again".
FAILED_SHOWN = 100


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


@dataclass(frozen=True)
class FailedMessage:
    """A failed message as coordinators see it: what kind, by which channel, when, and to which member."""

    pk: int
    kind: Promise | str
    channel: Promise
    tried_at: datetime
    recipient: Promise | str


def failed_message_list(assembly: Assembly) -> tuple[list[FailedMessage], int]:
    """The latest failed messages about the assembly's things, and how many failed in all.

    Nothing of what a message said, nor an address or number: a member is named by the alias the roster shows,
    anyone else (a guest, someone who left) only as such.
    """
    failed = failed_messages_of_assembly(assembly_id=assembly.pk)
    members = {
        registry.recipient_key("user", user_id)
        for user_id in assembly.memberships.filter(status=Membership.Status.ACTIVE).values_list("user_id", flat=True)
    }
    names: dict[str, Promise | str] = {}
    rows = []
    for message in failed.only("kind", "recipient_key", "claimed_at", "created_at")[:FAILED_SHOWN]:
        if message.recipient_key not in names:
            names[message.recipient_key] = _recipient_words(message.recipient_key, members)
        try:
            label = registry.get_kind(message.kind).label
        except KeyError:
            label = message.kind
        rows.append(
            FailedMessage(
                pk=message.pk,
                kind=label,
                channel=CHANNEL_LABELS[channel_of(message.kind)],
                tried_at=message.claimed_at or message.created_at,
                recipient=names[message.recipient_key],
            )
        )
    return rows, failed.count()


def _recipient_words(key: str, members: set[str]) -> Promise | str:
    recipient = registry.resolve_recipient(key)
    if recipient is None:
        return _("someone no longer reachable")
    if recipient.preference_key in members:
        return recipient.name
    return _("someone who is not a member")
