from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from assembly.notify import links, registry, services


def _preferences_form(data=None, *, muted: set[str]) -> forms.Form:
    form = forms.Form(data)
    for kind in registry.optional_kinds():
        form.fields[kind.name] = forms.BooleanField(label=kind.label, required=False, initial=kind.name not in muted)
    return form


def _invalid_link(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notify/invalid_link.html",
        {"error": _("This link is not valid. Use the newest message we sent you, or log in to change your settings.")},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Let a person choose which optional messages they get, from a signed link and without logging in."""
    preference_key = links.preference_key_from_token(token)
    if preference_key is None:
        return _invalid_link(request)
    muted = services.preferences_muted(preference_key=preference_key)
    form = _preferences_form(request.POST or None, muted=muted)
    saved = False
    if request.method == "POST" and form.is_valid():
        wanted = {name for name, value in form.cleaned_data.items() if value}
        services.preferences_save(
            preference_key=preference_key, muted_kinds={k.name for k in registry.optional_kinds()} - wanted
        )
        saved = True
    return render(request, "notify/preferences.html", {"form": form, "saved": saved})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058) from every optional message; GET only asks to confirm.

    CSRF-exempt because mail clients post here without a session: the signed token is the authority.
    """
    preference_key = links.preference_key_from_token(token)
    if preference_key is None:
        return _invalid_link(request)
    done = request.method == "POST"
    if done:
        services.preferences_save(
            preference_key=preference_key, muted_kinds={kind.name for kind in registry.optional_kinds()}
        )
    return render(
        request,
        "notify/unsubscribe.html",
        {"done": done, "preferences_url": links.preferences_url(preference_key, language=request.LANGUAGE_CODE)},
    )
