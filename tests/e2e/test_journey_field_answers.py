"""Holders answer a verified alert from wherever they are: one by replying to the text message, one on Signal,
one from the link on a phone; the dispatcher's board shows all three.

The text goes out through the real Twilio client to the local fake of Twilio's API, and the reply comes back as
Twilio's signed webhook to the live site; the Signal message through signal-cli's REST client to its fake, and
the reply is fetched by the same receive task the beat runs. No Celery worker runs here: run_queued_tasks does
the alert worker's part in this process.
"""

from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from assembly.assemblies.models import Membership, Zone
from assembly.defense import alerts, links, services
from assembly.defense.models import AlertAnswer, DefenseRole, GamePlan, RoleKind
from assembly.notify.providers.signal import signal_receive
from tests.e2e import test_journey_defense as defense_journey
from tests.e2e.test_journey_defense import fits_the_phone, log_in
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory
from tests.notify import conftest as notify_fixtures
from tests.notify.helpers import run_queued_tasks

open_phone = defense_journey.open_phone
fake_twilio = notify_fixtures.fake_twilio
fake_signal = notify_fixtures.fake_signal

ANA, BETO = "+13125550142", "+13125550143"
DISPATCHER_EMAIL = "tomas@example.org"
WORDS = {
    "es": {
        "locale": "es-MX",
        "zone": "Cuadras de la calle Elm",
        "where": "Esquina de Elm y la 5",
        "text": "ALERTA: agentes en Cuadras de la calle Elm",
        "reply_words": "no puedo",
        "clear": "Aquí todo tranquilo",
        "email": "Correo electrónico",
        "password": "Contraseña",
    },
    "en": {
        "locale": "en-US",
        "zone": "Elm Street blocks",
        "where": "Corner of Elm and 5th",
        "text": "ALERT: agents in Elm Street blocks",
        "reply_words": "can't",
        "clear": "All clear here",
        "email": "Email",
        "password": "Password",
    },
}


def _said(language: str, message: str, **values) -> str:
    with translation.override(language):
        return gettext(message) % values if values else gettext(message)


@pytest.mark.parametrize("language", ["es", "en"])
def test_journey_holders_answer_by_text_signal_and_link(
    page: Page, open_phone, live_server, settings, fake_twilio, fake_signal, screenshots_dir: Path, language: str
):
    words = WORDS[language]
    settings.SITE_URL = live_server.url
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")
    zone = Zone.objects.create(assembly=assembly, name_en="Elm Street blocks", name_es="Cuadras de la calle Elm")
    plan = GamePlan.objects.create(
        assembly=assembly, title_en="Home raid", title_es="Redada en casa", status=GamePlan.Status.ACTIVE
    )
    plan.zones.set([zone])
    kinds = {kind.key: kind for kind in RoleKind.objects.filter(assembly=assembly)}
    responders = DefenseRole.objects.create(plan=plan, kind=kinds["rapid-responder"], zone=zone, needed=3)
    dispatch = DefenseRole.objects.create(plan=plan, kind=kinds["dispatcher"], zone=None, needed=1)
    dispatcher = MembershipFactory(
        assembly=assembly,
        user=UserFactory(email=DISPATCHER_EMAIL, display_name="Tomás", language=language),
        role=Membership.Role.FACILITATOR,
    )
    services.claim_create(role=dispatch, membership=dispatcher)
    people = {
        # Ana chose text messages only, Beto Signal only, Carla has no phone: email and its link.
        "Ana": {"phone": ANA, "alerts_by_email": False, "alerts_by_sms": True, "alerts_by_signal": False},
        "Beto": {"phone": BETO, "alerts_by_email": False, "alerts_by_sms": False, "alerts_by_signal": True},
        "Carla": {"phone": ""},
    }
    holders = {}
    for name, fields in people.items():
        holders[name] = MembershipFactory(
            assembly=assembly, user=UserFactory(display_name=name, language=language, **fields)
        )
        services.claim_create(role=responders, membership=holders[name])

    alert, _new = alerts.alert_raise(
        plan=plan,
        zone=zone,
        raised_by=dispatcher,
        verified=True,
        practice=False,
        **{f"location_{language}": words["where"]},
    )
    assert run_queued_tasks(settings.ALERTS_QUEUE) >= 1

    # Ana's phone gets one text, through Twilio, in her language, that says how to answer by reply.
    [text] = [message for message in fake_twilio.messages() if message["to"] == ANA]
    assert text["body"].startswith(words["text"])
    assert links.answer_url(alert.pk, holders["Ana"].pk, language=language) in text["body"]
    # She is on her way and says so by replying "1 10"; Twilio's signed webhook brings it, the answer goes back.
    response = fake_twilio.text_in(f"{live_server.url}/webhooks/twilio/sms/", sender=ANA, text="1 10")
    assert response.status_code == 200
    assert (
        _said(
            language, "Asamblea: got it, you're coming, in about %(minutes)d min. Reply 2 if that changes.", minutes=10
        )
        in response.text
    )

    # Beto gets the alert on Signal only, and answers there in words.
    [signal] = [message for message in fake_signal.messages() if message["to"] == BETO]
    assert signal["text"].startswith(words["text"])
    assert not [message for message in fake_twilio.messages() if message["to"] == BETO]
    fake_signal.inject_inbound(BETO, words["reply_words"])
    assert signal_receive() == 1
    replies = [message["text"] for message in fake_signal.messages() if message["to"] == BETO]
    assert replies[-1] == _said(
        language, "Asamblea: got it, you can't come. Thank you for saying so. Reply 1 if that changes."
    )

    # Carla opens her link on a phone, without logging in, and says all is clear where she is.
    carla = open_phone(words["locale"])
    carla.goto(links.answer_url(alert.pk, holders["Carla"].pk, language=language))
    expect(carla.locator("html")).to_have_attribute("lang", language)
    carla.get_by_role("button", name=words["clear"]).click()
    expect(carla.locator("#current-answer")).to_contain_text(words["clear"])
    assert fits_the_phone(carla)
    carla.screenshot(path=screenshots_dir / f"journey-field-answer-link-{language}.png", full_page=True)

    answers = dict(AlertAnswer.objects.filter(alert=alert).values_list("membership", "answer"))
    assert answers == {
        holders["Ana"].pk: AlertAnswer.Answer.COMING,
        holders["Beto"].pk: AlertAnswer.Answer.CANNOT,
        holders["Carla"].pk: AlertAnswer.Answer.CLEAR,
    }

    # The dispatcher's board shows the three answers, however each came, and nobody left unanswered.
    board_path = f"/{language}/a/{assembly.slug}/alerts/{alert.pk}/"
    log_in(
        page, email=DISPATCHER_EMAIL, next_path=board_path, email_label=words["email"], password_label=words["password"]
    )
    expect(page).to_have_url(f"{live_server.url}{board_path}")
    for name in people:
        expect(page.locator("#board-answers")).to_contain_text(name)
    for state, count in {"coming": "1", "cannot": "1", "clear": "1", "none": "0"}.items():
        expect(page.locator(f"#board-counts [data-count={state}]")).to_have_text(count)
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / f"journey-field-answers-board-{language}.png", full_page=True)
