"""Password reset in the member's language, and no answer that tells whether an address has an account."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assembly.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

RESET = "/en/accounts/password/reset/"
SIGNUP = "/en/accounts/signup/"
LOGIN = "/en/accounts/login/"
NEW_PASSWORD = "another-long-passphrase-77"
RESET_LINK = re.compile(r"https?://testserver(/\w\w/accounts/password/reset/key/[^/\s]+/)")
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _visible(response) -> tuple[int, str, str]:
    """What a visitor can tell from an answer: its status, where it leads, and the page found there."""
    page = Client().get(response.url) if response.status_code == 302 else response
    return response.status_code, response.get("Location", ""), CSRF_TOKEN.sub("", page.content.decode())


def _subject(language: str, text: str) -> str:
    with translation.override(language):
        return "[Asamblea] " + translation.gettext(text)


def test_password_reset_sends_one_mail_in_english(client, mailoutbox):
    user = UserFactory(language="en")

    response = client.post(RESET, {"email": user.email})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert mailoutbox[0].subject == _subject("en", "Password Reset Email")


def test_password_reset_mail_is_in_the_member_language(client, mailoutbox):
    user = UserFactory(language="es")

    client.post(RESET, {"email": user.email})

    assert len(mailoutbox) == 1
    spanish = _subject("es", "Password Reset Email")
    assert spanish != _subject("en", "Password Reset Email")
    assert mailoutbox[0].subject == spanish


def test_password_reset_link_opens_in_the_member_language(client, mailoutbox):
    user = UserFactory(language="es")

    client.post(RESET, {"email": user.email})

    assert RESET_LINK.search(mailoutbox[0].body).group(1).startswith("/es/")


def _open_reset_link(client, mail) -> tuple[str, str]:
    """Follow the link in a reset mail; return the link and the page it leads to, which asks for the new password."""
    link = RESET_LINK.search(mail.body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    assert "password1" in page.context["form"].fields
    # allauth moves the key out of the address into the session before showing the form.
    (set_password_url, _status), *_rest = page.redirect_chain
    return link, set_password_url


def test_password_reset_link_sets_a_new_password(client, mailoutbox):
    user = UserFactory()
    client.post(RESET, {"email": user.email})
    _link, set_password_url = _open_reset_link(client, mailoutbox[0])

    done = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done.status_code == 302
    assert done.url == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    login = Client().post(LOGIN, {"login": user.email, "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert login.url == "/en/"


def test_password_reset_link_works_only_once(client, mailoutbox):
    user = UserFactory()
    client.post(RESET, {"email": user.email})
    link, set_password_url = _open_reset_link(client, mailoutbox[0])
    client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = Client().get(link, follow=True)

    assert again.status_code == 200
    assert again.context["token_fail"] is True
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_answers_unknown_address_like_a_known_one(mailoutbox):
    user = UserFactory()

    known = Client().post(RESET, {"email": user.email})
    unknown = Client().post(RESET, {"email": "nobody@example.org"})

    assert _visible(unknown) == _visible(known)
    # allauth writes to an unknown address too (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS), saying it has no account.
    assert [message.to for message in mailoutbox] == [[user.email], ["nobody@example.org"]]
    assert "password/reset/key/" not in mailoutbox[1].body


def test_signup_answers_an_existing_address_like_a_new_one(mailoutbox):
    existing = UserFactory(display_name="Original")
    data = {"password1": PASSWORD, "password2": PASSWORD, "display_name": "Someone", "language": "en"}

    new = Client().post(SIGNUP, {**data, "email": "fresh@example.org"})
    taken = Client().post(SIGNUP, {**data, "email": existing.email})

    assert _visible(taken) == _visible(new)
    assert User.objects.filter(email=existing.email).count() == 1
    existing.refresh_from_db()
    assert existing.display_name == "Original"
    assert existing.check_password(PASSWORD)
    # The owner of the address is told someone tried to sign up with it; no confirm link is sent.
    assert [message.to for message in mailoutbox] == [["fresh@example.org"], [existing.email]]
    assert "confirm-email" not in mailoutbox[1].body


def test_signup_with_an_existing_address_warns_the_owner_in_their_language(client, mailoutbox):
    existing = UserFactory(language="es")

    client.post(
        SIGNUP,
        {"email": existing.email, "password1": PASSWORD, "password2": PASSWORD, "display_name": "x", "language": "en"},
    )

    assert [message.to for message in mailoutbox] == [[existing.email]]
    assert mailoutbox[0].subject == _subject("es", "Account Already Exists")
