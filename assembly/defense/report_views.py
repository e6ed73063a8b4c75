"""The public report page: anyone reports what they see, without an account, from the short address on a flyer.

Nothing about the reporter is kept. The only trace of where a post came from is the rate limit's count, which
lives in the cache for its window and then is gone.
"""

import logging

from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from assembly.common.cache import redis_unreachable
from assembly.defense import reports
from assembly.defense.forms import PublicReportForm
from assembly.defense.models import Alert, ReportLine

logger = logging.getLogger(__name__)


def _get_line(code: str) -> ReportLine:
    line = reports.report_line_by_code(code)
    if line is None:
        raise Http404
    return line


@require_GET
def report_short(request: HttpRequest, code: str) -> HttpResponse:
    """The address printed on flyers: on to the page in the language the visitor's phone asks for."""
    line = _get_line(code)
    with translation.override(translation.get_language_from_request(request)):
        return redirect(reverse("report_page", kwargs={"code": line.code}))


def _may_report(request: HttpRequest) -> bool:
    if ratelimit.consume(request, action="public_report"):
        return True
    # Without Redis nothing counts, and the limit refuses everything: a raid report matters more than spam then.
    if redis_unreachable():
        logger.warning("report: Redis did not answer; a report passes without its rate limit")
        return True
    return False


@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest, code: str) -> HttpResponse:
    line = _get_line(code)
    assembly = line.assembly
    zones = reports.report_zones(assembly)
    if not zones.exists():
        return render(request, "defense/report_closed.html", {"assembly": assembly}, status=404)
    # A filled trap is a script: it is thanked like a person and nothing is made.
    if request.method == "POST" and request.POST.get("website"):
        return redirect("report_thanks", code=line.code)
    status = 200
    with timezone.override(assembly.time_zone):
        form = PublicReportForm(
            request.POST or None, zones=zones, code=line.code, initial={"seen_at": timezone.localtime()}
        )
        if request.method == "POST" and form.is_valid():
            if not _may_report(request):
                form.add_error(None, _("Too many reports from here. Please wait a few minutes and try again."))
                status = 429
            else:
                try:
                    reports.alert_report(
                        assembly=assembly,
                        zone=form.cleaned_data["zone"],
                        source=Alert.Source.PUBLIC,
                        language=translation.get_language(),
                        **form.details(),
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    return redirect("report_thanks", code=line.code)
        if form.errors and status == 200:
            status = 400
        return render(
            request,
            "defense/report_page.html",
            {"assembly": assembly, "form": form, "line": line},
            status=status,
        )


@require_GET
def report_thanks(request: HttpRequest, code: str) -> HttpResponse:
    line = _get_line(code)
    return render(request, "defense/report_thanks.html", {"assembly": line.assembly, "line": line})
