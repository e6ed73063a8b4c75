"""A coordinator, on a phone, makes the assembly's public report address from the plan page, sets the text number
and reads what to print on flyers; then makes a new address, and the old one stops working.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assembly.assemblies.models import Membership, Zone
from assembly.defense.models import DefenseRole, GamePlan, ReportLine, RoleKind
from tests.e2e.test_journey_defense import fits_the_phone, log_in
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory

COORDINATOR_EMAIL = "rosa@example.org"
WORDS = {
    "es": {
        "email": "Correo electrónico",
        "password": "Contraseña",
        "make": "Crear la dirección pública de reportes",
        "flyer": "Reporta lo que ves:",
        "settings": "Pon el número para mensajes de texto o crea una dirección nueva",
        "number": "El número de la asamblea para mensajes de texto",
        "save": "Guardar el número",
        "text": "Envía REPORTE o REPORT y lo que ves al (312) 555-0190",
        "confirm": "Entiendo: la dirección anterior deja de funcionar",
        "new": "Crear una dirección nueva",
        "old": "La anterior ya no funciona",
    },
    "en": {
        "email": "Email",
        "password": "Password",
        "make": "Make the public report address",
        "flyer": "Report what you see:",
        "settings": "Set the text number, or make a new address",
        "number": "The assembly's text number",
        "save": "Save the number",
        "text": "Text REPORTE or REPORT and what you see to (312) 555-0190",
        "confirm": "I understand: the old address stops working",
        "new": "Make a new address",
        "old": "The old one no longer works",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_journey_coordinator_sets_up_the_public_report_line(
    page: Page, live_server, settings, screenshots_dir: Path, language: str
):
    words = WORDS[language]
    settings.SITE_URL = live_server.url
    assembly = AssemblyFactory()
    zone = Zone.objects.create(assembly=assembly, name_en="Elm Street blocks", name_es="Cuadras de la calle Elm")
    plan = GamePlan.objects.create(
        assembly=assembly, title_en="Home raid", title_es="Redada en casa", status=GamePlan.Status.ACTIVE
    )
    plan.zones.set([zone])
    DefenseRole.objects.create(plan=plan, kind=RoleKind.objects.get(assembly=assembly, key="verifier"), zone=zone)
    MembershipFactory(
        assembly=assembly,
        user=UserFactory(email=COORDINATOR_EMAIL, display_name="Rosa", language=language),
        role=Membership.Role.COORDINATOR,
    )

    plan_path = f"/{language}/a/{assembly.slug}/plans/{plan.pk}/"
    log_in(
        page, email=COORDINATOR_EMAIL, next_path=plan_path, email_label=words["email"], password_label=words["password"]
    )
    expect(page).to_have_url(f"{live_server.url}{plan_path}")
    # Reading the page made nothing: the coordinator makes the address.
    assert not ReportLine.objects.exists()
    page.get_by_role("button", name=words["make"]).click()
    line = ReportLine.objects.get()
    expect(page.locator("#flyer-text")).to_contain_text(f"{words['flyer']} {live_server.url}/r/{line.code}/")

    page.get_by_role("link", name=words["settings"]).click()
    page.get_by_role("textbox", name=words["number"]).fill("(312) 555-0190")
    page.get_by_role("button", name=words["save"]).click()
    expect(page).to_have_url(f"{live_server.url}{plan_path}")
    expect(page.locator("#flyer-text")).to_contain_text(words["text"])
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / f"journey-report-line-{language}.png", full_page=True)
    line.refresh_from_db()
    assert line.phone == "+13125550190"

    old = line.code
    page.get_by_role("link", name=words["settings"]).click()
    assert fits_the_phone(page)
    page.get_by_label(words["confirm"]).check()
    page.get_by_role("button", name=words["new"]).click()
    expect(page.locator("body")).to_contain_text(words["old"])
    line.refresh_from_db()
    assert line.code != old
    expect(page.locator("#flyer-text")).to_contain_text(f"/r/{line.code}/")
