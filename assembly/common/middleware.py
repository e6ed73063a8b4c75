from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from assembly.common.urlsecrets import carries_secret, redact

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PrivatePagesNoStoreMiddleware:
    """Keep every page that may show someone's data out of the browser's cache and any shared one.

    One rule here instead of a header on each view, so a new page cannot forget it. Private means: anything
    answered to a logged-in person (profile, member lists, rosters, exact addresses, their calendar and
    exports: a seized or shared phone must not keep them); any page reached by a link that carries a secret
    (guest confirm and cancel, calendar feed, alert answer, message settings, invitations, allauth's keys);
    any answer to a POST (it echoes what was typed); and any page that read or changed a session (a sign-up
    or log-in in progress). Public pages for anonymous visitors stay cacheable. It sits outside the session
    middleware, to see the session cookie that middleware sets.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_private(request, response):
            patch_cache_control(response, no_store=True, private=True)
        return response

    @staticmethod
    def _is_private(request, response) -> bool:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        return (
            (user is not None and user.is_authenticated)
            or carries_secret(getattr(request, "resolver_match", None))
            or request.method not in _SAFE_METHODS
            or settings.SESSION_COOKIE_NAME in response.cookies
            or (session is not None and session.accessed and not session.is_empty())
            # A redirect to a secret link (the slash added to a mistyped one) would be cached with the secret.
            or redact(response.get("Location", "")) != response.get("Location", "")
        )


class MethodNotAllowedPageMiddleware:
    """Answer a 405 with a page in the reader's language instead of an empty body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
