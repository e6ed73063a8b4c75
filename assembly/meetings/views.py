import csv
import secrets

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.assemblies import permissions
from assembly.assemblies.models import Assembly, Membership
from assembly.common.audit import audit_record
from assembly.common.cache import redis_unreachable
from assembly.common.errors import error_text
from assembly.common.i18n import localized_value
from assembly.meetings import links, selectors, services
from assembly.meetings.calendars import calendar_for
from assembly.meetings.forms import GuestRegistrationForm, MeetingForm, NeedsForm
from assembly.meetings.models import CalendarFeed, Meeting, Registration

Role = Membership.Role


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when the form has it, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _get_assembly_for_user(request: HttpRequest, slug: str) -> tuple[Assembly, Membership | None]:
    """An assembly whose meetings this person may see: a public one, or one they are an active member of."""
    assembly, membership = permissions.get_assembly_for_viewer(request.user, slug)
    if not assembly.is_public and not (membership and membership.is_active):
        raise Http404
    return assembly, membership


def _get_meeting_for_user(request: HttpRequest, slug: str, pk: int) -> tuple[Meeting, Membership | None]:
    """A meeting this person may see; drafts only for facilitators and coordinators."""
    assembly, membership = _get_assembly_for_user(request, slug)
    meeting = get_object_or_404(Meeting.objects.select_related("assembly"), pk=pk, assembly=assembly)
    if meeting.status == Meeting.Status.DRAFT and not (membership and membership.has_role(Role.FACILITATOR)):
        raise Http404
    return meeting, membership


def _get_meeting_for_member(request: HttpRequest, slug: str, pk: int) -> tuple[Meeting, Membership]:
    """A meeting of an assembly the person is an active member of, public or not; drafts only for facilitators."""
    assembly, membership = permissions.get_assembly_for_member(request.user, slug)
    meeting = get_object_or_404(Meeting.objects.select_related("assembly"), pk=pk, assembly=assembly)
    if meeting.status == Meeting.Status.DRAFT and not membership.has_role(Role.FACILITATOR):
        raise Http404
    return meeting, membership


def _get_meeting_for_facilitator(request: HttpRequest, slug: str, pk: int) -> Meeting:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.FACILITATOR)
    return get_object_or_404(Meeting.objects.select_related("assembly"), pk=pk, assembly=assembly)


def _can_see_address(meeting: Meeting, registration: Registration | None, membership: Membership | None) -> bool:
    if membership and membership.has_role(Role.FACILITATOR):
        return True
    if meeting.address_visibility == Meeting.AddressVisibility.EVERYONE:
        return True
    return registration is not None and registration.status == Registration.Status.CONFIRMED


@require_GET
def meeting_list(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = _get_assembly_for_user(request, slug)
    can_edit = bool(membership and membership.has_role(Role.FACILITATOR))
    upcoming, past = selectors.meeting_list_for_assembly(assembly, include_drafts=can_edit)
    return render(
        request,
        "meetings/meeting_list.html",
        {"assembly": assembly, "upcoming": upcoming, "past": past[:20], "can_edit": can_edit},
    )


@require_GET
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, membership = _get_meeting_for_user(request, slug, pk)
    registration = selectors.registration_for(meeting, request.user)
    can_edit = bool(membership and membership.has_role(Role.FACILITATOR))
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "assembly": meeting.assembly,
            "meeting": meeting,
            "registration": registration if registration and registration.holds_place else None,
            "can_edit": can_edit,
            "is_member": bool(membership and membership.is_active),
            "show_address": _can_see_address(meeting, registration, membership),
            "needs_form": NeedsForm(meeting=meeting),
            "guest_form": GuestRegistrationForm(meeting=meeting),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.FACILITATOR)
    with timezone.override(assembly.time_zone):
        form = MeetingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                meeting = services.meeting_create(assembly=assembly, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("The meeting is saved as a draft. Publish it when it is ready."))
                return redirect("meeting_detail", slug=assembly.slug, pk=meeting.pk)
        return render(request, "meetings/meeting_form.html", {"form": form, "assembly": assembly})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    with timezone.override(meeting.assembly.time_zone):
        form = MeetingForm(request.POST or None, instance=Meeting.objects.get(pk=meeting.pk))
        if request.method == "POST" and form.is_valid():
            try:
                services.meeting_update(meeting=meeting, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("The meeting is saved."))
                return redirect("meeting_detail", slug=meeting.assembly.slug, pk=meeting.pk)
        return render(
            request, "meetings/meeting_form.html", {"form": form, "assembly": meeting.assembly, "meeting": meeting}
        )


def _facilitator_action(
    request: HttpRequest, slug: str, pk: int, action, success: str, page: str = "meeting_detail"
) -> HttpResponse:
    """Run a facilitator's action on a meeting and report back on one of its pages."""
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    try:
        action(meeting=meeting)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success)
    return redirect(page, slug=meeting.assembly.slug, pk=meeting.pk)


@login_required
@require_POST
def meeting_publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _facilitator_action(request, slug, pk, services.meeting_publish, _("The meeting is published."))


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _facilitator_action(
        request, slug, pk, services.meeting_cancel, _("The meeting is cancelled. Everyone who signed up will be told.")
    )


@login_required
@require_POST
def meeting_register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_user(request, slug, pk)
    form = NeedsForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("meeting_detail", slug=meeting.assembly.slug, pk=meeting.pk)
    try:
        registration = services.registration_create(meeting=meeting, user=request.user, **form.needs())
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if registration.status == Registration.Status.CONFIRMED:
            messages.success(request, _("You are signed up. We sent you a confirmation with a calendar file."))
        else:
            messages.success(
                request, _("The meeting is full, so you are on the waitlist. We will tell you if a seat opens.")
            )
    return redirect("meeting_detail", slug=meeting.assembly.slug, pk=meeting.pk)


@require_POST
def meeting_guest_register(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_user(request, slug, pk)
    if request.user.is_authenticated:
        return redirect("meeting_detail", slug=meeting.assembly.slug, pk=meeting.pk)
    form = GuestRegistrationForm(request.POST, meeting=meeting)
    context = {
        "assembly": meeting.assembly,
        "meeting": meeting,
        "guest_form": form,
        "needs_form": None,
        # The form comes back on this POST's address; the language switcher must go to the page itself.
        "switch_next": reverse("meeting_detail", kwargs={"slug": meeting.assembly.slug, "pk": meeting.pk}),
    }
    if not form.is_valid():
        return render(request, "meetings/meeting_detail.html", {**context, "show_address": False}, status=400)
    if not ratelimit.consume(request, action="guest_signup", key=form.cleaned_data["email"].lower()):
        if redis_unreachable():
            # Closed, not open: each sign-up mails an address anyone can type, and nothing counts them now.
            form.add_error(None, _("Sign-ups without an account are paused for a few minutes. Please try again later."))
        else:
            form.add_error(None, _("Too many sign-ups from here. Please wait a few minutes and try again."))
        return render(request, "meetings/meeting_detail.html", {**context, "show_address": False}, status=429)
    try:
        services.guest_registration_create(
            meeting=meeting,
            alias=form.cleaned_data["alias"],
            email=form.cleaned_data["email"],
            language=translation.get_language(),
            **form.needs(),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "meetings/meeting_detail.html", {**context, "show_address": False}, status=400)
    return redirect("meeting_guest_sent", slug=meeting.assembly.slug, pk=meeting.pk)


@require_GET
def meeting_guest_sent(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_user(request, slug, pk)
    return render(request, "meetings/guest_check_email.html", {"meeting": meeting, "assembly": meeting.assembly})


@login_required
@require_POST
def meeting_unregister(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, _membership = _get_meeting_for_user(request, slug, pk)
    registration = selectors.registration_for(meeting, request.user)
    if registration is None:
        raise Http404
    try:
        services.registration_cancel(registration=registration)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("meeting_detail", slug=meeting.assembly.slug, pk=meeting.pk)


def _link_problem(request: HttpRequest, error: str) -> HttpResponse:
    return render(request, "meetings/link_problem.html", {"error": error}, status=400)


@require_http_methods(["GET", "POST"])
def registration_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A guest confirms their address from the link we mailed; GET only shows the button."""
    registration_id = links.registration_id_from_confirm_token(token)
    if registration_id is None:
        return _link_problem(
            request, _("This confirmation link is not valid or has expired. Sign up again on the meeting's page.")
        )
    registration = Registration.objects.select_related("meeting__assembly").filter(pk=registration_id).first()
    if registration is None:
        return _link_problem(request, _("This sign-up no longer exists. You can sign up again on the meeting's page."))
    if request.method == "POST":
        try:
            registration = services.guest_registration_confirm(registration_id=registration.pk)
        except ValidationError as error:
            return _link_problem(request, error_text(error))
    return render(
        request,
        "meetings/registration_confirm.html",
        {"registration": registration, "meeting": registration.meeting, "done": request.method == "POST"},
    )


@require_http_methods(["GET", "POST"])
def registration_cancel_link(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel a sign-up from the link in its emails, without logging in; GET only asks to confirm."""
    registration_id = links.registration_id_from_cancel_token(token)
    registration = None
    if registration_id is not None:
        registration = Registration.objects.select_related("meeting__assembly").filter(pk=registration_id).first()
    if registration is None:
        return _link_problem(request, _("This link is not valid. Use the link in the newest message we sent you."))
    done = registration.status == Registration.Status.CANCELLED
    if request.method == "POST" and not done:
        try:
            services.registration_cancel(registration=registration)
        except ValidationError as error:
            return _link_problem(request, error_text(error))
        done = True
    return render(
        request,
        "meetings/registration_cancel.html",
        {"registration": registration, "meeting": registration.meeting, "done": done},
    )


@login_required
@require_GET
def my_meetings(request: HttpRequest) -> HttpResponse:
    upcoming, past = selectors.registration_list_for_user(request.user)
    return render(request, "meetings/my_meetings.html", {"upcoming": upcoming, "past": past[:20]})


@login_required
@require_GET
def meeting_attendees(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    audit_record(actor=request.user, action="attendees.view", target=meeting)
    return render(
        request,
        "meetings/attendees.html",
        {
            "assembly": meeting.assembly,
            "meeting": meeting,
            "attendees": selectors.attendee_list(meeting),
            "totals": selectors.attendee_totals(meeting),
        },
    )


@login_required
@require_GET
def meeting_attendees_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting = _get_meeting_for_facilitator(request, slug, pk)
    audit_record(actor=request.user, action="attendees.export", target=meeting)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-attendees.csv"'
    writer = csv.writer(response)
    writer.writerow([_("Name"), _("Status"), _("Interpretation"), _("Children"), _("Step-free access")])
    for registration in selectors.attendee_list(meeting):
        writer.writerow(
            [
                _csv_safe(registration.display_name),
                registration.get_status_display(),
                _csv_safe(registration.interpretation_language),
                registration.children,
                _("yes") if registration.step_free else "",
            ]
        )
    return response


def _csv_safe(text: str) -> str:
    """Keep a spreadsheet from running a name as a formula."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    meeting, membership = _get_meeting_for_user(request, slug, pk)
    registration = selectors.registration_for(meeting, request.user)
    show = _can_see_address(meeting, registration, membership)
    content = calendar_for([meeting], name=localized_value(meeting, "title").text, with_address=lambda m: show)
    return _ics_response(content, f"meeting-{meeting.pk}.ics")


@require_GET
def assembly_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """The public feed of a public assembly's meetings; exact addresses only where everyone may see them."""
    assembly = get_object_or_404(Assembly, slug=slug, visibility=Assembly.Visibility.PUBLIC)
    meetings = assembly.meetings.exclude(status=Meeting.Status.DRAFT).select_related("assembly")
    content = calendar_for(
        meetings,
        name=localized_value(assembly, "name").text,
        with_address=lambda m: m.address_visibility == Meeting.AddressVisibility.EVERYONE,
    )
    return _ics_response(content, f"{assembly.slug}.ics")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A member's private feed of the meetings they signed up for, for their calendar app."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    if feed is None:
        raise Http404
    meetings = selectors.calendar_meetings_for_user(feed.user)
    seated = set(
        Registration.objects.filter(user=feed.user, status=Registration.Status.CONFIRMED).values_list(
            "meeting_id", flat=True
        )
    )
    with translation.override(feed.user.language):
        content = calendar_for(
            meetings,
            name=_("My meetings"),
            with_address=lambda m: m.address_visibility == Meeting.AddressVisibility.EVERYONE or m.pk in seated,
        )
    return _ics_response(content, "my-meetings.ics")


@login_required
@require_GET
def calendar_settings(request: HttpRequest) -> HttpResponse:
    feed = CalendarFeed.objects.filter(user=request.user).first()
    feed_url = request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": feed.token})) if feed else None
    return render(request, "meetings/calendar_settings.html", {"feed_url": feed_url})


@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    """Make a new secret address for the private feed; the old one stops working at once."""
    CalendarFeed.objects.update_or_create(user=request.user, defaults={"token": secrets.token_urlsafe(24)})
    messages.success(request, _("Your calendar has a new address. The old one no longer works."))
    return redirect("calendar_settings")
