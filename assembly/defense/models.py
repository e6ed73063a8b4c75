from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly, Membership, Zone


class RoleKind(models.Model):
    """A kind of defense role, such as dispatcher or legal observer; assemblies add their own."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="defense_role_kinds")
    # Set for the seeded kinds: the code knows dispatchers and verifiers by it.
    key = models.SlugField(max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("kind of defense role")
        verbose_name_plural = _("kinds of defense role")
        constraints = [
            models.UniqueConstraint(fields=["assembly", "key"], condition=~Q(key=""), name="one_seeded_kind_per_key")
        ]

    def __str__(self) -> str:
        return self.name


class GamePlan(models.Model):
    class Scenario(models.TextChoices):
        HOME_RAID = "home_raid", _("Home raid")
        WORKPLACE_RAID = "workplace_raid", _("Workplace raid")
        STREET_STOP = "street_stop", _("Street or checkpoint stop")
        CHECK_IN_ARREST = "check_in_arrest", _("Arrest at a check-in or courthouse")
        OTHER = "other", _("Other situation")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="game_plans")
    title = models.CharField(_("title"), max_length=140)
    summary = models.TextField(_("summary"), blank=True)
    scenario = models.CharField(_("situation"), max_length=20, choices=Scenario.choices, default=Scenario.HOME_RAID)
    zones = models.ManyToManyField(Zone, blank=True, related_name="game_plans", verbose_name=_("zones covered"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    alert_hours = models.PositiveSmallIntegerField(
        _("alerts expire after (hours)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
        help_text=_("Then their location and details are erased; only counts remain."),
    )
    verify_minutes = models.PositiveSmallIntegerField(
        _("minutes to verify a report"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "A report nobody verifies in this time goes to the dispatcher on duty and the coordinators, "
            "and after as long again to the verifiers of neighboring zones."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["status", "title"]
        verbose_name = _("game plan")
        verbose_name_plural = _("game plans")

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PlanStep(models.Model):
    plan = models.ForeignKey(GamePlan, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("what to do"))
    role_kind = models.ForeignKey(
        RoleKind, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("who does it")
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return f"step#{self.pk}"


class MeetingPoint(models.Model):
    plan = models.ForeignKey(GamePlan, on_delete=models.CASCADE, related_name="meeting_points")
    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=120, help_text=_("A public place, never someone's home."))
    description = models.TextField(_("how to find it"), blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("meeting point")
        verbose_name_plural = _("meeting points")

    def __str__(self) -> str:
        return self.name


class PlanResource(models.Model):
    class Kind(models.TextChoices):
        RIGHTS = "rights", _("Know your rights")
        HOTLINE = "hotline", _("Hotline numbers")
        CHECKLIST = "checklist", _("Family preparedness checklist")
        OTHER = "other", _("Other")

    plan = models.ForeignKey(GamePlan, on_delete=models.CASCADE, related_name="resources")
    position = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.RIGHTS)
    title = models.CharField(_("title"), max_length=140)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title


class DefenseRole(models.Model):
    """A role a plan needs, in a zone (or in the whole area), with a number of places to claim."""

    plan = models.ForeignKey(GamePlan, on_delete=models.CASCADE, related_name="roles")
    # A kind in use cannot be deleted on its own, but goes with its assembly.
    kind = models.ForeignKey(RoleKind, on_delete=models.RESTRICT, related_name="roles", verbose_name=_("role"))
    zone = models.ForeignKey(
        Zone,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="defense_roles",
        verbose_name=_("zone"),
        help_text=_("Leave empty for the whole area of the plan."),
    )
    needed = models.PositiveSmallIntegerField(
        _("people needed"), default=1, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    # Kept by one conditional UPDATE per claim, so the last place goes to one person.
    filled = models.PositiveSmallIntegerField(default=0)
    requires_training = models.BooleanField(_("requires training"), default=False)
    description = models.TextField(_("what this role does"), blank=True)

    class Meta:
        ordering = ["kind__position", "kind_id", "zone__name", "id"]
        verbose_name = _("defense role")
        verbose_name_plural = _("defense roles")
        constraints = [
            models.CheckConstraint(condition=Q(filled__lte=F("needed")), name="defense_role_filled_within_needed"),
        ]

    def __str__(self) -> str:
        return f"defense role#{self.pk}"

    @property
    def gap(self) -> int:
        return max(self.needed - self.filled, 0)


class Claim(models.Model):
    """A member holds a place in a defense role: who holds what is shown only to coordinators and dispatchers."""

    role = models.ForeignKey(DefenseRole, on_delete=models.CASCADE, related_name="claims")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="defense_claims")
    # The member said they have had the training the role asks for.
    confirmed_training = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "membership"], name="one_claim_per_member_per_role")]

    def __str__(self) -> str:
        return f"claim#{self.pk}"


class Alert(models.Model):
    """A reported raid: who is alerted depends on whether it is verified; its details are erased when it ends."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Waiting for a verifier")
        VERIFIED = "verified", _("Verified")
        CLEARED = "cleared", _("Cleared by a verifier")
        CLOSED = "closed", _("Closed")
        EXPIRED = "expired", _("Expired")

    class Source(models.TextChoices):
        MEMBER = "member", _("A dispatcher or coordinator")
        PUBLIC = "public", _("The public report page")
        TEXT = "text", _("A text message to the assembly's number")

    OPEN = [Status.UNVERIFIED, Status.VERIFIED]

    plan = models.ForeignKey(GamePlan, on_delete=models.CASCADE, related_name="alerts")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("zone"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNVERIFIED)
    practice = models.BooleanField(_("this is a drill"), default=False)
    # What was seen: erased when the alert ends, so only counts remain.
    location = models.CharField(_("where"), max_length=140, help_text=_("A corner or a landmark, not a home address."))
    how_many = models.PositiveSmallIntegerField(
        _("how many agents"), null=True, blank=True, validators=[MaxValueValidator(1000)]
    )
    activity = models.CharField(_("what they are doing"), max_length=200, blank=True)
    uniforms = models.CharField(_("uniforms or markings"), max_length=140, blank=True)
    seen_at = models.DateTimeField(_("when it was seen"), null=True, blank=True)
    vehicles = models.CharField(_("vehicles and equipment"), max_length=200, blank=True)
    raised_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MEMBER)
    # The dispatcher who holds the alert now: the one on duty when it came, or whom it was handed to.
    held_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # How far an unverified alert has gone up: 0 verifiers of its zone, 1 the dispatcher on duty and the
    # coordinators, 2 the verifiers of neighboring zones.
    escalation = models.PositiveSmallIntegerField(default=0)
    # The random key of the form it was raised from: a second tap, or a resubmit, finds this alert instead of
    # raising another. Random, so it says nothing of who raised it; empty for alerts raised without a form.
    raise_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    # Counts kept after the details and the answers are erased.
    alerted_count = models.PositiveIntegerField(default=0)
    coming_count = models.PositiveIntegerField(default=0)
    cannot_count = models.PositiveIntegerField(default=0)
    clear_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["status", "expires_at"], name="alert_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "raise_key"], condition=~Q(raise_key=""), name="one_alert_per_raise_key"
            )
        ]

    def __str__(self) -> str:
        return f"alert#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class AlertAnswer(models.Model):
    """One person's answer to an alert; a second answer replaces the first."""

    class Answer(models.TextChoices):
        COMING = "coming", _("On my way")
        CANNOT = "cannot", _("I can't come")
        CLEAR = "clear", _("All clear here")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="answers")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    eta_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["answered_at"]
        constraints = [models.UniqueConstraint(fields=["alert", "membership"], name="one_answer_per_person")]

    def __str__(self) -> str:
        return f"answer#{self.pk}"


class AlertEvent(models.Model):
    """A step on an alert's board: an escalation, a hand-off, an update, a further report. Erased when it ends."""

    class Kind(models.TextChoices):
        ESCALATED = "escalated", _("Escalated")
        HANDED = "handed", _("Handed over")
        UPDATE = "update", _("Update")
        # A further report from the public in the zone of an open alert.
        REPORT = "report", _("Report")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The escalation step reached, for ESCALATED.
    step = models.PositiveSmallIntegerField(default=0)
    # Who did it (a hand-off: who handed it), and whom it was handed to.
    by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=280, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"alert event#{self.pk}"


class DispatchShift(models.Model):
    """A dispatcher is on duty for a plan from one time to another: alerts and reports go to them first."""

    plan = models.ForeignKey(GamePlan, on_delete=models.CASCADE, related_name="shifts")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="dispatch_shifts")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("dispatch shift")
        verbose_name_plural = _("dispatch shifts")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
        ]
        indexes = [models.Index(fields=["plan", "ends_at"], name="shift_ahead")]

    def __str__(self) -> str:
        return f"shift#{self.pk}"


class ReportLine(models.Model):
    """How the public reaches an assembly's verifiers: a short page address for flyers, and a text number."""

    assembly = models.OneToOneField(Assembly, on_delete=models.CASCADE, related_name="report_line")
    # The short address: /r/<code>/. Random, so it cannot be guessed from the assembly's name.
    code = models.SlugField(max_length=12, unique=True)
    # The assembly's own number at the text provider (E.164): a text to it starting with REPORT is a report.
    phone = models.CharField(_("the assembly's text number"), max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="one_assembly_per_report_number")
        ]

    def __str__(self) -> str:
        return f"report line#{self.pk}"
