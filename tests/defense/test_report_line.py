"""The public report line on the plan page: made by a coordinator or by activating a plan, its text number and
a new short address; none of it changes on a GET.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from assembly.defense import reports, services
from assembly.defense.models import Alert, GamePlan, ReportLine
from assembly.notify.links import site_url
from assembly.notify.registry import InboundText
from assembly.notify.services import text_receive
from tests.conftest import client_for
from tests.defense.alert_helpers import AlertScene, alert_scene
from tests.defense.factories import DefenseRoleFactory, GamePlanFactory
from tests.factories import AssemblyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NUMBER = "+13125550190"


@pytest.fixture
def scene(db) -> AlertScene:
    return alert_scene()


@pytest.fixture
def line(scene) -> ReportLine:
    return reports.report_line_ensure(assembly=scene.assembly)


def url(scene: AlertScene, name: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse(name, args=[scene.assembly.slug, scene.plan.pk])


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def stored(line: ReportLine) -> tuple[str, str]:
    line.refresh_from_db()
    return line.code, line.phone


# Making the line


def test_activating_a_plan_makes_the_report_line():
    plan = GamePlanFactory(assembly=AssemblyFactory(), status=GamePlan.Status.DRAFT)
    DefenseRoleFactory(plan=plan)
    assert not ReportLine.objects.exists()
    services.plan_set_status(plan=plan, status=GamePlan.Status.ACTIVE)
    assert ReportLine.objects.get().assembly == plan.assembly
    # Again, or another plan of the same assembly: still one line, with the same code.
    code = ReportLine.objects.get().code
    services.plan_set_status(plan=plan, status=GamePlan.Status.ACTIVE)
    assert list(ReportLine.objects.values_list("code", flat=True)) == [code]


def test_archiving_a_plan_makes_no_report_line():
    plan = GamePlanFactory(assembly=AssemblyFactory())
    services.plan_set_status(plan=plan, status=GamePlan.Status.ARCHIVED)
    assert not ReportLine.objects.exists()


def test_coordinator_makes_the_report_line(scene):
    response = client_for(scene.coordinator.user).post(url(scene, "report_line_make"), follow=True)
    line = ReportLine.objects.get()
    assert line.assembly == scene.assembly
    assert f"/r/{line.code}/" in text_of(response)
    assert "The public report address is made." in text_of(response)


def test_making_the_report_line_twice_keeps_the_first(scene, line):
    client_for(scene.coordinator.user).post(url(scene, "report_line_make"))
    assert list(ReportLine.objects.values_list("code", flat=True)) == [line.code]


@pytest.mark.parametrize("name", ["report_line_make", "report_line_new_code", "report_line_edit"])
def test_report_line_views_are_404_for_a_stranger(scene, line, name):
    stranger = UserFactory()
    MembershipFactory(user=stranger)
    assert client_for(stranger).post(url(scene, name), {"confirm": "on", "phone": NUMBER}).status_code == 404
    assert stored(line) == (line.code, "")


@pytest.mark.parametrize("name", ["report_line_make", "report_line_new_code", "report_line_edit"])
@pytest.mark.parametrize("who", ["dispatcher", "responder", "bystander"])
def test_report_line_views_are_403_for_members_who_are_not_coordinators(scene, line, name, who):
    client = client_for(getattr(scene, who).user)
    assert client.post(url(scene, name), {"confirm": "on", "phone": NUMBER}).status_code == 403
    assert stored(line) == (line.code, "")


def test_report_line_views_send_the_anonymous_to_log_in(scene, line):
    for name in ["report_line_make", "report_line_new_code", "report_line_edit"]:
        assert Client().post(url(scene, name)).status_code == 302
    assert stored(line) == (line.code, "")


@pytest.mark.parametrize("name", ["report_line_make", "report_line_new_code"])
def test_report_line_actions_refuse_get(scene, line, name):
    assert client_for(scene.coordinator.user).get(url(scene, name)).status_code == 405
    assert stored(line) == (line.code, "")


def test_report_line_page_refuses_other_methods(scene, line):
    assert client_for(scene.coordinator.user).put(url(scene, "report_line_edit")).status_code == 405


@pytest.mark.parametrize("name", ["report_line_make", "report_line_new_code", "report_line_edit"])
def test_report_line_views_enforce_csrf(scene, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.coordinator.user)
    if name != "report_line_make":
        reports.report_line_ensure(assembly=scene.assembly)
    before = list(ReportLine.objects.values_list("code", "phone"))
    assert client.post(url(scene, name), {"confirm": "on", "phone": NUMBER}).status_code == 403
    assert list(ReportLine.objects.values_list("code", "phone")) == before


def test_report_line_page_is_404_before_the_line_is_made(scene):
    assert client_for(scene.coordinator.user).get(url(scene, "report_line_edit")).status_code == 404
    assert not ReportLine.objects.exists()


# The text number


@pytest.mark.parametrize("typed", ["(312) 555-0190", "+1 312 555 0190", "312.555.0190"])
def test_coordinator_sets_the_text_number_stored_in_e164(scene, line, typed):
    response = client_for(scene.coordinator.user).post(url(scene, "report_line_edit"), {"phone": typed}, follow=True)
    assert stored(line) == (line.code, NUMBER)
    body = text_of(response)
    assert "Reports by text now come in at (312) 555-0190." in body
    assert "Text REPORTE or REPORT and what you see to (312) 555-0190" in body


def test_a_text_to_the_number_set_is_a_report(scene, line, sms_path):
    client_for(scene.coordinator.user).post(url(scene, "report_line_edit"), {"phone": "(312) 555-0190"})
    text_receive(InboundText(channel="sms", sender="+13125550142", to=NUMBER, text="REPORTE agentes en Cuadra sur"))
    assert Alert.objects.get().zone == scene.south


def test_coordinator_clears_the_text_number(scene, line):
    ReportLine.objects.filter(pk=line.pk).update(phone=NUMBER)
    response = client_for(scene.coordinator.user).post(url(scene, "report_line_edit"), {"phone": "  "}, follow=True)
    assert stored(line) == (line.code, "")
    assert "The assembly takes no reports by text now." in text_of(response)


def test_report_line_page_shows_the_number_and_the_flyer(scene, line):
    ReportLine.objects.filter(pk=line.pk).update(phone=NUMBER)
    response = client_for(scene.coordinator.user).get(url(scene, "report_line_edit", "es"))
    body = text_of(response)
    assert response.status_code == 200
    assert 'value="(312) 555-0190"' in body
    assert f"Reporta lo que ves: {site_url(f'/r/{line.code}/')}" in body
    assert "Envía REPORTE o REPORT y lo que ves al (312) 555-0190" in body


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("en", "call me", "That does not look like a phone number."),
        ("es", "llámame", "Eso no parece un número de teléfono."),
        ("en", "+1 555 123 4567", "That number does not exist."),
        ("es", "1" * 40, "Es demasiado largo para un número de teléfono."),
    ],
)
def test_a_bad_text_number_is_refused_in_the_readers_language(scene, line, language, typed, message):
    ReportLine.objects.filter(pk=line.pk).update(phone=NUMBER)
    response = client_for(scene.coordinator.user).post(url(scene, "report_line_edit", language), {"phone": typed})
    assert response.status_code == 400
    assert message in text_of(response)
    assert stored(line) == (line.code, NUMBER)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Another assembly already takes reports at this number."),
        ("es", "Otra asamblea ya recibe reportes en este número."),
    ],
)
def test_a_number_another_assembly_uses_is_refused_clearly(scene, line, language, message):
    other = reports.report_line_ensure(assembly=AssemblyFactory())
    ReportLine.objects.filter(pk=other.pk).update(phone=NUMBER)
    response = client_for(scene.coordinator.user).post(
        url(scene, "report_line_edit", language), {"phone": "(312) 555-0190"}
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert stored(line) == (line.code, "")
    assert stored(other) == (other.code, NUMBER)


# A new short address


def test_coordinator_makes_a_new_code_and_the_old_address_stops_working(scene, line):
    old = line.code
    response = client_for(scene.coordinator.user).post(
        url(scene, "report_line_new_code"), {"confirm": "on"}, follow=True
    )
    code, _phone = stored(line)
    assert code != old
    body = text_of(response)
    assert f"The new public report address is {site_url(f'/r/{code}/')}." in body
    assert "The old one no longer works" in body
    assert Client().get(f"/r/{old}/").status_code == 404
    assert Client().get(f"/r/{code}/").status_code == 302


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Tick the box to confirm: the old address stops working."),
        ("es", "Marca la casilla para confirmar: la dirección anterior deja de funcionar."),
    ],
)
def test_a_new_code_needs_the_confirmation(scene, line, language, message):
    response = client_for(scene.coordinator.user).post(url(scene, "report_line_new_code", language), {})
    assert response.status_code == 400
    assert message in text_of(response)
    assert stored(line) == (line.code, "")


def test_a_new_code_for_an_assembly_without_a_line_is_404(scene):
    assert (
        client_for(scene.coordinator.user).post(url(scene, "report_line_new_code"), {"confirm": "on"}).status_code
        == 404
    )
    assert not ReportLine.objects.exists()
