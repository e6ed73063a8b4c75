from allauth.account.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def remember_preferred_language(sender, request, user, **kwargs) -> None:
    # The middleware turns this into the language cookie on the log-in response.
    request.preferred_language = user.language
