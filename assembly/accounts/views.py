from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

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


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Switch the page's language; for a member, the choice also becomes their preferred language."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES) and language != request.user.language:
        services.profile_update(
            user=request.user, display_name=request.user.display_name, language=language, phone=request.user.phone
        )
    return response
