from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assembly.accounts.models import User


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
    class Meta:
        model = User
        fields = ["display_name", "language", "phone"]
        error_messages = {"display_name": {"required": _("Enter a display name. An alias is fine.")}}


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account, my memberships and my sign-ups will be erased for good."),
        required=True,
    )
