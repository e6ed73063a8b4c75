"""Rate limits count the visitor behind the TLS proxy, not the proxy, and a visitor cannot pick their own address."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/en/accounts/login/"
PROXY = "10.0.0.2"
CLIENT_A = "198.51.100.7"
CLIENT_B = "203.0.113.20"
TOO_MANY = "Too many failed login attempts. Try again later."


def _log_in(email: str, password: str, *, remote_addr: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = Client()
    response = client.post(LOGIN, {"login": email, "password": password}, headers=headers, REMOTE_ADDR=remote_addr)
    return response, client.session.get(SESSION_KEY)


def _fail_ten_times(*, remote_addr: str, forwarded_for: list[str]) -> None:
    """Ten wrong passwords for ten accounts, so only the per-address limit (10 a minute) can trip."""
    for attempt in range(10):
        response, _user = _log_in(
            UserFactory().email, "not-the-passphrase", remote_addr=remote_addr, forwarded_for=forwarded_for[attempt]
        )
        assert response.status_code == 200


@pytest.fixture
def behind_proxy(settings):
    """What BEHIND_TLS_PROXY=true sets (tests/common/test_settings.py checks the mapping)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_login_failures_behind_proxy_block_the_client_not_everyone(behind_proxy):
    _fail_ten_times(remote_addr=PROXY, forwarded_for=[CLIENT_A] * 10)
    user_a, user_b = UserFactory(), UserFactory()

    blocked, blocked_session_user = _log_in(user_a.email, PASSWORD, remote_addr=PROXY, forwarded_for=CLIENT_A)
    response, session_user = _log_in(user_b.email, PASSWORD, remote_addr=PROXY, forwarded_for=CLIENT_B)

    assert blocked.status_code == 200
    assert blocked.context["form"].non_field_errors() == [TOO_MANY]
    assert blocked_session_user is None
    assert response.status_code == 302
    assert int(session_user) == user_b.pk


def test_login_failures_behind_proxy_count_the_address_the_proxy_added(behind_proxy):
    # The client sends its own X-Forwarded-For; the proxy appends the address it saw, on the right.
    _fail_ten_times(remote_addr=PROXY, forwarded_for=[f"192.0.2.{attempt}, {CLIENT_A}" for attempt in range(10)])
    user = UserFactory()

    blocked, session_user = _log_in(user.email, PASSWORD, remote_addr=PROXY, forwarded_for=f"192.0.2.99, {CLIENT_A}")

    assert blocked.context["form"].non_field_errors() == [TOO_MANY]
    assert session_user is None


def test_login_failures_without_proxy_ignore_a_forged_forwarded_for():
    _fail_ten_times(remote_addr=CLIENT_A, forwarded_for=[f"192.0.2.{attempt}" for attempt in range(10)])
    user = UserFactory()

    blocked, session_user = _log_in(user.email, PASSWORD, remote_addr=CLIENT_A, forwarded_for="192.0.2.99")

    assert blocked.context["form"].non_field_errors() == [TOO_MANY]
    assert session_user is None


def test_login_with_client_ip_header_counts_that_header(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    client = Client()
    for _attempt in range(10):
        client.post(
            LOGIN,
            {"login": UserFactory().email, "password": "not-the-passphrase"},
            headers={"X-Real-IP": CLIENT_A},
            REMOTE_ADDR=PROXY,
        )
    user = UserFactory()

    response = Client().post(
        LOGIN, {"login": user.email, "password": PASSWORD}, headers={"X-Real-IP": CLIENT_B}, REMOTE_ADDR=PROXY
    )

    assert response.status_code == 302
