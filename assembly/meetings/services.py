"""Meetings and sign-ups.

Every change to a meeting's seats or waitlist first locks the meeting's row, so on PostgreSQL they happen one
after another, each seeing the one before: a cancellation cannot free a seat unseen by a sign-up that is being
waitlisted at the same time. SQLite gets the same from its IMMEDIATE transactions (one writer at a time).
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership
from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.registry import recipient_key
from assembly.notify.services import Outgoing, messages_drop_pending, messages_enqueue, messages_forget_recipient

Status = Registration.Status
PLACE_FIELDS = {"starts_at", "ends_at", "address", "online_url", *(f"place_name_{c}" for c, _n in settings.LANGUAGES)}


def _key(registration: Registration) -> str:
    return recipient_key("registration", registration.pk)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")


def _reminders_for(meeting: Meeting, registrations, *, now: datetime) -> list[Outgoing]:
    """One reminder per reminder time still ahead; the occasion names the start, so a new time gets new ones."""
    stamp = meeting.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    outgoing = []
    for minutes in meeting.reminder_minutes:
        due = meeting.starts_at - timedelta(minutes=minutes)
        if due <= now:
            continue
        outgoing += [
            Outgoing("meeting_reminder", _key(r), meeting.pk, occasion=f"{minutes}m@{stamp}", due_at=due)
            for r in registrations
        ]
    return outgoing


def _retime_reminders(meeting: Meeting) -> None:
    messages_drop_pending(kind="meeting_reminder", object_id=meeting.pk)
    if meeting.is_published:
        confirmed = meeting.registrations.filter(status=Status.CONFIRMED)
        messages_enqueue(_reminders_for(meeting, confirmed, now=timezone.now()))


def _lock_seats(meeting_id: int) -> None:
    """Hold the meeting's row until the transaction ends; call before reading or changing its seats or waitlist."""
    Meeting.objects.select_for_update().filter(pk=meeting_id).values_list("pk").first()


def _claim_seat(meeting_id: int) -> bool:
    has_room = Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity"))
    return Meeting.objects.filter(pk=meeting_id).filter(has_room).update(seats_taken=F("seats_taken") + 1) == 1


def _capacity_notices(meeting_id: int) -> list[Outgoing]:
    """Tell the assembly's facilitators once when the meeting reaches 80% and once when it is full."""
    meeting = Meeting.objects.only("capacity", "seats_taken", "assembly_id").get(pk=meeting_id)
    if not meeting.capacity:
        return []
    reached = [level for level in (80, 100) if meeting.seats_taken * 100 >= level * meeting.capacity]
    if not reached:
        return []
    organizers = Membership.objects.filter(
        assembly_id=meeting.assembly_id,
        status=Membership.Status.ACTIVE,
        role__in=[Membership.Role.FACILITATOR, Membership.Role.COORDINATOR],
    ).values_list("user_id", flat=True)
    return [
        Outgoing("meeting_capacity", recipient_key("user", user_id), meeting_id, occasion=str(level))
        for level in reached
        for user_id in organizers
    ]


def _take_place(registration: Registration, *, now: datetime) -> None:
    """Give a seat if one is free, else a place at the end of the waitlist; queue the right messages."""
    seated = _claim_seat(registration.meeting_id)
    registration.status = Status.CONFIRMED if seated else Status.WAITLISTED
    registration.queued_at = now
    registration.save(update_fields=["status", "queued_at"])
    # Each place taken is its own occasion: a person who cancels and signs up again hears again.
    occasion = _stamp(now)
    kind = "registration_confirmed" if seated else "registration_waitlisted"
    outgoing = [Outgoing(kind, _key(registration), registration.pk, occasion=occasion)]
    if seated:
        outgoing += _reminders_for(registration.meeting, [registration], now=now)
        outgoing += _capacity_notices(registration.meeting_id)
    messages_enqueue(outgoing)


def _check_open(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled, so it takes no sign-ups."))
    if not meeting.is_published:
        raise ValidationError(_("This meeting is not published yet."))
    if meeting.is_past:
        raise ValidationError(_("This meeting is over, so it takes no sign-ups."))


def registration_create(
    *, meeting: Meeting, user, interpretation_language: str = "", children: int = 0, step_free: bool = False
) -> Registration:
    """Register a member with one click: a seat when there is one, else the waitlist."""
    _check_open(meeting)
    needs = {"interpretation_language": interpretation_language, "children": children, "step_free": step_free}
    try:
        with transaction.atomic():
            _lock_seats(meeting.pk)
            registration = Registration.objects.filter(meeting=meeting, user=user).first()
            if registration is not None and registration.holds_place:
                raise ValidationError(_("You are already signed up for this meeting."))
            if registration is None:
                registration = Registration.objects.create(
                    meeting=meeting, user=user, language=user.language, status=Status.UNCONFIRMED, **needs
                )
            else:
                for name, value in needs.items():
                    setattr(registration, name, value)
                registration.save(update_fields=list(needs))
            registration.meeting = meeting
            _take_place(registration, now=timezone.now())
    except IntegrityError:
        raise ValidationError(_("You are already signed up for this meeting.")) from None
    return registration


def guest_registration_create(
    *,
    meeting: Meeting,
    alias: str,
    email: str,
    language: str,
    interpretation_language: str = "",
    children: int = 0,
    step_free: bool = False,
) -> Registration | None:
    """Record a guest's sign-up and mail them a link to confirm it; the seat is taken on confirmation.

    Returns None when the address is already signed up: the page answers the same either way,
    so nobody learns from it who signed up.
    """
    _check_open(meeting)
    email = email.strip().lower()
    try:
        with transaction.atomic():
            registration = Registration.objects.filter(meeting=meeting, guest_email=email).first()
            if registration is not None and registration.holds_place:
                return None
            if registration is None:
                registration = Registration.objects.create(meeting=meeting, guest_email=email, guest_alias=alias)
            registration.guest_alias = alias
            registration.language = language
            # The purge of unconfirmed sign-ups counts from the newest link sent.
            registration.created_at = timezone.now()
            registration.status = Status.UNCONFIRMED
            registration.interpretation_language = interpretation_language
            registration.children = children
            registration.step_free = step_free
            registration.save()
            # A new mail for each sign-up; the view's rate limit keeps this from flooding an inbox.
            occasion = _stamp(timezone.now())
            messages_enqueue([Outgoing("guest_confirm", _key(registration), registration.pk, occasion=occasion)])
    except IntegrityError:
        return None
    return registration


@transaction.atomic
def guest_registration_confirm(*, registration_id: int) -> Registration:
    registration = Registration.objects.select_related("meeting").filter(pk=registration_id).first()
    if registration is None:
        raise ValidationError(_("This sign-up no longer exists. You can sign up again on the meeting's page."))
    if registration.holds_place:
        return registration
    if registration.status == Status.CANCELLED:
        raise ValidationError(_("This sign-up was cancelled. You can sign up again on the meeting's page."))
    _check_open(registration.meeting)
    _lock_seats(registration.meeting_id)
    won = Registration.objects.filter(pk=registration.pk, status=Status.UNCONFIRMED).update(status=Status.WAITLISTED)
    if won != 1:
        registration.refresh_from_db()
        return registration
    _take_place(registration, now=timezone.now())
    return registration


def _promote_from_waitlist(meeting: Meeting, *, now: datetime) -> list[Outgoing]:
    """Hand a free seat to the earliest person on the waitlist; return their messages.

    The caller holds the meeting's lock (`_lock_seats`), so the waitlist read here is the whole of it.
    """
    waitlist = Registration.objects.filter(meeting=meeting, status=Status.WAITLISTED).order_by("queued_at", "id")
    candidate = waitlist.first()
    if candidate is None:
        Meeting.objects.filter(pk=meeting.pk, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)
        return []
    Registration.objects.filter(pk=candidate.pk).update(status=Status.CONFIRMED)
    candidate.status = Status.CONFIRMED
    return [
        Outgoing("registration_promoted", _key(candidate), candidate.pk, occasion=_stamp(now)),
        *_reminders_for(meeting, [candidate], now=now),
    ]


def _give_up_place(registration: Registration, meeting: Meeting) -> bool:
    """Cancel a sign-up that still holds something; a freed seat goes to the earliest person waiting.

    Returns False when another request cancelled it first, so a seat is never freed twice.
    """
    _lock_seats(meeting.pk)
    had_seat = Registration.objects.filter(pk=registration.pk, status=Status.CONFIRMED).update(status=Status.CANCELLED)
    if not had_seat:
        other = Registration.objects.filter(pk=registration.pk, status__in=[Status.WAITLISTED, Status.UNCONFIRMED])
        if not other.update(status=Status.CANCELLED):
            return False
    registration.status = Status.CANCELLED
    messages_drop_pending(kind="meeting_reminder", object_id=meeting.pk, recipient_key=_key(registration))
    if had_seat and meeting.is_open_for_signup:
        messages_enqueue(_promote_from_waitlist(meeting, now=timezone.now()))
    elif had_seat:
        Meeting.objects.filter(pk=meeting.pk, seats_taken__gt=0).update(seats_taken=F("seats_taken") - 1)
    return True


@transaction.atomic
def registration_cancel(*, registration: Registration) -> Registration:
    """Cancel a sign-up; a freed seat goes to the earliest person on the waitlist, who is told."""
    meeting = registration.meeting
    if meeting.is_past:
        raise ValidationError(_("This meeting is over, so its sign-ups can no longer change."))
    if not _give_up_place(registration, meeting):
        raise ValidationError(_("This sign-up is already cancelled."))
    return registration


@transaction.atomic
def registrations_end(*, user_id: int, assembly_id: int | None = None) -> int:
    """End a person's sign-ups when their access ends: they left or were removed, or deleted their account.

    Seats of meetings still ahead go to the waitlist as on a cancellation. Then the sign-ups and every
    message about them are erased, past ones too, so nothing keeps showing the person a meeting (or its
    address) through "My meetings", their calendar feed or a later "changed" mail.
    """
    registrations = Registration.objects.filter(user_id=user_id).select_related("meeting")
    if assembly_id is not None:
        registrations = registrations.filter(meeting__assembly_id=assembly_id)
    # Meetings locked in one order, so two people leaving at once cannot each wait for the other.
    registrations = list(registrations.order_by("meeting_id", "pk"))
    for registration in registrations:
        if registration.holds_place and not registration.meeting.is_past:
            _give_up_place(registration, registration.meeting)
        messages_forget_recipient(recipient_key=_key(registration))
    meetings = Meeting.objects.all() if assembly_id is None else Meeting.objects.filter(assembly_id=assembly_id)
    # Capacity notices and answers to proposals go to a person by account: drop the ones about these meetings.
    user_key = recipient_key("user", user_id)
    messages_forget_recipient(recipient_key=user_key, kind="meeting_capacity", object_ids=meetings.values("pk"))
    messages_forget_recipient(
        recipient_key=user_key,
        kind="agenda_proposal_decided",
        object_ids=AgendaItem.objects.filter(meeting__in=meetings).values("pk"),
    )
    Registration.objects.filter(pk__in=[r.pk for r in registrations]).delete()
    return len(registrations)


def _fill_free_seats(meeting: Meeting) -> None:
    """After the capacity grows, seat people from the waitlist, earliest first."""
    now = timezone.now()
    outgoing = []
    while meeting.registrations.filter(status=Status.WAITLISTED).exists() and _claim_seat(meeting.pk):
        promoted = _promote_from_waitlist(meeting, now=now)
        if not promoted:
            break
        outgoing += promoted
    messages_enqueue(outgoing)


@transaction.atomic
def meeting_create(*, assembly, **fields) -> Meeting:
    meeting = Meeting(assembly=assembly, **fields)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_update(*, meeting: Meeting, **fields) -> Meeting:
    """Save changes; a new time or place bumps the calendar sequence and tells everyone signed up."""
    # Work on the row as it is now: seats may have been taken since the caller read it.
    meeting = Meeting.objects.select_for_update().select_related("assembly").get(pk=meeting.pk)
    old = {name: getattr(meeting, name) for name in fields}
    for name, value in fields.items():
        setattr(meeting, name, value)
    if meeting.capacity is not None and meeting.capacity < meeting.seats_taken:
        raise ValidationError(
            {
                "capacity": _("%(count)s people already have a seat; the meeting needs at least that many.")
                % {"count": meeting.seats_taken}
            }
        )
    agenda_minutes = (
        meeting.agenda_items.filter(status="accepted", parent=None).aggregate(total=Sum("duration"))["total"] or 0
    )
    if agenda_minutes > meeting.length_minutes > 0:
        raise ValidationError(
            {
                "ends_at": _("The agenda takes %(agenda)d minutes, %(over)d more than this meeting would last.")
                % {"agenda": agenda_minutes, "over": agenda_minutes - meeting.length_minutes}
            }
        )
    changed_place = any(old[name] != fields[name] for name in fields if name in PLACE_FIELDS)
    if changed_place:
        meeting.sequence += 1
    meeting.full_clean()
    meeting.save()
    if meeting.is_published:
        if changed_place:
            messages_enqueue(
                [
                    Outgoing("meeting_changed", _key(r), meeting.pk, occasion=f"v{meeting.sequence}")
                    for r in meeting.registrations.filter(status__in=[Status.CONFIRMED, Status.WAITLISTED])
                ]
            )
        if changed_place or old.get("reminder_minutes", meeting.reminder_minutes) != meeting.reminder_minutes:
            _retime_reminders(meeting)
        if old.get("capacity", meeting.capacity) != meeting.capacity:
            _fill_free_seats(meeting)
    return meeting


@transaction.atomic
def meeting_publish(*, meeting: Meeting) -> Meeting:
    if meeting.is_past:
        raise ValidationError(_("This meeting is over; change its time before publishing it."))
    if not Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.DRAFT).update(status=Meeting.Status.PUBLISHED):
        raise ValidationError(_("Only a draft can be published."))
    meeting.status = Meeting.Status.PUBLISHED
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting) -> Meeting:
    """Cancel a meeting: its reminders stop and everyone signed up is told."""
    if (
        not Meeting.objects.filter(pk=meeting.pk)
        .exclude(status=Meeting.Status.CANCELLED)
        .update(status=Meeting.Status.CANCELLED, sequence=F("sequence") + 1)
    ):
        raise ValidationError(_("This meeting is already cancelled."))
    meeting.refresh_from_db(fields=["status", "sequence"])
    messages_drop_pending(kind="meeting_reminder", object_id=meeting.pk)
    messages_enqueue(
        [
            Outgoing("meeting_cancelled", _key(r), meeting.pk)
            for r in meeting.registrations.filter(status__in=[Status.CONFIRMED, Status.WAITLISTED])
        ]
    )
    return meeting


def meetings_purge(*, now: datetime | None = None) -> tuple[int, int]:
    """Erase what a past meeting no longer needs: its exact address, and guests' names and addresses.

    Also drop guest sign-ups never confirmed. Counts stay, so attendance can still be reported.
    """
    now = now or timezone.now()
    ended = now - timedelta(days=settings.MEETING_DETAILS_KEEP_DAYS)
    addresses = (
        Meeting.objects.filter(ends_at__lt=ended).exclude(address="", online_url="").update(address="", online_url="")
    )
    guests = (
        Registration.objects.filter(meeting__ends_at__lt=ended, user__isnull=True)
        .exclude(guest_email__isnull=True)
        .update(guest_email=None, guest_alias="-")
    )
    stale = now - timedelta(hours=settings.GUEST_CONFIRM_HOURS)
    Registration.objects.filter(status=Status.UNCONFIRMED, created_at__lt=stale).delete()
    return addresses, guests
