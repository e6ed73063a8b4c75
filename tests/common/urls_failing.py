"""A URL configuration for tests only: one view that fails, handled by the site's own 500 handler."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def _fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-detail-from-a-failing-view")


urlpatterns = [path("fail/", _fail)]

handler500 = "assembly.common.views.server_error"
