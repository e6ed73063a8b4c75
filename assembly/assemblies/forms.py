import zoneinfo

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from assembly.assemblies.models import Assembly, Membership, Zone
from assembly.common.i18n import BilingualFormMixin, localized_fields, localized_value

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class AssemblyForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("name", "description", "area")
    required_translated_fields = ("name",)

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial="America/Chicago")

    class Meta:
        model = Assembly
        fields = [*localized_fields("name", "description", "area"), "kind", "visibility", "join_policy", "time_zone"]
        widgets = {"visibility": forms.RadioSelect, "join_policy": forms.RadioSelect}


class AssemblyCreateForm(AssemblyForm):
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=60,
        required=False,
        help_text=_(
            "Letters, numbers and hyphens, used in the page's address. Leave it empty to make one from the name."
        ),
    )

    class Meta(AssemblyForm.Meta):
        fields = [*AssemblyForm.Meta.fields, "slug"]

    def clean(self):
        cleaned = super().clean()
        slug = cleaned.get("slug") or slugify(next((v for k, v in cleaned.items() if k.startswith("name_") and v), ""))
        if not slug:
            self.add_error("slug", _("Choose a web address with letters or numbers."))
        elif Assembly.objects.filter(slug=slug).exists():
            self.add_error("slug", _("Another assembly already uses this web address. Choose another."))
        cleaned["slug"] = slug
        return cleaned


class ZoneForm(BilingualFormMixin, forms.ModelForm):
    translated_fields = ("name", "description")
    required_translated_fields = ("name",)

    class Meta:
        model = Zone
        fields = [*localized_fields("name", "description"), "neighbors"]
        widgets = {"neighbors": forms.CheckboxSelectMultiple}
        help_texts = {"neighbors": _("A report nobody verifies in time goes to the verifiers of these zones too.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Zones of the same assembly, never the zone itself.
        others = Zone.objects.filter(assembly_id=self.instance.assembly_id)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["neighbors"].queryset = others
        self.fields["neighbors"].label_from_instance = lambda zone: localized_value(zone, "name").text


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
