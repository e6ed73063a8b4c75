from allauth.usersessions.models import UserSession
from django.db import transaction

from assembly.accounts.models import User


@transaction.atomic
def profile_update(*, user: User, display_name: str, language: str, phone: str) -> User:
    user.display_name = display_name
    user.language = language
    user.phone = phone
    user.save(update_fields=["display_name", "language", "phone"])
    return user


def sessions_end_all(*, user: User) -> int:
    """Log the person out on every device: a lost or seized phone keeps no open session."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Erase the person, their sessions everywhere and, through the cascade, everything tied to them.

    Their memberships end as if they left each assembly: seats go to the waitlist, roles to the next person.
    """
    sessions_end_all(user=user)
    user.delete()
