"""Redis stopped or frozen: people keep using the site, log-ins are refused, and nothing sent is lost.

Each test runs on a Redis of its own (tests/redisfault.py): stopped as `systemctl stop` or a crash would
(its queues lost), or frozen with SIGSTOP (the port open, no answer), while the rest of the suite keeps
the shared test Redis.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from assembly.common import cache as forgiving_cache
from assembly.defense import links
from assembly.defense.forms import new_raise_key
from assembly.defense.models import Alert, AlertAnswer
from assembly.meetings.models import Registration
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.conftest import client_for
from tests.defense.alert_helpers import DETAILS, alert_scene, recipients
from tests.factories import PASSWORD, UserFactory
from tests.meetings.helpers import page_text
from tests.notify import conftest as notify_fixtures
from tests.notify.helpers import guests, messages_due, published_meeting, queued_tasks
from tests.redisfault import FaultyRedis, faulty_redis
from tests.workers import wait_until

smtp_sink = notify_fixtures.smtp_sink
start_outbox_worker = notify_fixtures.start_outbox_worker
__all__ = ["faulty_redis"]

LOGIN = "/en/accounts/login/"
LOGIN_PAUSED = "Logging in, signing up and password resets are paused for a few minutes"


def _down(server: FaultyRedis, how: str) -> None:
    server.stop() if how == "stopped" else server.freeze()


def _back(server: FaultyRedis, how: str) -> None:
    server.start() if how == "stopped" else server.thaw()


@pytest.fixture
def scene(transactional_db):
    return alert_scene()


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_pages_of_a_logged_in_person_work_while_redis_is_down(faulty_redis, scene, how):
    meeting = published_meeting(scene.assembly)
    dispatcher = client_for(scene.dispatcher.user)
    pages = [
        reverse("home"),
        reverse("profile"),
        reverse("my_meetings"),
        reverse("meeting_detail", kwargs={"slug": scene.assembly.slug, "pk": meeting.pk}),
        reverse("alert_raise", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk}),
    ]
    _down(faulty_redis, how)

    answers = {page: dispatcher.get(page) for page in pages}

    assert {page: response.status_code for page, response in answers.items()} == {page: 200 for page in pages}
    assert 'action="/en/accounts/logout/"' in answers[reverse("profile")].content.decode()


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_login_is_refused_while_redis_is_down_and_works_once_it_is_back(settings, faulty_redis, transactional_db, how):
    settings.REDIS_RETRY_AFTER = 0.2
    user = UserFactory()
    _down(faulty_redis, how)

    refused = client_for(None).post(LOGIN, {"login": user.email, "password": PASSWORD})

    assert refused.status_code == 429
    assert LOGIN_PAUSED in page_text(refused)
    spanish = client_for(None).post("/es/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert "Iniciar sesión, crear una cuenta y restablecer contraseñas está en pausa" in page_text(spanish)

    _back(faulty_redis, how)
    logged_in = wait_until(
        lambda: (response := client_for(None).post(LOGIN, {"login": user.email, "password": PASSWORD})).status_code
        == 302
        and response,
        what="log-in to work again",
    )
    assert logged_in.url == "/en/"


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_log_out_everywhere_while_redis_is_down_stays_done_once_it_is_back(faulty_redis, transactional_db, how):
    user = UserFactory()
    phone, laptop = client_for(user), client_for(user)
    assert laptop.get(reverse("profile")).status_code == 200
    _down(faulty_redis, how)

    phone.post(reverse("logout_everywhere"))
    _back(faulty_redis, how)
    # The web process asks Redis again, as it does once REDIS_RETRY_AFTER has passed.
    forgiving_cache._forget()

    assert laptop.get(reverse("profile")).status_code == 302


def test_sign_up_and_password_reset_are_refused_while_redis_is_down(faulty_redis, transactional_db):
    user = UserFactory()
    faulty_redis.stop()

    passphrase = "a long pass phrase"
    signup = client_for(None).post(
        "/en/accounts/signup/", {"email": "new@example.org", "password1": passphrase, "password2": passphrase}
    )
    reset = client_for(None).post("/en/accounts/password/reset/", {"email": user.email})

    assert (signup.status_code, reset.status_code) == (429, 429)
    assert LOGIN_PAUSED in page_text(signup)
    assert LOGIN_PAUSED in page_text(reset)
    assert not type(user).objects.filter(email="new@example.org").exists()


def test_guest_sign_up_is_refused_while_redis_is_down(faulty_redis, transactional_db):
    meeting = published_meeting()
    faulty_redis.stop()

    response = client_for(None).post(
        reverse("meeting_guest_register", kwargs={"slug": meeting.assembly.slug, "pk": meeting.pk}),
        {"alias": "Rosa", "email": "rosa@example.org"},
    )

    assert response.status_code == 429
    assert "Sign-ups without an account are paused for a few minutes" in page_text(response)
    assert not Registration.objects.exists()


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_member_signs_up_and_cancels_while_redis_is_down(faulty_redis, scene, how):
    meeting = published_meeting(scene.assembly)
    member = client_for(scene.bystander.user)
    kwargs = {"slug": scene.assembly.slug, "pk": meeting.pk}
    _down(faulty_redis, how)

    signed_up = member.post(reverse("meeting_register", kwargs=kwargs), follow=True)

    assert signed_up.status_code == 200
    assert "You are signed up." in page_text(signed_up)
    assert Registration.objects.get(user=scene.bystander.user).status == Registration.Status.CONFIRMED

    cancelled = member.post(reverse("meeting_unregister", kwargs=kwargs), follow=True)

    assert cancelled.status_code == 200
    assert Registration.objects.get(user=scene.bystander.user).status == Registration.Status.CANCELLED


def test_banner_tells_organizers_and_nobody_else_that_redis_is_down(faulty_redis, scene):
    banner = "This site cannot reach Redis"
    organizers = [client_for(scene.coordinator.user), client_for(scene.dispatcher.user)]
    others = [client_for(scene.bystander.user), client_for(None)]
    assert all(banner not in page_text(client.get(reverse("home"))) for client in organizers)

    faulty_redis.stop()

    assert all(banner in page_text(client.get(reverse("home"))) for client in organizers)
    assert all(banner not in page_text(client.get(reverse("home"))) for client in others)
    spanish = organizers[0].get("/es/")
    assert "Este sitio no puede conectar con Redis" in page_text(spanish)


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_alert_raised_verified_and_answered_while_redis_is_down_reaches_everyone_once_it_is_back(
    faulty_redis, scene, smtp_sink, start_outbox_worker, how
):
    dispatcher = client_for(scene.dispatcher.user)
    _down(faulty_redis, how)

    raised = dispatcher.post(
        reverse("alert_raise", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk}),
        {**DETAILS, "zone": scene.north.pk, "key": new_raise_key()},
    )
    [alert] = Alert.objects.all()
    assert raised.status_code == 302
    verify = urlsplit(links.answer_url(alert.pk, scene.verifier.pk, language="en")).path
    assert client_for(None).post(verify, {"decision": "confirm"}).status_code == 200
    answer = urlsplit(links.answer_url(alert.pk, scene.responder.pk, language="en")).path
    assert client_for(None).post(answer, {"answer": "coming", "eta_minutes": "5"}).status_code == 200
    board = dispatcher.get(reverse("alert_board", kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk}))
    assert board.status_code == 200
    alert.refresh_from_db()
    assert alert.status == Alert.Status.VERIFIED
    assert AlertAnswer.objects.get().membership == scene.responder
    assert not Message.objects.filter(state=Message.State.SENT).exists()

    _back(faulty_redis, how)
    start_outbox_worker(REDIS_URL=faulty_redis.url)
    # The beat's next sweep, once Redis answers again: the rows are the truth, whatever the queue lost.
    outbox_sweep(now=timezone.now())
    wait_until(lambda: not Message.objects.exclude(state=Message.State.SENT).exists(), what="every message to go")

    assert recipients("alert") == {m.pk for m in scene.called_out}
    # One email each, texts aside.
    assert set(smtp_sink.count_by_outbox_pk().values()) == {1}
    [alerted] = smtp_sink.to(scene.responder.user.email)
    assert alerted.subject == "ALERT: agents in North block, Corner of Fifth and Main"


def test_messages_a_sweep_could_not_queue_are_queued_by_the_next_sweep_at_once(faulty_redis, transactional_db):
    messages_due(guests(published_meeting(), 3))
    now = timezone.now()
    faulty_redis.stop()

    with pytest.raises(OperationalError):
        outbox_sweep(now=now)

    assert set(Message.objects.values_list("queued_at", flat=True)) == {None}
    faulty_redis.start()
    assert outbox_sweep(now=now) == 3
    assert [task.kwargs for task in queued_tasks()] == [
        {"message_ids": sorted(Message.objects.values_list("pk", flat=True))}
    ]
