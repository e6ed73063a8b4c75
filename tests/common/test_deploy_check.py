"""Production readiness: Django's deploy check passes, and every response carries the security headers."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

BASE_DIR = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db


def test_deploy_check_passes_with_production_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "assembly.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "example.org",
        "EMAIL_HOST": "smtp.example.org",
    }
    # The test environment relaxes these two; production leaves them at their defaults.
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("STATIC_MANIFEST", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("path", "status"),
    [("/en/", 200), ("/es/", 200), ("/en/no-such-page/", 404), ("/healthz", 200)],
    ids=["home", "home_es", "not_found", "healthz"],
)
def test_response_carries_security_headers(client, path, status):
    response = client.get(path)

    assert response.status_code == status
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in {"src", "href", "action", "srcset"} and value]


def test_home_page_loads_nothing_from_other_hosts(client, assembly):
    response = client.get("/en/")
    collector = _LinkCollector()
    collector.feed(response.content.decode())

    assert collector.urls, "the home page should have links to check"
    foreign = [url for url in collector.urls if urlsplit(url).netloc not in {"", "testserver"}]
    assert foreign == []


def test_ssl_redirect_spares_only_the_health_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()

    assert client.get("/healthz").status_code == 200
    page = client.get("/en/")
    assert page.status_code == 301
    assert page.url == "https://testserver/en/"
