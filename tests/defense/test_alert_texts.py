"""Alert texts fit in one SMS segment with the longest zone and place a form allows and a realistic domain.

Each keeps its link whole and says how to answer by reply; the zone and the place are shortened to make room.
Signal, which has no segments, gets the same words whole.
"""

import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from assembly.accounts.models import User
from assembly.assemblies.models import Zone
from assembly.defense import alerts, links
from assembly.defense.models import Alert, AlertEvent
from assembly.notify import segments
from assembly.notify.channels import SIGNAL, SMS
from assembly.notify.links import absolute_url
from assembly.notify.segments import fits_one_segment, fold
from tests.defense.alert_helpers import alert_scene, deliver_alerts, raise_alert, texts
from tests.notify import conftest as notify_fixtures

pytestmark = pytest.mark.django_db

smtp_sink = notify_fixtures.smtp_sink

SITE_URL = "https://asamblea-vecinal.example.org"
REPLY = {
    "alert_verify": {"en": "Reply 1=I see them, 3=nothing there", "es": "Responde 1=los veo, 3=no hay nada"},
    "alert": {"en": "Reply 1=coming (1 15=in 15 min), 2=can't", "es": "Responde 1=voy (1 15=en 15 min), 2=no puedo"},
}
KINDS = ["alert_verify", "alert", "alert_update", "alert_over"]


def _longest(text: str, model, field: str) -> str:
    """As long as the field allows: the words repeated, then cut."""
    size = model._meta.get_field(field).max_length
    return (text * (size // len(text) + 1))[:size]


# Every field the forms offer, at its longest; the Spanish full of accents that GSM-7 lacks.
ZONE = {
    "name_en": _longest("Northwest blocks between Cesar Chavez Avenue and the rail yard ", Zone, "name_en"),
    "name_es": _longest("Cuadras del noroeste entre la avenida César Chávez y las vías ", Zone, "name_es"),
}
PLACE = {
    "location_en": _longest("Corner of Fifth and Main, in front of the bakery, by the stop ", Alert, "location_en"),
    "location_es": _longest("Esquina de la Quinta y Main, frente a la panadería, por el camión ", Alert, "location_es"),
}

# A dispatcher's update as long as it may be, accents and all: it goes whole, beside the link.
NOTE = ("Ya se movieron: están en la Quinta y Main, frente a la panadería " * 2)[: alerts.UPDATE_LENGTH]


@pytest.fixture
def long_scene(settings, tmp_path):
    settings.SITE_URL = SITE_URL
    settings.SMS_BACKEND = settings.SIGNAL_BACKEND = "assembly.notify.channels.FileBackend"
    settings.SMS_FILE_PATH, settings.SIGNAL_FILE_PATH = tmp_path / "sms", tmp_path / "signal"
    scene = alert_scene()
    Zone.objects.filter(pk=scene.north.pk).update(**ZONE)
    return scene


def _every_kind(scene, settings, *, practice: bool) -> tuple[Alert, dict[str, list[dict]], dict[str, list[dict]]]:
    """Raise, verify and close an alert in north; each kind's texts and Signal messages, as sent."""
    by_sms: dict[str, list[dict]] = {}
    by_signal: dict[str, list[dict]] = {}

    def collect(kind: str) -> None:
        deliver_alerts()
        by_sms[kind] = [t for t in texts(settings.SMS_FILE_PATH) if all(t not in s for s in by_sms.values())]
        by_signal[kind] = [t for t in texts(settings.SIGNAL_FILE_PATH) if all(t not in s for s in by_signal.values())]

    alert = raise_alert(scene, practice=practice, **PLACE)
    collect("alert_verify")
    alerts.alert_verify(alert=alert, membership=scene.verifier, confirm=True)
    collect("alert")
    alerts.alert_post_update(alert=alert, by=scene.dispatcher, note=NOTE)
    collect("alert_update")
    alerts.alert_close(alert=alert)
    collect("alert_over")
    return alert, by_sms, by_signal


def _whole_links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


@pytest.mark.parametrize("practice", [False, True], ids=["real", "drill"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_alert_text_fits_one_segment_with_the_longest_names(long_scene, settings, smtp_sink, language, practice):
    scene = long_scene
    User.objects.update(language=language, alerts_by_signal=True)
    members = {m.user.phone: m for m in (scene.verifier, scene.responder)}
    zone, place = fold(ZONE[f"name_{language}"]), fold(PLACE[f"location_{language}"])
    plan_url = absolute_url("plan_detail", language=language, slug=scene.assembly.slug, pk=scene.plan.pk)

    alert, by_sms, by_signal = _every_kind(scene, settings, practice=practice)

    counts = {"alert_verify": 1, "alert": 2, "alert_update": 2, "alert_over": 2}
    assert {kind: len(sent) for kind, sent in by_sms.items()} == counts
    for kind, sent in by_sms.items():
        for message in sent:
            text = message["text"]
            assert fits_one_segment(text), (kind, len(text), text)
            assert segments.is_gsm(text), text
            starts = ("[DRILL] ", "[SIMULACRO] ") if practice else ("ALERT", "Check", "Verifica", "Asamblea")
            assert text.startswith(starts), text
            assert zone[:2] in text, text
            if kind == "alert_over":
                assert set(_whole_links(text)) <= {plan_url}, text
                continue
            answer_url = links.answer_url(alert.pk, members[message["to"]].pk, language=language)
            if kind == "alert_update":
                assert text.endswith(f": {fold(NOTE)} {answer_url}"), text
                assert _whole_links(text) == [answer_url]
                continue
            assert text.endswith(f"{REPLY[kind][language]} {answer_url}"), text
            assert _whole_links(text) == [answer_url]
            assert place[:2] in text, text
    # Signal has no segments: the same words, whole, accents and all.
    for kind, sent in by_signal.items():
        for message in sent:
            assert ZONE[f"name_{language}"].strip() in message["text"], kind
            if kind == "alert_update":
                assert NOTE in message["text"], kind
            elif kind != "alert_over":
                assert PLACE[f"location_{language}"].strip() in message["text"], kind


def _rendered(kind: str, language: str, *, practice: bool, big: int = 9_999_999) -> str:
    """An SMS template rendered as the outbox would, for an alert and a member with ids as long as they come."""
    zone = Zone(**ZONE)
    alert = Alert(pk=big, zone=zone, practice=practice, **PLACE)
    with translation.override(language):
        context = {
            "alert": alert,
            "zone": zone,
            "update": AlertEvent(alert=alert, kind=AlertEvent.Kind.UPDATE, note=NOTE),
            "answer_url": links.answer_url(big, big, language=language),
            "plan_url": absolute_url("plan_detail", language=language, slug="s" * 60, pk=big),
        }
        return segments.finish(render_to_string(f"sms/{kind}_sms.txt", context), channel=SMS)


@pytest.mark.parametrize("practice", [False, True], ids=["real", "drill"])
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", KINDS)
def test_an_alert_text_fits_with_ids_and_addresses_as_long_as_they_come(settings, kind, language, practice):
    settings.SITE_URL = SITE_URL

    text = _rendered(kind, language, practice=practice)

    assert segments.gsm_units(text) <= segments.GSM_LIMIT, text
    assert f" {fold(ZONE[f'name_{language}'])[:1]}" in text
    if kind == "alert_over":
        # The longest plan address leaves no room for how to stop: it goes whole, or not at all.
        assert _whole_links(text) == [], text
    elif kind == "alert_update":
        answer_url = links.answer_url(9_999_999, 9_999_999, language=language)
        assert text.endswith(f": {fold(NOTE)} {answer_url}"), text
    else:
        answer_url = links.answer_url(9_999_999, 9_999_999, language=language)
        assert text.endswith(f"{REPLY[kind][language]} {answer_url}"), text
        assert f", {fold(PLACE[f'location_{language}'])[:1]}" in text


def test_the_answer_link_is_short_and_names_no_one(settings):
    settings.SITE_URL = SITE_URL

    url = links.answer_url(1234567, 42, language="es")

    assert re.fullmatch(rf"{SITE_URL}/es/al/1234567-[a-z2-7]{{16}}/", url)
    assert len(url) == 68
    assert "42" not in url.removeprefix(f"{SITE_URL}/es/al/1234567-")


def test_a_signal_alert_keeps_what_an_sms_must_fold(settings):
    settings.SITE_URL = SITE_URL
    zone = Zone(**ZONE)
    alert = Alert(pk=7, zone=zone, practice=False, **PLACE)
    context = {"alert": alert, "zone": zone, "answer_url": links.answer_url(7, 7, language="es"), "plan_url": ""}
    with translation.override("es"):
        rendered = render_to_string("sms/alert_sms.txt", context)

    assert segments.finish(rendered, channel=SIGNAL) == (
        f"ALERTA: agentes en {ZONE['name_es'].strip()}, {PLACE['location_es'].strip()}. "
        f"Responde 1=voy (1 15=en 15 min), 2=no puedo {context['answer_url']}"
    )


@pytest.mark.parametrize("practice", [False, True], ids=["real", "drill"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_further_report_fits_one_segment_with_its_note_shortened(settings, language, practice):
    settings.SITE_URL = SITE_URL
    zone = Zone(**ZONE)
    alert = Alert(pk=9_999_999, zone=zone, practice=practice, **PLACE)
    # A further report's note is what the public typed, up to a hand-off's length: shortened, never split.
    note = _longest("Ya se movieron: están en la Quinta y Main, frente a la panadería ", AlertEvent, "note")
    update = AlertEvent(alert=alert, kind=AlertEvent.Kind.REPORT, note=note)
    answer_url = links.answer_url(9_999_999, 9_999_999, language=language)
    with translation.override(language):
        context = {"alert": alert, "zone": zone, "update": update, "answer_url": answer_url}
        text = segments.finish(render_to_string("sms/alert_update_sms.txt", context), channel=SMS)

    assert segments.gsm_units(text) <= segments.GSM_LIMIT, text
    assert text.endswith(f"... {answer_url}"), text
    assert fold(note)[:10] in text, text
