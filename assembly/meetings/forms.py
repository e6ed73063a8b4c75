from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assembly.common.i18n import BilingualFormMixin, localized_fields
from assembly.meetings.models import DEFAULT_REMINDER_MINUTES, Meeting

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


def _formfield(field, **kwargs):
    # A link typed without a scheme is taken as https, the default of Django 6.
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class MeetingForm(BilingualFormMixin, forms.ModelForm):
    """Times are read and shown in the assembly's time zone: the view activates it."""

    translated_fields = ("title", "description", "place_name", "place_directions")
    required_translated_fields = ("title",)

    reminder_hours = forms.CharField(
        label=_("Reminders (hours before)"),
        required=False,
        help_text=_("Hours before the start, separated by commas, for example: 24, 2. Leave empty for no reminders."),
    )

    class Meta:
        model = Meeting
        formfield_callback = _formfield
        fields = [
            *localized_fields("title", "description"),
            "starts_at",
            "ends_at",
            *localized_fields("place_name", "place_directions"),
            "address",
            "address_visibility",
            "online_url",
            "capacity",
            "interpretation",
            "interpretation_languages",
            "childcare",
            "step_free",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "address_visibility": forms.RadioSelect,
        }
        help_texts = {
            "address": _("Shown only to the people you choose below, and erased a few days after the meeting."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        minutes = self.instance.reminder_minutes if self.instance.pk else DEFAULT_REMINDER_MINUTES
        self.fields["reminder_hours"].initial = ", ".join(_hours(m) for m in minutes)

    def clean_reminder_hours(self) -> list[int]:
        text = self.cleaned_data["reminder_hours"].replace(";", ",")
        minutes = set()
        for part in filter(None, (piece.strip() for piece in text.split(","))):
            try:
                hours = float(part.replace(",", "."))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a number of hours. Write numbers separated by commas, like 24, 2."),
                    params={"value": part},
                ) from None
            if not 0 < hours <= 24 * 14:
                raise forms.ValidationError(_("Each reminder must be between a few minutes and 14 days before."))
            minutes.add(round(hours * 60))
        return sorted(minutes, reverse=True)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if starts and not self.instance.pk and starts <= timezone.now():
            self.add_error("starts_at", _("Choose a time in the future."))
        capacity = cleaned.get("capacity")
        if capacity is not None and self.instance.pk and capacity < self.instance.seats_taken:
            self.add_error(
                "capacity",
                _("%(count)s people already have a seat; the meeting needs at least that many.")
                % {"count": self.instance.seats_taken},
            )
        if "reminder_hours" in cleaned:
            cleaned["reminder_minutes"] = cleaned.pop("reminder_hours")
        return cleaned


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}"


class NeedsForm(forms.Form):
    interpretation_language = forms.CharField(
        label=_("I need interpretation into"),
        max_length=60,
        required=False,
        help_text=_("Leave empty if you do not need it."),
    )
    children = forms.IntegerField(
        label=_("Children who need childcare"), min_value=0, max_value=12, initial=0, required=False
    )
    step_free = forms.BooleanField(label=_("I need step-free access"), required=False)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        if not meeting.interpretation:
            del self.fields["interpretation_language"]
        if not meeting.childcare:
            del self.fields["children"]

    def clean_children(self) -> int:
        return self.cleaned_data.get("children") or 0

    def needs(self) -> dict:
        return {
            "interpretation_language": self.cleaned_data.get("interpretation_language", "").strip(),
            "children": self.cleaned_data.get("children") or 0,
            "step_free": self.cleaned_data.get("step_free", False),
        }


class GuestRegistrationForm(NeedsForm):
    alias = forms.CharField(
        label=_("Your name or an alias"), max_length=60, help_text=_("An alias is fine. Only the organizers see it.")
    )
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send a link to confirm, then a reminder. We erase it a few days after the meeting."),
    )
    field_order = ["alias", "email"]

    def clean_alias(self) -> str:
        alias = self.cleaned_data["alias"].strip()
        if not alias:
            raise forms.ValidationError(_("Write a name or an alias."))
        return alias
