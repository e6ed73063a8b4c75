from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from assembly.common.forms import bound_dates
from assembly.common.i18n import BilingualFormMixin, localized_fields, localized_value
from assembly.rotation.models import SPOKEN_LANGUAGES, Absence, RoleType


class RoleTypeForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("name", "description")
    required_translated_fields = ("name",)

    class Meta:
        model = RoleType
        fields = [
            *localized_fields("name", "description"),
            "requires_training",
            "language_from",
            "language_to",
            "retired",
        ]

    def clean(self):
        cleaned = super().clean()
        source, target = cleaned.get("language_from"), cleaned.get("language_to")
        if bool(source) != bool(target):
            self.add_error("language_to", _("An interpreting role needs both languages, or neither."))
        elif source and source == target:
            self.add_error("language_to", _("Choose two different languages."))
        return cleaned


class RotationSettingsForm(forms.Form):
    """Per role: willing, and trained when the role asks for training; then the languages spoken."""

    languages = forms.MultipleChoiceField(
        label=_("Languages I speak"), choices=SPOKEN_LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, roles: list[RoleType], **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles
        for role in roles:
            name = localized_value(role, "name").text
            self.fields[f"willing_{role.pk}"] = forms.BooleanField(label=name, required=False)
            if role.requires_training:
                self.fields[f"trained_{role.pk}"] = forms.BooleanField(
                    label=_("I am trained for this role"), required=False
                )

    def role_rows(self) -> list[tuple[RoleType, forms.BoundField, forms.BoundField | None]]:
        return [
            (role, self[f"willing_{role.pk}"], self[f"trained_{role.pk}"] if role.requires_training else None)
            for role in self.roles
        ]

    def willing(self) -> set[int]:
        return {role.pk for role in self.roles if self.cleaned_data.get(f"willing_{role.pk}")}

    def trained(self) -> set[int]:
        return {role.pk for role in self.roles if self.cleaned_data.get(f"trained_{role.pk}")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = Absence
        fields = ["starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_dates(self, "starts_on", "ends_on", past=timedelta(days=365), future=timedelta(days=2 * 365))

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        # Said here, or the model's check constraint would answer in its own technical words.
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The day you are back must not be before the day you leave."))
        return cleaned


class AnswerForm(forms.Form):
    """Yes or no to a role or a swap; anything else is refused, so a stray POST never declines for someone."""

    # The buttons send these values; the labels are never shown.
    answer = forms.ChoiceField(choices=[(value, value) for value in ("accept", "decline", "refuse")])

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["answer"] == "accept"
