from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.assemblies import permissions, selectors, services
from assembly.assemblies.forms import AssemblyCreateForm, AssemblyForm, MembershipRoleForm, ZoneForm
from assembly.assemblies.models import Assembly, Membership, Zone
from assembly.common.audit import audit_record
from assembly.common.errors import error_text
from assembly.notify import services as notify_services
from assembly.notify.models import Message
from assembly.notify.selectors import messages_of_assembly

Role = Membership.Role


def _get_membership_for_coordinator(request: HttpRequest, slug: str, pk: int) -> tuple[Assembly, Membership]:
    assembly, _own = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return assembly, get_object_or_404(Membership, pk=pk, assembly=assembly)


def _get_zone_for_coordinator(request: HttpRequest, slug: str, pk: int) -> tuple[Assembly, Zone]:
    assembly, _own = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    return assembly, get_object_or_404(Zone, pk=pk, assembly=assembly)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assemblies/home.html",
        {
            "public_assemblies": selectors.assembly_list_public(),
            "my_memberships": selectors.membership_list_for_user(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assembly_create(request: HttpRequest) -> HttpResponse:
    form = AssemblyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        assembly = services.assembly_create(creator=request.user, **form.cleaned_data)
        messages.success(request, _("Your assembly is ready. You are its coordinator."))
        return redirect("assembly_detail", slug=assembly.slug)
    return render(request, "assemblies/assembly_form.html", {"form": form})


@require_GET
def assembly_detail(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_viewer(request.user, slug)
    is_member = membership is not None and membership.is_active
    return render(
        request,
        "assemblies/assembly_detail.html",
        {
            "assembly": assembly,
            "membership": membership,
            "is_member": is_member,
            "member_count": selectors.member_count(assembly) if is_member else None,
            "zones": assembly.zones.all() if permissions.can_see_zones(membership) else None,
            "can_manage": permissions.can_manage_members(membership),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assembly_edit(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    form = AssemblyForm(request.POST or None, instance=assembly)
    if request.method == "POST" and form.is_valid():
        services.assembly_update(assembly=assembly, **form.cleaned_data)
        messages.success(request, _("The assembly is saved."))
        return redirect("assembly_detail", slug=assembly.slug)
    return render(request, "assemblies/assembly_form.html", {"form": form, "assembly": assembly})


@login_required
@require_POST
def assembly_join(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_viewer(request.user, slug)
    try:
        membership = services.membership_join(assembly=assembly, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if membership.is_active:
            messages.success(request, _("Welcome! You are now a member."))
        else:
            messages.success(request, _("Your request to join has been sent. A coordinator will look at it."))
    return redirect("assembly_detail", slug=assembly.slug)


@login_required
@require_POST
def assembly_leave(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_viewer(request.user, slug)
    if membership is None:
        raise Http404
    try:
        services.membership_leave(membership=membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("assembly_detail", slug=assembly.slug)
    messages.success(request, _("You have left the assembly."))
    return redirect("home")


@login_required
@require_GET
def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    audit_record(actor=request.user, action="roster.view", target=assembly)
    return render(
        request,
        "assemblies/member_list.html",
        {
            "assembly": assembly,
            "membership": membership,
            "memberships": selectors.membership_list_for_roster(assembly),
            "invitations": selectors.invitation_list_open(assembly),
            "role_choices": Role.choices,
        },
    )


@login_required
@require_GET
def failed_messages(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _own = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    # It names members who were not reached: a view of the roster.
    audit_record(actor=request.user, action="messages.failed.view", target=assembly)
    rows, total = selectors.failed_message_list(assembly)
    return render(request, "assemblies/failed_messages.html", {"assembly": assembly, "rows": rows, "total": total})


@login_required
@require_POST
def failed_message_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assembly, _own = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    message = get_object_or_404(messages_of_assembly(assembly_id=assembly.pk), pk=pk)
    if notify_services.messages_resend(messages=Message.objects.filter(pk=message.pk)):
        audit_record(actor=request.user, action="messages.failed.resend", target=assembly)
        messages.success(request, _("The message is queued to be sent again."))
    else:
        messages.info(request, _("This message is no longer failed: it was sent again already."))
    return redirect("failed_messages", slug=assembly.slug)


@login_required
@require_POST
def failed_messages_resend_all(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _own = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    count = notify_services.messages_resend(messages=messages_of_assembly(assembly_id=assembly.pk))
    if count:
        audit_record(actor=request.user, action="messages.failed.resend", target=assembly)
    messages.success(
        request,
        ngettext(
            "%(count)d message is queued to be sent again.", "%(count)d messages are queued to be sent again.", count
        )
        % {"count": count},
    )
    return redirect("failed_messages", slug=assembly.slug)


def _membership_action(request: HttpRequest, slug: str, pk: int, action, success: str) -> HttpResponse:
    """Run a coordinator's action on one membership and report back on the member list."""
    assembly, membership = _get_membership_for_coordinator(request, slug, pk)
    try:
        action(membership)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, success % {"name": membership.user.display_name})
    return redirect("member_list", slug=assembly.slug)


@login_required
@require_POST
def membership_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _membership_action(
        request,
        slug,
        pk,
        lambda membership: services.membership_approve(membership=membership),
        _("%(name)s is now a member."),
    )


@login_required
@require_POST
def membership_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    form = MembershipRoleForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else None

    def set_role(membership: Membership) -> None:
        if role is None:
            raise ValidationError(_("Choose a role from the list."))
        services.membership_set_role(membership=membership, role=role)

    return _membership_action(request, slug, pk, set_role, _("The role of %(name)s is saved."))


@login_required
@require_POST
def membership_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _membership_action(
        request,
        slug,
        pk,
        lambda membership: services.membership_remove(membership=membership),
        _("%(name)s is no longer in this assembly."),
    )


@login_required
@require_POST
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    invitation, token = services.invitation_create(assembly=assembly, actor=request.user)
    link = request.build_absolute_uri(reverse("invitation_accept", kwargs={"token": token}))
    return render(
        request, "assemblies/invitation_created.html", {"assembly": assembly, "invitation": invitation, "link": link}
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            membership = services.invitation_accept(token=token, user=request.user)
            messages.success(request, _("Welcome! You are now a member."))
            return redirect("assembly_detail", slug=membership.assembly.slug)
        invitation = services.invitation_get(token=token)
    except ValidationError as error:
        return render(request, "assemblies/invitation_invalid.html", {"error": error_text(error)}, status=400)
    return render(request, "assemblies/invitation_accept.html", {"assembly": invitation.assembly})


@login_required
@require_http_methods(["GET", "POST"])
def zone_create(request: HttpRequest, slug: str) -> HttpResponse:
    assembly, _membership = permissions.get_assembly_for_member(request.user, slug, Role.COORDINATOR)
    form = ZoneForm(request.POST or None, instance=Zone(assembly=assembly))
    if request.method == "POST" and form.is_valid():
        services.zone_save(zone=form.instance, neighbors=form.cleaned_data["neighbors"])
        messages.success(request, _("The zone is saved."))
        return redirect("assembly_detail", slug=assembly.slug)
    return render(request, "assemblies/zone_form.html", {"form": form, "assembly": assembly})


@login_required
@require_http_methods(["GET", "POST"])
def zone_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assembly, zone = _get_zone_for_coordinator(request, slug, pk)
    form = ZoneForm(request.POST or None, instance=zone)
    if request.method == "POST" and form.is_valid():
        services.zone_save(zone=form.instance, neighbors=form.cleaned_data["neighbors"])
        messages.success(request, _("The zone is saved."))
        return redirect("assembly_detail", slug=assembly.slug)
    return render(request, "assemblies/zone_form.html", {"form": form, "assembly": assembly, "zone": zone})


@login_required
@require_POST
def zone_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    assembly, zone = _get_zone_for_coordinator(request, slug, pk)
    services.zone_delete(zone=zone)
    messages.success(request, _("The zone is deleted."))
    return redirect("assembly_detail", slug=assembly.slug)
