"""Small helpers shared by the rotation tests: seeded roles, willing members, and a snapshot of what changed."""

from zoneinfo import ZoneInfo

from django.utils import timezone

from assembly.assemblies.models import Assembly, Membership
from assembly.meetings.models import Meeting
from assembly.notify.models import Message
from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Swap, Willingness
from tests.factories import MembershipFactory
from tests.rotation.factories import AbsenceFactory, RotationProfileFactory, WillingnessFactory


def seeded(assembly: Assembly) -> dict[str, RoleType]:
    return {role.key: role for role in assembly.role_types.exclude(key="")}


def keep_only(assembly: Assembly, *keys: str) -> list[RoleType]:
    """Retire every seeded role but these, so a test reads only the roles it is about."""
    assembly.role_types.exclude(key__in=keys).update(retired=True)
    roles = seeded(assembly)
    return [roles[key] for key in keys]


def willing(
    assembly: Assembly, *roles: RoleType, trained: tuple = (), languages: tuple = ("en",), **membership
) -> Membership:
    """An active member willing to take these roles, trained for those in `trained`."""
    joined = MembershipFactory(assembly=assembly, **membership)
    for role in roles:
        WillingnessFactory(membership=joined, role_type=role, trained=role in trained)
    RotationProfileFactory(membership=joined, languages=list(languages))
    return joined


def today_in(assembly: Assembly):
    """Today on the assembly's wall clock, which is what the rotation's rules count in."""
    return timezone.localdate(timezone=ZoneInfo(assembly.time_zone))


def meeting_day(meeting: Meeting):
    return timezone.localtime(meeting.starts_at, ZoneInfo(meeting.assembly.time_zone)).date()


def away_for(membership: Membership, meeting: Meeting) -> Absence:
    day = meeting_day(meeting)
    return AbsenceFactory(membership=membership, starts_on=day, ends_on=day)


def holder(meeting: Meeting, role: RoleType, *, shadow: bool = False) -> Assignment | None:
    """The active assignment of a role at a meeting (the trainee's when `shadow`)."""
    return meeting.assignments.filter(role_type=role, shadow=shadow, status__in=Assignment.ACTIVE).first()


def active(meeting: Meeting) -> list[tuple[int, int | None, bool, str, str]]:
    return list(
        meeting.assignments.filter(status__in=Assignment.ACTIVE)
        .order_by("role_type_id", "shadow")
        .values_list("role_type_id", "membership_id", "shadow", "status", "reason")
    )


def sent(kind: str) -> list[tuple[str, int, str]]:
    return list(Message.objects.filter(kind=kind).order_by("pk").values_list("recipient_key", "object_id", "occasion"))


def snapshot() -> dict:
    """Everything a rotation service or view can change, to assert that a refused request changed nothing."""
    return {
        "roles": list(
            RoleType.objects.order_by("pk").values_list(
                "pk", "name_en", "name_es", "retired", "requires_training", "language_from", "language_to", "position"
            )
        ),
        "willingness": list(Willingness.objects.order_by("pk").values_list("membership_id", "role_type_id", "trained")),
        "profiles": list(RotationProfile.objects.order_by("pk").values_list("membership_id", "languages")),
        "absences": list(Absence.objects.order_by("pk").values_list("pk", "membership_id", "starts_on", "ends_on")),
        "assignments": list(
            Assignment.objects.order_by("pk").values_list("pk", "role_type_id", "membership_id", "shadow", "status")
        ),
        "swaps": list(Swap.objects.order_by("pk").values_list("pk", "offered_id", "wanted_id", "status")),
        "messages": list(Message.objects.order_by("pk").values_list("kind", "recipient_key", "object_id", "occasion")),
    }
