"""Signed links in messages: they work without logging in, and a forged one is refused."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

PREFERENCES_SALT = "assembly.notify.preferences"


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def absolute_url(name: str, *, language: str, **kwargs) -> str:
    """An absolute link to a named page, in the given language."""
    with translation.override(language):
        return site_url(reverse(name, kwargs=kwargs))


def preferences_token(preference_key: str) -> str:
    return signing.dumps(preference_key, salt=PREFERENCES_SALT, compress=True)


def preference_key_from_token(token: str) -> str | None:
    try:
        return signing.loads(token, salt=PREFERENCES_SALT)
    except signing.BadSignature:
        return None


def preferences_url(preference_key: str, *, language: str) -> str:
    return absolute_url("notify_preferences", language=language, token=preferences_token(preference_key))


def unsubscribe_url(preference_key: str, *, language: str) -> str:
    return absolute_url("notify_unsubscribe", language=language, token=preferences_token(preference_key))
