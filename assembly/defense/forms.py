import secrets
from functools import cached_property

from django import forms
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Membership
from assembly.common.i18n import BilingualFormMixin, localized_fields, localized_value
from assembly.common.phones import phone_parse
from assembly.defense.alerts import NOTE_LENGTH, UPDATE_LENGTH
from assembly.defense.models import (
    Alert,
    AlertAnswer,
    DefenseRole,
    GamePlan,
    MeetingPoint,
    PlanResource,
    PlanStep,
    RoleKind,
)


def _localized_choices(field, attribute: str = "name") -> None:
    field.label_from_instance = lambda obj: localized_value(obj, attribute).text


class GamePlanForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "summary")
    required_translated_fields = ("title",)

    class Meta:
        model = GamePlan
        fields = [*localized_fields("title", "summary"), "scenario", "zones", "alert_hours", "verify_minutes"]
        widgets = {"zones": forms.CheckboxSelectMultiple}

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zones"].queryset = assembly.zones.all()
        _localized_choices(self.fields["zones"])


class StepForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("text",)
    required_translated_fields = ("text",)

    class Meta:
        model = PlanStep
        fields = ["position", *localized_fields("text"), "role_kind"]

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role_kind"].queryset = assembly.defense_role_kinds.all()
        self.fields["role_kind"].empty_label = _("— everyone —")
        _localized_choices(self.fields["role_kind"])


class MeetingPointForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("name", "description")
    required_translated_fields = ("name",)

    class Meta:
        model = MeetingPoint
        fields = ["position", *localized_fields("name", "description")]

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)


class ResourceForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("title", "body")
    required_translated_fields = ("title", "body")

    class Meta:
        model = PlanResource
        fields = ["position", "kind", *localized_fields("title", "body")]

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)


class DefenseRoleForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("description",)

    class Meta:
        model = DefenseRole
        fields = ["kind", "zone", "needed", "requires_training", *localized_fields("description")]

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = assembly.defense_role_kinds.all()
        _localized_choices(self.fields["kind"])
        self.fields["zone"].queryset = assembly.zones.all()
        self.fields["zone"].empty_label = _("— the whole area —")
        _localized_choices(self.fields["zone"])

    def clean_needed(self) -> int:
        needed = self.cleaned_data["needed"]
        if self.instance.pk and needed < self.instance.filled:
            raise forms.ValidationError(
                _("%(count)d people hold this role; it needs at least that many places.")
                % {"count": self.instance.filled}
            )
        return needed


class RoleKindForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("name",)
    required_translated_fields = ("name",)

    class Meta:
        model = RoleKind
        fields = [*localized_fields("name")]

    def __init__(self, *args, assembly, **kwargs):
        super().__init__(*args, **kwargs)


def formset_for(form_class, *, can_delete: bool = True):
    return modelformset_factory(form_class._meta.model, form=form_class, extra=2, can_delete=can_delete)


class ClaimForm(forms.Form):
    confirmed_training = forms.BooleanField(label=_("I have had the training this role needs"), required=False)


def new_raise_key() -> str:
    return secrets.token_urlsafe(16)


class AlertForm(BilingualFormMixin, forms.ModelForm):
    """What a dispatcher types in a hurry: the zone and the place first, the rest if known.

    A random key, made when the form is shown, goes with every send of it: a double tap raises one alert.
    """

    translated_fields = ("location", "activity", "uniforms", "vehicles")
    required_translated_fields = ("location",)
    verified = forms.BooleanField(
        label=_("It is verified: I or a verifier saw it"),
        required=False,
        help_text=_("Unverified alerts go only to the verifiers of the zone, who confirm or clear them."),
    )
    another = forms.BooleanField(
        label=_("Raise another alert anyway"),
        required=False,
        help_text=_("Only needed in a zone that already has an open alert."),
    )
    key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is out of date. Check what you wrote and send it again."),
            "invalid": _("This form is out of date. Check what you wrote and send it again."),
        },
    )

    class Meta:
        model = Alert
        fields = [
            "zone",
            *localized_fields("location"),
            "how_many",
            *localized_fields("activity", "uniforms", "vehicles"),
            "seen_at",
            "practice",
        ]
        widgets = {"seen_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, plan: GamePlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = plan.zones.all()
        self.fields["zone"].empty_label = None
        _localized_choices(self.fields["zone"])
        self.fields["seen_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.order_fields(["practice", "zone", "verified"])
        if not self.is_bound:
            self.initial.setdefault("key", new_raise_key())

    @cached_property
    def next_key(self) -> str:
        """The key to send again: the one sent, unless it was missing or broken (then a fresh one)."""
        if self.is_bound and "key" not in self.errors:
            return self.data.get("key", "")
        return self.initial.get("key") or new_raise_key()


class AnswerForm(forms.Form):
    """Each answer is its own button on the page: the button sends `answer`, "on my way" also the minutes."""

    answer = forms.ChoiceField(
        choices=AlertAnswer.Answer.choices,
        label=_("My answer"),
        error_messages={
            "required": _("Choose one of the answers: on my way, I can't come, or all clear here."),
            "invalid_choice": _("Choose one of the answers: on my way, I can't come, or all clear here."),
        },
    )
    eta_minutes = forms.IntegerField(label=_("I can be there in (minutes)"), min_value=0, max_value=600, required=False)


class HandForm(forms.Form):
    """Hand an alert to another dispatcher of the plan, with a word on where things stand."""

    to = forms.ModelChoiceField(
        queryset=None,
        label=_("Hand it to"),
        error_messages={
            "required": _("Choose the dispatcher who takes the alert."),
            "invalid_choice": _("Choose one of the plan's dispatchers from the list."),
        },
    )
    note = forms.CharField(
        label=_("Note for them"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": NOTE_LENGTH}),
    )

    def __init__(self, *args, candidates, **kwargs):
        # Its own ids: the board shows the update form's note field too.
        kwargs.setdefault("auto_id", "id_hand_%s")
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = Membership.objects.filter(pk__in=[m.pk for m in candidates]).select_related("user")
        self.fields["to"].label_from_instance = lambda membership: membership.user.display_name


class UpdateForm(forms.Form):
    note = forms.CharField(
        label=_("Update for everyone alerted"),
        max_length=UPDATE_LENGTH,
        help_text=_(
            "For example: they moved to Fifth and Main. It goes out as a text message, so it fits in 60 characters."
        ),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": UPDATE_LENGTH}),
        error_messages={"required": _("Write the update first.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_update_%s")
        super().__init__(*args, **kwargs)


class ShiftForm(forms.Form):
    """A shift, typed on the assembly's wall clock."""

    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Give the day and time the shift starts."),
            "invalid": _("Give the day and time the shift starts, like 2026-05-01 22:00."),
        },
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": _("Give the day and time the shift ends."),
            "invalid": _("Give the day and time the shift ends, like 2026-05-02 06:00."),
        },
    )


REPORT_SALT = "assembly.defense.public-report"
# A person takes longer than this to read the page and type a place; a script that posts at once does not.
REPORT_MIN_SECONDS = 3
# Long enough to write a careful report; a form left open longer is sent again with a fresh token.
REPORT_MAX_SECONDS = 60 * 60
OUT_OF_DATE = _("This form is out of date. Check what you wrote and send it again.")


def report_token(code: str) -> str:
    """A token made when the report page is shown: it says when, for which page, and only this site makes it."""
    return TimestampSigner(salt=REPORT_SALT).sign(code)


class PublicReportForm(forms.ModelForm):
    """What a neighbor saw, without an account: the zone and the place, the rest if known.

    The fields are the alert's own, so a report is checked as any alert is. `website` is a trap only scripts fill
    (people never see it), and `token` refuses a post sent faster than a person types or long after the page opened.
    """

    website = forms.CharField(label=_("Leave this empty"), required=False)
    token = forms.CharField(widget=forms.HiddenInput)

    class Meta:
        model = Alert
        fields = ["zone", "location", "how_many", "activity", "uniforms", "seen_at", "vehicles"]
        widgets = {"seen_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}
        labels = {"location": _("Where (a corner or a landmark)")}
        error_messages = {
            "zone": {
                "required": _("Choose the zone where you saw them."),
                "invalid_choice": _("Choose the zone where you saw them."),
            },
            "location": {"required": _("Say where you saw them: a corner or a landmark.")},
        }

    def __init__(self, *args, zones, code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.code = code
        self.fields["zone"].queryset = zones
        self.fields["zone"].empty_label = _("Choose the zone")
        _localized_choices(self.fields["zone"])
        self.fields["seen_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["token"].error_messages["required"] = OUT_OF_DATE

    @cached_property
    def new_token(self) -> str:
        """The token to show: a fresh one each time the page is drawn, so the clock starts when a person reads it."""
        return report_token(self.code)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        signer = TimestampSigner(salt=REPORT_SALT)
        try:
            code = signer.unsign(token, max_age=REPORT_MAX_SECONDS)
        except SignatureExpired:
            raise forms.ValidationError(
                _("This page was opened more than an hour ago. Check what you wrote and send it again.")
            ) from None
        except BadSignature:
            raise forms.ValidationError(OUT_OF_DATE) from None
        if code != self.code:
            raise forms.ValidationError(OUT_OF_DATE)
        try:
            signer.unsign(token, max_age=REPORT_MIN_SECONDS)
        except SignatureExpired:
            return token
        raise forms.ValidationError(
            _("That was sent faster than a person can type. Wait a moment, check it, and send it again.")
        )

    def details(self) -> dict:
        """What was seen, as alert_report takes it."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name != "zone"}


class ReportNumberForm(forms.Form):
    """The assembly's text number: a text to it starting with REPORT or REPORTE is a report. Empty clears it."""

    phone = forms.CharField(
        label=_("The assembly's text number"),
        required=False,
        # No max_length: phone_parse says, in words, what is wrong with a number too long.
        help_text=_("The number your text provider gave the assembly. Leave it empty to stop taking reports by text."),
    )

    def clean_phone(self) -> str:
        return phone_parse(self.cleaned_data["phone"])


class NewReportCodeForm(forms.Form):
    """Make a new short address: asked for twice, because every flyer printed so far stops working."""

    confirm = forms.BooleanField(
        label=_("I understand: the old address stops working, and the flyers that have it must be replaced."),
        error_messages={"required": _("Tick the box to confirm: the old address stops working.")},
    )
