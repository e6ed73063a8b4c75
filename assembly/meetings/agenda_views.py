"""Agenda, proposals and minutes pages of a meeting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.assemblies.models import Membership
from assembly.common.errors import error_text
from assembly.meetings import agenda
from assembly.meetings.forms import AgendaItemForm, MinutesForm, ProposalForm, ProposalsDeadlineForm
from assembly.meetings.models import AgendaItem, Meeting
from assembly.meetings.views import (
    _add_service_errors,
    _facilitator_action,
    _get_meeting_for_facilitator,
    _get_meeting_for_member,
    _get_meeting_for_user,
)

Role = Membership.Role
Status = AgendaItem.Status


def _get_item_for_facilitator(request: HttpRequest, slug: str, pk: int, item_pk: int) -> AgendaItem:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    item = get_object_or_404(AgendaItem.objects.select_related("meeting__assembly"), pk=item_pk, meeting=meeting)
    item.meeting = meeting
    return item


def _back_to_agenda(meeting: Meeting) -> HttpResponse:
    return redirect("agenda_detail", slug=meeting.assembly.slug, pk=meeting.pk)


@require_GET
def agenda_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, membership = _get_meeting_for_user(request, slug, pk)
    can_edit = bool(membership and membership.has_role(Role.FACILITATOR))
    is_member = bool(membership and membership.is_active)
    context = {
        "assembly": meeting.assembly,
        "meeting": meeting,
        "can_edit": can_edit,
        "is_member": is_member,
        "items": agenda.agenda_outline(meeting) if can_edit or meeting.agenda_is_published else [],
    }
    if can_edit:
        with timezone.override(meeting.assembly.time_zone):
            context["deadline_form"] = ProposalsDeadlineForm(instance=meeting)
        context["proposals"] = meeting.agenda_items.filter(status=Status.PROPOSED).select_related("proposed_by")
        context["planned"] = sum(item.duration for item in context["items"])
        context["signed_up"] = meeting.registrations.filter(status__in=["confirmed", "waitlisted"]).count()
    if is_member and request.user.is_authenticated:
        context["my_proposals"] = meeting.agenda_items.filter(proposed_by=request.user).order_by("-created_at")
    return render(request, "meetings/agenda_detail.html", context)


def _item_form_page(request, meeting: Meeting, form, item: AgendaItem | None = None) -> HttpResponse:
    return render(
        request,
        "meetings/agenda_item_form.html",
        {"assembly": meeting.assembly, "meeting": meeting, "form": form, "item": item},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    form = AgendaItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "parent"}
        try:
            agenda.agenda_item_create(meeting=meeting, parent=form.cleaned_data["parent"], **fields)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The item is added to the agenda."))
            return _back_to_agenda(meeting)
    return _item_form_page(request, meeting, form)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    item = _get_item_for_facilitator(request, slug, pk, item_pk)
    if item.status != Status.ACCEPTED:
        raise Http404
    meeting = item.meeting
    form = AgendaItemForm(request.POST or None, instance=AgendaItem.objects.get(pk=item.pk), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name != "parent"}
        try:
            agenda.agenda_item_update(item=item, parent=form.cleaned_data["parent"], **fields)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("The item is saved."))
            return _back_to_agenda(meeting)
    return _item_form_page(request, meeting, form, item)


def _item_action(request: HttpRequest, item: AgendaItem, action, success: str | None) -> HttpResponse:
    try:
        action(item)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if success:
            messages.success(request, success)
    return _back_to_agenda(item.meeting)


@login_required
@require_POST
def agenda_item_delete(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    item = _get_item_for_facilitator(request, slug, pk, item_pk)
    # A proposal is answered with a decision, which its proposer hears of; removing it would tell nobody.
    if item.status != Status.ACCEPTED:
        raise Http404
    return _item_action(request, item, lambda item: agenda.agenda_item_delete(item=item), _("The item is removed."))


@login_required
@require_POST
def agenda_item_move(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    item = _get_item_for_facilitator(request, slug, pk, item_pk)
    direction = request.POST.get("direction")
    if direction not in {"up", "down"}:
        return HttpResponseBadRequest()
    up = direction == "up"
    return _item_action(request, item, lambda item: agenda.agenda_item_move(item=item, up=up), None)


@login_required
@require_POST
def agenda_proposal_decide(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    item = _get_item_for_facilitator(request, slug, pk, item_pk)
    # The member is told either way and a decision cannot be taken back, so a missing answer is not a "no".
    decision = request.POST.get("decision")
    if decision not in {"accept", "decline"}:
        raise BadRequest("The decision must be accept or decline.")
    accept = decision == "accept"
    success = (
        _("The proposal is on the agenda. We told the member.")
        if accept
        else _("The proposal is declined. We told the member.")
    )
    return _item_action(request, item, lambda item: agenda.agenda_proposal_decide(item=item, accept=accept), success)


@login_required
@require_POST
def agenda_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _facilitator_action(
        request,
        slug,
        pk,
        agenda.agenda_publish,
        _("The agenda is published and sent to everyone signed up."),
        page="agenda_detail",
    )


@login_required
@require_POST
def agenda_announce(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _facilitator_action(
        request,
        slug,
        pk,
        agenda.agenda_announce_update,
        _("The updated agenda is sent to everyone signed up."),
        page="agenda_detail",
    )


@login_required
@require_POST
def agenda_deadline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    with timezone.override(meeting.assembly.time_zone):
        form = ProposalsDeadlineForm(request.POST, instance=Meeting.objects.get(pk=meeting.pk))
        if form.is_valid():
            try:
                agenda.agenda_proposals_until_set(meeting=meeting, proposals_until=form.cleaned_data["proposals_until"])
            except ValidationError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("The deadline for proposals is saved."))
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back_to_agenda(meeting)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_propose(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, membership = _get_meeting_for_user(request, slug, pk)
    if membership is None or not membership.is_active:
        raise Http404
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agenda.agenda_proposal_create(meeting=meeting, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your proposal is sent to the facilitators. We will tell you what they decide.")
            )
            return _back_to_agenda(meeting)
    return render(
        request,
        "meetings/agenda_propose.html",
        {"assembly": meeting.assembly, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def minutes_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Minutes are for members: facilitators see the draft, others once it is published."""
    meeting, membership = _get_meeting_for_member(request, slug, pk)
    can_edit = membership.has_role(Role.FACILITATOR)
    show = can_edit or meeting.minutes_are_published
    return render(
        request,
        "meetings/minutes_detail.html",
        {
            "assembly": meeting.assembly,
            "meeting": meeting,
            "can_edit": can_edit,
            "items": agenda.agenda_outline(meeting) if show else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def minutes_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    items = [item for main in agenda.agenda_outline(meeting) for item in [main, *main.children.all()]]
    form = MinutesForm(request.POST or None, items=items, initial={"attendance": meeting.attendance})
    if request.method == "POST" and form.is_valid():
        try:
            agenda.minutes_save(meeting=meeting, attendance=form.cleaned_data["attendance"], items=form.item_values())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The minutes are saved."))
            return redirect("minutes_detail", slug=meeting.assembly.slug, pk=meeting.pk)
    return render(
        request,
        "meetings/minutes_form.html",
        {"assembly": meeting.assembly, "meeting": meeting, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def minutes_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    try:
        agenda.minutes_publish(meeting=meeting)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The minutes are published and sent to the people who came."))
    return redirect("minutes_detail", slug=meeting.assembly.slug, pk=meeting.pk)
