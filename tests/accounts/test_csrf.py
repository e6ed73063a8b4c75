"""allauth's own forms refuse a POST without a CSRF token and change nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY

from assembly.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_enforces_csrf(csrf_client):
    user = UserFactory()
    response = csrf_client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_KEY not in csrf_client.session


def test_signup_enforces_csrf(csrf_client):
    data = {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD, "display_name": "N"}
    response = csrf_client.post("/en/accounts/signup/", {**data, "language": "en"})
    assert response.status_code == 403
    assert not User.objects.filter(email="new@example.org").exists()


def test_logout_enforces_csrf(csrf_client):
    csrf_client.force_login(UserFactory())
    response = csrf_client.post("/en/accounts/logout/")
    assert response.status_code == 403
    assert SESSION_KEY in csrf_client.session


def test_password_reset_enforces_csrf(csrf_client, mailoutbox):
    user = UserFactory()
    response = csrf_client.post("/en/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 403
    assert mailoutbox == []


def test_password_change_enforces_csrf(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)
    data = {"oldpassword": PASSWORD, "password1": "another-long-passphrase-7", "password2": "another-long-passphrase-7"}
    response = csrf_client.post("/en/accounts/password/change/", data)
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_email_add_enforces_csrf(csrf_client):
    user = UserFactory()
    csrf_client.force_login(user)
    response = csrf_client.post("/en/accounts/email/", {"action_add": "", "email": "second@example.org"})
    assert response.status_code == 403
    assert not EmailAddress.objects.filter(email="second@example.org").exists()
