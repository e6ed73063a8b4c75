"""Settings come from the environment and refuse to start on a bad value, saying which and why."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _load_settings(script: str = LOAD_SETTINGS, **changes: str | None) -> subprocess.CompletedProcess:
    """Run `script` in a fresh interpreter with the test environment, changed by `changes` (None unsets)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "assembly.settings"}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )


BAD_ENVIRONMENTS = {
    "debug_not_a_boolean": ({"DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'."),
    "short_secret_key": (
        {"DEBUG": "false", "SECRET_KEY": "too-short"},
        "SECRET_KEY must be at least 50 characters long when DEBUG is false.",
    ),
    "missing_secret_key": ({"DEBUG": "false", "SECRET_KEY": None}, "The environment variable SECRET_KEY must be set."),
    "mysql_database": (
        {"DATABASE_URL": "mysql://asamblea:secret@127.0.0.1/asamblea"},
        "DATABASE_URL must be a URL starting with one of: postgres, postgresql, sqlite.",
    ),
    "http_redis": (
        {"REDIS_URL": "http://127.0.0.1:6379/0"},
        "REDIS_URL must be a URL starting with one of: redis, rediss, unix.",
    ),
    "redis_timeout_not_a_number": (
        {"REDIS_TIMEOUT": "soon"},
        "REDIS_TIMEOUT must be a number of seconds above 0, not 'soon'.",
    ),
    "redis_retry_after_zero": (
        {"REDIS_RETRY_AFTER": "0"},
        "REDIS_RETRY_AFTER must be a number of seconds above 0, not '0'.",
    ),
    "email_port_not_a_number": ({"EMAIL_PORT": "abc"}, "EMAIL_PORT must be a whole number, not 'abc'."),
    "email_tls_and_ssl": (
        {"EMAIL_USE_TLS": "true", "EMAIL_USE_SSL": "true"},
        "Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.",
    ),
    "no_email_host_in_production": (
        {"DEBUG": "false", "EMAIL_HOST": None},
        "EMAIL_HOST must be set when DEBUG is false.",
    ),
    "unknown_language": ({"LANGUAGE_CODE": "fr"}, "LANGUAGE_CODE must be one of en, es."),
    "negative_proxy_count": ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be 0 or more."),
    "client_ip_header_not_a_name": (
        {"TRUSTED_CLIENT_IP_HEADER": "X-Real-IP: 1.2.3.4"},
        "TRUSTED_CLIENT_IP_HEADER must be a header name such as X-Real-IP.",
    ),
}


@pytest.mark.parametrize(("changes", "message"), BAD_ENVIRONMENTS.values(), ids=BAD_ENVIRONMENTS.keys())
def test_settings_refuse_bad_environment(changes, message):
    result = _load_settings(**changes)

    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr


def test_settings_load_with_valid_environment():
    result = _load_settings(DEBUG="false", LANGUAGE_CODE="es", EMAIL_PORT="587", EMAIL_USE_TLS="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_settings_load_for_local_development_without_secrets():
    result = _load_settings(DEBUG="true", SECRET_KEY=None, EMAIL_HOST=None, ALLOWED_HOSTS=None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


CHANNELS = (
    "import django; django.setup(); from assembly.notify import channels; "
    "print(channels.enabled('sms'), channels.enabled('signal'))"
)


def test_a_site_without_text_providers_sends_alerts_by_email_only():
    # In production a text channel is on only when its backend is named: nothing writes numbers to files.
    result = _load_settings(CHANNELS, DEBUG="false", SMS_BACKEND=None, SIGNAL_BACKEND=None)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


CLIENT_IP_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.ALLAUTH_TRUSTED_PROXY_COUNT, settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER)"
)
CLIENT_IP_ENVIRONMENTS = {
    "direct": ({"BEHIND_TLS_PROXY": None, "TRUSTED_PROXY_COUNT": None}, "0 None"),
    "behind_tls_proxy": ({"BEHIND_TLS_PROXY": "true", "TRUSTED_PROXY_COUNT": None}, "1 None"),
    "two_proxies": ({"BEHIND_TLS_PROXY": "true", "TRUSTED_PROXY_COUNT": "2"}, "2 None"),
    "client_ip_header": ({"BEHIND_TLS_PROXY": "true", "TRUSTED_CLIENT_IP_HEADER": "X-Real-IP"}, "1 X-Real-IP"),
}


@pytest.mark.parametrize(("changes", "expected"), CLIENT_IP_ENVIRONMENTS.values(), ids=CLIENT_IP_ENVIRONMENTS.keys())
def test_settings_trust_the_proxy_for_client_addresses_only_when_told(changes, expected):
    result = _load_settings(CLIENT_IP_SETTINGS, **changes)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
