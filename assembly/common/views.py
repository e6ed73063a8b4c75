import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from assembly.common.cache import redis_unreachable

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:
        logger.exception("healthz: the database did not answer")
        return "down"


def _redis_state() -> str:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except redis.RedisError:
        logger.warning("healthz: Redis did not answer")
        return "down"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report whether the database and Redis answer."""
    state = {"database": _database_state(), "redis": _redis_state()}
    ok = all(value == "ok" for value in state.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **state}, status=200 if ok else 503)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's answer to a rate-limited log-in, sign-up or password reset (its handler429)."""
    if redis_unreachable():
        # The limits cannot count without Redis, so they refuse rather than let guesses through unlimited.
        message = _(
            "Logging in, signing up and password resets are paused for a few minutes while part of the site is "
            "repaired. Please try again later."
        )
    else:
        message = _("Too many attempts from here. Please wait a few minutes and try again.")
    return render(request, "429.html", {"message": message}, status=429)


def server_error(request: HttpRequest) -> HttpResponse:
    # A bare template context: the error may have come from a context processor.
    return render(request, "500.html", status=500)
