"""A plan's shift calendar: dispatchers sign up for shifts, and alerts go to whoever is on duty."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assembly.assemblies.models import Membership
from assembly.common.audit import audit_record
from assembly.common.errors import error_text
from assembly.defense import selectors, shifts
from assembly.defense.forms import ShiftForm
from assembly.defense.models import DispatchShift, GamePlan
from assembly.defense.views import _get_plan_for_member


def _get_plan_for_dispatch(request: HttpRequest, slug: str, pk: int) -> tuple[GamePlan, Membership]:
    """A plan whose shifts the member may see: its dispatchers and the coordinators."""
    plan, membership = _get_plan_for_member(request, slug, pk)
    if not (membership.has_role(Membership.Role.COORDINATOR) or selectors.is_dispatcher(plan, membership)):
        raise PermissionDenied
    return plan, membership


@login_required
@require_http_methods(["GET", "POST"])
def plan_shifts(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan, membership = _get_plan_for_dispatch(request, slug, pk)
    # Who is on duty when is a roster too.
    audit_record(actor=request.user, action="defense.shifts.view", target=plan)
    dispatcher = membership.pk in shifts.plan_dispatchers(plan)
    if request.method == "POST" and not dispatcher:
        # Coordinators see and cancel shifts; only those who dispatch take one.
        raise PermissionDenied
    with timezone.override(plan.assembly.time_zone):
        form = ShiftForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                shifts.shift_create(
                    plan=plan,
                    membership=membership,
                    starts_at=form.cleaned_data["starts_at"],
                    ends_at=form.cleaned_data["ends_at"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("You are signed up for the shift. Thank you."))
                return redirect("plan_shifts", slug=plan.assembly.slug, pk=plan.pk)
        now = timezone.now()
        upcoming = list(shifts.shifts_ahead(plan, now=now))
        on_duty = [shift for shift in upcoming if shift.starts_at <= now]
        return render(
            request,
            "defense/shifts.html",
            {
                "assembly": plan.assembly,
                "plan": plan,
                "form": form,
                "shifts": [(shift, shifts.can_cancel(shift, membership)) for shift in upcoming],
                "on_duty": on_duty,
                "dispatcher": dispatcher,
                "membership": membership,
            },
            status=400 if form.errors else 200,
        )


@login_required
@require_POST
def shift_cancel(request: HttpRequest, slug: str, pk: int, shift_pk: int) -> HttpResponse:
    plan, membership = _get_plan_for_dispatch(request, slug, pk)
    shift = get_object_or_404(DispatchShift, pk=shift_pk, plan=plan)
    if not shifts.can_cancel(shift, membership):
        raise PermissionDenied
    try:
        shifts.shift_cancel(shift=shift, membership=membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The shift is cancelled."))
    return redirect("plan_shifts", slug=plan.assembly.slug, pk=plan.pk)
