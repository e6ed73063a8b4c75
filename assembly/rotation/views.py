"""Role types, members' availability, each meeting's roles and the assembly's rotation page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.assemblies import permissions
from assembly.assemblies.models import Assembly, Membership
from assembly.common.errors import error_text
from assembly.meetings.models import Meeting
from assembly.meetings.views import _get_meeting_for_member
from assembly.rotation import selectors, services
from assembly.rotation.forms import AbsenceForm, AnswerForm, RoleTypeForm, RotationSettingsForm
from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Swap, Willingness

Role = Membership.Role


def _get_meeting_for_facilitator(request: HttpRequest, slug: str, pk: int) -> Meeting:
    """Roles are members' business: a draft stays hidden (404) from members, then the rank is checked (403)."""
    meeting, membership = _get_meeting_for_member(request, slug, pk)
    if not membership.has_role(Role.FACILITATOR):
        raise PermissionDenied
    return meeting


def _posted_id(request: HttpRequest, name: str) -> int | None:
    """A row id from a form's select, or None for anything that is not one."""
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _render(request: HttpRequest, assembly: Assembly, template: str, context: dict, **kwargs) -> HttpResponse:
    """Render a rotation page with every date and time on the assembly's clock, not the server's (UTC)."""
    with timezone.override(assembly.time_zone):
        return render(request, template, context, **kwargs)


def _back_to_roles(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_roles", slug=meeting.assembly.slug, pk=meeting.pk)


# The assembly's rotation ---------------------------------------------------------------------------


@login_required
@require_GET
def rotation_overview(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    next_meeting = selectors.next_meeting(assembly)
    return _render(
        request,
        assembly,
        "rotation/overview.html",
        {
            "assembly": assembly,
            "can_run": membership.has_role(Role.FACILITATOR),
            "can_manage": membership.has_role(Role.COORDINATOR),
            "rows": selectors.rotation_rows(assembly, next_meeting),
            "next_meeting": next_meeting,
            "next_summary": selectors.assignment_summary(next_meeting) if next_meeting else None,
        },
    )


# Role types --------------------------------------------------------------------------------------


@login_required
@require_GET
def role_type_list(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return render(request, "rotation/role_type_list.html", {"assembly": assembly, "roles": assembly.role_types.all()})


def _role_type_form(request: HttpRequest, assembly: Assembly, role: RoleType | None) -> HttpResponse:
    form = RoleTypeForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.assembly = assembly
        if role is None:
            saved.position = assembly.role_types.count()
        saved.save()
        messages.success(request, _("The role is saved."))
        return redirect("role_type_list", slug=assembly.slug)
    return render(
        request,
        "rotation/role_type_form.html",
        {"assembly": assembly, "form": form, "role": role},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def role_type_create(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return _role_type_form(request, assembly, None)


@login_required
@require_http_methods(["GET", "POST"])
def role_type_edit(request: HttpRequest, slug: str, role_pk: int) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return _role_type_form(request, assembly, get_object_or_404(RoleType, pk=role_pk, assembly=assembly))


@login_required
@require_POST
def role_type_move(request: HttpRequest, slug: str, role_pk: int) -> HttpResponse:
    """Move a role up or down the list: when people are short, roles higher up are filled first."""
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    role = get_object_or_404(RoleType, pk=role_pk, assembly=assembly)
    direction = request.POST.get("direction")
    if direction not in {"up", "down"}:
        return HttpResponseBadRequest()
    services.role_type_move(role=role, up=direction == "up")
    return redirect("role_type_list", slug=assembly.slug)


# A member's availability -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_rotation(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    roles = list(assembly.role_types.filter(retired=False))
    willing = {w.role_type_id: w for w in Willingness.objects.filter(membership=membership)}
    profile = RotationProfile.objects.filter(membership=membership).first()
    initial = {"languages": profile.languages if profile else []}
    for role_id, row in willing.items():
        initial[f"willing_{role_id}"] = True
        initial[f"trained_{role_id}"] = row.trained
    form = RotationSettingsForm(request.POST or None, roles=roles, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.rotation_settings_save(
            membership=membership,
            willing=form.willing(),
            trained=form.trained(),
            languages=form.cleaned_data["languages"],
        )
        messages.success(request, _("Your choices are saved. The rotation uses them from now on."))
        return redirect("my_rotation", slug=assembly.slug)
    return _render(
        request,
        assembly,
        "rotation/my_rotation.html",
        {
            "assembly": assembly,
            "form": form,
            "absence_form": AbsenceForm(),
            "absences": Absence.objects.filter(membership=membership, ends_on__gte=services.assembly_today(assembly)),
            "assignments": selectors.upcoming_assignments(membership),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def absence_add(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            services.absence_add(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Your dates away are saved. Nobody is proposed for a role while away."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("my_rotation", slug=assembly.slug)


@login_required
@require_POST
def absence_delete(request: HttpRequest, slug: str, absence_pk: int) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    get_object_or_404(Absence, pk=absence_pk, membership=membership).delete()
    messages.success(request, _("Those dates are removed."))
    return redirect("my_rotation", slug=assembly.slug)


# One meeting's roles -----------------------------------------------------------------------------


@login_required
@require_GET
def meeting_roles(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, membership = _get_meeting_for_member(request, slug, pk)
    can_run = membership.has_role(Role.FACILITATOR)
    assignments = list(
        meeting.assignments.filter(status__in=Assignment.ACTIVE).select_related("role_type", "membership__user")
    )
    mine = [a for a in assignments if a.membership_id == membership.pk]
    swappable = [a for a in assignments if a.status in (Assignment.Status.ASKED, Assignment.Status.ACCEPTED)]
    if can_run and not meeting.is_past and not meeting.is_cancelled:
        leads = [a for a in assignments if not a.shadow]
        choices = services.eligible_members_for(meeting, leads)
        for assignment in leads:
            assignment.choices = [m for m in choices[assignment.pk] if m.pk != assignment.membership_id]
    return _render(
        request,
        meeting.assembly,
        "rotation/meeting_roles.html",
        {
            "assembly": meeting.assembly,
            "meeting": meeting,
            "can_run": can_run,
            "assignments": assignments,
            "mine": mine,
            "swap_targets": [a for a in swappable if a.membership_id != membership.pk and not a.shadow],
            "swaps_for_me": Swap.objects.filter(
                wanted__meeting=meeting, wanted__membership=membership, status=Swap.Status.ASKED
            ).select_related("offered__role_type", "offered__membership__user", "wanted__role_type"),
            "my_swaps": Swap.objects.filter(
                offered__meeting=meeting, offered__membership=membership, status=Swap.Status.ASKED
            ).select_related("wanted__role_type", "wanted__membership__user"),
            "declined": meeting.assignments.filter(status=Assignment.Status.DECLINED).select_related(
                "role_type", "membership__user"
            )
            if can_run
            else [],
            "has_proposal": any(a.status == Assignment.Status.PROPOSED for a in assignments),
            # Roles the meeting needs that no row speaks for (e.g. their holder left the assembly).
            "missing": [r for r in services.needed_roles(meeting) if r.pk not in {a.role_type_id for a in assignments}]
            if assignments and not meeting.is_past and not meeting.is_cancelled
            else [],
            "is_open": not meeting.is_past and not meeting.is_cancelled,
            # Once a meeting has begun, its facilitators can confirm the next one's roles from here.
            "next_meeting": selectors.next_meeting(meeting.assembly, after=meeting)
            if can_run and meeting.starts_at <= timezone.now()
            else None,
        },
    )


def _roles_action(request: HttpRequest, meeting: Meeting, action, success) -> HttpResponse:
    try:
        result = action()
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return _back_to_roles(meeting)


@login_required
@require_POST
def roles_propose(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    return _roles_action(
        request,
        meeting,
        lambda: services.roles_propose(meeting=meeting),
        _("Here is the proposal. Change anyone you need to, then confirm it."),
    )


@login_required
@require_POST
def roles_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Confirm the proposal and ask the people in it; with no proposal yet, make and confirm one in one step."""
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    return _roles_action(
        request,
        meeting,
        lambda: services.roles_confirm(meeting=meeting),
        lambda asked: ngettext(
            "The roles are confirmed. We asked %(count)d person to accept.",
            "The roles are confirmed. We asked %(count)d people to accept.",
            asked,
        )
        % {"count": asked},
    )


def _get_assignment(meeting: Meeting, assignment_pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("role_type", "meeting__assembly", "membership"),
        pk=assignment_pk,
        meeting=meeting,
    )


@login_required
@require_POST
def assignment_change(request: HttpRequest, slug: str, pk: int, assignment_pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    assignment = _get_assignment(meeting, assignment_pk)
    membership = Membership.objects.filter(
        pk=_posted_id(request, "membership"),
        assembly=meeting.assembly,
        status=Membership.Status.ACTIVE,
    ).first()
    if membership is None:
        messages.error(request, _("Choose a member of this assembly."))
        return _back_to_roles(meeting)
    return _roles_action(
        request,
        meeting,
        lambda: services.assignment_change(assignment=assignment, membership=membership),
        _("The role is changed. Confirm to ask the new person."),
    )


@login_required
@require_POST
def assignment_answer(request: HttpRequest, slug: str, pk: int, assignment_pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_member(request, slug, pk)
    assignment = _get_assignment(meeting, assignment_pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
        return _back_to_roles(meeting)
    accept = form.accepted
    success = (
        _("Thank you! You are down for this role.")
        if accept
        else _("You declined. We are asking the next person in the rotation.")
    )
    return _roles_action(
        request,
        meeting,
        lambda: services.assignment_answer(assignment=assignment, user=request.user, accept=accept),
        success,
    )


@login_required
@require_POST
def swap_request(request: HttpRequest, slug: str, pk: int, assignment_pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_member(request, slug, pk)
    offered = _get_assignment(meeting, assignment_pk)
    wanted_pk = _posted_id(request, "wanted")
    wanted = Assignment.objects.filter(pk=wanted_pk, meeting=meeting).first() if wanted_pk else None
    if wanted is None:
        messages.error(request, _("Choose a role to swap with."))
        return _back_to_roles(meeting)
    return _roles_action(
        request,
        meeting,
        lambda: services.swap_request(offered=offered, wanted=wanted, user=request.user),
        _("We asked them. The swap happens only if they agree."),
    )


@login_required
@require_POST
def swap_answer(request: HttpRequest, slug: str, pk: int, swap_pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_member(request, slug, pk)
    swap = get_object_or_404(
        Swap.objects.select_related("offered__meeting__assembly", "wanted__membership"),
        Q(offered__meeting=meeting),
        pk=swap_pk,
    )
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
        return _back_to_roles(meeting)
    accept = form.accepted
    success = _("You swapped roles.") if accept else _("You said no to the swap. We told them.")
    return _roles_action(
        request, meeting, lambda: services.swap_answer(swap=swap, user=request.user, accept=accept), success
    )
