"""Link secrets stay out of every log: Django's warnings, runserver's request lines, gunicorn's access log."""

import http.client
import io
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from gunicorn.glogging import SafeAtoms

from assembly.common.logsafety import RedactLinkSecrets
from assembly.common.urlsecrets import _routes
from tests import workers

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET = "S3cr3tT0ken-xyz:abc"

# Every route whose path carries a secret, with the arguments that build a bad link to it.
SECRET_LINKS = {
    "invitation_accept": {"token": SECRET},
    "registration_confirm": {"token": SECRET},
    "registration_cancel_link": {"token": SECRET},
    "calendar_feed": {"token": SECRET},
    "alert_answer": {"token": SECRET},
    "notify_preferences": {"token": SECRET},
    "notify_unsubscribe": {"token": SECRET},
    "account_confirm_email": {"key": SECRET},
    "account_reset_password_from_key": {"uidb36": "4", "key": SECRET},
}


def _messages(records: list[logging.LogRecord]) -> str:
    formatter = logging.Formatter()
    return "\n".join(formatter.format(record) for record in records)


def test_secret_routes_are_read_from_the_url_patterns():
    found = {route.full.pattern for route in _routes(settings.ROOT_URLCONF).secret}

    assert len(found) == len(SECRET_LINKS)
    for name, kwargs in SECRET_LINKS.items():
        path = reverse(name, kwargs=kwargs)
        assert any(route.full.fullmatch(path[1:]) for route in _routes(settings.ROOT_URLCONF).secret), name


@pytest.mark.parametrize("name", SECRET_LINKS)
def test_bad_link_is_logged_without_its_secret(name, caplog):
    path = reverse(name, kwargs=SECRET_LINKS[name])
    caplog.set_level(logging.INFO)

    Client().get(path)
    # A POST without a CSRF cookie is refused and logged by every view, whatever it does with a bad secret.
    Client(enforce_csrf_checks=True).post(path)

    logged = _messages(caplog.records)
    assert path.replace(SECRET, "[redacted]") in logged
    assert SECRET not in logged
    requests = [
        record.request for record in caplog.records if isinstance(getattr(record, "request", None), HttpRequest)
    ]
    assert requests
    assert all(SECRET not in request.path and SECRET not in request.META["PATH_INFO"] for request in requests)


def test_every_configured_handler_redacts():
    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    configured = settings.LOGGING["handlers"]
    handlers = [handler for logger in loggers for handler in logger.handlers if handler.name in configured]

    assert {handler.name for handler in handlers} == set(configured)
    assert all(any(isinstance(f, RedactLinkSecrets) for f in handler.filters) for handler in handlers)
    assert logging.getLogger("django").handlers == []


def test_runserver_request_line_is_logged_without_its_secret():
    handler = logging.getLogger("django.server").handlers[0]
    written = io.StringIO()
    previous = handler.setStream(written)
    request_handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    request_handler.request = None
    try:
        request_handler.log_message('"%s" %s %s', f"GET /en/r/cancel/{SECRET}/ HTTP/1.1", "400", "1234")
    finally:
        handler.setStream(previous)

    assert '"GET /en/r/cancel/[redacted]/ HTTP/1.1" 400 1234' in written.getvalue()
    assert SECRET not in written.getvalue()


def test_redaction_keeps_a_gunicorn_access_record_whole():
    atoms = SafeAtoms(
        {
            "h": "10.0.0.2",
            "r": f"GET /es/calendar/{SECRET}.ics HTTP/1.1",
            "s": "404",
            "U": f"/es/calendar/{SECRET}.ics",
            "f": f"https://asamblea.example.org/en/al/{SECRET}/?language=es",
            "{user-agent}i": "phone",
        }
    )
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s "%(f)s"', atoms, None)

    RedactLinkSecrets().filter(record)

    assert record.getMessage() == (
        '10.0.0.2 "GET /es/calendar/[redacted].ics HTTP/1.1" 404 '
        '"https://asamblea.example.org/en/al/[redacted]/?language=es"'
    )
    assert record.args["{missing}i"] == "-"


def test_redaction_drops_the_rest_of_a_mistyped_link():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/en/notify/preferences/{SECRET}",), None
    )

    RedactLinkSecrets().filter(record)

    assert record.getMessage() == "Not Found: /en/notify/preferences/[redacted]"


def test_redaction_finds_a_link_encoded_in_a_query_string():
    line = f'"GET /en/accounts/signup/?next=%2Fen%2Finvite%2F{SECRET}%2F HTTP/1.1" 200'
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, "%s", (line,), None)

    RedactLinkSecrets().filter(record)

    assert SECRET not in record.getMessage()
    assert record.getMessage() == '"GET /en/accounts/signup/?next=%2Fen%2Finvite%2F[redacted]%2F HTTP/1.1" 200'


def test_redaction_leaves_other_paths_alone():
    paths = "/en/accounts/password/reset/key/done/ /en/a/barrio/members/ /en/accounts/confirm-email/"
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, "%s", (paths,), None)

    RedactLinkSecrets().filter(record)

    assert record.getMessage() == paths


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, **headers: str) -> int:
    """The status of one GET, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    try:
        connection.request("GET", path, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_with_the_project_config_logs_no_secret(tmp_path):
    port = _free_port()
    access_log, error_log, output = tmp_path / "access.log", tmp_path / "error.log", tmp_path / "output.log"
    env = {**os.environ, "DATABASE_URL": workers.test_database_url(), "PYTHONUNBUFFERED": "1"}
    with open(output, "wb") as out:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "assembly.wsgi", "--workers", "1"),
                *("--bind", f"127.0.0.1:{port}", "--access-logfile", str(access_log)),
                *("--error-logfile", str(error_log)),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        for _attempt in range(300):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, output.read_text()
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        statuses = [
            _get(port, f"/en/r/confirm/{SECRET}/", Referer=f"{base}/en/notify/preferences/{SECRET}/"),
            _get(port, f"/es/calendar/{SECRET}.ics"),
            _get(port, f"/en/invite/{SECRET}"),
        ]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()

    assert statuses == [400, 404, 301]
    logs = {path.name: path.read_text() for path in (access_log, error_log, output)}
    assert '"GET /en/r/confirm/[redacted]/ HTTP/1.1" 400' in logs["access.log"]
    assert f"{base}/en/notify/preferences/[redacted]/" in logs["access.log"]
    assert '"GET /es/calendar/[redacted].ics HTTP/1.1" 404' in logs["access.log"]
    assert '"GET /en/invite/[redacted] HTTP/1.1" 301' in logs["access.log"]
    assert "Bad Request: /en/r/confirm/[redacted]/" in logs["output.log"]
    assert not [name for name, text in logs.items() if SECRET in text]


def test_celery_logs_are_redacted_too():
    """Celery sets up its own handlers in workers and beat; they get the same filter."""
    from celery.signals import after_setup_logger

    stream = io.StringIO()
    logger = logging.getLogger("celery-test-redaction")
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False

    after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False)
    logger.warning("cannot render the link /en/al/%s/", SECRET)

    assert stream.getvalue() == "cannot render the link /en/al/[redacted]/\n"
