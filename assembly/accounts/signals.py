from allauth.account.signals import user_logged_in
from allauth.usersessions.models import UserSession
from django.db.models.signals import pre_save
from django.dispatch import receiver

# What allauth stores in place of a session's IP address.
NO_ADDRESS = "0.0.0.0"


@receiver(user_logged_in)
def remember_preferred_language(sender, request, user, **kwargs) -> None:
    # The middleware turns this into the language cookie on the log-in response.
    request.preferred_language = user.language


@receiver(pre_save, sender=UserSession, dispatch_uid="accounts_forget_session_address")
def forget_session_address(sender, instance: UserSession, **kwargs) -> None:
    # A session is kept only to end it; where a person logged in from is not needed for that, and could be seized.
    instance.ip = NO_ADDRESS
