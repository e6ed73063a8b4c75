"""The messages the rotation sends, registered with the outbox; each renders emails/<kind>_*.txt|html."""

from django.utils.translation import gettext_lazy as _

from assembly.notify.links import absolute_url
from assembly.notify.registry import MessageKind, Recipient, register_assembly_objects, register_kind
from assembly.rotation.models import Assignment, Swap


def _roles_url(meeting, recipient: Recipient) -> str:
    return absolute_url("meeting_roles", language=recipient.language, slug=meeting.assembly.slug, pk=meeting.pk)


def _assignment_context(*, message, recipient: Recipient) -> dict | None:
    assignment = (
        Assignment.objects.select_related("role_type", "meeting__assembly").filter(pk=message.object_id).first()
    )
    if assignment is None or assignment.meeting.is_past or assignment.meeting.is_cancelled:
        return None
    expected = {"role_released": Assignment.Status.REPLACED, "role_unfilled": Assignment.Status.UNFILLED}.get(
        message.kind, Assignment.Status.ASKED
    )
    if assignment.status != expected:
        return None
    meeting = assignment.meeting
    return {
        "assignment": assignment,
        "role": assignment.role_type,
        "meeting": meeting,
        "assembly": meeting.assembly,
        "time_zone": meeting.assembly.time_zone,
        "roles_url": _roles_url(meeting, recipient),
    }


def _swap_context(*, message, recipient: Recipient) -> dict | None:
    swap = (
        Swap.objects.select_related(
            "offered__role_type", "offered__meeting__assembly", "wanted__role_type", "offered__membership__user"
        )
        .filter(pk=message.object_id)
        .first()
    )
    if swap is None or (message.kind == "role_swap_asked" and swap.status != Swap.Status.ASKED):
        return None
    meeting = swap.offered.meeting
    return {
        "swap": swap,
        "accepted": swap.status == Swap.Status.ACCEPTED,
        "offered_role": swap.offered.role_type,
        "wanted_role": swap.wanted.role_type,
        "asker": swap.offered.membership.user.display_name if swap.offered.membership_id else "",
        "meeting": meeting,
        "assembly": meeting.assembly,
        "time_zone": meeting.assembly.time_zone,
        "roles_url": _roles_url(meeting, recipient),
    }


for kind in [
    MessageKind("role_asked", _("Meeting roles I am asked to take"), _assignment_context),
    MessageKind("role_released", _("Meeting roles given to someone else"), _assignment_context),
    MessageKind("role_unfilled", _("Meeting roles nobody can take after a decline"), _assignment_context),
    MessageKind("role_swap_asked", _("Requests to swap meeting roles"), _swap_context),
    MessageKind("role_swap_answered", _("Answers to my swap requests"), _swap_context),
]:
    register_kind(kind)

register_assembly_objects(
    ["role_asked", "role_released", "role_unfilled"],
    lambda assembly_id: Assignment.objects.filter(meeting__assembly_id=assembly_id).values("pk"),
)
register_assembly_objects(
    ["role_swap_asked", "role_swap_answered"],
    lambda assembly_id: Swap.objects.filter(offered__meeting__assembly_id=assembly_id).values("pk"),
)
