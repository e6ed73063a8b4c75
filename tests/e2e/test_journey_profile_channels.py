"""A member, in Spanish on a 360 px phone, adds her number, chooses text and Signal for alerts and tests them.

No Celery worker runs here: the journey does the alert worker's part with run_queued_tasks, from the same Redis.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assembly.accounts.models import User
from tests.defense.alert_helpers import texts
from tests.factories import PASSWORD, UserFactory
from tests.notify.helpers import run_queued_tasks

EMAIL = "marisol@example.org"


@pytest.fixture
def browser_locale() -> str:
    return "es-MX"


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_journey_phone_channels_and_a_test_text_in_spanish(
    page: Page, live_server, settings, tmp_path, screenshots_dir: Path
):
    settings.SITE_URL = live_server.url
    settings.SMS_BACKEND = settings.SIGNAL_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SMS_FILE_PATH, settings.SIGNAL_FILE_PATH = tmp_path / "sms", tmp_path / "signal"
    user = UserFactory(email=EMAIL, display_name="Marisol", language="es", phone="", alerts_by_sms=True)

    page.goto("/es/accounts/login/?next=/es/accounts/profile/")
    page.get_by_label("Correo electrónico").fill(EMAIL)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/es/accounts/profile/")
    # Without a number no text reaches her: the page says so, whatever was stored.
    expect(page.get_by_label("Alertas por mensaje de texto")).not_to_be_checked()
    expect(page.get_by_role("button", name="Envíame un mensaje de texto de prueba")).to_have_count(0)

    # Signal without a number is refused, in her language, and nothing is saved.
    page.get_by_label("Alertas por Signal").check()
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("main")).to_contain_text("Los mensajes de texto y Signal necesitan tu número de teléfono.")
    assert fits_the_phone(page)
    user.refresh_from_db()
    assert (user.phone, user.alerts_by_signal) == ("", False)

    # She types it as she would dial it; it is kept in E.164 and shown back as she wrote it.
    page.get_by_label("Número de teléfono (opcional)").fill("312 555 0142")
    page.get_by_label("Alertas por mensaje de texto").check()
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("main")).to_contain_text("Tu perfil está guardado.")
    expect(page.get_by_label("Número de teléfono (opcional)")).to_have_value("(312) 555-0142")
    user.refresh_from_db()
    assert (user.phone, user.alerts_by_email, user.alerts_by_sms, user.alerts_by_signal) == (
        "+13125550142",
        True,
        True,
        True,
    )
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-profile-channels-es.png", full_page=True)

    # The test text goes out through the outbox, in Spanish, to her number.
    page.get_by_role("button", name="Envíame un mensaje de texto de prueba").click()
    expect(page.locator("main")).to_contain_text("Un mensaje de texto de prueba va en camino al (312) 555-0142.")
    assert run_queued_tasks(settings.ALERTS_QUEUE) >= 1
    [sent] = texts(settings.SMS_FILE_PATH)
    assert sent == {
        "to": "+13125550142",
        "text": "Asamblea: este es el mensaje de prueba que pediste. Las alertas de tus asambleas te llegaran aqui.",
    }
    assert User.objects.get(pk=user.pk).phone == "+13125550142"
