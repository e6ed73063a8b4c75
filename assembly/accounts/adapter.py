from allauth.account.adapter import DefaultAccountAdapter
from django.urls import translate_url
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request) -> str:
        """Land a member in their preferred language, on the page they asked for."""
        url = super().get_login_redirect_url(request)
        return translate_url(url, request.user.language)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Write to a known person in their own language, whatever page they used."""
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
