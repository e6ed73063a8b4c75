"""Phone numbers: parsed and checked with `phonenumbers`, stored in E.164, shown in the national format."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# What the parser may read: digits, spaces, dashes, dots, brackets and a leading plus; nothing else.
MAX_INPUT = 32


def phone_parse(text: str, *, region: str | None = None) -> str:
    """The E.164 form of a number typed by a person (national, or international with +), or ValidationError."""
    text = (text or "").strip()
    if not text:
        return ""
    if len(text) > MAX_INPUT:
        raise ValidationError(_("That is too long for a phone number."), code="phone_long")
    try:
        number = phonenumbers.parse(text, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("That does not look like a phone number. Type it as you would dial it, for example %(example)s.")
            % {"example": phone_example()},
            code="phone_invalid",
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("That number does not exist. Check the digits, or start with + and the country code."),
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_normalize(text: str, *, region: str | None = None) -> str:
    """The E.164 form of a number from outside (a provider's webhook), or "" when it is not a valid number."""
    try:
        return phone_parse(text, region=region)
    except ValidationError:
        return ""


def phone_display(e164: str) -> str:
    """A stored number as people write it: national format at home, international format for other countries."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) == settings.PHONE_REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_example() -> str:
    """A fictional example number of the site's region, in its national format."""
    number = phonenumbers.example_number_for_type(settings.PHONE_REGION, phonenumbers.PhoneNumberType.MOBILE)
    if number is None:
        return "+1 555 010 0100"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
