from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assembly.accounts.models import User
from assembly.common import phones
from assembly.notify import channels


class SignupForm(forms.Form):
    """The extra fields allauth's sign-up asks for: an alias and a language, nothing else."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("How others in your assemblies see you. An alias or nickname is fine."),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = (get_language() or settings.LANGUAGE_CODE).split("-")[0]

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"].strip()
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["display_name", "language"])


class ProfileForm(forms.ModelForm):
    """The alias, the language, the phone number and the channels alerts come by.

    A channel the site does not run is not offered, and its choice is kept as it is. Text and Signal need the
    number: ticking one without it is refused, while removing the number turns both off (`turned_off` says
    which), so someone dropping a phone they lost need not untick anything.
    """

    # No max_length here: phone_parse says, in words, what is wrong with a number too long.
    phone = forms.CharField(label=capfirst(User._meta.get_field("phone").verbose_name), required=False)

    class Meta:
        model = User
        fields = ["display_name", "language", "phone", "alerts_by_email", "alerts_by_sms", "alerts_by_signal"]
        error_messages = {"display_name": {"required": _("Enter a display name. An alias is fine.")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.turned_off: list[str] = []
        user = self.instance
        self.initial["phone"] = phones.phone_display(user.phone)
        self.fields["phone"].help_text = _(
            "Only for urgent text and Signal messages from your assemblies, and a dispatcher may call or text you "
            "during an alert you are called to. Leave it empty if you prefer. For example: %(example)s"
        ) % {"example": phones.phone_example()}
        for channel in channels.TEXT_CHANNELS:
            field = f"alerts_by_{channel}"
            if not channels.enabled(channel):
                del self.fields[field]
            else:
                # What is true now: without a number, no text reaches the person, whatever was stored.
                self.initial[field] = getattr(user, field) and bool(user.phone)
        self.fields["alerts_by_email"].label = _("Alerts by email")
        labels = {"alerts_by_sms": _("Alerts by text message"), "alerts_by_signal": _("Alerts by Signal")}
        for field, label in labels.items():
            if field in self.fields:
                self.fields[field].label = label
                self.fields[field].help_text = _("Needs your phone number.")

    def clean_phone(self) -> str:
        return phones.phone_parse(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if "phone" not in data:
            return data
        offered = [field for field in ("alerts_by_email", "alerts_by_sms", "alerts_by_signal") if field in self.fields]
        if not data["phone"]:
            for field in ("alerts_by_sms", "alerts_by_signal"):
                if not data.get(field):
                    continue
                if self.instance.phone:
                    data[field] = False
                    self.turned_off.append(field)
                else:
                    self.add_error(
                        field, _("Text messages and Signal need your phone number. Type it above, or untick this.")
                    )
        if not any(data.get(field) for field in offered) and not self.errors:
            if self.turned_off:
                message = _("Without a phone number, alerts can only come by email. Tick email, or keep your number.")
            else:
                message = _("Choose at least one way to get alerts.")
            self.turned_off = []
            self.add_error(None, message)
        return data


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account, my memberships and my sign-ups will be erased for good."),
        required=True,
    )
