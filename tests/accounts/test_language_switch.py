"""The language switcher: for a member, the language chosen becomes their preferred language."""

import pytest
from django.conf import settings

from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SWITCH = "/i18n/setlang/"


def test_language_switch_saves_member_preferred_language():
    user = UserFactory(language="en")

    response = client_for(user).post(SWITCH, {"language": "es", "next": "/en/accounts/profile/"})

    assert response.status_code == 302
    assert response.url == "/es/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    user.refresh_from_db()
    assert user.language == "es"


def test_language_switch_leaves_profile_alone_on_unknown_language():
    user = UserFactory(language="en", display_name="Tía Rosa")

    client_for(user).post(SWITCH, {"language": "fr", "next": "/en/"})

    user.refresh_from_db()
    assert (user.language, user.display_name) == ("en", "Tía Rosa")


def test_language_switch_works_for_anonymous(client):
    response = client.post(SWITCH, {"language": "es", "next": "/en/"})

    assert response.status_code == 302
    assert response.url == "/es/"


def test_language_switch_rejects_get():
    user = UserFactory(language="en")

    response = client_for(user).get(SWITCH, {"language": "es", "next": "/en/"})

    assert response.status_code == 405
    user.refresh_from_db()
    assert user.language == "en"


def test_language_switch_enforces_csrf(csrf_client):
    user = UserFactory(language="en")
    csrf_client.force_login(user)

    response = csrf_client.post(SWITCH, {"language": "es", "next": "/en/"})

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.parametrize(
    ("browser", "page", "language", "expected"),
    [
        ("en", "/es/accounts/login/", "en", "/en/accounts/login/"),
        ("es", "/en/accounts/login/", "es", "/es/accounts/login/"),
        ("es", "/es/accounts/login/?next=/es/", "en", "/en/accounts/login/?next=/es/"),
    ],
)
def test_language_switch_translates_a_page_in_another_language_than_the_browser(
    client, browser, page, language, expected
):
    response = client.post(SWITCH, {"language": language, "next": page}, HTTP_ACCEPT_LANGUAGE=browser)

    assert response.status_code == 302
    assert response.url == expected
