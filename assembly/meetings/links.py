"""Signed links for registrations: confirm a guest's address, cancel without logging in."""

from django.conf import settings
from django.core import signing

from assembly.notify.links import absolute_url

CONFIRM_SALT = "assembly.meetings.guest-confirm"
CANCEL_SALT = "assembly.meetings.cancel"


def confirm_token(registration_id: int) -> str:
    return signing.dumps(registration_id, salt=CONFIRM_SALT)


def registration_id_from_confirm_token(token: str) -> int | None:
    """The registration a confirmation link names, or None when forged or older than GUEST_CONFIRM_HOURS."""
    try:
        return int(signing.loads(token, salt=CONFIRM_SALT, max_age=settings.GUEST_CONFIRM_HOURS * 3600))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def cancel_token(registration_id: int) -> str:
    return signing.dumps(registration_id, salt=CANCEL_SALT)


def registration_id_from_cancel_token(token: str) -> int | None:
    try:
        return int(signing.loads(token, salt=CANCEL_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def confirm_url(registration_id: int, *, language: str) -> str:
    return absolute_url("registration_confirm", language=language, token=confirm_token(registration_id))


def cancel_url(registration_id: int, *, language: str) -> str:
    return absolute_url("registration_cancel_link", language=language, token=cancel_token(registration_id))
