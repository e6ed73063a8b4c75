from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assembly.accounts import services
from assembly.accounts.forms import DeleteAccountForm, ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        request.preferred_language = request.user.language
        messages.success(request, _("Your profile is saved."))
        return redirect(translate_url(request.path, request.user.language))
    return render(request, "accounts/profile.html", {"form": form, "delete_form": DeleteAccountForm()})


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/profile.html",
            {"form": ProfileForm(instance=request.user), "delete_form": form},
            status=400,
        )
    user = request.user
    logout(request)
    services.account_delete(user=user)
    messages.success(request, _("Your account and everything tied to it have been erased."))
    return redirect("home")


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of this account, this one included: for a lost, shared or seized phone."""
    user = request.user
    logout(request)
    services.sessions_end_all(user=user)
    messages.success(request, _("You are logged out on every device."))
    return redirect("account_login")


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Show the same page in another language; for a member, it also becomes their preferred language.

    Django's set_language reads `next` in the language of the cookie or the browser, so it cannot
    translate an /es/ page for an English browser; this reads `next` in its own language.
    """
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    language = request.POST.get("language")
    if language not in dict(settings.LANGUAGES):
        return redirect(next_url)
    with translation.override(translation.get_language_from_path(next_url) or settings.LANGUAGE_CODE):
        target = translate_url(next_url, language)
    request.preferred_language = language
    if request.user.is_authenticated and request.user.language != language:
        services.profile_update(
            user=request.user, display_name=request.user.display_name, language=language, phone=request.user.phone
        )
    return redirect(target)
