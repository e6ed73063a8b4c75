"""A member claims a defense role in Spanish; the dispatcher raises an alert and sees her answer arrive on his board.

No Celery worker runs here: raising the alert puts its send on the alerts queue in Redis, and the journey does
the worker's part in its own process with run_queued_tasks, mailing into Django's test outbox.
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Request, expect

from assembly.assemblies.models import Membership, Zone
from assembly.defense import services
from assembly.defense.models import Alert, AlertAnswer, Claim, DefenseRole, GamePlan, RoleKind
from assembly.notify.models import Message
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, AssemblyFactory, MembershipFactory, UserFactory
from tests.notify.helpers import run_queued_tasks

MEMBER_EMAIL = "marisol@example.org"
DISPATCHER_EMAIL = "tomas@example.org"
WHERE_EN = "Corner of Elm and 5th, by the laundromat"
WHERE_ES = "Esquina de Elm y la 5, junto a la lavandería"


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def log_in(page: Page, *, email: str, next_path: str, email_label: str, password_label: str) -> None:
    language = next_path.split("/")[1]
    page.goto(f"/{language}/accounts/login/?next={next_path}")
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


@pytest.fixture
def open_phone(browser: Browser, live_server) -> Iterator[Callable[[str], Page]]:
    """Open a page on another, cookie-less phone, watched for what the `page` fixture watches its page for."""
    site = urlsplit(live_server.url).netloc
    contexts = []
    problems: list[str] = []

    def check_request(browser_request: Request) -> None:
        url = urlsplit(browser_request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.netloc != site:
            problems.append(f"request to another host: {browser_request.url}")

    def check_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"CSP violation on {message.location.get('url')}: {message.text}")

    def check_error(error: Error) -> None:
        problems.append(f"JavaScript error: {error.message}")

    def open_page(locale: str) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, locale=locale)
        contexts.append(context)
        context.on("request", check_request)
        phone = context.new_page()
        phone.on("console", check_console)
        phone.on("pageerror", check_error)
        return phone

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


def test_journey_role_claimed_in_spanish_alert_raised_and_answered_live(
    page: Page, open_phone, live_server, mailoutbox, settings, screenshots_dir: Path
):
    # Mail links point at the site the browsers are on.
    settings.SITE_URL = live_server.url
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")
    zone = Zone.objects.create(assembly=assembly, name_en="Elm Street blocks", name_es="Cuadras de la calle Elm")
    plan = GamePlan.objects.create(
        assembly=assembly,
        title_en="Home raid on Elm Street",
        title_es="Redada en casa en la calle Elm",
        status=GamePlan.Status.ACTIVE,
    )
    plan.zones.set([zone])
    kinds = {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly)}
    responders = DefenseRole.objects.create(plan=plan, kind=kinds["rapid-responder"], zone=zone, needed=2)
    dispatch = DefenseRole.objects.create(plan=plan, kind=kinds["dispatcher"], zone=None, needed=1)
    dispatcher = MembershipFactory(
        assembly=assembly,
        user=UserFactory(email=DISPATCHER_EMAIL, display_name="Tomás", language="en"),
        role=Membership.Role.FACILITATOR,
    )
    services.claim_create(role=dispatch, membership=dispatcher)
    member = MembershipFactory(
        assembly=assembly, user=UserFactory(email=MEMBER_EMAIL, display_name="Marisol", language="es")
    )
    plan_path_es = f"/es/a/{assembly.slug}/plans/{plan.pk}/"
    plan_path_en = f"/en/a/{assembly.slug}/plans/{plan.pk}/"

    # Marisol logs in, in Spanish, and opens her assembly's plan: the responders of her zone are two short.
    member_page = open_phone("es-MX")
    log_in(
        member_page,
        email=MEMBER_EMAIL,
        next_path=plan_path_es,
        email_label="Correo electrónico",
        password_label="Contraseña",
    )
    expect(member_page).to_have_url(f"{live_server.url}{plan_path_es}")
    expect(member_page.locator("html")).to_have_attribute("lang", "es")
    expect(member_page.get_by_role("heading", level=1)).to_have_text(plan.title_es)
    responder_card = member_page.locator("main li.card", has_text="Respuesta rápida")
    expect(responder_card).to_contain_text("Cuadras de la calle Elm")
    expect(responder_card).to_contain_text("0 de 2 cubiertos")
    expect(member_page.locator("main")).to_contain_text("1 de 3 lugares están ocupados.")
    # A member sees counts, never who holds the roles nor the dispatcher's tools.
    expect(member_page.locator("main")).not_to_contain_text("Tomás")
    expect(member_page.locator("main a[href$='/alert/']")).to_have_count(0)
    assert fits_the_phone(member_page)
    member_page.screenshot(path=screenshots_dir / "journey-defense-plan-es.png", full_page=True)

    # She takes a place: the role is hers, and the zone is one responder short.
    responder_card.get_by_role("button", name="Tomar este rol").click()
    expect(member_page).to_have_url(f"{live_server.url}{plan_path_es}")
    expect(member_page.locator("main [role=status]")).to_contain_text("El rol es tuyo.")
    expect(responder_card).to_contain_text("Tienes este rol")
    expect(responder_card).to_contain_text("1 de 2 cubiertos")
    expect(responder_card.get_by_role("button", name="Tomar este rol")).to_have_count(0)
    expect(member_page.locator("main")).to_contain_text("2 de 3 lugares están ocupados.")
    assert fits_the_phone(member_page)
    member_page.screenshot(path=screenshots_dir / "journey-defense-role-claimed-es.png", full_page=True)
    assert list(Claim.objects.filter(membership=member).values_list("role_id", flat=True)) == [responders.pk]
    responders.refresh_from_db()
    assert responders.filled == 1

    # Tomás, the dispatcher, opens the plan in English and raises a verified alert for the Elm Street blocks.
    log_in(page, email=DISPATCHER_EMAIL, next_path=plan_path_en, email_label="Email", password_label="Password")
    expect(page).to_have_url(f"{live_server.url}{plan_path_en}")
    page.get_by_role("link", name="Raise an alert").click()
    expect(page).to_have_url(f"{live_server.url}{plan_path_en}alert/")
    page.get_by_label("Zone:", exact=True).select_option(label="Elm Street blocks")
    page.get_by_label("Where (English)").fill(WHERE_EN)
    page.get_by_label("Where (Spanish)").fill(WHERE_ES)
    page.get_by_label("It is verified: I or a verifier saw it").check()
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-defense-alert-form.png", full_page=True)
    page.get_by_role("button", name="Send the alert").click()

    # He lands on the alert's board: verified, the zone's other role holder alerted (he knows), no answers yet.
    [alert] = Alert.objects.filter(plan=plan)
    board_path = f"/en/a/{assembly.slug}/alerts/{alert.pk}/"
    expect(page).to_have_url(f"{live_server.url}{board_path}")
    expect(page.locator("main [role=status]")).to_contain_text("The alert is sent.")
    expect(page.locator("#board-status")).to_have_text("Verified")
    expect(page.locator("main")).to_contain_text(f"Elm Street blocks · {WHERE_EN}")
    expect(page.locator("#board-alerted")).to_have_text("1 person alerted.")
    expect(page.locator("#board-answers")).to_contain_text("No answers yet.")
    # Her email is still queued: no worker has taken it yet.
    sent_mail = page.locator("#board-delivery [data-channel=email] [data-state=sent]")
    expect(page.locator("#board-delivery [data-channel=email] [data-state=queued]")).to_have_text("1")
    expect(sent_mail).to_have_text("0")
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-defense-board-waiting.png", full_page=True)
    assert (alert.zone, alert.status, alert.location_en, alert.location_es, alert.raised_by) == (
        zone,
        Alert.Status.VERIFIED,
        WHERE_EN,
        WHERE_ES,
        dispatcher,
    )
    # The board must update in place from here on: a reload would lose this.
    page.evaluate("window.journeyMarker = 'the same page'")

    # The alerts queue is worked: Marisol's mail is in Spanish, with her own link to answer.
    assert run_queued_tasks(settings.ALERTS_QUEUE) >= 1
    assert set(Message.objects.filter(kind="alert").values_list("recipient_key", "state")) == {
        (f"membership:{member.pk}", Message.State.SENT),
    }
    [mail] = [mail for mail in mailoutbox if mail.to == [MEMBER_EMAIL]]
    assert mail.subject == f"ALERTA: agentes en Cuadras de la calle Elm, {WHERE_ES}"
    [answer_link] = set(re.findall(rf"{re.escape(live_server.url)}/es/al/[^\s/]+/", mail.body))

    # She opens it on a phone where she is not logged in, says she is on her way, in 10 minutes.
    answer_page = open_phone("es-MX")
    answer_page.goto(answer_link)
    expect(answer_page.locator("html")).to_have_attribute("lang", "es")
    expect(answer_page.locator("header form[action$='/accounts/logout/']")).to_have_count(0)
    expect(answer_page.get_by_role("heading", level=1)).to_have_text("Alerta: Cuadras de la calle Elm")
    expect(answer_page.locator("main")).to_contain_text(WHERE_ES)
    answer_page.get_by_label("Puedo llegar en (minutos)").fill("10")
    assert fits_the_phone(answer_page)
    answer_page.screenshot(path=screenshots_dir / "journey-defense-answer-es.png", full_page=True)
    answer_page.get_by_role("button", name="Voy en camino").click()
    expect(answer_page.locator("main [role=status]")).to_have_text(
        "Gracias. El despacho ve tu respuesta. Puedes cambiarla aquí."
    )
    expect(answer_page.locator("main")).to_contain_text("Tu respuesta: Voy en camino.")
    assert fits_the_phone(answer_page)
    answer_page.screenshot(path=screenshots_dir / "journey-defense-answered-es.png", full_page=True)
    assert list(AlertAnswer.objects.filter(alert=alert).values_list("membership", "answer", "eta_minutes")) == [
        (member.pk, AlertAnswer.Answer.COMING, 10)
    ]

    # On Tomás's board, still open, her answer appears by itself.
    answers = page.locator("#board-answers")
    expect(answers).to_contain_text("Marisol", timeout=15000)
    expect(answers).to_contain_text("On my way · in 10 min")
    expect(answers).not_to_contain_text("No answers yet.")
    # The board counted her email as sent, by itself too.
    expect(sent_mail).to_have_text("1")
    expect(page.locator("#board-delivery [data-channel=email] [data-state=queued]")).to_have_text("0")
    assert page.evaluate("window.journeyMarker") == "the same page"
    assert page.url == f"{live_server.url}{board_path}"
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-defense-board-answered.png", full_page=True)
