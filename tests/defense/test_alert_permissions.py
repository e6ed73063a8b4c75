"""The permission matrix of every alert view, on a public and on an unlisted assembly.

Roles: anonymous, stranger, pending, member, facilitator, coordinator, a dispatcher and a verifier (members holding
those roles in the plan), and an outsider (a coordinator of another assembly). Alerts are the members' business
whatever the assembly's visibility: strangers, pending members and outsiders get 404; only the plan's dispatchers
and the coordinators raise, watch and close; verifiers of the zone also verify. The answer link needs no log-in:
the signed token, not the session, says who answers.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assembly.assemblies.models import Assembly
from assembly.common.models import AuditEntry
from assembly.defense import links, shifts
from assembly.defense import urls as defense_urls
from assembly.defense.forms import new_raise_key
from assembly.defense.models import Alert, AlertAnswer, AlertEvent, Claim
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.defense.alert_helpers import DETAILS, AlertScene, alert_scene, holder, raise_alert

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = [
    "anonymous",
    "stranger",
    "pending",
    "member",
    "facilitator",
    "coordinator",
    "dispatcher",
    "verifier",
    "outsider",
]
PUBLIC, UNLISTED = Assembly.Visibility.PUBLIC, Assembly.Visibility.UNLISTED
Status = Alert.Status


def _row(*answers) -> dict:
    return dict(zip(ROLES, answers, strict=True))


def _both(row: dict) -> dict:
    return {PUBLIC: row, UNLISTED: row}


DISPATCH = _row(LOGIN, 404, 404, 403, 403, 200, 200, 403, 404)
DISPATCH_POST = _row(LOGIN, 404, 404, 403, 403, 302, 302, 403, 404)
VERIFY_POST = _row(LOGIN, 404, 404, 403, 403, 302, 302, 302, 404)

# Expected answer per view, visibility and role: an HTTP status, or LOGIN for a redirect to the log-in page.
GET_VIEWS = {
    "alert_raise": _both(DISPATCH),
    "alert_board": _both(DISPATCH),
    "alert_board_data": _both(DISPATCH),
}
POST_VIEWS = {
    "alert_raise": _both(DISPATCH_POST),
    "alert_verify": _both(VERIFY_POST),
    "alert_close": _both(DISPATCH_POST),
    # The alert's holder (the dispatcher who raised it) and the coordinators hand it over.
    "alert_hand": _both(DISPATCH_POST),
    "alert_update": _both(DISPATCH_POST),
}
POST_ONLY = ["alert_close", "alert_hand", "alert_update", "alert_verify"]
GET_ONLY = ["alert_board", "alert_board_data"]


@pytest.fixture(params=[PUBLIC, UNLISTED])
def scene(request, assembly, people) -> AlertScene:
    assembly.visibility = request.param
    assembly.save(update_fields=["visibility"])
    return alert_scene(assembly)


@pytest.fixture
def users(scene, people) -> dict:
    return {
        **people,
        "dispatcher": scene.dispatcher.user,
        "verifier": scene.verifier.user,
        "outsider": alert_scene().coordinator.user,
    }


@pytest.fixture
def alert(scene) -> Alert:
    """An unverified report in north, raised (and held) by the dispatcher: open to verify, close, watch and hand over.

    A second dispatcher of the whole area, named after the alert went out, is there to hand it to.
    """
    raised = raise_alert(scene)
    holder(scene.plan, "dispatcher", None, language="es")
    return raised


def _url(name: str, scene: AlertScene, alert: Alert) -> str:
    if name == "alert_raise":
        return reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk})
    return reverse(name, kwargs={"slug": scene.assembly.slug, "alert_pk": alert.pk})


def _post_data(name: str, scene: AlertScene) -> dict:
    return {
        # North has the fixture's alert open: raising another there must be asked for.
        "alert_raise": lambda: {
            **DETAILS,
            "zone": scene.north.pk,
            "location_en": "Raised by the matrix",
            "key": new_raise_key(),
            "another": "on",
        },
        "alert_verify": lambda: {"decision": "confirm"},
        "alert_hand": lambda: {
            "to": next(pk for pk in [*shifts.plan_dispatchers(scene.plan), 0] if pk != scene.dispatcher.pk),
            "note": "Handed by the matrix",
        },
        "alert_update": lambda: {"note": "Posted by the matrix"},
    }.get(name, dict)()


def _took_effect(name: str, alert: Alert) -> bool:
    """Whether the POST did what the view is for."""
    return {
        "alert_raise": lambda: Alert.objects.filter(location_en="Raised by the matrix").exists(),
        "alert_verify": lambda: Alert.objects.get(pk=alert.pk).status == Status.VERIFIED,
        "alert_close": lambda: Alert.objects.get(pk=alert.pk).status == Status.CLOSED,
        "alert_hand": lambda: AlertEvent.objects.filter(alert=alert, kind=AlertEvent.Kind.HANDED).exists(),
        "alert_update": lambda: AlertEvent.objects.filter(alert=alert, kind=AlertEvent.Kind.UPDATE).exists(),
    }[name]()


def snapshot() -> dict:
    """Everything an alert view can change, to assert that a refused request changed nothing."""
    return {
        "alerts": list(Alert.objects.order_by("pk").values()),
        "answers": list(AlertAnswer.objects.order_by("pk").values()),
        "events": list(AlertEvent.objects.order_by("pk").values()),
        "messages": list(Message.objects.order_by("pk").values_list("pk", "kind", "recipient_key", "state")),
        "claims": list(Claim.objects.order_by("pk").values_list("pk", "role_id", "membership_id")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("actor_id", "action", "target_type", "target_id")),
    }


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


def test_matrix_covers_every_alert_view():
    names = {
        pattern.name
        for pattern in defense_urls.urlpatterns
        if pattern.callback.__module__ == "assembly.defense.alert_views"
    }
    assert names == {*GET_VIEWS, *POST_VIEWS, "alert_answer"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET_VIEWS))
def test_get_view_answers_each_role(name, role, scene, users, alert):
    user = users[role]
    url = _url(name, scene, alert)
    before = snapshot()

    response = client_for(user).get(url)

    expected = GET_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    after = snapshot()
    # Only the board writes something on GET: one audit entry for each look that was allowed.
    written = after["audit"][len(before["audit"]) :]
    if name == "alert_board" and expected == 200:
        # Against the plan: once the alert ends, nothing ties a person to it.
        assert written == [(user.pk, "defense.alert.board", "defense.gameplan", alert.plan_id)]
    else:
        assert written == []
    assert {**after, "audit": None} == {**before, "audit": None}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_answers_each_role(name, role, scene, users, alert):
    url = _url(name, scene, alert)
    data = _post_data(name, scene)
    before = snapshot()

    response = client_for(users[role]).post(url, data)

    expected = POST_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    allowed = expected in {200, 302}
    assert _took_effect(name, alert) == allowed
    if not allowed:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_answer_link_answers_for_the_person_it_was_sent_to_whoever_is_logged_in(role, scene, users, alert):
    Alert.objects.filter(pk=alert.pk).update(status=Status.VERIFIED)
    with translation.override("en"):
        url = reverse("alert_answer", kwargs={"token": links.answer_token(alert.pk, scene.responder.pk)})
    client = client_for(users[role])

    shown = client.get(url)
    posted = client.post(url, {"answer": "coming", "eta_minutes": "7"})

    assert (shown.status_code, posted.status_code) == (200, 200)
    [row] = AlertAnswer.objects.all()
    assert (row.membership, row.answer, row.eta_minutes) == (scene.responder, "coming", 7)


@pytest.mark.parametrize("name", POST_ONLY)
def test_get_on_a_post_view_is_405(name, scene, alert):
    before = snapshot()

    response = client_for(scene.coordinator.user).get(_url(name, scene, alert))

    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_post_on_a_get_view_is_405(name, scene, alert):
    before = snapshot()

    response = client_for(scene.coordinator.user).post(_url(name, scene, alert))

    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("name", ["alert_raise", "alert_answer"])
def test_other_methods_are_405(name, method, scene, alert):
    if name == "alert_answer":
        url = reverse(name, kwargs={"token": links.answer_token(alert.pk, scene.verifier.pk)})
    else:
        url = _url(name, scene, alert)
    before = snapshot()

    response = getattr(client_for(scene.coordinator.user), method)(url)

    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_enforces_csrf(name, scene, alert, csrf_client):
    csrf_client.force_login(scene.coordinator.user)
    before = snapshot()

    response = csrf_client.post(_url(name, scene, alert), _post_data(name, scene))

    assert response.status_code == 403
    assert not _took_effect(name, alert)
    assert snapshot() == before


def test_the_answer_link_enforces_csrf(scene, alert, csrf_client):
    url = reverse("alert_answer", kwargs={"token": links.answer_token(alert.pk, scene.verifier.pk)})
    before = snapshot()

    response = csrf_client.post(url, {"decision": "clear"})

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", [*sorted(GET_VIEWS), *POST_ONLY])
def test_an_alert_of_another_assembly_is_404_through_this_assemblys_address(name, scene, alert):
    """A coordinator of both assemblies still cannot reach the other one's alert through this one's address."""
    elsewhere = alert_scene()
    foreign = raise_alert(elsewhere, verified=True)
    user = scene.coordinator.user
    elsewhere.assembly.memberships.create(user=user, role="coordinator", status="active")
    if name == "alert_raise":
        url = reverse(name, kwargs={"slug": scene.assembly.slug, "pk": elsewhere.plan.pk})
    else:
        url = reverse(name, kwargs={"slug": scene.assembly.slug, "alert_pk": foreign.pk})
    client = client_for(user)
    before = snapshot()

    response = client.post(url, _post_data(name, elsewhere)) if name in POST_VIEWS else client.get(url)

    assert response.status_code == 404
    assert snapshot() == before


def test_a_pending_member_holding_a_role_cannot_dispatch(scene, alert):
    scene.dispatcher.status = "pending"
    scene.dispatcher.save(update_fields=["status"])
    client = client_for(scene.dispatcher.user)
    before = snapshot()

    assert client.get(_url("alert_board", scene, alert)).status_code == 404
    assert client.post(_url("alert_close", scene, alert)).status_code == 404
    assert snapshot() == before


def test_the_answer_link_needs_no_account_at_all(scene, alert):
    url = reverse("alert_answer", kwargs={"token": links.answer_token(alert.pk, scene.verifier.pk)})

    response = Client().post(url, {"decision": "confirm"})

    assert response.status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == Status.VERIFIED
