from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assembly.accounts import services
from assembly.accounts.forms import DeleteAccountForm, ProfileForm
from assembly.accounts.messages import CHANNELS, EMAIL
from assembly.accounts.models import User
from assembly.common.cache import redis_unreachable
from assembly.common.phones import phone_display
from assembly.notify import channels


def _profile_page(request: HttpRequest, form: ProfileForm, delete_form: DeleteAccountForm, *, status: int = 200):
    # As saved: a refused form has left its unsaved choices on request.user.
    saved = User.objects.get(pk=request.user.pk)
    labels = {
        EMAIL: _("Send me a test email"),
        channels.SMS: _("Send me a test text message"),
        channels.SIGNAL: _("Send me a test Signal message"),
    }
    tests = [(ch, labels[ch]) for ch in CHANNELS if services.channel_testable(user=saved, channel=ch)]
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "delete_form": delete_form, "test_channels": tests},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=request.user, **form.cleaned_data)
        request.preferred_language = request.user.language
        with translation.override(request.user.language):
            messages.success(request, _("Your profile is saved."))
            if form.turned_off:
                messages.info(request, _("Without a phone number, alerts no longer come by text message or Signal."))
        return redirect(translate_url(request.path, request.user.language))
    return _profile_page(request, form, DeleteAccountForm())


@login_required
@require_POST
def channel_test(request: HttpRequest, channel: str) -> HttpResponse:
    """Send the person a test message by one channel they chose, so they know an alert would reach them."""
    if channel not in CHANNELS:
        raise Http404
    user = request.user
    if not services.channel_testable(user=user, channel=channel):
        messages.error(request, _("Choose this way to get alerts, and save your profile, before testing it."))
        return redirect("profile")
    # Per person, and per address or number: many accounts cannot flood one stranger's phone either.
    destination = user.email if channel == EMAIL else user.phone
    if not ratelimit.consume(request, action="channel_test", user=user, key=destination):
        if redis_unreachable():
            messages.error(request, _("Test messages are paused for a few minutes. Please try again later."))
        else:
            messages.error(request, _("You asked for many test messages. Please wait a while and try again."))
        return redirect("profile")
    services.channel_test_send(user=user, channel=channel)
    number = phone_display(user.phone)
    sent = {
        EMAIL: _("A test email is on its way to %(address)s.") % {"address": user.email},
        channels.SMS: _("A test text message is on its way to %(number)s.") % {"number": number},
        channels.SIGNAL: _("A test Signal message is on its way to %(number)s.") % {"number": number},
    }
    messages.success(request, sent[channel])
    return redirect("profile")


@login_required
@require_POST
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, ProfileForm(instance=request.user), form, status=400)
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
