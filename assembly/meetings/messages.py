"""The messages meetings send, registered with the outbox; each renders emails/<kind>_*.txt|html."""

from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership
from assembly.meetings import agenda, links
from assembly.meetings.calendars import calendar_for
from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.links import absolute_url
from assembly.notify.registry import (
    Attachment,
    MessageKind,
    Recipient,
    recipient_key,
    register_assembly_objects,
    register_kind,
    register_recipients,
)


def registration_recipient(pk: int) -> Recipient | None:
    registration = Registration.objects.select_related("user").filter(pk=pk).first()
    if registration is None:
        return None
    if registration.user_id:
        user = registration.user
        if not user.is_active:
            return None
        return Recipient(user.email, user.language, user.display_name, recipient_key("user", user.pk))
    if not registration.guest_email:
        return None
    return Recipient(
        registration.guest_email, registration.language, registration.guest_alias, recipient_key("registration", pk)
    )


def _meeting_context(meeting: Meeting, recipient: Recipient) -> dict:
    return {
        "meeting": meeting,
        "assembly": meeting.assembly,
        "time_zone": meeting.assembly.time_zone,
        "meeting_url": absolute_url(
            "meeting_detail", language=recipient.language, slug=meeting.assembly.slug, pk=meeting.pk
        ),
    }


def _registration_context(*, message, recipient: Recipient) -> dict | None:
    registration = Registration.objects.select_related("meeting__assembly").filter(pk=message.object_id).first()
    if registration is None:
        return None
    return {
        **_meeting_context(registration.meeting, recipient),
        "registration": registration,
        "show_address": registration.status == Registration.Status.CONFIRMED,
        "cancel_url": links.cancel_url(registration.pk, language=recipient.language),
        "confirm_url": links.confirm_url(registration.pk, language=recipient.language),
    }


def _attendee_context(*, message, recipient: Recipient) -> dict | None:
    """For messages about a meeting sent to one registration (reminder, change, cancellation)."""
    _prefix, _sep, registration_id = message.recipient_key.partition(":")
    registration = Registration.objects.select_related("meeting__assembly").filter(pk=registration_id).first()
    if registration is None or registration.meeting_id != message.object_id:
        return None
    if message.kind == "meeting_reminder" and (
        registration.status != Registration.Status.CONFIRMED or not registration.meeting.is_published
    ):
        return None
    return {
        **_meeting_context(registration.meeting, recipient),
        "registration": registration,
        "show_address": registration.status == Registration.Status.CONFIRMED,
        "cancel_url": links.cancel_url(registration.pk, language=recipient.language),
    }


def _agenda_context(*, message, recipient: Recipient) -> dict | None:
    """The agenda, or the minutes, of a meeting, sent to one registration."""
    context = _attendee_context(message=message, recipient=recipient)
    if context is None:
        return None
    meeting = context["meeting"]
    minutes = message.kind == "minutes_published"
    published = meeting.minutes_are_published if minutes else meeting.agenda_is_published
    # Someone who cancelled after the message was queued is no longer signed up.
    still = (
        [Registration.Status.CONFIRMED] if minutes else [Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    )
    if meeting.is_cancelled or not published or context["registration"].status not in still:
        return None
    return {
        **context,
        "items": agenda.agenda_outline(meeting),
        # The minutes online are for members; anyone else who had a seat reads them in the mail.
        "is_member": Membership.objects.filter(
            assembly_id=meeting.assembly_id, user_id=context["registration"].user_id, status=Membership.Status.ACTIVE
        ).exists(),
        "updated": message.occasion not in ("", "v1"),
        "agenda_url": absolute_url(
            "agenda_detail", language=recipient.language, slug=meeting.assembly.slug, pk=meeting.pk
        ),
        "minutes_url": absolute_url(
            "minutes_detail", language=recipient.language, slug=meeting.assembly.slug, pk=meeting.pk
        ),
    }


def _proposal_context(*, message, recipient: Recipient) -> dict | None:
    item = AgendaItem.objects.select_related("meeting__assembly").filter(pk=message.object_id).first()
    if item is None or item.status != message.occasion:
        return None
    return {
        **_meeting_context(item.meeting, recipient),
        "item": item,
        "accepted": item.status == AgendaItem.Status.ACCEPTED,
        "agenda_url": absolute_url(
            "agenda_detail", language=recipient.language, slug=item.meeting.assembly.slug, pk=item.meeting_id
        ),
    }


def _capacity_context(*, message, recipient: Recipient) -> dict | None:
    meeting = Meeting.objects.select_related("assembly").filter(pk=message.object_id).first()
    if meeting is None or not meeting.is_published:
        return None
    return {
        **_meeting_context(meeting, recipient),
        "level": int(message.occasion),
        "attendees_url": absolute_url(
            "meeting_attendees", language=recipient.language, slug=meeting.assembly.slug, pk=meeting.pk
        ),
    }


def _ics(context: dict) -> list[Attachment]:
    meeting = context["meeting"]
    assembly = meeting.assembly
    version = (meeting.sequence, meeting.status, meeting.updated_at, meeting.address, meeting.online_url)
    version += (assembly.time_zone, assembly.slug)
    content = _ics_bytes(meeting.pk, version, get_language(), context.get("show_address", False))
    return [Attachment("meeting.ics", content, "text/calendar")]


@lru_cache(maxsize=256)
def _ics_bytes(meeting_id: int, version: tuple, language: str, show_address: bool) -> bytes:
    # A batch of reminders for one meeting shares one calendar file; a change to what the file
    # shows changes `version`, and so the key.
    meeting = Meeting.objects.select_related("assembly").get(pk=meeting_id)
    return calendar_for([meeting], name=meeting.title, with_address=lambda m: show_address)


register_recipients("registration", registration_recipient)

for kind in [
    MessageKind("guest_confirm", _("Confirm your sign-up"), _registration_context),
    MessageKind("registration_confirmed", _("Sign-up confirmed"), _registration_context, attachments=_ics),
    MessageKind("registration_waitlisted", _("On the waitlist"), _registration_context),
    MessageKind("registration_promoted", _("A seat for you"), _registration_context, attachments=_ics),
    MessageKind("meeting_reminder", _("Meeting reminders"), _attendee_context, optional=True, attachments=_ics),
    MessageKind("meeting_changed", _("Meeting changed"), _attendee_context, attachments=_ics),
    MessageKind("meeting_cancelled", _("Meeting cancelled"), _attendee_context, attachments=_ics),
    MessageKind("agenda_published", _("Meeting agendas"), _agenda_context, optional=True),
    MessageKind("minutes_published", _("Meeting minutes"), _agenda_context, optional=True),
    MessageKind("agenda_proposal_decided", _("Answers to my agenda proposals"), _proposal_context),
    MessageKind(
        "meeting_capacity", _("Notices when a meeting you organize fills up"), _capacity_context, optional=True
    ),
]:
    register_kind(kind)

register_assembly_objects(
    ["guest_confirm", "registration_confirmed", "registration_waitlisted", "registration_promoted"],
    lambda assembly_id: Registration.objects.filter(meeting__assembly_id=assembly_id).values("pk"),
)
register_assembly_objects(
    [
        "meeting_reminder",
        "meeting_changed",
        "meeting_cancelled",
        "meeting_capacity",
        "agenda_published",
        "minutes_published",
    ],
    lambda assembly_id: Meeting.objects.filter(assembly_id=assembly_id).values("pk"),
)
register_assembly_objects(
    ["agenda_proposal_decided"],
    lambda assembly_id: AgendaItem.objects.filter(meeting__assembly_id=assembly_id).values("pk"),
)
