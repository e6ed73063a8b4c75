import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone we know, such as America/Chicago."), params={"value": value}
        )


class Assembly(models.Model):
    class Kind(models.TextChoices):
        NEIGHBORHOOD = "neighborhood", _("Neighborhood")
        WORKPLACE = "workplace", _("Workplace")
        TENANT = "tenant", _("Tenant union")
        STUDENT = "student", _("Student")
        OTHER = "other", pgettext_lazy("kind of assembly", "Other")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: listed on the home page")
        UNLISTED = "unlisted", _("Unlisted: only members and invited people can see it")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone with an account can join")
        APPROVAL = "approval", _("By approval: a coordinator approves each request")
        INVITE = "invite", _("By invitation only")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("web address"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NEIGHBORHOOD)
    area = models.CharField(
        _("area served"),
        max_length=120,
        blank=True,
        help_text=_("A neighborhood or district, never a home address."),
    )
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    join_policy = models.CharField(
        _("who can join"), max_length=16, choices=JoinPolicy.choices, default=JoinPolicy.APPROVAL
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("assembly")
        verbose_name_plural = _("assemblies")

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Zone(models.Model):
    """A block or a few streets inside an assembly's area, used by defense plans."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Streets or landmarks, never home addresses.")
    )
    # Zones next to this one: an alert nobody verifies in time goes to their verifiers too.
    neighbors = models.ManyToManyField("self", blank=True, symmetrical=True, verbose_name=_("neighboring zones"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        FACILITATOR = "facilitator", _("Facilitator")
        COORDINATOR = "coordinator", _("Coordinator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        ACTIVE = "active", _("Active")

    RANK = {Role.MEMBER: 1, Role.FACILITATOR: 2, Role.COORDINATOR: 3}

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assembly", "user"], name="one_membership_per_person")]
        ordering = ["created_at"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"membership#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def has_role(self, role: str) -> bool:
        return self.is_active and self.RANK[self.role] >= self.RANK[role]


class Invitation(models.Model):
    """A single-use invite link. Only a hash of its secret is stored, so a seized database opens nothing."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"invitation#{self.pk}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
