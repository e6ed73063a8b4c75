from collections import Counter
from dataclasses import dataclass, field, replace

from django.utils import timezone

from assembly.assemblies.models import Assembly, Membership
from assembly.meetings.models import Meeting
from assembly.rotation import algorithm, services
from assembly.rotation.models import Assignment, RoleType


@dataclass
class RotationRow:
    role: RoleType
    recent: list[Assignment] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    due_next: list[str] = field(default_factory=list)


def next_meeting(assembly: Assembly, *, after: Meeting | None = None) -> Meeting | None:
    """The assembly's next published meeting not yet over (after a given one, if any).

    Not a draft: members must not see one, and people asked for its roles could not open it to answer.
    """
    meetings = assembly.meetings.filter(status=Meeting.Status.PUBLISHED, ends_at__gt=timezone.now())
    if after is not None:
        meetings = meetings.filter(starts_at__gt=after.starts_at)
    return meetings.select_related("assembly").order_by("starts_at").first()


def rotation_rows(assembly: Assembly, upcoming: Meeting | None) -> list[RotationRow]:
    """For each active role: who served it lately and how often, and who the rotation would ask next."""
    roles = list(assembly.role_types.filter(retired=False))
    rows = {role.pk: RotationRow(role) for role in roles}
    served = (
        services.served(assembly.pk)
        .filter(meeting__starts_at__lte=timezone.now(), role_type__in=roles)
        .select_related("meeting", "membership__user")
        .order_by("-meeting__starts_at")
    )
    # Counted per member, not per name: two neighbors may share a name.
    counts: dict[int, Counter] = {role.pk: Counter() for role in roles}
    names: dict[int, str] = {}
    for assignment in served:
        row = rows[assignment.role_type_id]
        if len(row.recent) < 5:
            row.recent.append(assignment)
        counts[assignment.role_type_id][assignment.membership_id] += 1
        names[assignment.membership_id] = assignment.membership.user.display_name
    for role_id, counter in counts.items():
        ordered = sorted(counter.items(), key=lambda pair: (-pair[1], names[pair[0]], pair[0]))
        rows[role_id].counts = [(names[membership_id], count) for membership_id, count in ordered]
    if upcoming is not None:
        # Whose turn it is once every role already asked for counts, the next meeting's included;
        # being away or not signed up is a matter of one meeting, so it is left out here.
        people = [
            replace(p, away=False, registered=True) for p in services.people_for(upcoming, exclude_declined=False)
        ]
        history = [
            algorithm.Service(membership_id, role_id, when)
            for membership_id, role_id, when in services.served(assembly.pk).values_list(
                "membership_id", "role_type_id", "meeting__starts_at"
            )
        ]
        names = dict(Membership.objects.filter(assembly=assembly).values_list("pk", "user__display_name"))
        for role in roles:
            queue = algorithm.queue_for(services.slot_for(role), people, history)
            rows[role.pk].due_next = [names[person.id] for person in queue[:3]]
    return [rows[role.pk] for role in roles]


def assignment_summary(meeting: Meeting) -> Counter:
    return Counter(meeting.assignments.filter(status__in=Assignment.ACTIVE).values_list("status", flat=True))


def upcoming_assignments(membership: Membership):
    return (
        Assignment.objects.filter(
            membership=membership, status__in=Assignment.HOLDING, meeting__ends_at__gt=timezone.now()
        )
        .exclude(status=Assignment.Status.PROPOSED)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .select_related("meeting__assembly", "role_type")
        .order_by("meeting__starts_at")
    )
