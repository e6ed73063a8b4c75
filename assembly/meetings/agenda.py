"""Agendas, members' proposals and minutes. The agenda's top items must fit the meeting's length,
and an item's sub-items must fit the item."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.registry import recipient_key
from assembly.notify.services import Outgoing, messages_enqueue

Status = AgendaItem.Status


def agenda_items(meeting: Meeting):
    return meeting.agenda_items.filter(status=Status.ACCEPTED)


def agenda_outline(meeting: Meeting) -> list[AgendaItem]:
    """The agenda's main items, each with its parts, in order: what pages and messages show."""
    parts = AgendaItem.objects.filter(status=Status.ACCEPTED).select_related("owner")
    return list(
        agenda_items(meeting).filter(parent=None).select_related("owner").prefetch_related(Prefetch("children", parts))
    )


def _minutes_used(items, *, exclude: AgendaItem | None) -> int:
    if exclude is not None and exclude.pk:
        items = items.exclude(pk=exclude.pk)
    return items.aggregate(total=Sum("duration"))["total"] or 0


def _check_fits(meeting: Meeting, *, parent: AgendaItem | None, duration: int, item: AgendaItem | None) -> None:
    """Refuse a duration that would overrun the meeting (or the parent item), saying by how much."""
    if parent is None:
        used = _minutes_used(agenda_items(meeting).filter(parent=None), exclude=item)
        over = used + duration - meeting.length_minutes
        if over > 0:
            raise ValidationError(
                {
                    "duration": ngettext_lazy(
                        "This is %(over)d minute more than the meeting has left: the meeting lasts %(length)d "
                        "minutes and the other items take %(used)d.",
                        "This is %(over)d minutes more than the meeting has left: the meeting lasts %(length)d "
                        "minutes and the other items take %(used)d.",
                        "over",
                    )
                    % {"over": over, "length": meeting.length_minutes, "used": used}
                }
            )
    else:
        used = _minutes_used(agenda_items(meeting).filter(parent=parent), exclude=item)
        over = used + duration - parent.duration
        if over > 0:
            raise ValidationError(
                {
                    "duration": ngettext_lazy(
                        "This is %(over)d minute more than its item has left: the item lasts %(length)d minutes "
                        "and its other parts take %(used)d.",
                        "This is %(over)d minutes more than its item has left: the item lasts %(length)d minutes "
                        "and its other parts take %(used)d.",
                        "over",
                    )
                    % {"over": over, "length": parent.duration, "used": used}
                }
            )
    if item is not None and item.pk:
        parts = _minutes_used(agenda_items(meeting).filter(parent=item), exclude=None)
        if parts > duration:
            raise ValidationError(
                {"duration": _("Its parts take %(parts)d minutes, so it needs at least that many.") % {"parts": parts}}
            )


def _check_parent(meeting: Meeting, parent: AgendaItem | None, item: AgendaItem | None) -> None:
    if parent is None:
        return
    if parent.meeting_id != meeting.pk or parent.status != Status.ACCEPTED or parent.parent_id is not None:
        raise ValidationError({"parent": _("An item can only be part of a main item of this agenda.")})
    if item is not None and item.pk and (parent.pk == item.pk or agenda_items(meeting).filter(parent=item).exists()):
        raise ValidationError({"parent": _("An item with parts of its own cannot become a part.")})


def _check_editable(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting was cancelled, so its agenda can no longer change."))


def _mark_changed(meeting: Meeting) -> None:
    if meeting.agenda_is_published:
        meeting.agenda_changed_at = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(agenda_changed_at=meeting.agenda_changed_at)


def _next_position(meeting: Meeting, parent: AgendaItem | None) -> int:
    highest = agenda_items(meeting).filter(parent=parent).aggregate(top=Max("position"))["top"]
    return 0 if highest is None else highest + 1


@transaction.atomic
def agenda_item_create(*, meeting: Meeting, parent: AgendaItem | None = None, **fields) -> AgendaItem:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_editable(meeting)
    _check_parent(meeting, parent, None)
    _check_fits(meeting, parent=parent, duration=fields["duration"], item=None)
    item = AgendaItem(meeting=meeting, parent=parent, position=_next_position(meeting, parent), **fields)
    item.full_clean()
    item.save()
    _mark_changed(meeting)
    return item


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, parent: AgendaItem | None = None, **fields) -> AgendaItem:
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _check_editable(meeting)
    _check_parent(meeting, parent, item)
    _check_fits(meeting, parent=parent, duration=fields["duration"], item=item)
    # The row as it is now, under the meeting's lock: a move may have changed its position.
    item = AgendaItem.objects.get(pk=item.pk)
    if parent != item.parent:
        item.position = _next_position(meeting, parent)
    item.parent = parent
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item.save(update_fields=["parent", "position", *fields])
    _mark_changed(meeting)
    return item


@transaction.atomic
def agenda_item_delete(*, item: AgendaItem) -> None:
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _check_editable(meeting)
    item.delete()
    _mark_changed(meeting)


@transaction.atomic
def agenda_item_move(*, item: AgendaItem, up: bool) -> None:
    """Swap an item with its neighbour among the items of the same level."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _check_editable(meeting)
    siblings = list(agenda_items(meeting).filter(parent_id=item.parent_id).order_by("position", "id"))
    index = next((i for i, sibling in enumerate(siblings) if sibling.pk == item.pk), None)
    if index is None:
        raise ValidationError(_("This item is not on the agenda."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            AgendaItem.objects.filter(pk=sibling.pk).update(position=position)
    _mark_changed(meeting)


def _people_signed_up(meeting: Meeting, statuses) -> list[str]:
    registrations = meeting.registrations.filter(status__in=statuses).values_list("pk", flat=True)
    return [recipient_key("registration", pk) for pk in registrations]


def _announce_agenda(meeting: Meeting) -> None:
    now = timezone.now()
    meeting.agenda_version += 1
    meeting.agenda_announced_at = now
    if meeting.agenda_published_at is None:
        meeting.agenda_published_at = now
    meeting.save(update_fields=["agenda_version", "agenda_announced_at", "agenda_published_at"])
    signed_up = _people_signed_up(meeting, [Registration.Status.CONFIRMED, Registration.Status.WAITLISTED])
    messages_enqueue(
        [Outgoing("agenda_published", key, meeting.pk, occasion=f"v{meeting.agenda_version}") for key in signed_up]
    )


@transaction.atomic
def agenda_publish(*, meeting: Meeting) -> Meeting:
    """Publish the agenda and send it to everyone signed up."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_editable(meeting)
    if not meeting.is_published:
        raise ValidationError(_("Publish the meeting first: then its agenda can be published."))
    if meeting.agenda_is_published:
        raise ValidationError(_("The agenda is already published."))
    if not agenda_items(meeting).exists():
        raise ValidationError(_("Add at least one item before publishing the agenda."))
    _announce_agenda(meeting)
    return meeting


@transaction.atomic
def agenda_announce_update(*, meeting: Meeting) -> Meeting:
    """Send the updated agenda again to everyone signed up, when the facilitator asks for it."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_editable(meeting)
    if not meeting.agenda_has_unannounced_changes:
        raise ValidationError(_("The agenda has not changed since people were last told."))
    _announce_agenda(meeting)
    return meeting


@transaction.atomic
def agenda_proposals_until_set(*, meeting: Meeting, proposals_until) -> Meeting:
    _check_editable(meeting)
    if proposals_until is not None and proposals_until > meeting.starts_at:
        raise ValidationError({"proposals_until": _("The deadline must be before the meeting starts.")})
    Meeting.objects.filter(pk=meeting.pk).update(proposals_until=proposals_until)
    meeting.proposals_until = proposals_until
    return meeting


@transaction.atomic
def agenda_proposal_create(*, meeting: Meeting, user, **fields) -> AgendaItem:
    """A member proposes an item before the facilitator's deadline; it waits for a decision."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.proposals_until is None:
        raise ValidationError(_("This meeting does not take proposals for its agenda."))
    if meeting.proposals_until <= timezone.now():
        raise ValidationError(_("The deadline for proposals has passed."))
    _check_editable(meeting)
    item = AgendaItem(meeting=meeting, status=Status.PROPOSED, proposed_by=user, owner=user, **fields)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def agenda_proposal_decide(*, item: AgendaItem, accept: bool) -> AgendaItem:
    """Put a proposal on the agenda (it must fit) or decline it; the proposer is told either way."""
    meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
    _check_editable(meeting)
    if not AgendaItem.objects.filter(pk=item.pk, status=Status.PROPOSED).exists():
        raise ValidationError(_("This proposal was already decided."))
    if accept:
        _check_fits(meeting, parent=None, duration=item.duration, item=item)
        item.position = _next_position(meeting, None)
        item.status = Status.ACCEPTED
        _mark_changed(meeting)
    else:
        item.status = Status.DECLINED
    item.save(update_fields=["status", "position"])
    if item.proposed_by_id:
        messages_enqueue(
            [Outgoing("agenda_proposal_decided", recipient_key("user", item.proposed_by_id), item.pk, item.status)]
        )
    return item


@transaction.atomic
def minutes_save(*, meeting: Meeting, attendance: int | None, items: dict[int, dict]) -> Meeting:
    """Save the attendance count and each item's decisions and next steps."""
    _check_editable(meeting)
    Meeting.objects.filter(pk=meeting.pk).update(attendance=attendance)
    meeting.attendance = attendance
    for item in agenda_items(meeting).filter(pk__in=items):
        for name, value in items[item.pk].items():
            setattr(item, name, value)
        item.save(update_fields=list(items[item.pk]))
    return meeting


@transaction.atomic
def minutes_publish(*, meeting: Meeting) -> Meeting:
    """Publish the minutes to members and send them to the people who had a seat."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_editable(meeting)
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Minutes can be published once the meeting has started."))
    if meeting.minutes_are_published:
        raise ValidationError(_("The minutes are already published."))
    if not agenda_items(meeting).exists():
        raise ValidationError(_("Add the agenda's items first: the minutes follow them."))
    meeting.minutes_published_at = timezone.now()
    meeting.save(update_fields=["minutes_published_at"])
    attendees = _people_signed_up(meeting, [Registration.Status.CONFIRMED])
    messages_enqueue([Outgoing("minutes_published", key, meeting.pk) for key in attendees])
    return meeting
