from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from assembly.meetings.models import Meeting, Registration

Status = Registration.Status


def meeting_list_for_assembly(assembly, *, include_drafts: bool) -> tuple[QuerySet[Meeting], QuerySet[Meeting]]:
    """Return (upcoming, past) meetings; drafts only for the people who can edit them."""
    meetings = assembly.meetings.select_related("assembly")
    if not include_drafts:
        meetings = meetings.exclude(status=Meeting.Status.DRAFT)
    now = timezone.now()
    return meetings.filter(ends_at__gt=now).order_by("starts_at"), meetings.filter(ends_at__lte=now).order_by(
        "-starts_at"
    )


def registration_list_for_user(user) -> tuple[QuerySet[Registration], QuerySet[Registration]]:
    """Return a member's (upcoming, past) sign-ups that hold a seat or a waitlist place."""
    registrations = Registration.objects.filter(
        user=user, status__in=[Status.CONFIRMED, Status.WAITLISTED]
    ).select_related("meeting__assembly")
    now = timezone.now()
    return (
        registrations.filter(meeting__ends_at__gt=now).order_by("meeting__starts_at"),
        registrations.filter(meeting__ends_at__lte=now).order_by("-meeting__starts_at"),
    )


def registration_for(meeting: Meeting, user) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(meeting=meeting, user=user).first()


def attendee_list(meeting: Meeting) -> QuerySet[Registration]:
    return (
        meeting.registrations.filter(status__in=[Status.CONFIRMED, Status.WAITLISTED])
        .select_related("user")
        .order_by("status", "queued_at", "id")
    )


def attendee_totals(meeting: Meeting) -> dict:
    active = meeting.registrations.filter(status__in=[Status.CONFIRMED, Status.WAITLISTED])
    totals = active.aggregate(
        confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
        waitlisted=Count("id", filter=Q(status=Status.WAITLISTED)),
        children=Sum("children", filter=Q(status=Status.CONFIRMED), default=0),
        step_free=Count("id", filter=Q(status=Status.CONFIRMED, step_free=True)),
    )
    totals["interpretation"] = list(
        active.filter(status=Status.CONFIRMED)
        .exclude(interpretation_language="")
        .values("interpretation_language")
        .annotate(count=Count("id"))
        .order_by("interpretation_language")
    )
    return totals


def calendar_meetings_for_user(user) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(
            registrations__user=user, registrations__status__in=[Status.CONFIRMED, Status.WAITLISTED]
        )
        .exclude(status=Meeting.Status.DRAFT)
        .select_related("assembly")
        .distinct()
    )
