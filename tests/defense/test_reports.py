"""Reports from the public: the page from a flyer's short address, and a text starting REPORT.

A report is an unverified alert to the zone's verifiers and the dispatchers on duty; nothing about the reporter
is kept.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from assembly.defense import alerts, reports
from assembly.defense.forms import report_token
from assembly.defense.models import Alert, AlertEvent, DispatchShift, GamePlan, ReportLine
from assembly.notify import segments
from assembly.notify.links import site_url
from assembly.notify.models import Message
from assembly.notify.registry import InboundText
from assembly.notify.services import text_receive
from tests.conftest import client_for
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
from tests.redisfault import faulty_redis

pytestmark = pytest.mark.django_db

__all__ = ["faulty_redis"]

Status = Alert.Status
REPORTER_IP = "203.0.113.77"
ASSEMBLY_NUMBER = "+13125550190"
THANKS = (
    "Asamblea: Thanks, your report is passed on. Keep your distance; do not confront agents. / "
    "Gracias, tu reporte fue enviado. Mantén distancia; no confrontes a los agentes."
)


@pytest.fixture
def scene(db) -> AlertScene:
    return alert_scene()


@pytest.fixture
def line(scene) -> ReportLine:
    return reports.report_line_ensure(assembly=scene.assembly)


def page_url(line: ReportLine, language: str = "en", name: str = "report_page") -> str:
    with translation.override(language):
        return reverse(name, kwargs={"code": line.code})


def plan_url(scene: AlertScene) -> str:
    return reverse("plan_detail", args=[scene.assembly.slug, scene.plan.pk])


def aged_token(line: ReportLine, seconds: int = 30) -> str:
    """A token as if the page had been opened `seconds` ago."""
    with time_machine.travel(timezone.now() - timedelta(seconds=seconds), tick=False):
        return report_token(line.code)


def report_data(scene: AlertScene, line: ReportLine, **overrides) -> dict:
    return {
        "token": aged_token(line),
        "website": "",
        "zone": scene.north.pk,
        "location": "Corner of Fifth and Main",
        "how_many": "4",
        "activity": "Knocking on doors",
        "uniforms": "",
        "seen_at": "",
        "vehicles": "Two white vans",
        **overrides,
    }


def post(client: Client, line: ReportLine, data: dict, language: str = "en"):
    return client.post(page_url(line, language), data, REMOTE_ADDR=REPORTER_IP)


def errors_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# The line and its short address


def test_report_line_is_made_once_with_a_random_short_code(scene):
    first = reports.report_line_ensure(assembly=scene.assembly)
    again = reports.report_line_ensure(assembly=scene.assembly)
    assert first.pk == again.pk
    assert len(first.code) == reports.CODE_LENGTH
    assert set(first.code) <= set(reports.CODE_ALPHABET)
    assert ReportLine.objects.count() == 1


@pytest.mark.parametrize("who", ["coordinator", "dispatcher"])
def test_plan_page_shows_the_short_address_to_the_people_who_print_flyers(scene, line, who):
    response = client_for(getattr(scene, who).user).get(plan_url(scene))
    body = errors_of(response)
    assert f"Report what you see: {site_url(f'/r/{line.code}/')}" in body
    assert "Public reports" in body
    # No number yet: nothing to say about texts.
    assert "Text REPORTE or REPORT" not in body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Text REPORTE or REPORT and what you see to (312) 555-0190"),
        ("es", "Envía REPORTE o REPORT y lo que ves al (312) 555-0190"),
    ],
)
def test_plan_page_shows_the_text_number_with_the_keyword_for_flyers(scene, line, language, expected):
    line.phone = ASSEMBLY_NUMBER
    line.save()
    with translation.override(language):
        url = plan_url(scene)
    assert expected in errors_of(client_for(scene.dispatcher.user).get(url))


@pytest.mark.parametrize("who", ["responder", "bystander"])
def test_plan_page_does_not_show_the_short_address_to_others(scene, line, who):
    response = client_for(getattr(scene, who).user).get(plan_url(scene))
    assert response.status_code == 200
    assert line.code not in response.content.decode()
    assert "Public reports" not in response.content.decode()


@pytest.mark.parametrize("who", ["coordinator", "dispatcher", "responder"])
def test_plan_page_makes_no_report_line_when_read(scene, who):
    response = client_for(getattr(scene, who).user).get(plan_url(scene))
    assert response.status_code == 200
    assert not ReportLine.objects.exists()
    body = response.content.decode()
    assert ("Make the public report address" in body) == (who == "coordinator")


def test_dispatcher_sees_no_report_section_before_the_line_is_made(scene):
    body = client_for(scene.dispatcher.user).get(plan_url(scene)).content.decode()
    assert "Public reports" not in body


@pytest.mark.parametrize(("accept", "language"), [("es-MX,es;q=0.9", "es"), ("en-US,en;q=0.9", "en")])
def test_short_address_leads_to_the_page_in_the_phones_language(line, accept, language):
    response = Client().get(f"/r/{line.code}/", headers={"accept-language": accept})
    assert response.status_code == 302
    assert response["Location"] == f"/{language}/report/{line.code}/"


def test_short_address_reads_the_code_in_any_case(line):
    response = Client().get(f"/r/{line.code.upper()}/")
    assert response.status_code == 302


@pytest.mark.parametrize("path", ["/r/nosuch22/", "/en/report/nosuch22/", "/es/report/nosuch22/thanks/", "/r/a%20b/"])
def test_unknown_code_is_404(line, path):
    assert Client().get(path).status_code == 404


def test_short_address_refuses_post(line):
    assert Client().post(f"/r/{line.code}/").status_code == 405


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_report_page_refuses_other_methods(line, method):
    assert getattr(Client(), method)(page_url(line)).status_code == 405
    assert Client().post(page_url(line, name="report_thanks")).status_code == 405


# The page


@pytest.mark.parametrize(
    ("language", "heading", "zone"),
    [("en", "Report what you see", "North block"), ("es", "Reporta lo que ves", "Cuadra norte")],
)
def test_report_page_shows_the_assembly_and_its_zones(scene, line, language, heading, zone):
    response = Client().get(page_url(line, language))
    body = response.content.decode()
    assert response.status_code == 200
    assert heading in body
    assert zone in body
    assert scene.assembly.name_es in body if language == "es" else scene.assembly.name_en in body
    # Only the active plans' zones: not the one no plan covers.
    assert "Far block" not in body and "Cuadra lejana" not in body
    assert 'name="website"' in body and 'name="token"' in body


def test_report_page_of_an_assembly_with_no_active_plan_says_so(scene, line):
    GamePlan.objects.filter(assembly=scene.assembly).update(status=GamePlan.Status.ARCHIVED)
    response = Client().get(page_url(line, "es"))
    assert response.status_code == 404
    assert "No hay reportes por ahora" in response.content.decode()
    assert post(Client(), line, report_data(scene, line)).status_code == 404
    assert not Alert.objects.exists()


@pytest.mark.parametrize("language", ["en", "es"])
def test_report_raises_an_unverified_alert_to_the_zones_verifiers_and_the_dispatcher_on_duty(
    scene, line, sms_path, language
):
    response = post(Client(), line, report_data(scene, line), language)
    assert response.status_code == 302
    assert response["Location"] == page_url(line, language, "report_thanks")
    alert = Alert.objects.get()
    assert alert.status == Status.UNVERIFIED
    assert alert.source == Alert.Source.PUBLIC
    assert alert.raised_by is None
    assert alert.held_by == scene.dispatcher
    assert alert.zone == scene.north
    assert alert.practice is False
    assert getattr(alert, f"location_{language}") == "Corner of Fifth and Main"
    assert alert.how_many == 4
    assert abs(alert.expires_at - alert.created_at - timedelta(hours=scene.plan.alert_hours)) < timedelta(seconds=5)
    assert recipients("alert_verify") == ids(scene.verifier, scene.dispatcher)
    assert recipients("alert_verify_sms") == ids(scene.verifier)
    assert alert.alerted_count == 2
    # Nobody else: not the holders, not the other plan's verifier.
    assert not Message.objects.filter(kind__in=["alert", "alert_sms"]).exists()


@pytest.mark.parametrize("language", ["en", "es"])
def test_thanks_page_says_what_happens_next_and_shows_no_alert(scene, line, language):
    post(Client(), line, report_data(scene, line), language)
    response = Client().get(page_url(line, language, "report_thanks"))
    body = response.content.decode()
    assert response.status_code == 200
    assert ("do not confront" in body) if language == "en" else ("no confrontes" in body)
    alert = Alert.objects.get()
    assert f"alerts/{alert.pk}" not in body


def test_report_goes_to_the_dispatcher_whose_shift_it_is(scene, line, sms_path):
    other = holder(scene.plan, "dispatcher", None, language="es")
    now = timezone.now()
    DispatchShift.objects.create(
        plan=scene.plan, membership=other, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    post(Client(), line, report_data(scene, line))
    alert = Alert.objects.get()
    assert alert.held_by == other
    assert recipients("alert_verify") == ids(scene.verifier, other)


def test_report_in_a_zone_with_an_open_alert_is_added_to_it_as_an_update(scene, line, sms_path):
    open_alert = raise_alert(scene)
    response = post(Client(), line, report_data(scene, line, location="Behind the school", how_many=""))
    # Thanked the same way: the page does not tell whether an alert is open.
    assert response.status_code == 302
    assert response["Location"] == page_url(line, name="report_thanks")
    assert list(Alert.objects.all()) == [open_alert]
    event = AlertEvent.objects.get(alert=open_alert)
    assert event.kind == AlertEvent.Kind.REPORT
    assert event.by is None
    assert event.note == "Behind the school. Knocking on doors. Two white vans"
    # To whoever holds it and the verifiers asked, each once, as an update.
    assert recipients("alert_update") == ids(scene.dispatcher, scene.verifier)
    assert Message.objects.filter(kind="alert_update", occasion=str(event.pk)).count() == 2


def test_report_added_to_a_verified_alert_goes_to_its_holder_and_the_verifiers_asked(scene, line, sms_path):
    open_alert = raise_alert(scene)
    alerts.alert_verify(alert=open_alert, membership=scene.verifier, confirm=True)
    post(Client(), line, report_data(scene, line))
    assert Alert.objects.count() == 1
    assert recipients("alert_update") == ids(scene.dispatcher, scene.verifier)


def test_report_added_to_an_alert_shows_on_its_board_and_goes_out_in_each_language(scene, line, sms_path):
    open_alert = raise_alert(scene)
    post(Client(), line, report_data(scene, line, location="Behind the school", activity="", vehicles=""))
    deliver_alerts()
    [text] = [t for t in texts_to(sms_path, scene.verifier) if "Behind the school" in t]
    assert text.startswith("Asamblea, Cuadra norte, otro reporte: Behind the school. 4 people")
    for language, expected in [("en", "Another report from the public at"), ("es", "Otro reporte del público a las")]:
        with translation.override(language):
            url = reverse("alert_board", args=[scene.assembly.slug, open_alert.pk])
        body = errors_of(client_for(scene.dispatcher.user).get(url))
        assert expected in body
        assert "Behind the school" in body


def test_reports_added_to_an_alert_are_erased_when_it_ends(scene, line, sms_path):
    open_alert = raise_alert(scene)
    post(Client(), line, report_data(scene, line))
    alerts.alert_close(alert=open_alert)
    assert not AlertEvent.objects.exists()
    assert not Message.objects.filter(kind__startswith="alert_update").exists()


def test_a_drill_open_in_the_zone_does_not_swallow_a_real_report(scene, line, sms_path):
    raise_alert(scene, practice=True)
    post(Client(), line, report_data(scene, line))
    assert Alert.objects.filter(practice=False, source=Alert.Source.PUBLIC).count() == 1


@pytest.mark.parametrize(
    ("language", "overrides", "message"),
    [
        ("en", {"location": ""}, "Say where you saw them: a corner or a landmark."),
        ("es", {"location": "  "}, "Di dónde los viste: una esquina o un lugar conocido."),
        ("en", {"zone": ""}, "Choose the zone where you saw them."),
        ("es", {"zone": "999999"}, "Elige la zona donde los viste."),
        ("en", {"how_many": "5000"}, "Ensure this value is less than or equal to 1000."),
        ("es", {"how_many": "muchos"}, "Introduzca un número entero."),
        ("en", {"location": "x" * 141}, "Ensure this value has at most 140 characters (it has 141)."),
        ("es", {"seen_at": "mañana"}, "Introduzca una fecha/hora válida."),
    ],
)
def test_report_with_bad_input_says_why_in_the_readers_language_and_makes_nothing(
    scene, line, language, overrides, message
):
    response = post(Client(), line, report_data(scene, line, **overrides), language)
    assert response.status_code == 400
    assert message in errors_of(response)
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("language", ["en", "es"])
def test_report_seen_in_the_future_is_refused(scene, line, language):
    future = timezone.localtime(timezone.now() + timedelta(hours=2), ZoneInfo(scene.assembly.time_zone))
    data = report_data(scene, line, seen_at=future.strftime("%Y-%m-%dT%H:%M"))
    response = post(Client(), line, data, language)
    assert response.status_code == 400
    expected = "That time has not come yet." if language == "en" else "Esa hora todavía no ha llegado."
    assert expected in errors_of(response)
    assert not Alert.objects.exists()


def test_report_in_the_trap_field_is_thanked_and_dropped(scene, line):
    response = post(Client(), line, report_data(scene, line, website="https://spam.example"))
    assert response.status_code == 302
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("token", "language", "message"),
    [
        ("fresh", "en", "That was sent faster than a person can type."),
        ("fresh", "es", "Eso se envió más rápido de lo que una persona escribe."),
        ("old", "en", "This page was opened more than an hour ago."),
        ("old", "es", "Esta página se abrió hace más de una hora."),
        ("forged", "en", "This form is out of date."),
        ("missing", "es", "Este formulario está desactualizado."),
        ("other page", "en", "This form is out of date."),
    ],
)
def test_report_with_a_bad_token_is_refused(scene, line, token, language, message):
    tokens = {
        "fresh": report_token(line.code),
        "old": aged_token(line, 2 * 60 * 60),
        "forged": aged_token(line)[:-3] + "abc",
        "missing": "",
        "other page": aged_token(ReportLine(code="zzzzzzzz")),
    }
    response = post(Client(), line, report_data(scene, line, token=tokens[token]), language)
    assert response.status_code == 400
    assert message in errors_of(response)
    assert not Alert.objects.exists()


@pytest.mark.parametrize("language", ["en", "es"])
def test_reports_are_rate_limited_per_client(scene, line, sms_path, language):
    client = Client()
    for _n in range(5):
        assert post(client, line, report_data(scene, line), language).status_code == 302
    response = post(client, line, report_data(scene, line, zone=scene.south.pk), language)
    assert response.status_code == 429
    expected = "Too many reports from here." if language == "en" else "Demasiados reportes desde aquí."
    assert expected in errors_of(response)
    # Only the first report in north made an alert; the refused one in south made none.
    assert Alert.objects.get().zone == scene.north


def test_reports_pass_while_redis_is_down(faulty_redis, scene, line, sms_path):
    # Nothing can count them then, and the limit would refuse all: a raid report matters more than spam.
    faulty_redis.stop()
    response = post(Client(), line, report_data(scene, line), "es")
    assert response.status_code == 302
    assert Alert.objects.get().source == Alert.Source.PUBLIC


def test_report_page_enforces_csrf(scene, line, csrf_client):
    response = csrf_client.post(page_url(line), report_data(scene, line))
    assert response.status_code == 403
    assert not Alert.objects.exists()


def test_report_page_works_with_the_csrf_cookie_of_an_anonymous_visitor(scene, line, csrf_client, sms_path):
    page = csrf_client.get(page_url(line))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    data = report_data(scene, line, csrfmiddlewaretoken=token)
    response = csrf_client.post(page_url(line), data)
    assert response.status_code == 302
    assert Alert.objects.count() == 1


def test_report_stores_nothing_about_the_reporter(scene, line, sms_path):
    post(Client(), line, report_data(scene, line), "es")
    assert Alert.objects.count() == 1
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(
                    f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)} "
                    f"WHERE CAST({connection.ops.quote_name(column.name)} AS TEXT) LIKE %s",
                    ["%203.0.113%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    assert found == []


def test_report_to_an_assembly_that_is_not_public_still_works_by_its_code(scene, line, sms_path):
    # The flyer's address is the way in: membership and visibility play no part.
    scene.assembly.visibility = type(scene.assembly).Visibility.UNLISTED
    scene.assembly.save()
    assert post(Client(), line, report_data(scene, line)).status_code == 302


# By text


def receive(text: str, *, to: str = ASSEMBLY_NUMBER, sender: str = "+13125550142") -> str:
    return text_receive(InboundText(channel="sms", sender=sender, to=to, text=text))


def test_text_report_to_the_assemblys_number_raises_an_alert(scene, line, sms_path):
    line.phone = ASSEMBLY_NUMBER
    line.save()
    reply = receive("REPORTE 3 agentes en la Cuadra sur, frente a la tienda")
    assert reply == THANKS
    alert = Alert.objects.get()
    assert alert.source == Alert.Source.TEXT
    assert alert.zone == scene.south
    assert alert.raised_by is None
    assert alert.status == Status.UNVERIFIED
    assert alert.location == "3 agentes en la Cuadra sur, frente a la tienda"
    assert recipients("alert_verify") == ids(scene.south_verifier, scene.dispatcher)


def test_text_report_naming_no_zone_asks_which_one_in_both_languages_and_makes_nothing(scene, line):
    reply = receive(f"report {line.code.upper()} two vans at Main and 5th", to="+13125550100")
    assert reply == (
        f"Asamblea: Which zone? Text REPORT {line.code.upper()}, the zone and what you see. "
        "Zones: North block, South block. / "
        f"¿Qué zona? Escribe REPORTE {line.code.upper()}, la zona y lo que ves. Zonas: Cuadra norte, Cuadra sur."
    )
    assert not Alert.objects.exists()
    assert not Message.objects.exists()


def test_text_report_to_the_assemblys_number_naming_no_zone_asks_without_the_code(scene, line):
    line.phone = ASSEMBLY_NUMBER
    line.save()
    reply = receive("REPORTE dos camionetas en la esquina")
    assert "Text REPORT, the zone and what you see. Zones: North block, South block." in reply
    assert line.code not in reply
    assert not Alert.objects.exists()


def test_text_report_naming_no_zone_goes_to_the_only_zone(scene, line, sms_path):
    scene.plan.zones.set([scene.south])
    GamePlan.objects.exclude(pk=scene.plan.pk).update(status=GamePlan.Status.DRAFT)
    assert receive(f"report {line.code} two vans at Main and 5th", to="+13125550100") == THANKS
    alert = Alert.objects.get()
    assert alert.zone == scene.south
    assert alert.location == "two vans at Main and 5th"


@pytest.mark.parametrize("keyword", ["Reporte:", "REPORTÉ", "report", "rEpOrT", "  Report\n"])
def test_text_report_keyword_in_any_case_and_accents(scene, line, keyword, sms_path):
    assert receive(f"{keyword} {line.code}\nagents at the North block school") == THANKS
    assert Alert.objects.get().zone == scene.north


def test_text_report_long_text_keeps_the_rest_as_details(scene, line, sms_path):
    words = "agents " * 40
    receive(f"REPORT {line.code} North block {words}")
    alert = Alert.objects.get()
    assert len(alert.location) == 140
    assert alert.activity


@pytest.mark.parametrize("text", ["REPORT", "REPORT nosuch22 agents here", "REPORTE"])
def test_text_report_without_a_known_code_or_words_gets_help_and_makes_nothing(line, text):
    assert receive(text, to="+13125550100") == segments.fold(reports.all_languages(reports.REPORT_HELP))
    assert not Alert.objects.exists()


def test_text_report_when_no_plan_is_active_says_so(scene, line):
    GamePlan.objects.filter(assembly=scene.assembly).update(status=GamePlan.Status.DRAFT)
    assert receive(f"REPORT {line.code} agents") == (
        "Asamblea: This assembly takes no reports right now. / Esta asamblea no recibe reportes por ahora."
    )
    assert not Alert.objects.exists()


def test_text_report_in_a_zone_with_an_open_alert_is_thanked_and_added_to_it(scene, line, sms_path):
    open_alert = raise_alert(scene)
    assert receive(f"REPORT {line.code} agents in North block") == THANKS
    assert Alert.objects.count() == 1
    assert AlertEvent.objects.get(alert=open_alert).note == "agents in North block"


@pytest.mark.parametrize("reply", ["thanks", "help", "closed", "zones"])
def test_text_replies_fit_in_two_segments_once_folded(scene, line, reply):
    texts_by_name = {
        "thanks": THANKS,
        "help": reports.all_languages(reports.REPORT_HELP),
        "closed": reports.all_languages(reports.REPORT_CLOSED),
        "zones": receive(f"REPORT {line.code} agents here"),
    }
    encoding, units, _limit = segments.segment_units(segments.fold(texts_by_name[reply]))
    assert encoding == "gsm7"
    assert units <= 2 * 153


def test_text_replies_are_in_every_language_of_the_site(settings):
    settings.LANGUAGES = [("en", "English"), ("es", "Español")]
    assert reports.all_languages(reports.REPORT_THANKS) == THANKS
    settings.LANGUAGES = [("es", "Español")]
    assert reports.all_languages(reports.REPORT_THANKS) == (
        "Asamblea: Gracias, tu reporte fue enviado. Mantén distancia; no confrontes a los agentes."
    )


def test_text_that_is_not_a_report_is_left_to_the_other_handlers(line):
    assert reports.report_receive(InboundText("sms", "+13125550142", ASSEMBLY_NUMBER, "reporting 1")) is None
