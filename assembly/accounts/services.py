from django.db import transaction

from assembly.accounts.models import User


@transaction.atomic
def profile_update(*, user: User, display_name: str, language: str, phone: str) -> User:
    user.display_name = display_name
    user.language = language
    user.phone = phone
    user.save(update_fields=["display_name", "language", "phone"])
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Erase the person and, through the cascade, their memberships and everything tied to them."""
    user.delete()
