"""A neighbor reports agents from the public page on a phone, and a verifier confirms it by replying `1` to a text.

No Celery worker runs here: the journey does the alert worker's part with run_queued_tasks, texts land in the
file backend, and the verifier's reply goes in through notify's hand-off for inbound texts, as a provider's
webhook would pass it.
"""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assembly.assemblies.models import Membership, Zone
from assembly.defense import reports, services
from assembly.defense.models import Alert, DefenseRole, GamePlan, RoleKind
from assembly.notify.models import Message
from assembly.notify.registry import InboundText
from assembly.notify.services import text_receive
from tests.e2e import test_journey_defense as defense_journey
from tests.e2e.test_journey_defense import fits_the_phone, log_in
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory
from tests.notify.helpers import run_queued_tasks

open_phone = defense_journey.open_phone

VERIFIER_PHONE = "+13125550142"
DISPATCHER_EMAIL = "tomas@example.org"
# What each language's visitor sees and types, and what the verifier's phone gets back.
WORDS = {
    "es": {
        "locale": "es-MX",
        "heading": "Reporta lo que ves",
        "zone": "Cuadras de la calle Elm",
        "where": "Esquina de Elm y la 5, junto a la lavandería",
        "more": "Más detalles (si se saben)",
        "send": "Enviar el reporte",
        "thanks": "Gracias por reportar",
        "safe": "no confrontes a los agentes",
        "text": "Verifica: agentes en Cuadras de la",
        # An SMS reply: folded to GSM-7, so "está" loses its accent.
        "reply": "Asamblea: gracias. La alerta esta verificada: avisamos a todas las personas con un rol en la zona.",
        "email": "Correo electrónico",
        "password": "Contraseña",
        "verified": "Verificada",
    },
    "en": {
        "locale": "en-US",
        "heading": "Report what you see",
        "zone": "Elm Street blocks",
        "where": "Corner of Elm and 5th, by the laundromat",
        "more": "More details (if known)",
        "send": "Send the report",
        "thanks": "Thank you for reporting",
        "safe": "do not confront the agents",
        "text": "Check: agents in Elm Street",
        "reply": "Asamblea: thank you. The alert is verified: everyone with a role in the zone is alerted.",
        "email": "Email",
        "password": "Password",
        "verified": "Verified",
    },
}


def texts_to(path: Path, phone: str) -> list[str]:
    files = sorted(path.glob("*.json"), key=lambda file: (file.stat().st_mtime_ns, file.name))
    messages = [json.loads(file.read_text(encoding="utf-8")) for file in files]
    return [message["text"] for message in messages if message["to"] == phone]


@pytest.mark.parametrize("language", ["es", "en"])
def test_journey_neighbor_reports_from_the_public_page_and_a_verifier_confirms_by_text(
    page: Page, open_phone, live_server, settings, tmp_path, screenshots_dir: Path, language: str
):
    words = WORDS[language]
    settings.SITE_URL = live_server.url
    settings.SMS_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")
    zone = Zone.objects.create(assembly=assembly, name_en="Elm Street blocks", name_es="Cuadras de la calle Elm")
    other_zone = Zone.objects.create(assembly=assembly, name_en="Oak Street blocks", name_es="Cuadras de la calle Oak")
    plan = GamePlan.objects.create(
        assembly=assembly, title_en="Home raid", title_es="Redada en casa", status=GamePlan.Status.ACTIVE
    )
    plan.zones.set([zone, other_zone])
    kinds = {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly)}
    verifiers = DefenseRole.objects.create(plan=plan, kind=kinds["verifier"], zone=zone, needed=1)
    dispatch = DefenseRole.objects.create(plan=plan, kind=kinds["dispatcher"], zone=None, needed=1)
    verifier = MembershipFactory(
        assembly=assembly, user=UserFactory(display_name="Lupe", language=language, phone=VERIFIER_PHONE)
    )
    services.claim_create(role=verifiers, membership=verifier)
    dispatcher = MembershipFactory(
        assembly=assembly,
        user=UserFactory(email=DISPATCHER_EMAIL, display_name="Tomás", language=language),
        role=Membership.Role.FACILITATOR,
    )
    services.claim_create(role=dispatch, membership=dispatcher)
    line = reports.report_line_ensure(assembly=assembly)

    # A neighbor types the short address from a flyer on a phone: the page opens in the phone's language.
    neighbor = open_phone(words["locale"])
    neighbor.goto(f"/r/{line.code}/")
    expect(neighbor).to_have_url(f"{live_server.url}/{language}/report/{line.code}/")
    expect(neighbor.locator("html")).to_have_attribute("lang", language)
    expect(neighbor.get_by_role("heading", level=1)).to_have_text(words["heading"])
    expect(neighbor.locator("main")).to_contain_text(getattr(assembly, f"name_{language}"))
    # The trap field is there for scripts, and out of a person's sight.
    trap = neighbor.locator("div.visually-hidden", has=neighbor.locator("input[name=website]")).bounding_box()
    assert trap["width"] <= 1 and trap["height"] <= 1
    neighbor.locator("#id_zone").select_option(label=words["zone"])
    neighbor.locator("#id_location").fill(words["where"])
    neighbor.get_by_text(words["more"]).click()
    neighbor.locator("#id_how_many").fill("5")
    assert fits_the_phone(neighbor)
    neighbor.screenshot(path=screenshots_dir / f"journey-report-form-{language}.png", full_page=True)
    # A person takes a few seconds to write a report; the form refuses one sent faster.
    neighbor.wait_for_timeout(3200)
    neighbor.get_by_role("button", name=words["send"]).first.click()

    # Thanked, told what happens next and to stay safe; nothing says which alert it became.
    expect(neighbor).to_have_url(f"{live_server.url}/{language}/report/{line.code}/thanks/")
    expect(neighbor.get_by_role("heading", level=1)).to_have_text(words["thanks"])
    expect(neighbor.locator("main")).to_contain_text(words["safe"])
    assert fits_the_phone(neighbor)
    neighbor.screenshot(path=screenshots_dir / f"journey-report-thanks-{language}.png", full_page=True)
    [alert] = Alert.objects.all()
    assert (alert.zone, alert.status, alert.source, alert.raised_by, alert.held_by) == (
        zone,
        Alert.Status.UNVERIFIED,
        Alert.Source.PUBLIC,
        None,
        dispatcher,
    )
    assert getattr(alert, f"location_{language}") == words["where"]

    # The verifier's text goes out, in her language; the dispatcher on duty is asked too.
    assert run_queued_tasks(settings.ALERTS_QUEUE) >= 1
    assert set(Message.objects.filter(kind="alert_verify_sms").values_list("recipient_key", "state")) == {
        (f"membership:{verifier.pk}", Message.State.SENT)
    }
    assert Message.objects.filter(kind="alert_verify", recipient_key=f"membership:{dispatcher.pk}").exists()
    [sent] = texts_to(settings.SMS_FILE_PATH, VERIFIER_PHONE)
    assert sent.startswith(words["text"])

    # She goes to look, sees them, and replies `1` to the text.
    reply = text_receive(InboundText(channel="sms", sender=VERIFIER_PHONE, to="+13125550100", text="1"))
    assert reply == words["reply"]
    alert.refresh_from_db()
    assert alert.status == Alert.Status.VERIFIED

    # The dispatcher's board shows it verified.
    board_path = f"/{language}/a/{assembly.slug}/alerts/{alert.pk}/"
    log_in(
        page, email=DISPATCHER_EMAIL, next_path=board_path, email_label=words["email"], password_label=words["password"]
    )
    expect(page).to_have_url(f"{live_server.url}{board_path}")
    expect(page.locator("#board-status")).to_have_text(words["verified"])
    expect(page.locator("main")).to_contain_text(words["where"])
    page.screenshot(path=screenshots_dir / f"journey-report-board-{language}.png", full_page=True)
