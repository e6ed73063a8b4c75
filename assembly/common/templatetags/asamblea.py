from django import template
from django.utils.html import format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from assembly.common.i18n import localized_value

register = template.Library()


@register.simple_tag
def translated(obj, field: str, paragraphs: bool = False) -> SafeString:
    """Render a translated field in the reader's language, or another with a visible note."""
    value = localized_value(obj, field)
    text = mark_safe(linebreaks(value.text, autoescape=True)) if paragraphs else value.text
    if not value.is_fallback:
        return format_html("{}", text)
    return format_html(
        '<{} lang="{}">{}</{}> <small class="fallback-note">{}</small>',
        "div" if paragraphs else "span",
        value.language,
        text,
        "div" if paragraphs else "span",
        gettext("(not yet translated)"),
    )


@register.filter
def localized(obj, field: str) -> str:
    """A translated field as plain text, for mail and other places with no room for a note."""
    return localized_value(obj, field).text
