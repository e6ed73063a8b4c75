"""A plan ready for alerts, with holders in two zones and the whole area, and the ways to see what reached them."""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from assembly.assemblies.models import Assembly, Membership, Zone
from assembly.defense import alerts
from assembly.defense.models import Alert, AlertAnswer, GamePlan
from assembly.notify.models import Message
from assembly.notify.services import outbox_sweep
from tests.defense.factories import ClaimFactory, DefenseRoleFactory, GamePlanFactory
from tests.factories import AssemblyFactory, MembershipFactory, ZoneFactory
from tests.notify.helpers import run_queued_tasks

# What a dispatcher types, in both languages; every one of these must be gone once the alert ends.
DETAILS = {
    "location_en": "Corner of Fifth and Main",
    "location_es": "Esquina de la Quinta y Main",
    "how_many": 6,
    "activity_en": "Knocking on doors",
    "activity_es": "Tocando puertas",
    "uniforms_en": "Vests marked POLICE",
    "uniforms_es": "Chalecos que dicen POLICE",
    "vehicles_en": "Two white vans",
    "vehicles_es": "Dos camionetas blancas",
}
# The columns that hold what was seen, as stored: the untranslated originals and one per language.
DETAIL_COLUMNS = [
    *(
        f"{field}{suffix}"
        for field in ("location", "activity", "uniforms", "vehicles")
        for suffix in ("", "_en", "_es")
    ),
    "how_many",
    "seen_at",
]


@dataclass
class AlertScene:
    """An active plan covering `north` and `south`; `outside` is a zone of the assembly the plan does not cover.

    Holders: a dispatcher and a legal observer for the whole area; a verifier and a rapid responder in each zone.
    The bystander and the coordinator hold nothing; `other_plan_verifier` verifies north for another plan.
    """

    assembly: Assembly
    plan: GamePlan
    north: Zone
    south: Zone
    outside: Zone
    coordinator: Membership
    dispatcher: Membership
    verifier: Membership
    responder: Membership
    observer: Membership
    south_verifier: Membership
    south_responder: Membership
    bystander: Membership
    other_plan_verifier: Membership

    @property
    def north_holders(self) -> list[Membership]:
        """Everyone holding a role of the plan in north or in the whole area."""
        return [self.dispatcher, self.verifier, self.responder, self.observer]

    @property
    def called_out(self) -> list[Membership]:
        """Whom a verified alert in north raised by the dispatcher reaches: the holders but the dispatcher."""
        return [self.verifier, self.responder, self.observer]


def holder(plan: GamePlan, key: str, zone: Zone | None, *, language: str, phone: str = "") -> Membership:
    role = DefenseRoleFactory(plan=plan, key=key, zone=zone, needed=5)
    # Dispatching needs the facilitator rank: a dispatcher sees who holds each role.
    rank = Membership.Role.FACILITATOR if key == "dispatcher" else Membership.Role.MEMBER
    membership = MembershipFactory(assembly=plan.assembly, user__language=language, user__phone=phone, role=rank)
    ClaimFactory(role=role, membership=membership)
    return membership


def alert_scene(assembly: Assembly | None = None) -> AlertScene:
    assembly = assembly or AssemblyFactory()
    north = ZoneFactory(assembly=assembly, name_en="North block", name_es="Cuadra norte")
    south = ZoneFactory(assembly=assembly, name_en="South block", name_es="Cuadra sur")
    plan = GamePlanFactory(assembly=assembly, title_en="Home raid plan", title_es="Plan contra redadas")
    plan.zones.set([north, south])
    other_plan = GamePlanFactory(assembly=assembly)
    other_plan.zones.set([north])
    return AlertScene(
        assembly=assembly,
        plan=plan,
        north=north,
        south=south,
        outside=ZoneFactory(assembly=assembly, name_en="Far block", name_es="Cuadra lejana"),
        coordinator=MembershipFactory(assembly=assembly, role=Membership.Role.COORDINATOR),
        dispatcher=holder(plan, "dispatcher", None, language="en"),
        verifier=holder(plan, "verifier", north, language="es", phone="+15550100001"),
        responder=holder(plan, "rapid-responder", north, language="en", phone="+15550100002"),
        observer=holder(plan, "legal-observer", None, language="es"),
        south_verifier=holder(plan, "verifier", south, language="en", phone="+15550100003"),
        south_responder=holder(plan, "rapid-responder", south, language="es", phone="+15550100004"),
        bystander=MembershipFactory(assembly=assembly, user__phone="+15550100005"),
        other_plan_verifier=holder(other_plan, "verifier", north, language="en", phone="+15550100006"),
    )


def raise_alert(scene: AlertScene, *, zone: Zone | None = None, verified: bool = False, **overrides) -> Alert:
    fields = {"practice": False, "seen_at": timezone.now() - timedelta(minutes=5), **DETAILS, **overrides}
    alert, _created = alerts.alert_raise(
        plan=scene.plan, zone=zone or scene.north, raised_by=scene.dispatcher, verified=verified, **fields
    )
    return alert


def answer(alert: Alert, membership: Membership, reply: str, eta: int | None = None) -> AlertAnswer:
    return alerts.alert_answer(alert=alert, membership=membership, answer=reply, eta_minutes=eta)


def deliver_alerts() -> int:
    """Sweep, then do the alert worker's part in this process; return how many tasks ran."""
    outbox_sweep()
    return run_queued_tasks("alerts")


def recipients(kind: str, *, state: str | None = None) -> set[int]:
    """The memberships a kind of message is stored for (in a state, if given)."""
    rows = Message.objects.filter(kind=kind)
    if state is not None:
        rows = rows.filter(state=state)
    return {int(key.partition(":")[2]) for key in rows.values_list("recipient_key", flat=True)}


def ids(*memberships: Membership) -> set[int]:
    return {membership.pk for membership in memberships}


def stored_details(alert: Alert) -> dict:
    """What the database row holds of what was seen, read with SQL: no translation layer in between."""
    columns = ", ".join(DETAIL_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM defense_alert WHERE id = %s", [alert.pk])
        return dict(zip(DETAIL_COLUMNS, cursor.fetchone(), strict=True))


def details_left(alert: Alert) -> dict:
    """The details still stored for an alert, by column: none once it has ended."""
    return {column: value for column, value in stored_details(alert).items() if value not in ("", None)}


def texts(path: Path) -> list[dict]:
    """The text messages the file backend wrote, oldest first: each a dict with "to" and "text"."""
    if not path.exists():
        return []
    files = sorted(path.glob("*.json"), key=lambda file: (file.stat().st_mtime_ns, file.name))
    return [json.loads(file.read_text(encoding="utf-8")) for file in files]


def texts_to(path: Path, membership: Membership) -> list[str]:
    return [text["text"] for text in texts(path) if text["to"] == membership.user.phone]
