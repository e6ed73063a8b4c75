"""When someone's part in a plan ends (a role released or deleted, the plan archived), what flowed from it ends:
the alert messages not yet sent to them, their updates and hand-offs, their shifts and the alerts they held.
Shifts that are over are not kept either."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assembly.assemblies import services as assembly_services
from assembly.assemblies.models import Membership
from assembly.defense import alerts, links, messages, services, shifts, tasks
from assembly.defense.models import Alert, Claim, DefenseRole, DispatchShift, GamePlan
from assembly.notify import registry
from assembly.notify.models import Message
from tests.defense.alert_helpers import (
    AlertScene,
    alert_scene,
    deliver_alerts,
    holder,
    ids,
    raise_alert,
    recipients,
    texts_to,
)
from tests.defense.factories import DefenseRoleFactory

pytestmark = pytest.mark.django_db

Status = Alert.Status
State = Message.State
ALERT_KINDS = [*alerts.ASK_VERIFY, *alerts.BROADCAST, *alerts.UPDATE]


@pytest.fixture
def scene() -> AlertScene:
    return alert_scene()


@pytest.fixture
def second(scene):
    """Another dispatcher of the whole area, to hand alerts to."""
    return holder(scene.plan, "dispatcher", None, language="es", phone="+13125550142")


def _role_of(membership: Membership, key: str | None = None) -> DefenseRole:
    claims = Claim.objects.filter(membership=membership).select_related("role__plan", "role__kind")
    if key is not None:
        claims = claims.filter(role__kind__key=key)
    return claims.get().role


def _release(membership: Membership, key: str | None = None) -> None:
    services.claim_release(role=_role_of(membership, key), membership=membership)


def _rows_for(membership: Membership, kinds=ALERT_KINDS) -> list[tuple[str, str]]:
    key = registry.recipient_key("membership", membership.pk)
    return sorted(Message.objects.filter(recipient_key=key, kind__in=kinds).values_list("kind", "state"))


def _answer_url(alert: Alert, membership: Membership) -> str:
    return reverse("alert_answer", kwargs={"token": links.answer_token(alert.pk, membership.pk)})


# Releasing a role


def test_an_update_is_not_sent_to_someone_who_released_their_role(scene):
    alert = raise_alert(scene, verified=True)
    deliver_alerts()
    _release(scene.responder)

    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Two more vans.")

    assert recipients("alert_update") == ids(scene.verifier, scene.observer)
    assert scene.responder.pk not in recipients("alert_update_sms")


def test_releasing_a_role_drops_the_alert_messages_not_yet_sent_to_them(scene):
    alert = raise_alert(scene, verified=True)
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Two more vans.")
    assert _rows_for(scene.responder)
    # A retry waits as pending too: it goes the same way.
    key = registry.recipient_key("membership", scene.responder.pk)
    Message.objects.filter(recipient_key=key, kind="alert").update(attempts=2, last_error="smtp: try again")

    _release(scene.responder)

    assert _rows_for(scene.responder) == []
    # Everyone else's are still there.
    assert recipients("alert") == ids(scene.verifier, scene.observer)
    assert recipients("alert_update") == ids(scene.verifier, scene.observer)


def test_what_was_sent_before_the_release_is_kept_until_the_alert_ends(scene):
    alert = raise_alert(scene, verified=True)
    deliver_alerts()

    _release(scene.responder)

    assert ("alert", State.SENT) in _rows_for(scene.responder)
    # Nobody calls them to ask whether they come.
    board = alerts.board(alert)
    assert scene.responder.user.display_name not in {person["name"] for person in board["waiting"]}


def test_someone_still_holding_a_role_in_the_zone_keeps_their_messages(scene):
    responders = DefenseRole.objects.get(plan=scene.plan, zone=scene.north, kind__key="rapid-responder")
    services.claim_create(role=responders, membership=scene.verifier)
    alert = raise_alert(scene, verified=True)
    before = _rows_for(scene.verifier)

    services.claim_release(role=responders, membership=scene.verifier)
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Two more vans.")

    assert set(before) <= set(_rows_for(scene.verifier))
    assert scene.verifier.pk in recipients("alert_update")


def test_a_message_already_queued_is_not_sent_once_the_role_is_gone(scene, sms_path, mailoutbox):
    alert = raise_alert(scene, verified=True)
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Two more vans.")
    # As if the claim went while the messages were on their way: the send checks again.
    Claim.objects.filter(membership=scene.responder).delete()

    deliver_alerts()

    assert texts_to(sms_path, scene.responder) == []
    assert not [mail for mail in mailoutbox if mail.to == [scene.responder.user.email]]
    assert _rows_for(scene.responder) == []
    assert texts_to(sms_path, scene.verifier)


def test_a_verifier_who_released_their_role_is_not_asked_to_verify(scene, mailoutbox):
    alert = raise_alert(scene)
    assert recipients("alert_verify") == ids(scene.verifier)
    Claim.objects.filter(membership=scene.verifier).delete()

    deliver_alerts()

    assert not [mail for mail in mailoutbox if mail.to == [scene.verifier.user.email]]
    assert Alert.objects.get(pk=alert.pk).status == Status.UNVERIFIED


@pytest.mark.parametrize("how", ["leaves", "is removed"])
def test_someone_who_leaves_the_assembly_is_sent_nothing_more(scene, how):
    alert = raise_alert(scene, verified=True)
    deliver_alerts()
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="Two more vans.")
    assert _rows_for(scene.responder)

    if how == "leaves":
        assembly_services.membership_leave(membership=scene.responder)
    else:
        assembly_services.membership_remove(membership=scene.responder)

    assert _rows_for(scene.responder) == []
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note="They left.")
    assert recipients("alert_update") == ids(scene.verifier, scene.observer)


def test_the_answer_page_says_the_alert_is_not_for_someone_who_released_their_role(scene):
    alert = raise_alert(scene, verified=True)
    _release(scene.responder)

    page = Client().get(_answer_url(alert, scene.responder)).content.decode()

    assert "You no longer hold a role in this zone, so this alert is not for you." in page
    assert "Corner of Fifth and Main" not in page


def test_a_dispatcher_who_released_their_role_is_not_sent_the_hand_off(scene, second, mailoutbox):
    alert = raise_alert(scene, verified=True)
    alerts.alert_hand(alert=alert, by=scene.dispatcher, to=second, note="Over to you")

    _release(second)

    assert _rows_for(second, [alerts.HANDED]) == []
    assert Alert.objects.get(pk=alert.pk).held_by_id is None


def test_a_hand_off_on_its_way_is_not_sent_to_someone_who_no_longer_dispatches(scene, second, mailoutbox):
    alert = raise_alert(scene, verified=True)
    alerts.alert_hand(alert=alert, by=scene.dispatcher, to=second, note="Over to you")
    Claim.objects.filter(membership=second).delete()

    deliver_alerts()

    assert not [mail for mail in mailoutbox if "tuya" in mail.subject]


@pytest.mark.parametrize("escalation", [0, 1, 2])
@pytest.mark.parametrize("verified", [False, True])
def test_who_is_involved_at_once_agrees_with_asking_one_by_one(scene, escalation, verified):
    neighbor = holder(scene.plan, "verifier", scene.south, language="en")
    scene.north.neighbors.add(scene.south)
    alert = raise_alert(scene, verified=verified)
    Alert.objects.filter(pk=alert.pk).update(escalation=escalation)
    alert.refresh_from_db()
    everyone = Membership.objects.filter(assembly=scene.assembly)

    together = alerts.involved(alert)

    assert together == {m.pk for m in everyone if alerts.is_involved(alert, m)}
    assert (neighbor.pk in together) == (escalation == 2 and not verified)


def test_a_batch_asks_who_is_involved_once(scene, monkeypatch):
    for number in range(5):
        holder(scene.plan, "rapid-responder", scene.north, language="en", phone=f"+131255501{number:02d}")
    raise_alert(scene, verified=True)
    rows = list(Message.objects.filter(kind="alert").order_by("pk"))
    assert len(rows) == 8
    monkeypatch.setattr(messages.time, "monotonic", lambda: 100.0)
    token = registry.batch_begin()
    try:
        recipient = registry.resolve_recipient(rows[0].recipient_key)
        with CaptureQueriesContext(connection) as first:
            assert messages._alert_context(message=rows[0], recipient=recipient) is not None
        with CaptureQueriesContext(connection) as rest:
            for row in rows[1:]:
                assert messages._alert_context(message=row, recipient=recipient) is not None
    finally:
        registry.batch_end(token)

    assert len(first) > 0
    assert len(rest) == 0


# Shifts that are over


def _shift(plan: GamePlan, membership: Membership, start: timedelta, hours: float) -> DispatchShift:
    begin = timezone.now() + start
    return DispatchShift.objects.create(
        plan=plan, membership=membership, starts_at=begin, ends_at=begin + timedelta(hours=hours)
    )


def test_shifts_that_are_over_are_deleted_by_the_hourly_purge(scene):
    over = _shift(scene.plan, scene.dispatcher, timedelta(hours=-3), 2)
    on = _shift(scene.plan, scene.dispatcher, timedelta(hours=-1), 2)
    ahead = _shift(scene.plan, scene.dispatcher, timedelta(days=1), 8)

    tasks.purge_shifts()

    assert set(DispatchShift.objects.all()) == {on, ahead}
    assert not DispatchShift.objects.filter(pk=over.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert shifts.shifts_purge() == 1
    assert list(DispatchShift.objects.all()) == [ahead]


def test_the_beat_purges_shifts_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["defense-purge-shifts"]

    assert (entry["task"], entry["schedule"]) == ("assembly.defense.purge_shifts", 3600.0)
    assert tasks.purge_shifts.name == entry["task"]


# Deleting a role, archiving a plan


def test_deleting_the_dispatcher_role_ends_its_holders_shifts_and_lets_go_of_their_alerts(scene):
    alert = raise_alert(scene)
    assert alert.held_by == scene.dispatcher
    _shift(scene.plan, scene.dispatcher, timedelta(days=1), 8)

    services.role_delete(role=_role_of(scene.dispatcher))

    assert not DispatchShift.objects.exists()
    assert Alert.objects.get(pk=alert.pk).held_by_id is None


def test_deleting_one_dispatcher_role_keeps_the_shifts_of_who_dispatches_by_another(scene):
    zone_role = DefenseRoleFactory(plan=scene.plan, key="dispatcher", zone=scene.north)
    services.claim_create(role=zone_role, membership=scene.dispatcher)
    alert = raise_alert(scene)
    kept = _shift(scene.plan, scene.dispatcher, timedelta(days=1), 8)

    services.role_delete(role=DefenseRole.objects.get(plan=scene.plan, kind__key="dispatcher", zone=None))

    assert list(DispatchShift.objects.all()) == [kept]
    assert Alert.objects.get(pk=alert.pk).held_by == scene.dispatcher


def test_deleting_a_role_drops_the_alert_messages_not_yet_sent_to_its_holders(scene):
    raise_alert(scene, verified=True)

    services.role_delete(role=_role_of(scene.responder))

    assert _rows_for(scene.responder) == []
    assert recipients("alert") == ids(scene.verifier, scene.observer)


@pytest.mark.parametrize("status", [GamePlan.Status.ARCHIVED, GamePlan.Status.DRAFT])
def test_a_plan_no_longer_active_has_no_shifts_and_nobody_holds_its_alerts(scene, status):
    alert = raise_alert(scene, verified=True)
    other = alert_scene(scene.assembly)
    elsewhere = _shift(other.plan, other.dispatcher, timedelta(days=1), 8)
    _shift(scene.plan, scene.dispatcher, timedelta(hours=-1), 2)
    _shift(scene.plan, scene.dispatcher, timedelta(days=1), 8)

    services.plan_set_status(plan=scene.plan, status=status)

    assert list(DispatchShift.objects.all()) == [elsewhere]
    alert.refresh_from_db()
    # The alert runs to its end as it is: the people called out can still answer.
    assert (alert.status, alert.held_by_id) == (Status.VERIFIED, None)
