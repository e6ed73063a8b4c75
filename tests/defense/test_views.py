"""The defense pages in both languages: coverage, claiming and releasing, writing a plan, role cards, the roster."""

import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assembly.assemblies.models import Assembly, Zone
from assembly.defense.models import Claim, DefenseRole, GamePlan, MeetingPoint, PlanResource, PlanStep, RoleKind
from assembly.defense.seeds import SEEDED_KINDS
from tests.conftest import client_for
from tests.defense.factories import (
    ClaimFactory,
    DefenseRoleFactory,
    GamePlanFactory,
    MeetingPointFactory,
    PlanResourceFactory,
    PlanStepFactory,
    seeded_kind,
)
from tests.defense.helpers import formset_data, holders, membership, roles_data, snapshot
from tests.factories import MembershipFactory, ZoneFactory
from tests.meetings.helpers import flashed, page_text, url_in

pytestmark = pytest.mark.django_db

FULL = "Every place in this role is taken. Look for a role with a gap."
CLAIMED = "The role is yours. Its card tells you what to do and where to meet."


@dataclass
class Scene:
    """An active plan: dispatchers needing training (1 of 2), responders in a zone (1 of 3), verifiers full (1 of 1)."""

    assembly: Assembly
    zone: Zone
    plan: GamePlan
    dispatch: DefenseRole
    respond: DefenseRole
    verify: DefenseRole
    people: dict

    def url(self, name: str, language: str = "en", **kwargs) -> str:
        if name not in {"plan_list", "plan_create", "role_kinds"}:
            kwargs.setdefault("pk", self.plan.pk)
        return url_in(language, name, slug=self.assembly.slug, **kwargs)

    def role_url(self, name: str, role: DefenseRole, language: str = "en") -> str:
        return self.url(name, language, role_pk=role.pk)


@pytest.fixture
def scene(assembly, people) -> Scene:
    zone = ZoneFactory(assembly=assembly, name_en="Market Square", name_es="Plaza del Mercado")
    plan = GamePlanFactory(
        assembly=assembly,
        title_en="Home raid on our blocks",
        title_es="Redada en nuestras cuadras",
        summary_en="Never open the door without a signed warrant.",
        summary_es="Nunca se abre la puerta sin una orden firmada.",
    )
    plan.zones.set([zone])
    dispatch = DefenseRoleFactory(
        plan=plan,
        key="dispatcher",
        needed=2,
        requires_training=True,
        description_en="Answers the hotline and sends the alert.",
        description_es="Atiende la línea y envía la alerta.",
    )
    respond = DefenseRoleFactory(plan=plan, key="rapid-responder", zone=zone, needed=3)
    verify = DefenseRoleFactory(plan=plan, key="verifier", zone=zone, needed=1)
    ClaimFactory(role=dispatch, confirmed_training=True)
    ClaimFactory(role=respond)
    ClaimFactory(role=verify)
    PlanStepFactory(
        plan=plan,
        role_kind=dispatch.kind,
        text_en="Take the call and write down where.",
        text_es="Atiende la llamada y anota dónde.",
    )
    PlanStepFactory(
        plan=plan, role_kind=None, text_en="Afterwards, support the family.", text_es="Después, apoya a la familia."
    )
    PlanStepFactory(
        plan=plan,
        role_kind=seeded_kind(assembly, "legal-observer"),
        text_en="Film badge numbers.",
        text_es="Filma los números de placa.",
    )
    MeetingPointFactory(plan=plan, name_en="Laundromat on Elm Street", name_es="Lavandería de la calle Elm")
    PlanResourceFactory(plan=plan, kind=PlanResource.Kind.HOTLINE)
    PlanResourceFactory(
        plan=plan,
        kind=PlanResource.Kind.RIGHTS,
        title_en="Your rights at the door",
        title_es="Tus derechos en la puerta",
        body_en="You do not have to open.",
        body_es="No tienes que abrir.",
    )
    return Scene(
        assembly=assembly, zone=zone, plan=plan, dispatch=dispatch, respond=respond, verify=verify, people=people
    )


def _client(scene: Scene, role: str = "member"):
    return client_for(scene.people[role])


def _cards(text: str) -> list[str]:
    return re.findall(r'<li class="card[^"]*">.*?</li>', text, flags=re.S)


# Coverage


def test_plan_detail_shows_filled_and_needed_per_role_and_zone(scene):
    response = _client(scene).get(scene.url("plan_detail"))
    assert response.status_code == 200
    roles = {role.pk: (role.filled, role.needed, role.zone) for role in response.context["roles"]}
    assert roles == {
        scene.dispatch.pk: (1, 2, None),
        scene.respond.pk: (1, 3, scene.zone),
        scene.verify.pk: (1, 1, scene.zone),
    }
    coverage = response.context["coverage"]
    assert (coverage.filled, coverage.needed, coverage.gap) == (3, 6, 3)
    text = page_text(response)
    assert "3 of 6 places are taken." in text
    cards = _cards(text)
    assert len(cards) == 3
    # In the order of the kinds: dispatcher, verifier, rapid responder.
    dispatch, verify, respond = cards
    assert "Dispatcher" in dispatch and "the whole area" in dispatch and "1 of 2 filled" in dispatch
    assert "Rapid responder" in respond and "Market Square" in respond and "1 of 3 filled" in respond
    assert "Verifier" in verify and "Market Square" in verify and "1 of 1 filled" in verify


def test_plan_detail_makes_gaps_stand_out(scene):
    dispatch, verify, respond = _cards(page_text(_client(scene).get(scene.url("plan_detail"))))
    assert dispatch.startswith('<li class="card gap">') and "1 more needed" in dispatch
    assert respond.startswith('<li class="card gap">') and "2 more needed" in respond
    assert verify.startswith('<li class="card">') and "more needed" not in verify
    assert 'class="unfilled"' in respond and 'class="unfilled"' not in verify


def test_plan_detail_offers_a_claim_only_where_there_is_a_gap(scene):
    text = page_text(_client(scene, "facilitator").get(scene.url("plan_detail")))
    assert scene.role_url("role_claim", scene.respond) in text
    assert scene.role_url("role_claim", scene.dispatch) in text
    assert scene.role_url("role_claim", scene.verify) not in text


def test_plan_detail_offers_members_no_dispatcher_claim(scene):
    text = page_text(_client(scene).get(scene.url("plan_detail")))
    assert scene.role_url("role_claim", scene.respond) in text
    assert scene.role_url("role_claim", scene.dispatch) not in text
    assert "Facilitators and coordinators take this role." in text


def test_plan_detail_asks_for_training_only_on_roles_that_need_it(scene):
    dispatch, _verify, respond = _cards(page_text(_client(scene, "facilitator").get(scene.url("plan_detail"))))
    assert 'name="confirmed_training"' in dispatch
    assert 'name="confirmed_training"' not in respond


def test_plan_detail_shows_the_roles_a_member_holds(scene):
    ClaimFactory(role=scene.respond, membership=membership(scene.assembly, scene.people["member"]))
    _dispatch, _verify, respond = _cards(page_text(_client(scene).get(scene.url("plan_detail"))))
    assert "You hold this role" in respond
    assert scene.role_url("role_release", scene.respond) in respond
    assert scene.role_url("role_claim", scene.respond) not in respond


@pytest.mark.parametrize("role", ["member", "facilitator", "coordinator"])
def test_plan_detail_shows_counts_but_never_who_holds_a_role(role, scene):
    text = page_text(_client(scene, role).get(scene.url("plan_detail")))
    for claim in Claim.objects.select_related("membership__user"):
        assert claim.membership.user.display_name not in text
        assert claim.membership.user.email not in text


@pytest.mark.parametrize(("role", "shown"), [("member", False), ("facilitator", False), ("coordinator", True)])
def test_plan_detail_links_the_roster_only_for_those_who_may_see_it(role, shown, scene):
    text = page_text(_client(scene, role).get(scene.url("plan_detail")))
    assert (scene.url("plan_roster") in text) == shown


def test_plan_detail_links_the_roster_for_the_plans_dispatcher(scene):
    dispatcher = Claim.objects.get(role=scene.dispatch).membership.user
    assert scene.url("plan_roster") in page_text(client_for(dispatcher).get(scene.url("plan_detail")))


def test_plan_detail_of_a_plan_with_no_roles_says_so(scene):
    empty = GamePlanFactory(assembly=scene.assembly)
    text = page_text(_client(scene).get(scene.url("plan_detail", pk=empty.pk)))
    assert "0 of 0 places are taken." in text
    assert "This plan has no roles yet." in text


# Both languages


def test_plan_detail_under_es_shows_spanish_content(scene):
    response = _client(scene).get(scene.url("plan_detail", "es"))
    assert response.status_code == 200
    text = page_text(response)
    for spanish in [
        "Redada en nuestras cuadras",
        "Nunca se abre la puerta sin una orden firmada.",
        "Despacho",
        "Respuesta rápida",
        "Verificación",
        "Plaza del Mercado",
        "Atiende la línea y envía la alerta.",
        "Atiende la llamada y anota dónde.",
        "Lavandería de la calle Elm",
        "Línea de respuesta rápida",
        "Tus derechos en la puerta",
    ]:
        assert spanish in text
    for english in ["Home raid on our blocks", "Market Square", ">Dispatcher<", "Laundromat on Elm Street"]:
        assert english not in text


def test_plan_detail_under_es_notes_content_not_yet_translated(scene):
    GamePlan.objects.filter(pk=scene.plan.pk).update(title_es="", summary_es="")
    text = page_text(_client(scene).get(scene.url("plan_detail", "es")))
    assert '<span lang="en">Home raid on our blocks</span> <small class="fallback-note">' in text
    assert '<div lang="en"><p>Never open the door without a signed warrant.</p></div>' in text


def test_plan_list_under_es_shows_spanish_titles_and_zones(scene):
    text = page_text(_client(scene).get(scene.url("plan_list", "es")))
    assert "Redada en nuestras cuadras" in text
    assert "Plaza del Mercado" in text
    assert "Home raid on our blocks" not in text


@pytest.mark.parametrize(("language", "column"), [("en", 1), ("es", 2)])
def test_role_kinds_page_shows_every_seeded_name(language, column, scene):
    text = page_text(_client(scene, "coordinator").get(scene.url("role_kinds", language)))
    for seeded in SEEDED_KINDS:
        assert seeded[column] in text


def test_roles_page_under_es_names_kinds_and_zones_in_spanish(scene):
    text = page_text(_client(scene, "coordinator").get(scene.url("plan_roles", "es")))
    assert ">Despacho<" in text
    assert ">Plaza del Mercado<" in text
    assert ">Dispatcher<" not in text


# Claiming and releasing


def test_member_claims_a_place(scene):
    user = scene.people["member"]
    response = client_for(user).post(scene.role_url("role_claim", scene.respond))
    assert response.status_code == 302
    assert response["Location"] == scene.url("plan_detail")
    assert flashed(response) == [CLAIMED]
    assert Claim.objects.filter(role=scene.respond, membership__user=user).exists()
    assert holders(scene.respond) == (2, 2)


def test_claim_of_a_full_role_is_refused_with_a_message(scene):
    before = snapshot()
    response = _client(scene).post(scene.role_url("role_claim", scene.verify))
    assert response.status_code == 302
    assert flashed(response) == [FULL]
    assert snapshot() == before


def test_claim_twice_is_refused_with_a_message(scene):
    client = _client(scene)
    client.post(scene.role_url("role_claim", scene.respond))
    before = snapshot()
    response = client.post(scene.role_url("role_claim", scene.respond))
    assert flashed(response) == ["You already hold this role."]
    assert snapshot() == before


@pytest.mark.parametrize("data", [{}, {"confirmed_training": ""}, {"confirmed_training": "false"}])
def test_claim_of_a_role_that_needs_training_asks_for_confirmation(data, scene):
    before = snapshot()
    response = _client(scene, "facilitator").post(scene.role_url("role_claim", scene.dispatch), data)
    assert response.status_code == 302
    assert flashed(response) == ["This role needs training. Confirm that you have had it, or ask a coordinator."]
    assert snapshot() == before


def test_member_cannot_make_themselves_a_dispatcher(scene):
    """A dispatcher sees the roster: only people the assembly already trusts with rosters take the role."""
    before = snapshot()
    response = _client(scene).post(scene.role_url("role_claim", scene.dispatch), {"confirmed_training": "on"})
    assert flashed(response) == [
        "Dispatchers see who holds each role, so only facilitators and coordinators take this role."
    ]
    assert snapshot() == before


def test_claim_with_training_confirmed_is_recorded(scene):
    user = scene.people["facilitator"]
    response = client_for(user).post(scene.role_url("role_claim", scene.dispatch), {"confirmed_training": "on"})
    assert flashed(response) == [CLAIMED]
    assert Claim.objects.get(role=scene.dispatch, membership__user=user).confirmed_training is True
    assert holders(scene.dispatch) == (2, 2)


@pytest.mark.parametrize("status", [GamePlan.Status.DRAFT, GamePlan.Status.ARCHIVED])
def test_claim_on_a_plan_that_is_not_active_is_refused(status, scene):
    """Coordinators still reach such a plan, but nobody can claim in it."""
    GamePlan.objects.filter(pk=scene.plan.pk).update(status=status)
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.role_url("role_claim", scene.respond))
    assert response.status_code == 302
    assert flashed(response) == ["This plan is not active, so its roles cannot be claimed now."]
    assert snapshot() == before


@pytest.mark.parametrize("status", [GamePlan.Status.DRAFT, GamePlan.Status.ARCHIVED])
def test_plan_that_is_not_active_offers_no_claim(status, scene):
    GamePlan.objects.filter(pk=scene.plan.pk).update(status=status)
    text = page_text(_client(scene, "coordinator").get(scene.url("plan_detail")))
    assert "role_claim" not in text
    assert scene.role_url("role_claim", scene.respond) not in text


def test_member_of_another_assembly_cannot_claim_here(scene):
    outsider = MembershipFactory().user
    before = snapshot()
    assert client_for(outsider).post(scene.role_url("role_claim", scene.respond)).status_code == 404
    assert snapshot() == before


def test_member_releases_a_place(scene):
    client = _client(scene)
    client.post(scene.role_url("role_claim", scene.respond))
    response = client.post(scene.role_url("role_release", scene.respond))
    assert response.status_code == 302
    assert flashed(response) == ["You released the role. Thank you for saying so in time."]
    assert not Claim.objects.filter(role=scene.respond, membership__user=scene.people["member"]).exists()
    assert holders(scene.respond) == (1, 1)


def test_release_of_a_role_not_held_is_refused_with_a_message(scene):
    before = snapshot()
    response = _client(scene).post(scene.role_url("role_release", scene.respond))
    assert flashed(response) == ["You do not hold this role."]
    assert snapshot() == before


def test_released_place_can_be_claimed_by_someone_else(scene):
    holder = Claim.objects.get(role=scene.verify).membership.user
    assert flashed(client_for(holder).post(scene.role_url("role_release", scene.verify))) != []
    assert flashed(_client(scene).post(scene.role_url("role_claim", scene.verify))) == [CLAIMED]
    assert holders(scene.verify) == (1, 1)


# Writing a plan


def _plan_data(scene: Scene, **overrides) -> dict:
    return {
        "title_en": "Workplace raid",
        "title_es": "Redada en el trabajo",
        "summary_en": "Stay calm.",
        "summary_es": "Mantén la calma.",
        "scenario": GamePlan.Scenario.WORKPLACE_RAID,
        "zones": [scene.zone.pk],
        "alert_hours": "6",
        "verify_minutes": "5",
        **overrides,
    }


def test_coordinator_writes_a_plan_as_a_draft(scene):
    response = _client(scene, "coordinator").post(scene.url("plan_create"), _plan_data(scene))
    plan = GamePlan.objects.get(title_en="Workplace raid")
    assert response.status_code == 302
    assert response["Location"] == scene.url("plan_detail", pk=plan.pk)
    assert (plan.assembly, plan.title_es, plan.summary_es, plan.scenario, plan.alert_hours, plan.status) == (
        scene.assembly,
        "Redada en el trabajo",
        "Mantén la calma.",
        GamePlan.Scenario.WORKPLACE_RAID,
        6,
        GamePlan.Status.DRAFT,
    )
    assert list(plan.zones.all()) == [scene.zone]


def test_plan_written_only_in_spanish_is_saved(scene):
    data = _plan_data(scene, title_en="", summary_en="", title_es="Solo en español")
    response = _client(scene, "coordinator").post(scene.url("plan_create"), data)
    assert response.status_code == 302
    plan = GamePlan.objects.get(title_es="Solo en español")
    assert plan.title_en in ("", None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title_en": "", "title_es": ""}, "Write this in at least one language."),
        ({"alert_hours": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"alert_hours": "73"}, "Ensure this value is less than or equal to 72."),
        ({"alert_hours": "soon"}, "Enter a whole number."),
        ({"verify_minutes": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"verify_minutes": "61"}, "Ensure this value is less than or equal to 60."),
        ({"scenario": "invasion"}, "Select a valid choice. invasion is not one of the available choices."),
        ({"title_en": "x" * 141}, "Ensure this value has at most 140 characters (it has 141)."),
    ],
)
def test_plan_with_bad_input_is_refused_with_a_message(overrides, message, scene):
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_create"), _plan_data(scene, **overrides))
    assert response.status_code == 400
    assert message in page_text(response)
    assert snapshot() == before


def test_plan_cannot_cover_a_zone_of_another_assembly(scene):
    elsewhere = ZoneFactory()
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_edit"), _plan_data(scene, zones=[elsewhere.pk]))
    assert response.status_code == 400
    assert snapshot() == before


def test_coordinator_edits_a_plan_and_keeps_its_status_and_roles(scene):
    response = _client(scene, "coordinator").post(
        scene.url("plan_edit"), _plan_data(scene, title_en="Home raid, revised", zones=[])
    )
    assert response.status_code == 302
    plan = GamePlan.objects.get(pk=scene.plan.pk)
    assert (plan.title_en, plan.status, list(plan.zones.all())) == ("Home raid, revised", GamePlan.Status.ACTIVE, [])
    assert plan.roles.count() == 3
    assert holders(scene.respond) == (1, 1)


def test_coordinator_sets_the_plans_time_to_verify(scene):
    response = _client(scene, "coordinator").post(scene.url("plan_edit"), _plan_data(scene, verify_minutes="3"))
    assert response.status_code == 302
    assert GamePlan.objects.get(pk=scene.plan.pk).verify_minutes == 3


def test_plan_edit_page_shows_both_languages_side_by_side(scene):
    text = page_text(_client(scene, "coordinator").get(scene.url("plan_edit")))
    assert 'value="Home raid on our blocks"' in text
    assert 'value="Redada en nuestras cuadras"' in text


# Plan status


@pytest.mark.parametrize("status", ["published", "", "ACTIVE"])
def test_unknown_status_is_refused_with_a_message(status, scene):
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_status"), {"status": status})
    assert response.status_code == 302
    assert flashed(response) == ["Choose draft, active or archived."]
    assert snapshot() == before


def test_status_missing_is_refused_with_a_message(scene):
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_status"))
    assert flashed(response) == ["Choose draft, active or archived."]
    assert snapshot() == before


def test_plan_without_roles_cannot_be_made_active(scene):
    draft = GamePlanFactory(assembly=scene.assembly, draft=True)
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_status", pk=draft.pk), {"status": "active"})
    assert flashed(response) == ["Add at least one role before making the plan active."]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("start", "status", "shown"),
    [("draft", "active", "Active"), ("active", "archived", "Archived"), ("archived", "draft", "Draft")],
)
def test_coordinator_changes_the_plan_status(start, status, shown, scene):
    GamePlan.objects.filter(pk=scene.plan.pk).update(status=start)
    response = _client(scene, "coordinator").post(scene.url("plan_status"), {"status": status})
    assert flashed(response) == [f"The plan is now: {shown}."]
    assert GamePlan.objects.get(pk=scene.plan.pk).status == status
    assert holders(scene.respond) == (1, 1)


# Roles of a plan


def test_coordinator_adds_a_role_in_a_zone(scene):
    driver = seeded_kind(scene.assembly, "driver")
    new = {"kind": driver.pk, "zone": scene.zone.pk, "needed": 4, "requires_training": True, "description_es": "Maneja"}
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, new))
    assert response.status_code == 302
    role = scene.plan.roles.get(kind=driver)
    assert (role.zone, role.needed, role.filled, role.requires_training, role.description_es) == (
        scene.zone,
        4,
        0,
        True,
        "Maneja",
    )


def test_coordinator_changes_places_and_keeps_the_holders(scene):
    changes = {f"r{scene.respond.pk}": {"needed": 5, "description_en": "Bring water."}}
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, **changes))
    assert response.status_code == 302
    role = DefenseRole.objects.get(pk=scene.respond.pk)
    assert (role.needed, role.filled, role.description_en) == (5, 1, "Bring water.")


def test_places_may_drop_to_the_number_of_holders(scene):
    ClaimFactory(role=scene.respond)
    changes = {f"r{scene.respond.pk}": {"needed": 2}}
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, **changes))
    assert response.status_code == 302
    assert DefenseRole.objects.get(pk=scene.respond.pk).needed == 2


def test_places_below_the_holders_are_refused_with_a_message(scene):
    ClaimFactory(role=scene.respond)
    changes = {f"r{scene.respond.pk}": {"needed": 1, "description_en": "Changed while refused"}}
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, **changes))
    assert response.status_code == 400
    assert "2 people hold this role; it needs at least that many places." in page_text(response)
    assert snapshot() == before


def test_places_below_holders_who_claimed_meanwhile_are_refused_with_a_message(scene):
    """The form was read with one holder; two more claim before it is sent."""
    data = roles_data(scene.plan, **{f"r{scene.respond.pk}": {"needed": 2}})
    ClaimFactory(role=scene.respond)
    ClaimFactory(role=scene.respond)
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), data)
    assert response.status_code == 400
    assert "3 people hold this role; it needs at least that many places." in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"needed": 0}, "Ensure this value is greater than or equal to 1."),
        ({"needed": 201}, "Ensure this value is less than or equal to 200."),
        ({"needed": ""}, "This field is required."),
        ({"kind": ""}, "This field is required."),
        ({"kind": 999999}, "Select a valid choice."),
    ],
)
def test_role_with_bad_input_is_refused_with_a_message(fields, message, scene):
    new = {"kind": seeded_kind(scene.assembly, "driver").pk, "zone": None, "needed": 2, **fields}
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, new))
    assert response.status_code == 400
    assert message in page_text(response)
    assert snapshot() == before


def test_role_cannot_use_a_kind_or_zone_of_another_assembly(scene):
    elsewhere = ZoneFactory()
    for new in (
        {"kind": seeded_kind(elsewhere.assembly, "driver").pk, "needed": 1},
        {"kind": seeded_kind(scene.assembly, "driver").pk, "zone": elsewhere.pk, "needed": 1},
    ):
        before = snapshot()
        response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, new))
        assert response.status_code == 400
        assert snapshot() == before


def test_roles_form_cannot_reach_a_role_of_another_plan(scene):
    other = DefenseRoleFactory(plan=GamePlanFactory(assembly=scene.assembly), needed=2)
    data = formset_data("roles", [{"id": other.pk, "kind": other.kind_id, "needed": 9}], initial=1)
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), data)
    # Django's model formsets skip a row outside their queryset.
    assert response.status_code < 500
    assert snapshot() == before


def test_coordinator_removes_a_role_and_its_claims(scene):
    changes = {f"r{scene.verify.pk}": {"DELETE": True}}
    response = _client(scene, "coordinator").post(scene.url("plan_roles"), roles_data(scene.plan, **changes))
    assert response.status_code == 302
    assert not DefenseRole.objects.filter(pk=scene.verify.pk).exists()
    assert not Claim.objects.filter(role_id=scene.verify.pk).exists()
    assert scene.plan.roles.count() == 2


# Steps, meeting points and resources


PARTS = {
    "steps": (
        PlanStep,
        "steps",
        "text_en",
        {"position": 5, "text_en": "Stay together.", "text_es": "Quédate en grupo."},
    ),
    "points": (
        MeetingPoint,
        "meeting_points",
        "name_en",
        {"position": 5, "name_en": "Bus stop", "name_es": "Parada de autobús", "description_en": ""},
    ),
    "resources": (
        PlanResource,
        "resources",
        "title_en",
        {"position": 5, "kind": "checklist", "title_en": "Checklist", "title_es": "Lista", "body_en": "Who picks up"},
    ),
}

FACTORIES = {"steps": PlanStepFactory, "points": MeetingPointFactory, "resources": PlanResourceFactory}


def _existing(part: str, item) -> dict:
    fields = {
        "steps": ["position", "text_en", "text_es", "role_kind"],
        "points": ["position", "name_en", "name_es", "description_en", "description_es"],
        "resources": ["position", "kind", "title_en", "title_es", "body_en", "body_es"],
    }[part]
    values = {name: getattr(item, name if name != "role_kind" else "role_kind_id") for name in fields}
    return {"id": item.pk, **values}


def _part_data(part: str, plan: GamePlan, *new: dict, **changes: dict) -> dict:
    _model, related, _label, _fields = PARTS[part]
    items = getattr(plan, related).order_by("pk")
    existing = [{**_existing(part, item), **changes.get(f"i{item.pk}", {})} for item in items]
    return formset_data(part, [*existing, *new], initial=len(existing))


@pytest.mark.parametrize("part", sorted(PARTS))
def test_coordinator_adds_changes_and_removes_parts_of_a_plan(part, scene):
    model, related, label, new = PARTS[part]
    FACTORIES[part](plan=scene.plan)
    first, second = getattr(scene.plan, related).order_by("pk")[:2]
    changes = {f"i{first.pk}": {label: "Changed"}, f"i{second.pk}": {"DELETE": True}}
    response = _client(scene, "coordinator").post(
        scene.url("plan_part", part=part), _part_data(part, scene.plan, new, **changes)
    )
    assert response.status_code == 302, page_text(response)[:2000]
    assert response["Location"] == scene.url("plan_detail")
    items = {item.pk: getattr(item, label) for item in model.objects.filter(plan=scene.plan)}
    assert items[first.pk] == "Changed"
    assert second.pk not in items
    assert new[label] in items.values()


@pytest.mark.parametrize("part", sorted(PARTS))
def test_part_with_no_text_in_any_language_is_refused(part, scene):
    *_rest, new = PARTS[part]
    blank = {name: "" for name in new if name.endswith(("_en", "_es"))}
    before = snapshot()
    response = _client(scene, "coordinator").post(
        scene.url("plan_part", part=part), _part_data(part, scene.plan, {**new, **blank})
    )
    assert response.status_code == 400
    assert "Write this in at least one language." in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("part", sorted(PARTS))
def test_part_form_cannot_reach_an_item_of_another_plan(part, scene):
    other = GamePlanFactory(assembly=scene.assembly)
    item = FACTORIES[part](plan=other)
    for fields in ({PARTS[part][2]: "Hijacked"}, {"DELETE": True}):
        data = formset_data(part, [{**_existing(part, item), **fields}], initial=1)
        before = snapshot()
        response = _client(scene, "coordinator").post(scene.url("plan_part", part=part), data)
        # Django's model formsets skip a row outside their queryset.
        assert response.status_code < 500
        assert snapshot() == before


def test_step_cannot_name_a_kind_of_another_assembly(scene):
    foreign = seeded_kind(ZoneFactory().assembly, "driver")
    new = {**PARTS["steps"][3], "role_kind": foreign.pk}
    before = snapshot()
    response = _client(scene, "coordinator").post(
        scene.url("plan_part", part="steps"), _part_data("steps", scene.plan, new)
    )
    assert response.status_code == 400
    assert snapshot() == before


# Kinds of role


def test_coordinator_adds_a_kind_of_role_after_the_seeded_ones(scene):
    data = formset_data("kinds", [{"name_en": "Cook", "name_es": "Cocina"}], initial=0)
    response = _client(scene, "coordinator").post(scene.url("role_kinds"), data)
    assert response.status_code == 302
    kind = RoleKind.objects.get(assembly=scene.assembly, name_en="Cook")
    assert (kind.key, kind.name_es) == ("", "Cocina")
    assert kind.position >= len(SEEDED_KINDS)
    assert ">Cocina<" in page_text(_client(scene, "coordinator").get(scene.url("plan_roles", "es")))


def test_kind_of_role_renamed_to_nothing_is_refused(scene):
    existing = [
        {"id": kind.pk, "name_en": kind.name_en, "name_es": kind.name_es}
        for kind in RoleKind.objects.filter(assembly=scene.assembly)
    ]
    existing[0] |= {"name_en": " ", "name_es": ""}
    data = formset_data("kinds", existing, initial=len(existing))
    before = snapshot()
    response = _client(scene, "coordinator").post(scene.url("role_kinds"), data)
    assert response.status_code == 400
    assert "Write this in at least one language." in page_text(response)
    assert snapshot() == before


# Role card


def _section(text: str, heading: str) -> str:
    """The part of the card from a heading to the next one."""
    return text.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def test_role_card_says_what_i_do_where_we_meet_and_who_to_call(scene):
    response = _client(scene).get(scene.role_url("role_card", scene.dispatch))
    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Dispatcher</h1>" in text
    what = _section(text, "What I do")
    assert "Answers the hotline and sends the alert." in what
    assert "Take the call and write down where." in what
    assert "Afterwards, support the family." in what
    assert "Film badge numbers." not in what
    assert "Laundromat on Elm Street" in _section(text, "Where we meet")
    who = _section(text, "Who to call")
    assert "Rapid-response hotline" in who and "555-0100" in who
    assert "Your rights at the door" not in who


def test_role_card_under_es_is_in_spanish(scene):
    text = page_text(_client(scene).get(scene.role_url("role_card", scene.dispatch, "es")))
    for spanish in [
        "<h1>Despacho</h1>",
        "Redada en nuestras cuadras",
        "Atiende la línea y envía la alerta.",
        "Atiende la llamada y anota dónde.",
        "Después, apoya a la familia.",
        "Lavandería de la calle Elm",
        "Línea de respuesta rápida",
        "555-0100, de día y de noche.",
    ]:
        assert spanish in text
    for english in ["Dispatcher", "Answers the hotline", "Take the call", "Laundromat on Elm Street"]:
        assert english not in text


def test_role_card_in_a_zone_names_the_zone(scene):
    text = page_text(_client(scene).get(scene.role_url("role_card", scene.respond, "es")))
    assert "Plaza del Mercado" in text


def test_role_card_of_a_bare_plan_says_who_will_tell(scene):
    bare = DefenseRoleFactory(plan=GamePlanFactory(assembly=scene.assembly), description_en="", description_es="")
    text = page_text(
        _client(scene).get(url_in("en", "role_card", slug=scene.assembly.slug, pk=bare.plan_id, role_pk=bare.pk))
    )
    assert "The dispatcher tells you where to go." in text
    assert "Ask your coordinator for the hotline number and write it here." in text


def test_role_card_shows_nobody_who_holds_the_role(scene):
    text = page_text(_client(scene).get(scene.role_url("role_card", scene.dispatch)))
    holder = Claim.objects.get(role=scene.dispatch).membership.user
    assert holder.display_name not in text


# Roster


def test_roster_shows_who_holds_which_role_and_nothing_to_reach_them(scene):
    holders_ = list(Claim.objects.select_related("membership__user", "role__kind"))
    for claim in holders_:
        claim.membership.user.phone = "+1 555 0199"
        claim.membership.user.save(update_fields=["phone"])
    response = _client(scene, "coordinator").get(scene.url("plan_roster"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = page_text(response)
    for claim in holders_:
        assert claim.membership.user.display_name in text
        assert claim.membership.user.email not in text
    assert "+1 555 0199" not in text
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", text)
    assert sorted(rows) == sorted(
        (
            claim.role.kind.name_en,
            "Market Square" if claim.role.zone else "the whole area",
            claim.membership.user.display_name,
        )
        for claim in holders_
    )


def test_roster_under_es_names_roles_and_zones_in_spanish(scene):
    text = page_text(_client(scene, "coordinator").get(scene.url("plan_roster", "es")))
    assert "<td>Despacho</td>" in text
    assert "<td>Plaza del Mercado</td>" in text


# Queries


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def _grow(scene: Scene, count: int) -> None:
    keys = [key for key, *_names in SEEDED_KINDS]
    for index in range(count):
        zone = ZoneFactory(assembly=scene.assembly)
        role = DefenseRoleFactory(plan=scene.plan, key=keys[index % len(keys)], zone=zone, requires_training=True)
        ClaimFactory(role=role)
        PlanStepFactory(plan=scene.plan, role_kind=role.kind)
        MeetingPointFactory(plan=scene.plan)
        PlanResourceFactory(plan=scene.plan)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("plan_detail", "member"),
        ("plan_detail", "coordinator"),
        ("plan_roster", "coordinator"),
        ("plan_list", "member"),
        ("plan_list", "coordinator"),
        ("role_card", "member"),
    ],
)
def test_query_count_does_not_grow_with_roles(name, role, scene):
    client = _client(scene, role)
    url = scene.role_url(name, scene.dispatch) if name == "role_card" else scene.url(name)
    client.get(url)
    few = _queries(client, url)
    _grow(scene, 12)
    for _n in range(5):
        GamePlanFactory(assembly=scene.assembly).zones.set([scene.zone])
    assert _queries(client, url) == few


# Never a 500


@pytest.mark.parametrize(
    ("name", "kwargs", "data"),
    [
        ("role_claim", {}, {"confirmed_training": ["on", "off"]}),
        ("plan_status", {}, {"status": ["active", "draft"]}),
        ("plan_roles", {}, {"roles-TOTAL_FORMS": "x", "roles-INITIAL_FORMS": "0"}),
        ("plan_roles", {}, {"roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "5"}),
        (
            "plan_part",
            {"part": "steps"},
            {"steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0", "steps-0-position": "-1"},
        ),
        ("plan_part", {"part": "points"}, {"points-TOTAL_FORMS": "2000", "points-INITIAL_FORMS": "0"}),
        ("role_kinds", {}, {"kinds-TOTAL_FORMS": "1", "kinds-INITIAL_FORMS": "1", "kinds-0-id": "abc"}),
        ("plan_create", {}, {"title_en": "A", "zones": ["abc"]}),
    ],
)
def test_malformed_input_gets_an_answer_not_an_error(name, kwargs, data, scene):
    url = scene.role_url(name, scene.dispatch) if name == "role_claim" else scene.url(name, **kwargs)
    before = snapshot()
    response = _client(scene, "coordinator").post(url, data)
    assert response.status_code < 500
    if name not in {"role_claim", "plan_status"}:
        assert response.status_code == 400
        assert snapshot() == before
