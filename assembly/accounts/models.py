from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person is an alias, a language and one way to reach them; nothing more is stored."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        help_text=_("How others in your assemblies see you. An alias or nickname is fine."),
    )
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The site and every message we send you use this language."),
    )
    # E.164 (+13125550100), parsed and checked by assembly.common.phones; shown in the national format.
    # Indexed: a text a person sends is matched to them by their number.
    phone = models.CharField(
        _("phone number (optional)"),
        max_length=16,
        blank=True,
        db_index=True,
        help_text=_(
            "Only for urgent text and Signal messages from your assemblies, and a dispatcher may call or text you "
            "during an alert you are called to. Leave it empty if you prefer."
        ),
    )
    # How alerts reach this person: at least one; text and Signal need the phone number.
    alerts_by_email = models.BooleanField(_("by email"), default=True)
    alerts_by_sms = models.BooleanField(_("by text message"), default=True)
    alerts_by_signal = models.BooleanField(_("by Signal"), default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"
