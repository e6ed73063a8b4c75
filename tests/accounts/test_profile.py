"""The profile: an alias, a language, an optional phone and the ways alerts come, changed by the person, tested by
a message they send themselves, and erased for good on request."""

from html import unescape

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from assembly.accounts.models import User
from assembly.assemblies.models import Membership
from assembly.common.phones import phone_example
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/en/accounts/profile/"
DELETE = "/en/accounts/delete/"
PHONE = "+13125550142"
PHONE_SHOWN = "(312) 555-0142"
CHANNELS = ("alerts_by_email", "alerts_by_sms", "alerts_by_signal")
FIELDS = ("display_name", "language", "phone", *CHANNELS)


def _profile_data(user: User, **changes) -> dict:
    """The form as the person would send it: what is stored, shown as the page shows it, with some changes."""
    data = {"display_name": user.display_name, "language": user.language, "phone": user.phone}
    data.update({field: "on" for field in CHANNELS if getattr(user, field)})
    data.update(changes)
    return {name: value for name, value in data.items() if value is not False}


def _state(user: User) -> tuple:
    return tuple(getattr(user, field) for field in FIELDS)


def _unchanged(user: User) -> bool:
    before = _state(user)
    user.refresh_from_db()
    return _state(user) == before


def _errors(response, field: str) -> list[str]:
    return [str(error) for error in response.context["form"].errors.get(field, [])]


def _shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_profile_sends_anonymous_to_login(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response.url == f"/en/accounts/login/?next={PROFILE}"


def test_profile_shows_the_person_own_data_and_the_number_as_people_write_it():
    user = UserFactory(display_name="Tía Rosa", phone=PHONE)

    response = client_for(user).get(PROFILE)

    assert response.status_code == 200
    assertContains(response, 'value="Tía Rosa"')
    assertContains(response, f'value="{PHONE_SHOWN}"')
    assert set(response.context["form"].fields) == set(FIELDS)


@pytest.mark.parametrize("language", ["en", "es"])
def test_profile_phone_help_shows_an_example_number_in_the_reader_language(language):
    response = client_for(UserFactory()).get(f"/{language}/accounts/profile/")

    help_text = {"en": "For example: ", "es": "Por ejemplo: "}[language]
    assertContains(response, f"{help_text}{phone_example()}")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "a dispatcher may call or text you during an alert you are called to."),
        ("es", "para que el despacho te llame o te escriba durante una alerta a la que te convocan."),
    ],
)
def test_profile_phone_help_says_a_dispatcher_may_call_during_an_alert(language, words):
    response = client_for(UserFactory()).get(f"/{language}/accounts/profile/")

    assertContains(response, words)


def test_profile_update_saves_alias_language_and_phone_in_e164():
    user = UserFactory(language="en")
    client = client_for(user)

    data = {"display_name": "  La Vecina  ", "language": "es", "phone": "(312) 555-0142", "alerts_by_email": "on"}
    response = client.post(PROFILE, data)

    assert response.status_code == 302
    assert response.url == "/es/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    user.refresh_from_db()
    assert (user.display_name, user.language, user.phone) == ("La Vecina", "es", PHONE)
    assert _shown(response) == ["Tu perfil está guardado."]


def test_profile_update_keeps_the_number_when_it_is_sent_back_as_shown():
    user = UserFactory(phone=PHONE, alerts_by_sms=True)

    client_for(user).post(PROFILE, _profile_data(user, phone=PHONE_SHOWN, display_name="Rosa"))

    user.refresh_from_db()
    assert (user.display_name, user.phone, user.alerts_by_sms) == ("Rosa", PHONE, True)


@pytest.mark.parametrize(
    ("typed", "english", "spanish"),
    [
        ("abc", "That does not look like a phone number.", "Eso no parece un número de teléfono."),
        ("+1 555 010 0100", "That number does not exist.", "Ese número no existe."),
        ("1" * 40, "That is too long for a phone number.", "Es demasiado largo para un número de teléfono."),
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_profile_update_refuses_a_bad_phone_in_the_reader_language(language, typed, english, spanish):
    user = UserFactory(language="en", phone=PHONE)

    response = client_for(user).post(f"/{language}/accounts/profile/", _profile_data(user, phone=typed))

    assert response.status_code == 200
    expected = {"en": english, "es": spanish}[language]
    [error] = _errors(response, "phone")
    assert error.startswith(expected)
    assert expected in unescape(response.content.decode())
    assert _unchanged(user)


@pytest.mark.parametrize("display_name", ["", "   "])
def test_profile_update_refuses_blank_display_name(display_name):
    user = UserFactory(display_name="Tía Rosa")

    response = client_for(user).post(PROFILE, _profile_data(user, display_name=display_name))

    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert _unchanged(user)


def test_profile_update_refuses_unknown_language():
    user = UserFactory(language="en")

    response = client_for(user).post(PROFILE, _profile_data(user, language="fr"))

    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    assert _unchanged(user)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_profile_rejects_other_methods(method):
    user = UserFactory()

    response = getattr(client_for(user), method)(PROFILE)

    assert response.status_code == 405
    assert _unchanged(user)


def test_profile_update_enforces_csrf(csrf_client):
    user = UserFactory(display_name="Tía Rosa")
    csrf_client.force_login(user)

    response = csrf_client.post(PROFILE, _profile_data(user, display_name="Someone Else", alerts_by_email=False))

    assert response.status_code == 403
    assert _unchanged(user)


# The ways alerts come ---------------------------------------------------------------------------------------------


def test_profile_saves_the_channels_chosen():
    user = UserFactory(phone=PHONE, alerts_by_email=True, alerts_by_sms=True, alerts_by_signal=False)

    client_for(user).post(PROFILE, _profile_data(user, alerts_by_email=False, alerts_by_signal="on"))

    user.refresh_from_db()
    assert (user.alerts_by_email, user.alerts_by_sms, user.alerts_by_signal) == (False, True, True)


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Choose at least one way to get alerts."), ("es", "Elige al menos una forma de recibir alertas.")],
)
def test_profile_refuses_no_channel_at_all(language, message):
    user = UserFactory(phone=PHONE, alerts_by_email=True, alerts_by_sms=True)

    response = client_for(user).post(
        f"/{language}/accounts/profile/",
        _profile_data(user, display_name="Changed", alerts_by_email=False, alerts_by_sms=False, alerts_by_signal=False),
    )

    assert response.status_code == 200
    assert [str(error) for error in response.context["form"].non_field_errors()] == [message]
    assertContains(response, message)
    assert _unchanged(user)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Text messages and Signal need your phone number. Type it above, or untick this."),
        (
            "es",
            "Los mensajes de texto y Signal necesitan tu número de teléfono. Escríbelo arriba o desmarca esta casilla.",
        ),
    ],
)
@pytest.mark.parametrize("channel", ["alerts_by_sms", "alerts_by_signal"])
def test_profile_refuses_text_or_signal_without_a_number(language, message, channel):
    user = UserFactory(phone="", alerts_by_email=True, alerts_by_sms=False, alerts_by_signal=False)

    response = client_for(user).post(f"/{language}/accounts/profile/", _profile_data(user, **{channel: "on"}))

    assert response.status_code == 200
    assert _errors(response, channel) == [message]
    assert _unchanged(user)


def test_profile_without_a_number_shows_text_messages_off_and_saves_them_so():
    # The stored default says "by text message", but no text can reach a person without a number.
    user = UserFactory(phone="", alerts_by_email=True, alerts_by_sms=True)
    client = client_for(user)

    form = client.get(PROFILE).context["form"]
    assert form["alerts_by_sms"].value() is False
    client.post(PROFILE, {"display_name": "Rosa", "language": "en", "phone": "", "alerts_by_email": "on"})

    user.refresh_from_db()
    assert (user.display_name, user.alerts_by_email, user.alerts_by_sms) == ("Rosa", True, False)


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        ("en", "Without a phone number, alerts no longer come by text message or Signal."),
        ("es", "Sin número de teléfono, las alertas ya no llegan por mensaje de texto ni por Signal."),
    ],
)
def test_removing_the_number_turns_text_and_signal_off_and_says_so(language, notice):
    user = UserFactory(language=language, phone=PHONE, alerts_by_email=True, alerts_by_sms=True, alerts_by_signal=True)

    response = client_for(user).post(f"/{language}/accounts/profile/", _profile_data(user, phone=""))

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.phone, user.alerts_by_email, user.alerts_by_sms, user.alerts_by_signal) == ("", True, False, False)
    assert notice in _shown(response)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Without a phone number, alerts can only come by email. Tick email, or keep your number."),
        (
            "es",
            "Sin número de teléfono, las alertas solo pueden llegar por correo electrónico. "
            "Marca el correo o conserva tu número.",
        ),
    ],
)
def test_removing_the_number_of_someone_reached_only_by_text_is_refused(language, message):
    user = UserFactory(phone=PHONE, alerts_by_email=False, alerts_by_sms=True, alerts_by_signal=False)

    response = client_for(user).post(f"/{language}/accounts/profile/", _profile_data(user, phone=""))

    assert response.status_code == 200
    assert [str(error) for error in response.context["form"].non_field_errors()] == [message]
    assert _unchanged(user)


def test_a_channel_the_site_does_not_run_is_not_offered_and_its_choice_is_kept(settings):
    settings.SIGNAL_BACKEND = ""
    user = UserFactory(phone=PHONE, alerts_by_sms=True, alerts_by_signal=True)
    client = client_for(user)

    response = client.get(PROFILE)
    assert "alerts_by_signal" not in response.context["form"].fields
    assertNotContains(response, "Alerts by Signal")
    assertNotContains(response, "test Signal message")
    client.post(PROFILE, {**_profile_data(user, display_name="Rosa"), "alerts_by_signal": ""})

    user.refresh_from_db()
    assert (user.display_name, user.alerts_by_signal) == ("Rosa", True)


def test_language_switch_keeps_the_channels():
    user = UserFactory(language="en", phone=PHONE, alerts_by_email=False, alerts_by_sms=True, alerts_by_signal=True)

    client_for(user).post("/i18n/setlang/", {"language": "es", "next": PROFILE})

    user.refresh_from_db()
    assert (user.language, user.alerts_by_email, user.alerts_by_sms, user.alerts_by_signal) == ("es", False, True, True)


# Deleting the account ---------------------------------------------------------------------------------------------


def test_account_delete_without_confirm_is_refused():
    user = UserFactory()
    client = client_for(user)

    response = client.post(DELETE, {})

    assert response.status_code == 400
    assert "confirm" in response.context["delete_form"].errors
    assert User.objects.filter(pk=user.pk).exists()
    assert int(client.session[SESSION_KEY]) == user.pk


def test_account_delete_erases_person_and_memberships():
    membership = MembershipFactory()
    user = membership.user
    other = MembershipFactory(assembly=membership.assembly)
    client = client_for(user)

    response = client.post(DELETE, {"confirm": "on"})

    assert response.status_code == 302
    assert response.url == "/en/"
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Membership.objects.filter(user_id=user.pk).exists()
    assert list(Membership.objects.all()) == [other]
    assert not EmailAddress.objects.filter(user_id=user.pk).exists()
    assert SESSION_KEY not in client.session
    assert client.get(PROFILE).status_code == 302


def test_account_delete_sends_anonymous_to_login(client):
    response = client.post(DELETE, {"confirm": "on"})

    assert response.status_code == 302
    assert response.url.startswith("/en/accounts/login/")


def test_account_delete_rejects_get():
    user = UserFactory()

    response = client_for(user).get(DELETE)

    assert response.status_code == 405
    assert User.objects.filter(pk=user.pk).exists()


def test_account_delete_enforces_csrf(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)

    response = csrf_client.post(DELETE, {"confirm": "on"})

    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_phone_errors_are_translated_to_spanish():
    from django.core.exceptions import ValidationError

    from assembly.common.phones import phone_parse

    said = {}
    for language in ("en", "es"):
        with translation.override(language), pytest.raises(ValidationError) as raised:
            phone_parse("abc")
        said[language] = raised.value.messages[0]
    assert said["en"] != said["es"]
