"""Sign-up asks for an alias, a language and an email address, and nothing works until that address is verified."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import translation

from assembly.accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

EMAIL = "new.neighbor@example.org"
SIGNUP = "/en/accounts/signup/"
LOGIN = "/en/accounts/login/"
CONFIRM_LINK = re.compile(r"https?://testserver(/\w\w/accounts/confirm-email/[^/\s]+/)")


def _signup(client, **changes):
    data = {
        "email": EMAIL,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "display_name": "  Tía Rosa  ",
        "language": "es",
        **changes,
    }
    return client.post(SIGNUP, data)


class _FormFields(HTMLParser):
    """Collect the names of a page's form fields and the text of its labels."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.labels: list[str] = []
        self._in_label = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"input", "select", "textarea"} and attrs.get("name"):
            self.names.add(attrs["name"])
        self._in_label = self._in_label or tag == "label"

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label = False

    def handle_data(self, data):
        if self._in_label and data.strip():
            self.labels.append(data.strip())


def test_signup_creates_unverified_user_with_alias_and_language(client, mailoutbox):
    response = _signup(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email=EMAIL)
    assert user.display_name == "Tía Rosa"
    assert user.language == "es"
    assert user.phone == ""
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [EMAIL]
    assert CONFIRM_LINK.search(mailoutbox[0].body)


def test_signup_verification_mail_is_in_the_chosen_language(client, mailoutbox):
    _signup(client, language="es")

    with translation.override("es"):
        spanish = "[Asamblea] " + translation.gettext("Please Confirm Your Email Address")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == spanish


def test_signup_confirm_link_opens_in_the_chosen_language(client, mailoutbox):
    _signup(client, language="es")

    assert "/es/accounts/confirm-email/" in mailoutbox[0].body


def test_signup_requires_display_name(client, mailoutbox):
    response = _signup(client, display_name="")

    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert not User.objects.filter(email=EMAIL).exists()
    assert mailoutbox == []


def test_signup_login_is_refused_until_verified(client, mailoutbox):
    _signup(client)

    response = client.post(LOGIN, {"login": EMAIL, "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert SESSION_KEY not in client.session


def test_signup_confirm_link_verifies_then_login_works(client, mailoutbox):
    _signup(client)
    confirm_path = CONFIRM_LINK.search(mailoutbox[0].body).group(1)
    user = User.objects.get(email=EMAIL)

    page = client.get(confirm_path)

    assert page.status_code == 200
    assert EmailAddress.objects.get(user=user).verified is False

    confirmed = client.post(confirm_path)

    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert SESSION_KEY not in client.session

    login = client.post(LOGIN, {"login": EMAIL, "password": PASSWORD})

    assert login.status_code == 302
    assert int(client.session[SESSION_KEY]) == user.pk


def test_signup_form_asks_for_nothing_identifying(client):
    response = client.get(SIGNUP)
    fields = _FormFields()
    fields.feed(response.content.decode())

    # "next" is the language switcher's, in the footer.
    assert fields.names == {
        "csrfmiddlewaretoken",
        "next",
        "email",
        "password1",
        "password2",
        "display_name",
        "language",
    }
    assert len(fields.labels) == 5
    forbidden = re.compile(
        r"legal|first.?name|last.?name|surname|immigration|citizen|country|birth|street|home address|postal",
        re.IGNORECASE,
    )
    assert [label for label in fields.labels if forbidden.search(label)] == []
    assert [name for name in fields.names if forbidden.search(name)] == []
