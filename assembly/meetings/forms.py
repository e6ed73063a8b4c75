from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from assembly.accounts.models import User
from assembly.common.forms import bound_dates
from assembly.common.i18n import BilingualFormMixin, language_codes, localized_fields, localized_value
from assembly.meetings.models import DEFAULT_REMINDER_MINUTES, AgendaItem, Meeting

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Meetings are planned at most this far ahead; older ones can still be corrected for the record.
MEETING_PAST = timedelta(days=5 * 365)
MEETING_FUTURE = timedelta(days=3 * 365)


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
        help_text=_(
            "Hours before the start; separate several with semicolons, for example: 24; 2; 0.5. "
            "Fractions of an hour work: 0.5 is 30 minutes. Leave empty for no reminders."
        ),
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
        bound_dates(self, "starts_at", "ends_at", past=MEETING_PAST, future=MEETING_FUTURE)
        minutes = self.instance.reminder_minutes if self.instance.pk else DEFAULT_REMINDER_MINUTES
        self.fields["reminder_hours"].initial = "; ".join(_hours(m) for m in minutes)

    def clean_reminder_hours(self) -> list[int]:
        decimal = formats.get_format("DECIMAL_SEPARATOR")
        text = self.cleaned_data["reminder_hours"]
        # A semicolon separates reminders; a comma too, except where it is the decimal mark (Spanish: 1,5).
        if decimal != ",":
            text = text.replace(",", ";")
        minutes = set()
        for part in filter(None, (piece.strip() for piece in text.split(";"))):
            try:
                hours = float(part.replace(decimal, "."))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a number of hours. Separate several reminders with semicolons, like 24; 2."),
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
    return f"{minutes / 60:g}".replace(".", formats.get_format("DECIMAL_SEPARATOR"))


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


class AgendaItemForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "notes")
    required_translated_fields = ("title",)

    class Meta:
        model = AgendaItem
        fields = [*localized_fields("title", "notes"), "duration", "parent", "owner", "owner_name"]
        help_texts = {"duration": _("Parts of an item share its minutes.")}

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        parents = meeting.agenda_items.filter(status=AgendaItem.Status.ACCEPTED, parent=None)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("— a main item —")
        self.fields["parent"].label_from_instance = lambda item: localized_value(item, "title").text
        members = User.objects.filter(
            memberships__assembly_id=meeting.assembly_id, memberships__status="active", is_active=True
        ).order_by("display_name")
        self.fields["owner"].queryset = members
        self.fields["owner"].label_from_instance = lambda user: user.display_name
        self.fields["owner"].empty_label = _("— nobody, or a name below —")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("owner") and cleaned.get("owner_name", "").strip():
            self.add_error("owner_name", _("Choose a member or write a name, not both."))
        return cleaned


class ProposalForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "notes")
    required_translated_fields = ("title",)

    class Meta:
        model = AgendaItem
        fields = [*localized_fields("title", "notes"), "duration"]
        help_texts = {"duration": _("How long the assembly would need for it.")}


class ProposalsDeadlineForm(forms.ModelForm):
    """The view activates the assembly's time zone, so the deadline reads as local time."""

    class Meta:
        model = Meeting
        fields = ["proposals_until"]
        widgets = {"proposals_until": DateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals_until"].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]
        bound_dates(self, "proposals_until", past=MEETING_PAST, future=MEETING_FUTURE)


class MinutesForm(forms.Form):
    """Attendance, then each item's decisions and next steps in every language."""

    attendance = forms.IntegerField(label=_("People who attended"), min_value=0, max_value=100000, required=False)

    def __init__(self, *args, items: list[AgendaItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        names = dict(settings.LANGUAGES)
        for item in items:
            for field, label in (("decisions", _("Decisions")), ("next_steps", _("Next steps"))):
                for code in language_codes():
                    name = self._name(item, field, code)
                    self.fields[name] = forms.CharField(
                        label=f"{label} ({names[code]})",
                        required=False,
                        widget=forms.Textarea(attrs={"rows": 3, "lang": code}),
                        initial=getattr(item, build_localized_fieldname(field, code)),
                    )

    @staticmethod
    def _name(item: AgendaItem, field: str, code: str) -> str:
        return f"item{item.pk}_{field}_{code}"

    def item_groups(self) -> list[tuple[AgendaItem, list[forms.BoundField]]]:
        return [
            (
                item,
                [
                    self[self._name(item, field, code)]
                    for field in ("decisions", "next_steps")
                    for code in language_codes()
                ],
            )
            for item in self.items
        ]

    def item_values(self) -> dict[int, dict]:
        return {
            item.pk: {
                build_localized_fieldname(field, code): self.cleaned_data[self._name(item, field, code)].strip()
                for field in ("decisions", "next_steps")
                for code in language_codes()
            }
            for item in self.items
        }
