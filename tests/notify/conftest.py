"""Real parts for the outbox: an SMTP server on loopback and Celery workers that mail through it.

Tests about *who* sends (crashes, lost Redis, competing claims, refusals) use real worker processes.
Tests about *what* is sent let this process do the worker's part with `helpers.run_queued_tasks`, which takes
the tasks off the real Redis queue and runs them here: the same tasks, services and SMTP server, without
a worker's start-up time.
"""

import logging
import subprocess
from collections.abc import Callable, Iterator

import pytest

from assembly.common.localredis import free_port
from tests.notify.smtp import SmtpSink
from tests.workers import kill_worker, start_worker


@pytest.fixture
def smtp_sink(settings) -> Iterator[SmtpSink]:
    """A fresh SMTP server for this test, and Django in this process mailing through it."""
    # aiosmtpd logs every SMTP command at INFO: hundreds of lines per test, and time spent writing them.
    mail_log = logging.getLogger("mail.log")
    level = mail_log.level
    mail_log.setLevel(logging.WARNING)
    sink = SmtpSink(free_port())
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    yield sink
    sink.answer_held("421 4.3.2 Test over")
    sink.stop()
    mail_log.setLevel(level)


@pytest.fixture
def start_outbox_worker(transactional_db, smtp_sink) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start real workers that mail through the test's SMTP server; env adds settings, e.g. NOTIFY_BATCH_SIZE."""
    started: list[subprocess.Popen] = []

    def start(*, name: str = "outbox", **env: str) -> subprocess.Popen:
        process = start_worker(name=name, env={"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_sink.port), **env})
        started.append(process)
        return process

    yield start
    # The test has its answer: what a worker is still doing no longer matters, and a warm shutdown takes seconds.
    for process in started:
        kill_worker(process)


@pytest.fixture
def fake_twilio(settings, tmp_path):
    """Twilio's API on loopback, with the site's SMS going through the real TwilioBackend to it.

    Its status callbacks are held: `post_callbacks` posts them to the site through Django's test client.
    """
    from assembly.notify.fakes import FakeTwilio

    fake = FakeTwilio(tmp_path / "sms").start()
    fake.hold_callbacks = True
    settings.SMS_BACKEND = "assembly.notify.providers.twilio.TwilioBackend"
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_FROM = fake.number
    settings.TWILIO_API_BASE = fake.url
    yield fake
    fake.stop()


@pytest.fixture
def fake_android(settings, tmp_path):
    """SMS Gateway for Android's API on loopback, serving the site's SMS; its webhooks are held as above."""
    from assembly.notify.fakes import FakeAndroidGateway

    fake = FakeAndroidGateway(tmp_path / "sms", webhook_url=settings.SITE_URL + "/webhooks/android/").start()
    fake.hold_callbacks = True
    settings.SMS_BACKEND = "assembly.notify.providers.android.AndroidGatewayBackend"
    settings.ANDROID_GATEWAY_URL = fake.api_url
    settings.ANDROID_GATEWAY_LOGIN = fake.login
    settings.ANDROID_GATEWAY_PASSWORD = fake.password
    settings.ANDROID_GATEWAY_WEBHOOK_SECRET = fake.secret
    yield fake
    fake.stop()


@pytest.fixture
def fake_signal(settings, tmp_path):
    """signal-cli's REST API on loopback, serving the site's Signal channel."""
    from assembly.notify.fakes import FakeSignal

    fake = FakeSignal(tmp_path / "signal").start()
    settings.SIGNAL_BACKEND = "assembly.notify.providers.signal.SignalBackend"
    settings.SIGNAL_API_URL = fake.url
    settings.SIGNAL_NUMBER = fake.number
    yield fake
    fake.stop()
