"""Logging in: by email, into the member's own language, with failed attempts limited per account."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse
from pytest_django.asserts import assertContains

from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"


def _logged_in_user_id(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def test_login_by_email_and_password(client):
    user = UserFactory()

    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/en/"
    assert _logged_in_user_id(client) == user.pk


def test_login_refuses_wrong_password(client):
    user = UserFactory()

    response = client.post(LOGIN, {"login": user.email, "password": "not-the-passphrase"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]
    assert _logged_in_user_id(client) is None


def test_login_applies_preferred_language(client):
    user = UserFactory(language="es")

    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == "/es/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assertContains(client.get(response.url), '<html lang="es">')


def test_login_greets_in_the_preferred_language_from_an_english_page(client):
    user = UserFactory(language="es", display_name="Marisol")

    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD}, follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Ha iniciado sesión exitosamente como Marisol."]


def test_login_keeps_next_page_in_preferred_language(client, assembly):
    user = UserFactory(language="es")

    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD, "next": f"/en/a/{assembly.slug}/"})

    assert response.status_code == 302
    assert response.url == f"/es/a/{assembly.slug}/"


def test_login_is_rate_limited_per_account_after_five_failures(client):
    user = UserFactory()
    for _attempt in range(5):
        client.post(LOGIN, {"login": user.email, "password": "not-the-passphrase"})

    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Too many failed login attempts. Try again later."]
    assert _logged_in_user_id(client) is None

    cache.clear()
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert _logged_in_user_id(client) == user.pk


def test_login_rate_limit_leaves_other_accounts_alone(client):
    target, other = UserFactory(), UserFactory()
    for _attempt in range(5):
        client.post(LOGIN, {"login": target.email, "password": "not-the-passphrase"})

    response = client.post(LOGIN, {"login": other.email, "password": PASSWORD})

    assert response.status_code == 302
    assert _logged_in_user_id(client) == other.pk


def test_admin_login_sends_anonymous_to_the_site_login(client):
    response = client.get("/en/admin/login/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login") + "?next=")


def test_admin_refuses_non_staff_member():
    client = client_for(UserFactory())

    response = client.get("/en/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/en/admin/login/")
    assert response.status_code == 403


def test_admin_opens_for_staff():
    client = client_for(UserFactory(is_staff=True, is_superuser=True))

    response = client.get("/en/admin/")

    assert response.status_code == 200
