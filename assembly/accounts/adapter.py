from allauth.account.adapter import DefaultAccountAdapter
from django.urls import translate_url
from django.utils import translation

from assembly.accounts.models import User

# Links in allauth's mails that must open in the recipient's language, not the sender page's.
_MAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")


class AccountAdapter(DefaultAccountAdapter):
    def post_login(self, request, user, **kwargs):
        """Land a member in their preferred language, on the page they asked for, greeted in it."""
        with translation.override(user.language):
            response = super().post_login(request, user, **kwargs)
        if response.has_header("Location"):
            response["Location"] = translate_url(response["Location"], user.language)
        return response

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Write to a known person in their own language, whatever page they used."""
        user = context.get("user") or User.objects.filter(email__iexact=email).first()
        language = getattr(user, "language", None) or translation.get_language()
        for key in _MAIL_LINKS:
            if key in context:
                context[key] = translate_url(context[key], language)
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
