from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly
from assembly.common.i18n import localized_value

DEFAULT_REMINDER_MINUTES = [24 * 60, 2 * 60]


def default_reminders() -> list[int]:
    return list(DEFAULT_REMINDER_MINUTES)


class Meeting(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class AddressVisibility(models.TextChoices):
        EVERYONE = "everyone", _("Everyone who can see the meeting")
        REGISTERED = "registered", _("Only people registered for the meeting")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=140)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_name = models.CharField(
        _("place"), max_length=140, blank=True, help_text=_("For example: the community center.")
    )
    place_directions = models.TextField(
        _("directions"), blank=True, help_text=_("How to find the room, where to enter.")
    )
    address = models.CharField(_("exact address"), max_length=200, blank=True)
    address_visibility = models.CharField(
        _("who sees the exact address"),
        max_length=16,
        choices=AddressVisibility.choices,
        default=AddressVisibility.REGISTERED,
    )
    online_url = models.URLField(
        _("online link"), blank=True, help_text=_("A video call link, if people can join online.")
    )
    capacity = models.PositiveIntegerField(
        _("seats"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. When full, new sign-ups join a waitlist."),
    )
    seats_taken = models.PositiveIntegerField(default=0)
    interpretation = models.BooleanField(_("interpretation offered"), default=False)
    interpretation_languages = models.CharField(
        _("interpretation languages"), max_length=120, blank=True, help_text=_("For example: English ↔ Spanish, ASL.")
    )
    childcare = models.BooleanField(_("childcare offered"), default=False)
    step_free = models.BooleanField(_("step-free access"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    reminder_minutes = models.JSONField(_("reminders"), default=default_reminders, blank=True)
    # Bumped on each change of time or place: the calendar SEQUENCE and the occasion of "meeting changed".
    sequence = models.PositiveIntegerField(default=0)
    agenda_published_at = models.DateTimeField(null=True, blank=True)
    # The last edit of a published agenda, shown to readers as "updated".
    agenda_changed_at = models.DateTimeField(null=True, blank=True)
    agenda_announced_at = models.DateTimeField(null=True, blank=True)
    # Bumped each time people are told about the agenda: the occasion of its message.
    agenda_version = models.PositiveIntegerField(default=0)
    proposals_until = models.DateTimeField(
        _("members can propose items until"),
        null=True,
        blank=True,
        help_text=_("Leave empty if members cannot propose items."),
    )
    attendance = models.PositiveIntegerField(_("people who attended"), null=True, blank=True)
    minutes_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(seats_taken__lte=models.F("capacity")),
                name="meeting_seats_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def is_open_for_signup(self) -> bool:
        return self.is_published and not self.is_past

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.seats_taken >= self.capacity

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def length_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def agenda_is_published(self) -> bool:
        return self.agenda_published_at is not None

    @property
    def agenda_has_unannounced_changes(self) -> bool:
        return (
            self.agenda_is_published
            and self.agenda_changed_at is not None
            and (self.agenda_announced_at is None or self.agenda_changed_at > self.agenda_announced_at)
        )

    @property
    def minutes_are_published(self) -> bool:
        return self.minutes_published_at is not None

    @property
    def takes_proposals(self) -> bool:
        return self.proposals_until is not None and self.proposals_until > timezone.now() and not self.is_cancelled


class AgendaItem(models.Model):
    """A point of a meeting's agenda, or a member's proposal for one; sub-items split their parent's time."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("On the agenda")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children", verbose_name=_("part of")
    )
    title = models.CharField(_("title"), max_length=140)
    notes = models.TextField(_("notes"), blank=True)
    duration = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("led by (member)"),
    )
    owner_name = models.CharField(
        _("led by (name)"), max_length=60, blank=True, help_text=_("For someone without an account, such as a guest.")
    )
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decisions = models.TextField(_("decisions"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        indexes = [models.Index(fields=["meeting", "status", "position"], name="agenda_item_order")]

    def __str__(self) -> str:
        return self.title

    @property
    def leader(self) -> str:
        return self.owner.display_name if self.owner_id else self.owner_name

    @property
    def has_decisions(self) -> bool:
        return bool(localized_value(self, "decisions").text)

    @property
    def has_next_steps(self) -> bool:
        return bool(localized_value(self, "next_steps").text)


class Registration(models.Model):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for email confirmation")
        CONFIRMED = "confirmed", _("Registered")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="registrations"
    )
    # Guests only, and erased some days after the meeting.
    guest_alias = models.CharField(_("name or alias"), max_length=60, blank=True)
    # NULL, not "", so the unique constraint ignores members and erased guests.
    guest_email = models.EmailField(_("email address"), null=True, blank=True)  # noqa: DJ001
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNCONFIRMED)
    interpretation_language = models.CharField(_("I need interpretation into"), max_length=60, blank=True)
    children = models.PositiveSmallIntegerField(
        _("children who need childcare"), default=0, validators=[MinValueValidator(0), MaxValueValidator(12)]
    )
    step_free = models.BooleanField(_("I need step-free access"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the person got a seat or joined the waitlist: the waitlist's order.
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(user__isnull=False), name="one_registration_per_member"
            ),
            models.UniqueConstraint(
                fields=["meeting", "guest_email"],
                condition=Q(guest_email__isnull=False),
                name="one_registration_per_guest_email",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_alias=""), name="registration_has_a_person"
            ),
        ]
        indexes = [models.Index(fields=["meeting", "status", "queued_at"], name="registration_queue")]

    def __str__(self) -> str:
        return f"registration#{self.pk}"

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id else self.guest_alias

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def holds_place(self) -> bool:
        return self.status in {self.Status.CONFIRMED, self.Status.WAITLISTED}


class CalendarFeed(models.Model):
    """A member's private calendar of their own meetings, behind a secret they can reset."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar feed of user#{self.user_id}"
