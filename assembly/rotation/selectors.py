from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from assembly.assemblies.models import Assembly, Membership
from assembly.meetings.models import Meeting
from assembly.rotation import algorithm, services
from assembly.rotation.models import Assignment, RoleType

SERVED = [Assignment.Status.ASKED, Assignment.Status.ACCEPTED]


@dataclass
class RotationRow:
    role: RoleType
    recent: list[Assignment] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    due_next: list[str] = field(default_factory=list)


def next_meeting(assembly: Assembly, *, after: Meeting | None = None) -> Meeting | None:
    """The assembly's next meeting not yet over (after a given one, if any), published or not."""
    meetings = assembly.meetings.exclude(status=Meeting.Status.CANCELLED).filter(ends_at__gt=timezone.now())
    if after is not None:
        meetings = meetings.filter(starts_at__gt=after.starts_at)
    return meetings.select_related("assembly").order_by("starts_at").first()


def rotation_rows(assembly: Assembly, upcoming: Meeting | None) -> list[RotationRow]:
    """For each active role: who served it lately and how often, and who the rotation would ask next."""
    roles = list(assembly.role_types.filter(retired=False))
    rows = {role.pk: RotationRow(role) for role in roles}
    served = (
        Assignment.objects.filter(
            meeting__assembly=assembly,
            meeting__starts_at__lte=timezone.now(),
            shadow=False,
            status__in=SERVED,
            role_type__in=roles,
        )
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .select_related("meeting", "membership__user")
        .order_by("-meeting__starts_at")
    )
    counts: dict[int, Counter] = {role.pk: Counter() for role in roles}
    for assignment in served:
        row = rows[assignment.role_type_id]
        if len(row.recent) < 5:
            row.recent.append(assignment)
        counts[assignment.role_type_id][assignment.membership.user.display_name] += 1
    for role_id, counter in counts.items():
        rows[role_id].counts = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    if upcoming is not None:
        people = services.people_for(upcoming)
        history = services.history_before(upcoming)
        require = services.requires_registration(upcoming)
        names = dict(Membership.objects.filter(assembly=assembly).values_list("pk", "user__display_name"))
        for role in roles:
            queue = algorithm.queue_for(services.slot_for(role), people, history, require_registration=require)
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
        .select_related("meeting__assembly", "role_type")
        .order_by("meeting__starts_at")
    )
