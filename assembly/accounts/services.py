from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from assembly.accounts.models import User


@transaction.atomic
def profile_update(*, user: User, display_name: str, language: str, phone: str) -> User:
    user.display_name = display_name
    user.language = language
    user.phone = phone
    user.save(update_fields=["display_name", "language", "phone"])
    return user


def sessions_end_all(*, user: User) -> int:
    """Log the person out on every device: a lost or seized phone keeps no open session.

    Sessions live in the database and name their person only inside their signed data, so every live one
    is read; this runs only when someone asks for it or deletes their account.
    """
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=mine).delete()
    return len(mine)


def sessions_purge_expired() -> int:
    """Delete expired sessions: until then they still name their person on disk."""
    deleted, _detail = Session.objects.filter(expire_date__lte=timezone.now()).delete()
    return deleted


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Erase the person, their sessions everywhere and, through the cascade, everything tied to them.

    Their memberships end as if they left each assembly: seats go to the waitlist, roles to the next person.
    """
    sessions_end_all(user=user)
    user.delete()
