"""Bilingual content helpers: form fields side by side and reading with a visible fallback."""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_all_languages(message: str, *, separator: str = " / ") -> str:
    """A message in every language of the site, each once, for a reader whose language nothing tells (a text
    from an unknown number, a flyer). `message` is an untranslated msgid, marked with gettext_noop."""
    texts: list[str] = []
    for code in language_codes():
        with translation.override(code):
            text = translation.gettext(message)
        if text not in texts:
            texts.append(text)
    return separator.join(texts)


def localized_fields(*names: str) -> list[str]:
    """List the per-language form fields for translated model fields, language by language."""
    return [build_localized_fieldname(name, code) for name in names for code in language_codes()]


@dataclass(frozen=True)
class LocalizedValue:
    text: str
    language: str
    is_fallback: bool


def localized_value(obj, field: str) -> LocalizedValue:
    """Read a translated field in the active language, else the first language that has it."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    order = [current] + [code for code in language_codes() if code != current]
    for code in order:
        text = getattr(obj, build_localized_fieldname(field, code), "") or ""
        if text:
            return LocalizedValue(text=text, language=code, is_fallback=code != current)
    return LocalizedValue(text="", language=current, is_fallback=False)


class BilingualFormMixin:
    """Show each translated field once per language, side by side; at least one language is required."""

    translated_fields: tuple[str, ...] = ()
    required_translated_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        for field in self.translated_fields:
            for code in language_codes():
                bound = self.fields[build_localized_fieldname(field, code)]
                bound.required = False
                bound.widget.attrs["lang"] = code
                if isinstance(bound.widget, forms.Textarea):
                    bound.widget.attrs["rows"] = 3
                bound.label = f"{self._base_label(field)} ({names[code]})"

    def _base_label(self, field: str) -> str:
        return str(self._meta.model._meta.get_field(field).verbose_name).capitalize()

    def bilingual_groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (self._base_label(field), [self[build_localized_fieldname(field, code)] for code in language_codes()])
            for field in self.translated_fields
        ]

    def clean(self):
        cleaned = super().clean()
        for field in self.required_translated_fields:
            values = [cleaned.get(build_localized_fieldname(field, code)) for code in language_codes()]
            if not any(value and str(value).strip() for value in values):
                first = build_localized_fieldname(field, language_codes()[0])
                self.add_error(first, _("Write this in at least one language."))
        return cleaned
