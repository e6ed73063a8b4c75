from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly, Membership
from assembly.meetings.models import Meeting

# Languages members can say they speak, for interpreting pairs; a code, so a name can be translated.
SPOKEN_LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("ase", _("American Sign Language")),
    ("pt", _("Portuguese")),
    ("ht", _("Haitian Creole")),
    ("fr", _("French")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("ar", _("Arabic")),
    ("quc", _("K'iche'")),
    ("mam", _("Mam")),
]


class RoleType(models.Model):
    """A job at a meeting, such as note-taker; retired types stay in the history but are not proposed."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="role_types")
    # Set for the seeded types, so seeding again finds them.
    key = models.SlugField(max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=60)
    description = models.TextField(_("what this role does"), blank=True)
    requires_training = models.BooleanField(_("requires training"), default=False)
    language_from = models.CharField(
        _("interprets from"), max_length=8, choices=SPOKEN_LANGUAGES, blank=True, help_text=_("Only for interpreters.")
    )
    language_to = models.CharField(_("interprets into"), max_length=8, choices=SPOKEN_LANGUAGES, blank=True)
    position = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(_("retired"), default=False, help_text=_("A retired role is no longer proposed."))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("meeting role")
        verbose_name_plural = _("meeting roles")
        constraints = [
            models.UniqueConstraint(fields=["assembly", "key"], condition=~Q(key=""), name="one_seeded_role_per_key"),
            models.CheckConstraint(
                condition=(Q(language_from="") & Q(language_to="")) | (~Q(language_from="") & ~Q(language_to="")),
                name="role_language_pair_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def language_pair(self) -> frozenset[str]:
        return frozenset(code for code in (self.language_from, self.language_to) if code)


class RotationProfile(models.Model):
    """What a member tells the rotation: the languages they speak."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="rotation_profile")
    languages = models.JSONField(_("languages I speak"), default=list, blank=True)

    def __str__(self) -> str:
        return f"rotation profile of membership#{self.membership_id}"


class Willingness(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="willingness")
    role_type = models.ForeignKey(RoleType, on_delete=models.CASCADE, related_name="willingness")
    trained = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "role_type"], name="one_willingness_per_role")]

    def __str__(self) -> str:
        return f"membership#{self.membership_id} for role#{self.role_type_id}"


class Absence(models.Model):
    """Dates a member is away; erased once they are over."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField(_("away from"))
    ends_on = models.DateField(_("until (the last day away)"))

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"absence#{self.pk}"


class Assignment(models.Model):
    """Who takes a role at a meeting: proposed, asked, accepted or declined; or unfilled, with the reason."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ASKED = "asked", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REPLACED = "replaced", _("Replaced")
        UNFILLED = "unfilled", _("Unfilled")

    class Reason(models.TextChoices):
        NO_WILLING = "no_willing", _("No member is willing to take this role.")
        EVERYONE_AWAY = "everyone_away", _("Everyone willing is away that day.")
        NOT_REGISTERED = "not_registered", _("Nobody willing has signed up for this meeting.")
        NOT_TRAINED = "not_trained", _("Nobody willing is trained for this role.")
        NO_LANGUAGE = "no_language", _("No willing member speaks both languages of this pair.")
        ALL_BUSY = "all_busy", _("Everyone who could take it already has another role.")
        ALL_DECLINED = "all_declined", _("Everyone who could take it said no.")

    ACTIVE = [Status.PROPOSED, Status.ASKED, Status.ACCEPTED, Status.UNFILLED]
    HOLDING = [Status.PROPOSED, Status.ASKED, Status.ACCEPTED]

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="assignments")
    role_type = models.ForeignKey(RoleType, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    # A trainee who shadows the person holding the role.
    shadow = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROPOSED)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role_type__position", "role_type_id", "shadow"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "role_type", "shadow"],
                condition=Q(status__in=["proposed", "asked", "accepted", "unfilled"]),
                name="one_active_assignment_per_role",
            ),
            models.UniqueConstraint(
                fields=["meeting", "membership"],
                condition=Q(status__in=["proposed", "asked", "accepted"]),
                name="one_role_per_person_per_meeting",
            ),
            models.CheckConstraint(
                condition=Q(membership__isnull=True, status="unfilled")
                | Q(membership__isnull=False) & ~Q(status="unfilled"),
                name="assignment_unfilled_has_nobody",
            ),
        ]
        indexes = [models.Index(fields=["role_type", "status"], name="assignment_history")]

    def __str__(self) -> str:
        return f"assignment#{self.pk}"

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING


class Swap(models.Model):
    """One member asks another to trade roles at a meeting; it happens only when the other agrees."""

    class Status(models.TextChoices):
        ASKED = "asked", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Swapped")
        REFUSED = "refused", _("Refused")

    offered = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="swaps_offered")
    wanted = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="swaps_wanted")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ASKED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["offered", "wanted"], condition=Q(status="asked"), name="one_open_swap_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"swap#{self.pk}"
