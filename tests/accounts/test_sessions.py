"""Sessions end with the account, or everywhere at once on request: a lost or seized phone keeps none open."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from assembly.accounts.models import User
from assembly.accounts.services import sessions_purge_expired
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory
from tests.meetings.helpers import flashed

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"
PROFILE = "/en/accounts/profile/"
DELETE = "/en/accounts/delete/"
EVERYWHERE = "/en/accounts/logout-everywhere/"


def _logged_in(user, *, agent: str = "phone") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _is_logged_in(client: Client) -> bool:
    return client.get(PROFILE).status_code == 200


def test_account_delete_ends_the_other_sessions_too():
    user = UserFactory()
    phone, laptop = _logged_in(user, agent="phone"), _logged_in(user, agent="laptop")
    laptop_key = laptop.session.session_key

    response = phone.post(DELETE, {"confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Session.objects.filter(session_key=laptop_key).exists()
    assert not _is_logged_in(laptop)


def test_logout_everywhere_ends_every_session_of_the_account_only():
    user, other = UserFactory(), UserFactory()
    phone, laptop, someone_else = _logged_in(user), _logged_in(user, agent="laptop"), _logged_in(other)
    # A session opened some other way than the log-in form (an old one, the admin) ends too.
    tablet = Client()
    tablet.force_login(user)

    response = phone.post(EVERYWHERE)

    assert flashed(response) == ["You are logged out on every device."]
    assert SESSION_KEY not in phone.session
    assert not _is_logged_in(laptop)
    assert not _is_logged_in(tablet)
    assert _is_logged_in(someone_else)


def test_logout_everywhere_speaks_spanish():
    user = UserFactory(language="es")
    client = _logged_in(user)

    response = client.post("/es/accounts/logout-everywhere/")

    assert flashed(response) == ["Has cerrado la sesión en todos tus dispositivos."]


@pytest.mark.clock
def test_expired_sessions_are_purged_and_live_ones_kept():
    live = _logged_in(UserFactory()).session.session_key
    expired = _logged_in(UserFactory()).session.session_key
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - timedelta(seconds=1))

    assert sessions_purge_expired() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]


def test_beat_schedules_the_session_purge(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "assembly.accounts.purge_sessions" in tasks


def test_logout_everywhere_sends_anonymous_to_login(client):
    response = client.post(EVERYWHERE)

    assert response.status_code == 302
    assert response.url.startswith("/en/accounts/login/")


def test_logout_everywhere_rejects_get():
    user = UserFactory()
    client = _logged_in(user)

    assert client.get(EVERYWHERE).status_code == 405
    assert _is_logged_in(client)


def test_logout_everywhere_enforces_csrf():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(EVERYWHERE).status_code == 403
    assert _is_logged_in(client)


def test_profile_offers_logout_everywhere():
    page = client_for(UserFactory()).get(PROFILE).content.decode()

    assert f'action="{EVERYWHERE}"' in page
