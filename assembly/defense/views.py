"""Defense game plans: coordinators write them, members claim their roles and see the coverage.

Who holds which role is shown only to the plan's coordinators and dispatchers, and each view of that
roster is audited; everyone else sees counts.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.assemblies import permissions
from assembly.assemblies.models import Assembly, Membership
from assembly.common.audit import audit_record
from assembly.common.errors import error_text
from assembly.common.phones import phone_display
from assembly.defense import alerts, reports, selectors, services
from assembly.defense.forms import (
    ClaimForm,
    DefenseRoleForm,
    GamePlanForm,
    MeetingPointForm,
    NewReportCodeForm,
    ReportNumberForm,
    ResourceForm,
    RoleKindForm,
    StepForm,
    formset_for,
)
from assembly.defense.models import Alert, DefenseRole, GamePlan, ReportLine, RoleKind
from assembly.notify.links import site_url

Role = Membership.Role


def _get_plan_for_member(request: HttpRequest, slug: str, pk: int) -> tuple[GamePlan, Membership]:
    """A plan of the member's assembly: active ones for everyone, drafts and archived ones for coordinators."""
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    plan = get_object_or_404(GamePlan.objects.select_related("assembly"), pk=pk, assembly=assembly)
    if not plan.is_active and not membership.has_role(Role.COORDINATOR):
        raise Http404
    return plan, membership


def _get_plan_for_coordinator(request: HttpRequest, slug: str, pk: int) -> GamePlan:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return get_object_or_404(GamePlan.objects.select_related("assembly"), pk=pk, assembly=assembly)


def _get_role_for_member(request: HttpRequest, slug: str, pk: int, role_pk: int):
    plan, membership = _get_plan_for_member(request, slug, pk)
    role = get_object_or_404(
        DefenseRole.objects.select_related("kind", "zone", "plan__assembly"), pk=role_pk, plan=plan
    )
    return role, membership


@login_required
@require_GET
def plan_list(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    can_edit = membership.has_role(Role.COORDINATOR)
    return render(
        request,
        "defense/plan_list.html",
        {"assembly": assembly, "plans": selectors.plan_list(assembly, include_drafts=can_edit), "can_edit": can_edit},
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan, membership = _get_plan_for_member(request, slug, pk)
    roles = list(selectors.roles_of(plan))
    can_raise = alerts.can_raise(plan, membership)
    return render(
        request,
        "defense/plan_detail.html",
        {
            "assembly": plan.assembly,
            "plan": plan,
            "roles": roles,
            "coverage": selectors.coverage(plan),
            "mine": selectors.my_claims(plan, membership),
            "steps": plan.steps.select_related("role_kind"),
            "points": plan.meeting_points.all(),
            "resources": plan.resources.all(),
            "can_edit": membership.has_role(Role.COORDINATOR),
            "can_dispatch": membership.has_role(Role.FACILITATOR),
            "can_see_roster": membership.has_role(Role.COORDINATOR) or selectors.is_dispatcher(plan, membership),
            "claim_form": ClaimForm(),
            "can_raise": can_raise and plan.is_active,
            "open_alerts": plan.alerts.filter(status__in=Alert.OPEN).select_related("zone") if can_raise else [],
            "statuses": [(value, label) for value, label in GamePlan.Status.choices if value != plan.status],
            **_report_line_context(plan, membership),
        },
    )


def _report_line_context(plan: GamePlan, membership: Membership) -> dict:
    """What the people who print the flyers see of the public report line; reading it changes nothing."""
    is_coordinator = membership.has_role(Role.COORDINATOR)
    if not (is_coordinator or (plan.is_active and selectors.is_dispatcher(plan, membership))):
        return {}
    line = ReportLine.objects.filter(assembly=plan.assembly).first()
    return {
        "report_line": line,
        "report_url": site_url(reverse("report_short", kwargs={"code": line.code})) if line else "",
        "report_phone": phone_display(line.phone) if line else "",
        "can_manage_report_line": is_coordinator,
    }


def _plan_form_page(request: HttpRequest, assembly: Assembly, plan: GamePlan | None) -> HttpResponse:
    form = GamePlanForm(request.POST or None, instance=plan, assembly=assembly)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.assembly = assembly
        try:
            services.plan_save(plan=saved, zones=form.cleaned_data["zones"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("plan_detail", slug=assembly.slug, pk=saved.pk)
    return render(
        request,
        "defense/plan_form.html",
        {"assembly": assembly, "form": form, "plan": plan},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return _plan_form_page(request, assembly, None)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _get_plan_for_coordinator(request, slug, pk)
    return _plan_form_page(request, plan.assembly, GamePlan.objects.get(pk=plan.pk))


@login_required
@require_POST
def plan_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan = _get_plan_for_coordinator(request, slug, pk)
    try:
        services.plan_set_status(plan=plan, status=request.POST.get("status", ""))
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The plan is now: %(status)s.") % {"status": plan.get_status_display()})
    return redirect("plan_detail", slug=plan.assembly.slug, pk=plan.pk)


# The public report line: the short address for flyers and the text number -----------------------------


@login_required
@require_POST
def report_line_make(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Make the assembly's public report address (an active plan makes it too)."""
    plan = _get_plan_for_coordinator(request, slug, pk)
    reports.report_line_ensure(assembly=plan.assembly)
    messages.success(request, _("The public report address is made. Print it on flyers."))
    return redirect("plan_detail", slug=plan.assembly.slug, pk=plan.pk)


def _get_line_for_coordinator(request: HttpRequest, slug: str, pk: int) -> tuple[GamePlan, ReportLine]:
    plan = _get_plan_for_coordinator(request, slug, pk)
    return plan, get_object_or_404(ReportLine, assembly=plan.assembly)


def _report_line_page(
    request: HttpRequest, plan: GamePlan, line: ReportLine, form: ReportNumberForm, code_form: NewReportCodeForm
) -> HttpResponse:
    return render(
        request,
        "defense/report_line.html",
        {
            "assembly": plan.assembly,
            "plan": plan,
            "line": line,
            "form": form,
            "code_form": code_form,
            "report_url": site_url(reverse("report_short", kwargs={"code": line.code})),
            "report_phone": phone_display(line.phone),
        },
        status=400 if form.errors or code_form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_line_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The assembly's text number: set it, change it or clear it; and the way to a new short address."""
    plan, line = _get_line_for_coordinator(request, slug, pk)
    form = ReportNumberForm(request.POST or None, initial={"phone": phone_display(line.phone)})
    if request.method == "POST" and form.is_valid():
        try:
            reports.report_line_set_phone(line=line, phone=form.cleaned_data["phone"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if line.phone:
                messages.success(
                    request, _("Reports by text now come in at %(phone)s.") % {"phone": phone_display(line.phone)}
                )
            else:
                messages.success(request, _("The assembly takes no reports by text now."))
            return redirect("plan_detail", slug=plan.assembly.slug, pk=plan.pk)
    return _report_line_page(request, plan, line, form, NewReportCodeForm())


@login_required
@require_POST
def report_line_new_code(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A new short address, for when the old one went to the wrong hands: asked to confirm first."""
    plan, line = _get_line_for_coordinator(request, slug, pk)
    code_form = NewReportCodeForm(request.POST)
    if not code_form.is_valid():
        return _report_line_page(
            request, plan, line, ReportNumberForm(initial={"phone": phone_display(line.phone)}), code_form
        )
    try:
        reports.report_line_new_code(line=line)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        url = site_url(reverse("report_short", kwargs={"code": line.code}))
        messages.success(
            request,
            _("The new public report address is %(url)s. The old one no longer works: replace the flyers that have it.")
            % {"url": url},
        )
    return redirect("plan_detail", slug=plan.assembly.slug, pk=plan.pk)


# Parts of a plan, each edited as a list ------------------------------------------------------------

PARTS = {
    "steps": (StepForm, "steps", lambda: _("Steps")),
    "points": (MeetingPointForm, "meeting_points", lambda: _("Meeting points")),
    "resources": (ResourceForm, "resources", lambda: _("Resources")),
}


@login_required
@require_http_methods(["GET", "POST"])
def plan_part(request: HttpRequest, slug: str, pk: int, part: str) -> HttpResponse:
    """Edit a plan's steps, meeting points or resources as one list: change, add, remove, reorder."""
    plan = _get_plan_for_coordinator(request, slug, pk)
    if part not in PARTS:
        raise Http404
    form_class, related, title = PARTS[part]
    formset = formset_for(form_class)(
        request.POST or None,
        queryset=getattr(plan, related).all(),
        form_kwargs={"assembly": plan.assembly},
        prefix=part,
    )
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            for item in formset.save(commit=False):
                item.plan = plan
                item.save()
            for item in formset.deleted_objects:
                item.delete()
        messages.success(request, _("The plan is saved."))
        return redirect("plan_detail", slug=plan.assembly.slug, pk=plan.pk)
    return render(
        request,
        "defense/plan_part.html",
        {"assembly": plan.assembly, "plan": plan, "formset": formset, "title": title()},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_roles(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Edit the roles a plan needs; places never drop below the people holding them."""
    plan = _get_plan_for_coordinator(request, slug, pk)
    formset = formset_for(DefenseRoleForm)(
        request.POST or None, queryset=selectors.roles_of(plan), form_kwargs={"assembly": plan.assembly}, prefix="roles"
    )
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                for role in formset.save(commit=False):
                    role.plan = plan
                    services.role_save(role=role)
                for role in formset.deleted_objects:
                    services.role_delete(role=role)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The roles are saved."))
            return redirect("plan_detail", slug=plan.assembly.slug, pk=plan.pk)
    return render(
        request,
        "defense/plan_part.html",
        {"assembly": plan.assembly, "plan": plan, "formset": formset, "title": _("Roles the plan needs")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_kinds(request: HttpRequest, slug: str) -> HttpResponse:
    """The assembly's kinds of defense role: the seeded ones and its own."""
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    formset = formset_for(RoleKindForm, can_delete=False)(
        request.POST or None,
        queryset=RoleKind.objects.filter(assembly=assembly),
        form_kwargs={"assembly": assembly},
        prefix="kinds",
    )
    if request.method == "POST" and formset.is_valid():
        with transaction.atomic():
            for position, kind in enumerate(formset.save(commit=False), start=assembly.defense_role_kinds.count()):
                kind.assembly = assembly
                if kind.pk is None:
                    kind.position = position
                kind.save()
        messages.success(request, _("The kinds of role are saved."))
        return redirect("plan_list", slug=assembly.slug)
    return render(
        request,
        "defense/plan_part.html",
        {"assembly": assembly, "formset": formset, "title": _("Kinds of defense role")},
        status=400 if request.method == "POST" else 200,
    )


# Claims --------------------------------------------------------------------------------------------


@login_required
@require_POST
def role_claim(request: HttpRequest, slug: str, pk: int, role_pk: int) -> HttpResponse:
    role, membership = _get_role_for_member(request, slug, pk, role_pk)
    form = ClaimForm(request.POST)
    form.is_valid()
    try:
        services.claim_create(
            role=role, membership=membership, confirmed_training=form.cleaned_data.get("confirmed_training", False)
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The role is yours. Its card tells you what to do and where to meet."))
    return redirect("plan_detail", slug=role.plan.assembly.slug, pk=role.plan_id)


@login_required
@require_POST
def role_release(request: HttpRequest, slug: str, pk: int, role_pk: int) -> HttpResponse:
    role, membership = _get_role_for_member(request, slug, pk, role_pk)
    try:
        services.claim_release(role=role, membership=membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("You released the role. Thank you for saying so in time."))
    return redirect("plan_detail", slug=role.plan.assembly.slug, pk=role.plan_id)


@login_required
@require_GET
def role_card(request: HttpRequest, slug: str, pk: int, role_pk: int) -> HttpResponse:
    """One printable page for a role: what I do, where we meet, who to call."""
    role, _membership = _get_role_for_member(request, slug, pk, role_pk)
    plan = role.plan
    return render(
        request,
        "defense/role_card.html",
        {
            "assembly": plan.assembly,
            "plan": plan,
            "role": role,
            "steps": plan.steps.filter(Q(role_kind=role.kind) | Q(role_kind__isnull=True)).select_related("role_kind"),
            "points": plan.meeting_points.all(),
            "hotlines": plan.resources.filter(kind="hotline"),
        },
    )


@login_required
@require_GET
def plan_roster(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Who holds which role: for the plan's coordinators and dispatchers only, and each view is audited."""
    plan, membership = _get_plan_for_member(request, slug, pk)
    if not (membership.has_role(Role.COORDINATOR) or selectors.is_dispatcher(plan, membership)):
        raise PermissionDenied
    audit_record(actor=request.user, action="defense.roster.view", target=plan)
    return render(
        request,
        "defense/roster.html",
        {"assembly": plan.assembly, "plan": plan, "claims": selectors.roster(plan)},
    )
