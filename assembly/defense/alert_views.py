"""Raising alerts, the dispatcher's board, and the signed link each alerted person answers from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.assemblies import permissions
from assembly.assemblies.models import Membership
from assembly.common.audit import audit_record
from assembly.common.errors import error_text
from assembly.defense import alerts, links, selectors
from assembly.defense.forms import AlertForm, AnswerForm, HandForm, UpdateForm
from assembly.defense.models import Alert, AlertAnswer, Claim
from assembly.defense.views import _get_plan_for_member
from assembly.notify.selectors import CHANNEL_LABELS


def _get_alert_for_dispatcher(request: HttpRequest, slug: str, alert_pk: int) -> tuple[Alert, Membership]:
    """An alert of the member's assembly, for its plan's dispatchers and the coordinators."""
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    alert = get_object_or_404(
        Alert.objects.select_related("plan__assembly", "zone"), pk=alert_pk, plan__assembly=assembly
    )
    if not alerts.can_raise(alert.plan, membership, alert.zone):
        raise PermissionDenied
    return alert, membership


@login_required
@require_http_methods(["GET", "POST"])
def alert_raise(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    plan, membership = _get_plan_for_member(request, slug, pk)
    if not alerts.can_raise(plan, membership):
        raise PermissionDenied
    with timezone.override(plan.assembly.time_zone):
        form = AlertForm(request.POST or None, plan=plan, initial={"seen_at": timezone.localtime()})
        if request.method == "POST" and form.is_valid():
            controls = {"verified", "zone", "practice", "key", "another"}
            details = {name: value for name, value in form.cleaned_data.items() if name not in controls}
            try:
                alert, created = alerts.alert_raise(
                    plan=plan,
                    zone=form.cleaned_data["zone"],
                    raised_by=membership,
                    verified=form.cleaned_data["verified"],
                    practice=form.cleaned_data["practice"],
                    key=form.cleaned_data["key"],
                    another=form.cleaned_data["another"],
                    **details,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if not created:
                    # A second tap, or the form sent again: the alert went out once, here it is.
                    messages.info(request, _("This alert was already sent. Here is its board."))
                elif alert.status == Alert.Status.UNVERIFIED and not alert.alerted_count:
                    messages.warning(
                        request,
                        _("Nobody verifies in this zone, so nobody was told. Verify it yourself below, or clear it."),
                    )
                else:
                    messages.success(request, _("The alert is sent. Answers appear on this board as they come."))
                return redirect("alert_board", slug=plan.assembly.slug, alert_pk=alert.pk)
        # Only the alerts whose board this person may open: a zone's dispatcher sees their zones' alerts.
        already_open = [
            alert for alert in selectors.open_alerts(plan) if alerts.can_raise(plan, membership, alert.zone)
        ]
        return render(
            request,
            "defense/alert_form.html",
            {"assembly": plan.assembly, "plan": plan, "form": form, "open_alerts": already_open},
            status=400 if form.errors else 200,
        )


@login_required
@require_GET
def alert_board(request: HttpRequest, slug: str, alert_pk: int) -> HttpResponse:
    alert, membership = _get_alert_for_dispatcher(request, slug, alert_pk)
    # Against the plan, not the alert: when the alert ends nothing should tie a person to it.
    audit_record(actor=request.user, action="defense.alert.board", target=alert.plan)
    return _render_board(request, alert, membership)


def _render_board(
    request: HttpRequest, alert: Alert, membership: Membership, *, hand_form=None, update_form=None
) -> HttpResponse:
    board = alerts.board(alert)
    can_hand = alert.is_open and alerts.can_hand(alert, membership)
    candidates = alerts.hand_candidates(alert) if can_hand else []
    return render(
        request,
        "defense/alert_board.html",
        {
            "assembly": alert.plan.assembly,
            "alert": alert,
            "plan": alert.plan,
            "board": board,
            "delivery": [(channel, label, board["delivery"][channel]) for channel, label in CHANNEL_LABELS.items()],
            "answer_labels": dict(AlertAnswer.Answer.choices),
            "hand_form": (hand_form or HandForm(candidates=candidates)) if candidates else None,
            "update_form": update_form or UpdateForm(),
        },
        status=400 if (hand_form and hand_form.errors) or (update_form and update_form.errors) else 200,
    )


@login_required
@require_GET
def alert_board_data(request: HttpRequest, slug: str, alert_pk: int) -> HttpResponse:
    """The board's answers as JSON, fetched every few seconds by the board page."""
    alert, _membership = _get_alert_for_dispatcher(request, slug, alert_pk)
    return JsonResponse(alerts.board(alert))


def _board_action(request: HttpRequest, slug: str, alert_pk: int, action, success: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    alert = get_object_or_404(Alert.objects.select_related("plan", "zone"), pk=alert_pk, plan__assembly=assembly)
    try:
        action(alert, membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success)
    if alerts.can_raise(alert.plan, membership, alert.zone):
        return redirect("alert_board", slug=slug, alert_pk=alert.pk)
    return redirect("plan_detail", slug=slug, pk=alert.plan_id)


@login_required
@require_POST
def alert_verify(request: HttpRequest, slug: str, alert_pk: int) -> HttpResponse:
    decision = request.POST.get("decision")
    if decision not in {"confirm", "clear"}:
        raise Http404
    confirm = decision == "confirm"

    def verify(alert: Alert, membership: Membership) -> None:
        if not alerts.can_verify(alert, membership):
            raise PermissionDenied
        alerts.alert_verify(alert=alert, membership=membership, confirm=confirm)

    success = (
        _("Verified: everyone with a role in the zone is alerted.")
        if confirm
        else _("Cleared: nobody else is alerted.")
    )
    return _board_action(request, slug, alert_pk, verify, success)


@login_required
@require_POST
def alert_close(request: HttpRequest, slug: str, alert_pk: int) -> HttpResponse:
    def close(alert: Alert, membership: Membership) -> None:
        if not alerts.can_raise(alert.plan, membership, alert.zone):
            raise PermissionDenied
        alerts.alert_close(alert=alert)

    return _board_action(request, slug, alert_pk, close, _("The alert is closed and its details are erased."))


def _ended(request: HttpRequest, alert: Alert) -> HttpResponse:
    """An action on an alert that ended meanwhile: its board says so, and nothing else happens."""
    messages.error(request, _("This alert has already ended."))
    return redirect("alert_board", slug=alert.plan.assembly.slug, alert_pk=alert.pk)


@login_required
@require_POST
def alert_hand(request: HttpRequest, slug: str, alert_pk: int) -> HttpResponse:
    """Hand the alert to another of the plan's dispatchers, with a note: the board then shows who holds it."""
    alert, membership = _get_alert_for_dispatcher(request, slug, alert_pk)
    if not alerts.can_hand(alert, membership):
        raise PermissionDenied
    if not alert.is_open:
        return _ended(request, alert)
    form = HandForm(request.POST, candidates=alerts.hand_candidates(alert))
    if form.is_valid():
        try:
            event = alerts.alert_hand(
                alert=alert, by=membership, to=form.cleaned_data["to"], note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s holds the alert now.") % {"name": event.to.user.display_name})
            return redirect("alert_board", slug=slug, alert_pk=alert.pk)
    alert.refresh_from_db()
    return _render_board(request, alert, membership, hand_form=form)


@login_required
@require_POST
def alert_update(request: HttpRequest, slug: str, alert_pk: int) -> HttpResponse:
    """Post an update to everyone alerted ("they moved to Fifth and Main"); it goes out by each one's channels."""
    alert, membership = _get_alert_for_dispatcher(request, slug, alert_pk)
    if not alert.is_open:
        return _ended(request, alert)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            alerts.alert_post_update(alert=alert, by=membership, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The update is on its way to everyone alerted."))
            return redirect("alert_board", slug=slug, alert_pk=alert.pk)
    alert.refresh_from_db()
    return _render_board(request, alert, membership, update_form=form)


def _role_cards(alert: Alert, membership: Membership) -> list[dict]:
    """The person's roles in the alert's zone (or the whole area), each with its steps and meeting points."""
    plan = alert.plan
    claims = Claim.objects.filter(
        Q(role__zone=alert.zone) | Q(role__zone__isnull=True), role__plan=plan, membership=membership
    ).select_related("role__kind", "role__zone")
    points = list(plan.meeting_points.all())
    hotlines = list(plan.resources.filter(kind="hotline"))
    return [
        {
            "role": claim.role,
            "steps": plan.steps.filter(Q(role_kind=claim.role.kind) | Q(role_kind__isnull=True)),
            "points": points,
            "hotlines": hotlines,
        }
        for claim in claims
    ]


@require_http_methods(["GET", "POST"])
def alert_answer(request: HttpRequest, token: str) -> HttpResponse:
    """Answer an alert from the link in its message, without logging in; verifiers also verify from here."""
    found = links.alert_and_membership(token)
    if found is None:
        return render(
            request,
            "defense/alert_link_problem.html",
            {"error": _("This link is not valid. Use the link in the newest message we sent you.")},
            status=400,
        )
    alert, membership = found
    form = AnswerForm()
    done = problem = None
    if request.method == "POST":
        try:
            if "decision" in request.POST:
                # Clearing erases the report: only the button that says so may do it.
                if request.POST["decision"] not in {"confirm", "clear"}:
                    raise ValidationError(_("Choose one of the answers."))
                confirm = request.POST["decision"] == "confirm"
                alerts.alert_verify(alert=alert, membership=membership, confirm=confirm)
                done = (
                    _("Thank you. Everyone with a role in the zone is alerted.")
                    if confirm
                    else _("Thank you. The report is cleared.")
                )
            else:
                # Bound even with no answer at all: a send that picked nothing must say so, not look answered.
                form = AnswerForm(request.POST)
                if form.is_valid():
                    alerts.alert_answer(
                        alert=alert,
                        membership=membership,
                        answer=form.cleaned_data["answer"],
                        eta_minutes=form.cleaned_data["eta_minutes"],
                    )
                    done = _("Thank you. The dispatcher sees your answer. You can change it here.")
        except ValidationError as error:
            # A verification posts no answer, so its refusal has no bound form to go on.
            if form.is_bound:
                form.add_error(None, error)
            else:
                problem = error_text(error)
        alert.refresh_from_db()
    current = alert.answers.filter(membership=membership).first()
    involved = alerts.is_involved(alert, membership)
    # What to do and where to go, without logging in; the role cards name the meeting points already.
    cards = _role_cards(alert, membership) if alert.is_open and involved else []
    points = list(alert.plan.meeting_points.all()) if alert.is_open and involved and not cards else []
    return render(
        request,
        "defense/alert_answer.html",
        {
            "alert": alert,
            "assembly": alert.plan.assembly,
            "form": form,
            "answers": dict(AlertAnswer.Answer.choices),
            "current": current,
            "verifier": alert.status == Alert.Status.UNVERIFIED and alerts.can_verify(alert, membership),
            # Someone who no longer holds a role here sees that an alert exists, not where.
            "involved": involved,
            "done": done,
            "problem": problem,
            "plan": alert.plan,
            "cards": cards,
            "points": points,
        },
        status=400 if form.errors or problem else 200,
    )
