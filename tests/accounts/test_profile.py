"""The profile: an alias, a language and an optional phone, changed by the person, and erased for good on request."""

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import translation
from pytest_django.asserts import assertContains

from assembly.accounts.models import User, phone_validator
from assembly.assemblies.models import Membership
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/en/accounts/profile/"
DELETE = "/en/accounts/delete/"


def _profile_data(user: User, **changes) -> dict:
    return {"display_name": user.display_name, "language": user.language, "phone": user.phone, **changes}


def _unchanged(user: User) -> bool:
    before = (user.display_name, user.language, user.phone)
    user.refresh_from_db()
    return (user.display_name, user.language, user.phone) == before


def test_profile_sends_anonymous_to_login(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response.url == f"/en/accounts/login/?next={PROFILE}"


def test_profile_shows_the_person_own_data():
    user = UserFactory(display_name="Tía Rosa", phone="+1 555 010 0100")

    response = client_for(user).get(PROFILE)

    assert response.status_code == 200
    assertContains(response, 'value="Tía Rosa"')
    assertContains(response, 'value="+1 555 010 0100"')
    assert set(response.context["form"].fields) == {"display_name", "language", "phone"}


def test_profile_update_saves_alias_language_and_phone():
    user = UserFactory(language="en")
    client = client_for(user)

    response = client.post(PROFILE, {"display_name": "  La Vecina  ", "language": "es", "phone": "+1 (555) 010-0100"})

    assert response.status_code == 302
    assert response.url == "/es/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    user.refresh_from_db()
    assert (user.display_name, user.language, user.phone) == ("La Vecina", "es", "+1 (555) 010-0100")


def test_profile_update_can_remove_the_phone():
    user = UserFactory(phone="+1 555 010 0100")

    client_for(user).post(PROFILE, _profile_data(user, phone=""))

    user.refresh_from_db()
    assert user.phone == ""


@pytest.mark.parametrize("language", ["en", "es"])
def test_profile_update_refuses_bad_phone_in_the_reader_language(language):
    user = UserFactory(language="en")

    response = client_for(user).post(f"/{language}/accounts/profile/", _profile_data(user, phone="abc"))

    assert response.status_code == 200
    with translation.override(language):
        message = str(phone_validator.message)
    assert response.context["form"].errors["phone"] == [message]
    assertContains(response, message)
    assert _unchanged(user)


def test_profile_phone_error_is_translated_to_spanish():
    with translation.override("en"):
        english = str(phone_validator.message)
    with translation.override("es"):
        spanish = str(phone_validator.message)

    assert spanish != english


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

    response = csrf_client.post(PROFILE, _profile_data(user, display_name="Someone Else"))

    assert response.status_code == 403
    assert _unchanged(user)


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
