"""Dispatch on a phone, in English and in Spanish: an alert nobody verifies goes up a step on its own and the board
shows it; a dispatcher takes a shift, another hands her an alert with a note, and her board shows who holds it.

No beat runs here: the journey does the beat's part (alerts_escalate) in its own process, as a worker would.
"""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assembly.assemblies.models import Membership, Zone
from assembly.defense import alerts, links, services
from assembly.defense.models import Alert, AlertEvent, DefenseRole, GamePlan, RoleKind
from tests.e2e import test_journey_defense as defense_journey
from tests.e2e.test_journey_defense import fits_the_phone, log_in
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory

LABELS = {
    "en": {"email": "Email", "password": "Password", "locale": "en-US"},
    "es": {"email": "Correo electrónico", "password": "Contraseña", "locale": "es-MX"},
}
WORDS = {
    "en": {
        "step1": "Sent to the dispatcher on duty and the coordinators at",
        "step2": "Sent to the verifiers of neighboring zones at",
        "waiting": "Waiting for a verifier",
        "hand": "Hand this alert to another dispatcher",
        "to": "Hand it to",
        "note": "Note for them",
        "button": "Hand it over",
        "held": "Held by {name}.",
        "handed": "{by} handed it to {to} at",
        "now_holds": "{name} holds the alert now.",
        "verify": "Please verify",
        "starts": "Starts",
        "ends": "Ends",
        "take": "Take this shift",
        "signed_up": "You are signed up for the shift. Thank you.",
    },
    "es": {
        "step1": "Enviada al despacho de turno y a la coordinación a las",
        "step2": "Enviada a quienes verifican en zonas vecinas a las",
        "waiting": "Esperando verificación",
        "hand": "Pasar esta alerta a otra persona del despacho",
        "to": "Pásala a",
        "note": "Nota para esa persona",
        "button": "Pasarla",
        "held": "La lleva {name}.",
        "handed": "{by} se la pasó a {to} a las",
        "now_holds": "Ahora {name} lleva la alerta.",
        "verify": "Por favor, verifica",
        "starts": "Empieza",
        "ends": "Termina",
        "take": "Tomar este turno",
        "signed_up": "Ya tienes el turno. Gracias.",
    },
}
# The other phones' fixture, shared with the defense journey.
open_phone = defense_journey.open_phone
NOTE = {"en": "They moved to Fifth and Main; Rosa is filming.", "es": "Se movieron a la Quinta y Main; Rosa graba."}


def _person(assembly, name: str, email: str, language: str, role=Membership.Role.MEMBER) -> Membership:
    return MembershipFactory(
        assembly=assembly, user=UserFactory(email=email, display_name=name, language=language), role=role
    )


def _plan(language: str):
    """An active plan over two neighboring blocks, with a dispatcher, a coordinator and a verifier on each block."""
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")
    north = Zone.objects.create(assembly=assembly, name_en="Elm Street blocks", name_es="Cuadras de la calle Elm")
    south = Zone.objects.create(assembly=assembly, name_en="Oak Street blocks", name_es="Cuadras de la calle Oak")
    north.neighbors.add(south)
    plan = GamePlan.objects.create(
        assembly=assembly, title_en="Home raids", title_es="Redadas", status=GamePlan.Status.ACTIVE, verify_minutes=5
    )
    plan.zones.set([north, south])
    kinds = {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly)}
    dispatch = DefenseRole.objects.create(plan=plan, kind=kinds["dispatcher"], zone=None, needed=3)
    people = {
        "tomas": _person(assembly, "Tomás", "tomas@example.org", language, Membership.Role.FACILITATOR),
        "ana": _person(assembly, "Ana", "ana@example.org", language, Membership.Role.FACILITATOR),
        "coordinator": _person(assembly, "Carmen", "carmen@example.org", language, Membership.Role.COORDINATOR),
        "north": _person(assembly, "Nico", "nico@example.org", language),
        "south": _person(assembly, "Sofía", "sofia@example.org", language),
    }
    services.claim_create(role=dispatch, membership=people["tomas"])
    services.claim_create(role=dispatch, membership=people["ana"])
    for zone, who in ((north, "north"), (south, "south")):
        role = DefenseRole.objects.create(plan=plan, kind=kinds["verifier"], zone=zone, needed=2)
        services.claim_create(role=role, membership=people[who])
    return assembly, plan, north, people


def _log_in(phone: Page, email: str, path: str, labels: dict) -> None:
    log_in(phone, email=email, next_path=path, email_label=labels["email"], password_label=labels["password"])


def _raise(plan, zone, by, *, verified: bool) -> Alert:
    alert, _created = alerts.alert_raise(
        plan=plan,
        zone=zone,
        raised_by=by,
        verified=verified,
        practice=False,
        location_en="Corner of Elm and 5th",
        location_es="Esquina de Elm y la 5",
    )
    return alert


@pytest.mark.parametrize("language", ["en", "es"])
def test_journey_escalation_fires_when_nobody_verifies(
    page: Page, open_phone, live_server, settings, screenshots_dir: Path, language
):
    settings.SITE_URL = live_server.url
    words, labels = WORDS[language], LABELS[language]
    assembly, plan, north, people = _plan(language)
    alert = _raise(plan, north, people["tomas"], verified=False)
    board_path = f"/{language}/a/{assembly.slug}/alerts/{alert.pk}/"

    # Tomás watches the board of the report he raised: waiting for Nico, who verifies the Elm Street blocks.
    _log_in(page, "tomas@example.org", board_path, labels)
    expect(page).to_have_url(f"{live_server.url}{board_path}")
    expect(page.locator("#board-status")).to_have_text(words["waiting"])
    expect(page.locator("#board-waiting")).to_contain_text("Nico")
    expect(page.locator("#board-events")).not_to_contain_text(words["step1"])

    # Nobody verifies: twice the plan's time goes by, and the beat takes both steps.
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(minutes=2 * plan.verify_minutes))
    assert alerts.alerts_escalate() == 2

    # The board, polling, shows each step by itself.
    events = page.locator("#board-events")
    expect(events).to_contain_text(words["step1"], timeout=15000)
    expect(events).to_contain_text(words["step2"])
    # Now Carmen the coordinator and Sofía of the next blocks are asked too: the board lists them to call.
    expect(page.locator("#board-waiting")).to_contain_text("Carmen")
    expect(page.locator("#board-waiting")).to_contain_text("Sofía")
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / f"journey-dispatch-escalated-{language}.png", full_page=True)

    # Sofía opens her link, not logged in: she may verify the report of the neighboring blocks.
    sofia = open_phone(labels["locale"])
    sofia.goto(links.answer_url(alert.pk, people["south"].pk, language=language))
    expect(sofia.locator("#verify")).to_have_text(words["verify"])
    assert fits_the_phone(sofia)
    assert list(AlertEvent.objects.filter(alert=alert).values_list("step", flat=True)) == [1, 2]


@pytest.mark.parametrize("language", ["en", "es"])
def test_journey_a_shift_hand_off(page: Page, open_phone, live_server, screenshots_dir: Path, language):
    words, labels = WORDS[language], LABELS[language]
    assembly, plan, north, people = _plan(language)
    alert = _raise(plan, north, people["tomas"], verified=True)
    board_path = f"/{language}/a/{assembly.slug}/alerts/{alert.pk}/"

    # Ana takes the next shift on the plan's calendar, starting now, on the assembly's clock.
    shifts_path = f"/{language}/a/{assembly.slug}/plans/{plan.pk}/shifts/"
    ana = open_phone(labels["locale"])
    _log_in(ana, "ana@example.org", shifts_path, labels)
    expect(ana).to_have_url(f"{live_server.url}{shifts_path}")
    start = timezone.localtime(timezone.now(), ZoneInfo(assembly.time_zone)).replace(second=0, microsecond=0)
    ana.get_by_label(words["starts"]).fill(start.strftime("%Y-%m-%dT%H:%M"))
    ana.get_by_label(words["ends"]).fill((start + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
    ana.get_by_role("button", name=words["take"]).click()
    expect(ana.locator("main [role=status]")).to_contain_text(words["signed_up"])
    expect(ana.locator("#on-duty")).to_contain_text("Ana")
    assert fits_the_phone(ana)
    ana.screenshot(path=screenshots_dir / f"journey-dispatch-shifts-{language}.png", full_page=True)

    # Tomás's shift is over: he hands the alert he holds to Ana, with a note.
    _log_in(page, "tomas@example.org", board_path, labels)
    expect(page).to_have_url(f"{live_server.url}{board_path}")
    expect(page.locator("#board-holder")).to_have_text(words["held"].format(name="Tomás"))
    page.get_by_text(words["hand"]).click()
    page.get_by_label(words["to"]).select_option(label="Ana")
    page.get_by_label(words["note"]).fill(NOTE[language])
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / f"journey-dispatch-hand-off-{language}.png", full_page=True)
    page.get_by_role("button", name=words["button"], exact=True).click()
    expect(page.locator("main [role=status]")).to_contain_text(words["now_holds"].format(name="Ana"))
    expect(page.locator("#board-holder")).to_have_text(words["held"].format(name="Ana"))
    # He no longer holds it, so he cannot hand it on.
    expect(page.get_by_text(words["hand"])).to_have_count(0)
    assert Alert.objects.get(pk=alert.pk).held_by == people["ana"]

    # Ana, on her own phone, finds it on her board: who holds it, and Tomás's note.
    ana.goto(board_path)
    expect(ana.locator("#board-holder")).to_have_text(words["held"].format(name="Ana"))
    expect(ana.locator("#board-events")).to_contain_text(words["handed"].format(by="Tomás", to="Ana"))
    expect(ana.locator("#board-events")).to_contain_text(NOTE[language])
    assert fits_the_phone(ana)
    ana.screenshot(path=screenshots_dir / f"journey-dispatch-handed-{language}.png", full_page=True)
