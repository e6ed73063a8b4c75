"""Meeting roles: what members offer, who the rotation proposes, and asking, answering and swapping."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership
from assembly.meetings.models import Meeting, Registration
from assembly.notify.registry import recipient_key
from assembly.notify.services import Outgoing, messages_drop_pending, messages_enqueue
from assembly.rotation import algorithm
from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Swap, Willingness

Status = Assignment.Status


# Role types ---------------------------------------------------------------------------------------


@transaction.atomic
def role_type_move(*, role: RoleType, up: bool) -> None:
    """Swap a role with its neighbour in the assembly's list, the rotation's order of priority."""
    roles = list(RoleType.objects.select_for_update().filter(assembly_id=role.assembly_id).order_by("position", "id"))
    index = next(i for i, other in enumerate(roles) if other.pk == role.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(roles):
        return
    roles[index], roles[other] = roles[other], roles[index]
    for position, each in enumerate(roles):
        if each.position != position:
            RoleType.objects.filter(pk=each.pk).update(position=position)


# What members offer ------------------------------------------------------------------------------


@transaction.atomic
def rotation_settings_save(
    *, membership: Membership, willing: set[int], trained: set[int], languages: list[str]
) -> None:
    """Record the roles a member will take, those they are trained for, and the languages they speak."""
    # Only the roles on the form: choices for retired roles wait in case a role comes back.
    roles = set(RoleType.objects.filter(assembly_id=membership.assembly_id, retired=False).values_list("pk", flat=True))
    willing &= roles
    Willingness.objects.filter(membership=membership, role_type_id__in=roles).exclude(role_type_id__in=willing).delete()
    for role_id in willing:
        Willingness.objects.update_or_create(
            membership=membership, role_type_id=role_id, defaults={"trained": role_id in trained}
        )
    RotationProfile.objects.update_or_create(membership=membership, defaults={"languages": sorted(set(languages))})


def absence_add(*, membership: Membership, starts_on: date, ends_on: date) -> Absence:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The day you are back must not be before the day you leave.")})
    if ends_on < assembly_today(membership.assembly):
        raise ValidationError({"ends_on": _("These dates are already over.")})
    absence = Absence(membership=membership, starts_on=starts_on, ends_on=ends_on)
    absence.full_clean()
    absence.save()
    return absence


def assembly_today(assembly) -> date:
    return timezone.localtime(timezone.now(), ZoneInfo(assembly.time_zone)).date()


def rotation_purge(*, now: datetime | None = None) -> tuple[int, int]:
    """Erase what the rotation no longer needs: absences that are over, and who said no to past meetings.

    An absence ends on a date in its assembly's time zone; waiting a day past it in UTC keeps every
    time zone's last day away.
    """
    now = now or timezone.now()
    absences, _detail = Absence.objects.filter(ends_on__lt=now.date() - timedelta(days=1)).delete()
    answers, _detail = Assignment.objects.filter(
        status__in=[Status.DECLINED, Status.REPLACED],
        meeting__ends_at__lt=now - timedelta(days=settings.MEETING_DETAILS_KEEP_DAYS),
    ).delete()
    return absences, answers


# Who the rotation proposes -------------------------------------------------------------------------


def _meeting_day(meeting: Meeting) -> date:
    return timezone.localtime(meeting.starts_at, ZoneInfo(meeting.assembly.time_zone)).date()


def needed_roles(meeting: Meeting) -> list[RoleType]:
    """The active roles of the assembly; interpreting ones only when the meeting offers interpretation."""
    roles = RoleType.objects.filter(assembly_id=meeting.assembly_id, retired=False)
    return [role for role in roles if meeting.interpretation or not role.language_pair]


def slot_for(role: RoleType) -> algorithm.Slot:
    return algorithm.Slot(role.pk, requires_training=role.requires_training, language_pair=role.language_pair)


def requires_registration(meeting: Meeting) -> bool:
    """Once members sign up for a meeting, its roles go to members who are coming."""
    return meeting.registrations.filter(user__isnull=False, status=Registration.Status.CONFIRMED).exists()


def people_for(meeting: Meeting, *, exclude_declined: bool = True) -> list[algorithm.Person]:
    """Each active member as the algorithm sees them for this meeting; roles they declined here are not offered."""
    memberships = Membership.objects.filter(assembly_id=meeting.assembly_id, status=Membership.Status.ACTIVE)
    willing: dict[int, set[int]] = {}
    trained: dict[int, set[int]] = {}
    for membership_id, role_id, is_trained in Willingness.objects.filter(
        membership__in=memberships, role_type__retired=False
    ).values_list("membership_id", "role_type_id", "trained"):
        willing.setdefault(membership_id, set()).add(role_id)
        if is_trained:
            trained.setdefault(membership_id, set()).add(role_id)
    if exclude_declined:
        for membership_id, role_id in meeting.assignments.filter(status=Status.DECLINED).values_list(
            "membership_id", "role_type_id"
        ):
            willing.get(membership_id, set()).discard(role_id)
    languages = dict(
        RotationProfile.objects.filter(membership__in=memberships).values_list("membership_id", "languages")
    )
    day = _meeting_day(meeting)
    away = set(
        Absence.objects.filter(membership__in=memberships, starts_on__lte=day, ends_on__gte=day).values_list(
            "membership_id", flat=True
        )
    )
    registered = set(
        meeting.registrations.filter(status=Registration.Status.CONFIRMED).values_list("user_id", flat=True)
    )
    return [
        algorithm.Person(
            id=membership_id,
            willing=frozenset(willing.get(membership_id, ())),
            trained=frozenset(trained.get(membership_id, ())),
            languages=frozenset(languages.get(membership_id) or ()),
            away=membership_id in away,
            registered=user_id in registered,
        )
        for membership_id, user_id in memberships.values_list("pk", "user_id")
    ]


def served(assembly_id: int):
    """Roles people took: accepted, or still asked for a meeting not yet begun; never at a cancelled meeting."""
    return Assignment.objects.filter(
        Q(status=Status.ACCEPTED) | Q(status=Status.ASKED, meeting__starts_at__gt=timezone.now()),
        meeting__assembly_id=assembly_id,
        shadow=False,
    ).exclude(meeting__status=Meeting.Status.CANCELLED)


def history_before(meeting: Meeting) -> list[algorithm.Service]:
    """The roles people took at the assembly's earlier meetings (accepted, or asked and not yet held)."""
    rows = served(meeting.assembly_id).filter(meeting__starts_at__lt=meeting.starts_at)
    return [
        algorithm.Service(membership_id, role_id, when)
        for membership_id, role_id, when in rows.values_list("membership_id", "role_type_id", "meeting__starts_at")
    ]


def _check_upcoming(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled, so its roles can no longer change."))
    if meeting.is_past:
        raise ValidationError(_("This meeting is over, so its roles can no longer change."))


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("assembly").get(pk=meeting.pk)


def _why_unfilled(slot: algorithm.Slot, everyone: list[algorithm.Person], *, require: bool) -> str:
    """Why nobody free could take a role, judged against every member: someone able but busy means ALL_BUSY."""
    (alone,) = algorithm.propose([slot], everyone, [], require_registration=require)
    return Assignment.Reason.ALL_BUSY if alone.person_id is not None else alone.unfilled.value


def _fill(meeting: Meeting, roles: list[RoleType], *, status: str) -> list[Assignment]:
    """Propose people for roles nobody holds, leaving out everyone who already has a role here."""
    holding = meeting.assignments.filter(status__in=Assignment.HOLDING)
    busy = set(holding.values_list("membership_id", flat=True))
    taken = set(meeting.assignments.filter(status__in=Assignment.ACTIVE).values_list("role_type_id", "shadow"))
    roles = [role for role in roles if (role.pk, False) not in taken]
    if not roles:
        return []
    everyone = people_for(meeting)
    people = [person for person in everyone if person.id not in busy]
    require = requires_registration(meeting)
    slots = {role.pk: slot_for(role) for role in roles}
    proposals = algorithm.propose(list(slots.values()), people, history_before(meeting), require_registration=require)
    declined_roles = set(meeting.assignments.filter(status=Status.DECLINED).values_list("role_type_id", flat=True))
    rows = []
    for proposal in proposals:
        if proposal.person_id is None:
            # The proposal saw only the people still free; the reason must count those holding another role.
            reason = _why_unfilled(slots[proposal.role_id], everyone, require=require)
            if reason == Assignment.Reason.NO_WILLING and proposal.role_id in declined_roles:
                reason = Assignment.Reason.ALL_DECLINED
            rows.append(
                Assignment(meeting=meeting, role_type_id=proposal.role_id, status=Status.UNFILLED, reason=reason)
            )
            continue
        rows.append(
            Assignment(meeting=meeting, role_type_id=proposal.role_id, membership_id=proposal.person_id, status=status)
        )
        if proposal.shadow_id is not None and (proposal.role_id, True) not in taken:
            rows.append(
                Assignment(
                    meeting=meeting,
                    role_type_id=proposal.role_id,
                    membership_id=proposal.shadow_id,
                    shadow=True,
                    status=status,
                )
            )
    Assignment.objects.bulk_create(rows)
    return rows


def _ask(assignments) -> None:
    messages_enqueue(
        [
            Outgoing("role_asked", recipient_key("membership", a.membership_id), a.pk)
            for a in assignments
            if a.membership_id and a.status == Status.ASKED
        ]
    )


@transaction.atomic
def roles_propose(*, meeting: Meeting) -> list[Assignment]:
    """Propose (again) who takes each open role; roles already asked or accepted keep their people."""
    meeting = _lock(meeting)
    _check_upcoming(meeting)
    meeting.assignments.filter(status__in=[Status.PROPOSED, Status.UNFILLED]).delete()
    return _fill(meeting, needed_roles(meeting), status=Status.PROPOSED)


@transaction.atomic
def roles_confirm(*, meeting: Meeting) -> int:
    """Confirm the proposal and ask each person; with no proposal yet, make one first. Return how many were asked."""
    meeting = _lock(meeting)
    _check_upcoming(meeting)
    if meeting.status == Meeting.Status.DRAFT:
        raise ValidationError(_("Publish the meeting first: members cannot open a draft to answer."))
    if not meeting.assignments.filter(status__in=Assignment.ACTIVE).exists():
        _fill(meeting, needed_roles(meeting), status=Status.PROPOSED)
    proposed = list(meeting.assignments.filter(status=Status.PROPOSED))
    Assignment.objects.filter(pk__in=[a.pk for a in proposed]).update(status=Status.ASKED)
    for assignment in proposed:
        assignment.status = Status.ASKED
    _ask(proposed)
    return len(proposed)


def eligible_members(assignment: Assignment) -> list[Membership]:
    """Members who could take this assignment's role instead, in the rotation's order."""
    return eligible_members_for(assignment.meeting, [assignment])[assignment.pk]


def eligible_members_for(meeting: Meeting, assignments: list[Assignment]) -> dict[int, list[Membership]]:
    """For each assignment, who could take its role instead: one read of the members and history for all."""
    holding = dict(meeting.assignments.filter(status__in=Assignment.HOLDING).values_list("pk", "membership_id"))
    people = people_for(meeting, exclude_declined=False)
    history = history_before(meeting)
    require = requires_registration(meeting)
    queues = {}
    for assignment in assignments:
        busy = {membership_id for pk, membership_id in holding.items() if pk != assignment.pk}
        free = [p for p in people if p.id not in busy]
        queues[assignment.pk] = algorithm.queue_for(
            slot_for(assignment.role_type), free, history, require_registration=require
        )
    memberships = Membership.objects.select_related("user").in_bulk({p.id for queue in queues.values() for p in queue})
    return {pk: [memberships[p.id] for p in queue] for pk, queue in queues.items()}


@transaction.atomic
def assignment_change(*, assignment: Assignment, membership: Membership) -> Assignment:
    """A facilitator puts someone else in a role; the new person is asked when the facilitator confirms."""
    meeting = _lock(assignment.meeting)
    _check_upcoming(meeting)
    assignment = Assignment.objects.select_related("role_type", "meeting__assembly").get(pk=assignment.pk)
    if assignment.status not in Assignment.ACTIVE or assignment.shadow:
        raise ValidationError(_("This role has changed since you opened the page. Look again and retry."))
    if membership.pk == assignment.membership_id:
        return assignment
    if membership.pk not in {m.pk for m in eligible_members(assignment)}:
        raise ValidationError(
            {"membership": _("This member cannot take this role now: they are not willing, away, or busy.")}
        )
    if assignment.status in (Status.PROPOSED, Status.UNFILLED):
        assignment.membership = membership
        assignment.status = Status.PROPOSED
        assignment.reason = ""
        assignment.save(update_fields=["membership", "status", "reason"])
        return assignment
    Assignment.objects.filter(pk=assignment.pk).update(status=Status.REPLACED)
    messages_drop_pending(kind="role_asked", object_id=assignment.pk)
    _withdraw_swaps(assignment)
    # The person who was asked, or had accepted, hears they are free of it.
    messages_enqueue([Outgoing("role_released", recipient_key("membership", assignment.membership_id), assignment.pk)])
    return Assignment.objects.create(
        meeting=meeting, role_type=assignment.role_type, membership=membership, status=Status.PROPOSED
    )


def _withdraw_swaps(assignment: Assignment) -> None:
    """Close the open swaps of a role its holder no longer has."""
    Swap.objects.filter(Q(offered=assignment) | Q(wanted=assignment), status=Swap.Status.ASKED).update(
        status=Swap.Status.REFUSED
    )


def _check_own(assignment: Assignment, user, message) -> None:
    if assignment.membership_id is None or assignment.membership.user_id != user.pk:
        raise PermissionDenied(message)


@transaction.atomic
def assignment_answer(*, assignment: Assignment, user, accept: bool) -> Assignment:
    """The person asked accepts or declines; a decline asks the next eligible member."""
    _check_own(assignment, user, _("Only the person asked can answer for this role."))
    meeting = _lock(assignment.meeting)
    # Again under the lock: a swap may have given this row to someone else meanwhile.
    assignment = Assignment.objects.select_related("role_type", "membership").get(pk=assignment.pk)
    _check_own(assignment, user, _("Only the person asked can answer for this role."))
    _check_upcoming(meeting)
    now = timezone.now()
    if accept:
        if not Assignment.objects.filter(pk=assignment.pk, status=Status.ASKED).update(
            status=Status.ACCEPTED, answered_at=now
        ):
            raise ValidationError(_("This role is not waiting for your answer."))
        assignment.status = Status.ACCEPTED
        return assignment
    if not Assignment.objects.filter(pk=assignment.pk, status__in=[Status.ASKED, Status.ACCEPTED]).update(
        status=Status.DECLINED, answered_at=now
    ):
        raise ValidationError(_("This role is not waiting for your answer."))
    assignment.status = Status.DECLINED
    _withdraw_swaps(assignment)
    if not assignment.shadow:
        refilled = _fill(meeting, [assignment.role_type], status=Status.ASKED)
        _ask(refilled)
        _tell_organizers_unfilled(meeting, [row for row in refilled if row.status == Status.UNFILLED])
    return assignment


@transaction.atomic
def assignments_end(*, membership: Membership) -> int:
    """Free the roles a member holds at meetings not yet begun, when they leave, are removed or delete their account.

    Each role goes to the next eligible member as on a decline (asked, if the departing member had been asked);
    a role nobody can take is reported to the facilitators. Returns how many roles were freed.
    """
    held = Assignment.objects.filter(
        membership=membership, status__in=Assignment.HOLDING, meeting__starts_at__gt=timezone.now()
    ).exclude(meeting__status=Meeting.Status.CANCELLED)
    freed = 0
    # Willing no more: the refill below must not hand the roles straight back to the person leaving.
    Willingness.objects.filter(membership=membership).delete()
    for meeting_id in sorted(set(held.values_list("meeting_id", flat=True))):
        meeting = _lock(Meeting(pk=meeting_id))
        rows = list(held.filter(meeting=meeting).select_related("role_type"))
        Assignment.objects.filter(pk__in=[row.pk for row in rows]).update(status=Status.REPLACED)
        for row in rows:
            messages_drop_pending(kind="role_asked", object_id=row.pk)
            _withdraw_swaps(row)
            if row.shadow:
                continue
            status = Status.PROPOSED if row.status == Status.PROPOSED else Status.ASKED
            refilled = _fill(meeting, [row.role_type], status=status)
            _ask(refilled)
            if status == Status.ASKED:
                _tell_organizers_unfilled(meeting, [r for r in refilled if r.status == Status.UNFILLED])
        freed += len(rows)
    return freed


def _tell_organizers_unfilled(meeting: Meeting, rows: list[Assignment]) -> None:
    """A role nobody can take after a decline: the facilitators hear it, so it does not wait unseen."""
    if not rows:
        return
    organizers = Membership.objects.filter(
        assembly_id=meeting.assembly_id,
        status=Membership.Status.ACTIVE,
        role__in=[Membership.Role.FACILITATOR, Membership.Role.COORDINATOR],
    ).values_list("pk", flat=True)
    messages_enqueue(
        [Outgoing("role_unfilled", recipient_key("membership", pk), row.pk) for row in rows for pk in organizers]
    )


# Swaps ---------------------------------------------------------------------------------------------


def _can_swap(offered: Assignment, wanted: Assignment) -> bool:
    people = {p.id: p for p in people_for(offered.meeting, exclude_declined=False)}
    require = requires_registration(offered.meeting)
    mine, theirs = people.get(offered.membership_id), people.get(wanted.membership_id)
    return (
        mine is not None
        and theirs is not None
        and algorithm.can_take(mine, slot_for(wanted.role_type), require_registration=require)
        and algorithm.can_take(theirs, slot_for(offered.role_type), require_registration=require)
    )


def _swappable(assignment: Assignment) -> bool:
    return assignment.status in (Status.ASKED, Status.ACCEPTED) and not assignment.shadow


@transaction.atomic
def swap_request(*, offered: Assignment, wanted: Assignment, user) -> Swap:
    """Ask the holder of another role at the same meeting to trade; nothing changes until they agree."""
    _check_own(offered, user, _("You can only offer a role you hold."))
    meeting = _lock(offered.meeting)
    offered = Assignment.objects.select_related("role_type", "meeting", "membership").get(pk=offered.pk)
    wanted = Assignment.objects.select_related("role_type", "meeting").get(pk=wanted.pk)
    _check_own(offered, user, _("You can only offer a role you hold."))
    _check_upcoming(meeting)
    if wanted.meeting_id != offered.meeting_id or wanted.pk == offered.pk or wanted.membership_id is None:
        raise ValidationError({"wanted": _("Choose another role of the same meeting that someone holds.")})
    if not (_swappable(offered) and _swappable(wanted)):
        raise ValidationError({"wanted": _("Only roles that people were asked for can be swapped.")})
    if not _can_swap(offered, wanted):
        raise ValidationError(
            {"wanted": _("You cannot swap these roles: each of you must be able to take the other's.")}
        )
    try:
        with transaction.atomic():
            swap = Swap.objects.create(offered=offered, wanted=wanted)
    except IntegrityError:
        raise ValidationError({"wanted": _("You already asked for this swap.")}) from None
    messages_enqueue([Outgoing("role_swap_asked", recipient_key("membership", wanted.membership_id), swap.pk)])
    return swap


@transaction.atomic
def swap_answer(*, swap: Swap, user, accept: bool) -> Swap:
    """The member asked agrees (the two trade roles, both accepted) or refuses; the asker is told."""
    _check_own(swap.wanted, user, _("Only the person asked can answer this swap."))
    meeting = _lock(swap.offered.meeting)
    _check_upcoming(meeting)
    if not Swap.objects.filter(pk=swap.pk, status=Swap.Status.ASKED).exists():
        raise ValidationError(_("This swap was already answered."))
    offered = Assignment.objects.select_related("role_type", "meeting").get(pk=swap.offered_id)
    wanted = Assignment.objects.select_related("role_type", "meeting", "membership").get(pk=swap.wanted_id)
    if wanted.membership_id is None or wanted.membership.user_id != user.pk:
        # They were the person asked (checked above), but a concurrent swap has since moved their role on.
        raise ValidationError(_("This swap no longer applies: one of the roles changed."))
    if accept and not (_swappable(offered) and _swappable(wanted) and _can_swap(offered, wanted)):
        raise ValidationError(_("This swap no longer applies: one of the roles changed."))
    asker, answerer = offered.membership_id, wanted.membership_id
    swap.status = Swap.Status.ACCEPTED if accept else Swap.Status.REFUSED
    swap.save(update_fields=["status"])
    if accept:
        now = timezone.now()
        # Through nobody, so the one-role-per-person constraint holds at every step.
        Assignment.objects.filter(pk=offered.pk).update(membership=None, status=Status.UNFILLED)
        Assignment.objects.filter(pk=wanted.pk).update(membership_id=asker, status=Status.ACCEPTED, answered_at=now)
        Assignment.objects.filter(pk=offered.pk).update(membership_id=answerer, status=Status.ACCEPTED, answered_at=now)
        Swap.objects.filter(
            Q(offered__in=[offered, wanted]) | Q(wanted__in=[offered, wanted]), status=Swap.Status.ASKED
        ).update(status=Swap.Status.REFUSED)
    messages_enqueue([Outgoing("role_swap_answered", recipient_key("membership", asker), swap.pk, swap.status)])
    return swap
