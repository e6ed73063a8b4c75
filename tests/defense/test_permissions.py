"""The permission matrix of every defense view, on a public and on an unlisted assembly.

Roles: anonymous, stranger, pending, member, facilitator, coordinator, and a dispatcher (a member holding a
dispatcher claim in the plan). Plans are the members' business whatever the assembly's visibility: strangers
and pending members get 404, members without the role 403, anonymous people are sent to log in. Who holds
which role is for the plan's coordinators and dispatchers only, and each look at it is audited.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from assembly.assemblies.models import Assembly, Membership, Zone
from assembly.common.models import AuditEntry
from assembly.defense import urls as defense_urls
from assembly.defense.models import Claim, DefenseRole, GamePlan, PlanStep, ReportLine, RoleKind
from tests.conftest import client_for
from tests.defense.factories import (
    ClaimFactory,
    DefenseRoleFactory,
    GamePlanFactory,
    MeetingPointFactory,
    PlanResourceFactory,
    PlanStepFactory,
)
from tests.defense.helpers import formset_data, roles_data, snapshot
from tests.factories import MembershipFactory, ZoneFactory

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "stranger", "pending", "member", "facilitator", "coordinator", "dispatcher"]
PUBLIC, UNLISTED = Assembly.Visibility.PUBLIC, Assembly.Visibility.UNLISTED


def _row(*answers) -> dict:
    return dict(zip(ROLES, answers, strict=True))


def _both(row: dict) -> dict:
    return {PUBLIC: row, UNLISTED: row}


MEMBERS = _row(LOGIN, 404, 404, 200, 200, 200, 200)
MEMBERS_POST = _row(LOGIN, 404, 404, 302, 302, 302, 302)
COORDINATORS = _row(LOGIN, 404, 404, 403, 403, 200, 403)
COORDINATORS_POST = _row(LOGIN, 404, 404, 403, 403, 302, 403)
ROSTER = _row(LOGIN, 404, 404, 403, 403, 200, 200)

# Expected answer per view, visibility and role: an HTTP status, or LOGIN for a redirect to the log-in page.
GET_VIEWS = {
    "plan_list": _both(MEMBERS),
    "plan_detail": _both(MEMBERS),
    "role_card": _both(MEMBERS),
    "plan_roster": _both(ROSTER),
    "plan_create": _both(COORDINATORS),
    "plan_edit": _both(COORDINATORS),
    "plan_roles": _both(COORDINATORS),
    "plan_part": _both(COORDINATORS),
    "role_kinds": _both(COORDINATORS),
    "report_line_edit": _both(COORDINATORS),
}

POST_VIEWS = {
    "plan_create": _both(COORDINATORS_POST),
    "plan_edit": _both(COORDINATORS_POST),
    "plan_status": _both(COORDINATORS_POST),
    "plan_roles": _both(COORDINATORS_POST),
    "plan_part": _both(COORDINATORS_POST),
    "role_kinds": _both(COORDINATORS_POST),
    "report_line_make": _both(COORDINATORS_POST),
    "report_line_edit": _both(COORDINATORS_POST),
    "report_line_new_code": _both(COORDINATORS_POST),
    # Each member claims and releases their own places.
    "role_claim": _both(MEMBERS_POST),
    "role_release": _both(MEMBERS_POST),
}

# Views that only take a POST (the others also show a form on GET).
POST_ONLY = sorted(["plan_status", "role_claim", "role_release", "report_line_make", "report_line_new_code"])
GET_ONLY = sorted(set(GET_VIEWS) - set(POST_VIEWS))
PLAN_VIEWS = sorted(
    name for name in {*GET_VIEWS, *POST_VIEWS} if name not in {"plan_list", "plan_create", "role_kinds"}
)
ROLE_VIEWS = ["role_card", "role_claim", "role_release"]
LINE_CODE = "matrix22"


@dataclass
class Scene:
    """An active plan: the dispatcher holds `dispatch`, `open` has places, each person acting holds one in `held`."""

    assembly: Assembly
    zone: Zone
    plan: GamePlan
    dispatch: DefenseRole
    open: DefenseRole
    held: DefenseRole
    people: dict

    def user(self, role: str):
        return self.people[role]


@pytest.fixture(params=[PUBLIC, UNLISTED])
def scene(request, assembly, people) -> Scene:
    assembly.visibility = request.param
    assembly.save(update_fields=["visibility"])
    zone = ZoneFactory(assembly=assembly)
    plan = GamePlanFactory(assembly=assembly)
    plan.zones.set([zone])
    dispatch = DefenseRoleFactory(plan=plan, key="dispatcher", needed=2, requires_training=True)
    dispatcher = ClaimFactory(role=dispatch, confirmed_training=True).membership.user
    PlanStepFactory(plan=plan)
    MeetingPointFactory(plan=plan)
    PlanResourceFactory(plan=plan)
    ReportLine.objects.create(assembly=assembly, code=LINE_CODE)
    return Scene(
        assembly=assembly,
        zone=zone,
        plan=plan,
        dispatch=dispatch,
        open=DefenseRoleFactory(plan=plan, key="rapid-responder", zone=zone, needed=5),
        held=DefenseRoleFactory(plan=plan, key="documenter", needed=20),
        people={**people, "dispatcher": dispatcher},
    )


def _own(scene: Scene, user) -> Claim:
    """Give the person acting (or a stand-in, for those who are not active members) a place of their own."""
    joined = Membership.objects.filter(assembly=scene.assembly, user=user, status=Membership.Status.ACTIVE).first()
    return ClaimFactory(role=scene.held, membership=joined or MembershipFactory(assembly=scene.assembly))


def _url(name: str, scene: Scene, plan: GamePlan | None = None) -> str:
    plan = plan or scene.plan
    kwargs = {"slug": scene.assembly.slug}
    if name in PLAN_VIEWS:
        kwargs["pk"] = plan.pk
    if name == "plan_part":
        kwargs["part"] = "steps"
    role = {"role_card": scene.open, "role_claim": scene.open, "role_release": scene.held}.get(name)
    if role is not None:
        kwargs["role_pk"] = role.pk
    return reverse(name, kwargs=kwargs)


def _plan_data(scene: Scene, **overrides) -> dict:
    return {
        "title_en": "Made by the matrix",
        "title_es": "Hecho por la matriz",
        "summary_en": "",
        "summary_es": "",
        "scenario": GamePlan.Scenario.WORKPLACE_RAID,
        "zones": [scene.zone.pk],
        "alert_hours": "12",
        "verify_minutes": "5",
        **overrides,
    }


def _steps_data(plan: GamePlan) -> dict:
    existing = [
        {"id": s.pk, "position": s.position, "text_en": s.text_en, "text_es": s.text_es, "role_kind": s.role_kind_id}
        for s in plan.steps.order_by("pk")
    ]
    new = {"position": 9, "text_en": "Added by the matrix", "text_es": "Añadido por la matriz", "role_kind": None}
    return formset_data("steps", [*existing, new], initial=len(existing))


def _without_line(scene: Scene) -> dict:
    """Making the public report line needs an assembly without one: no data to post."""
    ReportLine.objects.filter(assembly=scene.assembly).delete()
    return {}


def _post_data(name: str, scene: Scene) -> dict:
    driver = RoleKind.objects.get(assembly=scene.assembly, key="driver")
    return {
        "plan_create": lambda: _plan_data(scene),
        "plan_edit": lambda: _plan_data(scene, title_en="Changed by the matrix"),
        "plan_status": lambda: {"status": GamePlan.Status.ARCHIVED},
        "plan_roles": lambda: roles_data(scene.plan, {"kind": driver.pk, "zone": None, "needed": 2}),
        "plan_part": lambda: _steps_data(scene.plan),
        "role_kinds": lambda: formset_data(
            "kinds", [{"name_en": "Made by the matrix", "name_es": "Cocina"}], initial=0
        ),
        "report_line_make": lambda: _without_line(scene),
        "report_line_edit": lambda: {"phone": "(312) 555-0190"},
        "report_line_new_code": lambda: {"confirm": "on"},
    }.get(name, dict)()


def _took_effect(name: str, scene: Scene, user, own: Claim) -> bool:
    """Whether the POST did what the view is for."""
    plan = GamePlan.objects.get(pk=scene.plan.pk)
    return {
        "plan_create": lambda: GamePlan.objects.filter(title_en="Made by the matrix", assembly=scene.assembly).exists(),
        "plan_edit": lambda: plan.title_en == "Changed by the matrix",
        "plan_status": lambda: plan.status == GamePlan.Status.ARCHIVED,
        "plan_roles": lambda: plan.roles.filter(kind__key="driver", needed=2).exists(),
        "plan_part": lambda: PlanStep.objects.filter(plan=plan, text_en="Added by the matrix").exists(),
        "role_kinds": lambda: RoleKind.objects.filter(assembly=scene.assembly, name_en="Made by the matrix").exists(),
        "role_claim": lambda: user is not None
        and Claim.objects.filter(role=scene.open, membership__user=user).exists()
        and DefenseRole.objects.get(pk=scene.open.pk).filled == 1,
        "role_release": lambda: not Claim.objects.filter(pk=own.pk).exists()
        and DefenseRole.objects.get(pk=scene.held.pk).filled == 0,
        "report_line_make": lambda: ReportLine.objects.filter(assembly=scene.assembly).exists(),
        "report_line_edit": lambda: ReportLine.objects.filter(assembly=scene.assembly, phone="+13125550190").exists(),
        "report_line_new_code": lambda: ReportLine.objects.filter(assembly=scene.assembly)
        .exclude(code=LINE_CODE)
        .exists(),
    }[name]()


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


def test_matrix_covers_every_defense_view():
    # The alert and shift views and the public report page are built apart and get their own tests.
    names = {
        pattern.name
        for pattern in defense_urls.urlpatterns
        if pattern.callback.__module__
        not in {"assembly.defense.alert_views", "assembly.defense.report_views", "assembly.defense.shift_views"}
    }
    assert names == set(GET_VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET_VIEWS))
def test_get_view_answers_each_role(name, role, scene):
    user = scene.user(role)
    _own(scene, user)
    before = snapshot()
    response = client_for(user).get(_url(name, scene))
    expected = GET_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    after = snapshot()
    # Only the roster writes something on GET: one audit entry for each look that was allowed.
    written = after["audit"][len(before["audit"]) :]
    assert after["audit"][: len(before["audit"])] == before["audit"]
    if name == "plan_roster" and expected == 200:
        assert written == [(user.pk, "defense.roster.view", "defense.gameplan", scene.plan.pk)]
    else:
        assert written == []
    assert {**after, "audit": None} == {**before, "audit": None}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_answers_each_role(name, role, scene):
    user = scene.user(role)
    own = _own(scene, user)
    data = _post_data(name, scene)
    before = snapshot()
    response = client_for(user).post(_url(name, scene), data)
    expected = POST_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    allowed = expected in {200, 302}
    assert _took_effect(name, scene, user, own) == allowed
    if not allowed:
        assert snapshot() == before


@pytest.mark.parametrize("status", [GamePlan.Status.DRAFT, GamePlan.Status.ARCHIVED])
@pytest.mark.parametrize("role", ["member", "facilitator", "dispatcher"])
@pytest.mark.parametrize("name", ["plan_detail", "role_card", "plan_roster", "role_claim", "role_release"])
def test_plan_that_is_not_active_is_hidden_from_all_but_coordinators(name, role, status, scene):
    GamePlan.objects.filter(pk=scene.plan.pk).update(status=status)
    user = scene.user(role)
    _own(scene, user)
    client = client_for(user)
    before = snapshot()
    response = client.post(_url(name, scene)) if name in POST_ONLY else client.get(_url(name, scene))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("status", [GamePlan.Status.DRAFT, GamePlan.Status.ARCHIVED])
@pytest.mark.parametrize("name", ["plan_detail", "role_card", "plan_roster", "plan_edit", "plan_roles", "plan_part"])
def test_coordinator_sees_a_plan_that_is_not_active(name, status, scene):
    GamePlan.objects.filter(pk=scene.plan.pk).update(status=status)
    assert client_for(scene.user("coordinator")).get(_url(name, scene)).status_code == 200


@pytest.mark.parametrize("role", ["member", "facilitator", "coordinator", "dispatcher"])
def test_plan_list_hides_drafts_and_archived_plans_from_all_but_coordinators(role, scene):
    GamePlanFactory(assembly=scene.assembly, draft=True, title_en="Secret draft")
    GamePlanFactory(assembly=scene.assembly, archived=True, title_en="Old archived plan")
    response = client_for(scene.user(role)).get(_url("plan_list", scene))
    text = response.content.decode()
    shown = role == "coordinator"
    assert ("Secret draft" in text) == shown
    assert ("Old archived plan" in text) == shown
    assert scene.plan.title_en in text


@pytest.mark.parametrize("name", PLAN_VIEWS)
def test_plan_of_another_assembly_is_404(name, scene):
    elsewhere = GamePlanFactory()
    client = client_for(scene.user("coordinator"))
    url = _url(name, scene, plan=elsewhere)
    data = _post_data(name, scene) if name in POST_VIEWS else None
    before = snapshot()
    response = client.post(url, data) if name in POST_VIEWS else client.get(url)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ROLE_VIEWS)
def test_role_of_another_assembly_is_404(name, scene):
    """A member of both assemblies still cannot reach the other plan's role through this assembly's address."""
    user = scene.user("member")
    other = DefenseRoleFactory()
    ClaimFactory(role=other, membership=MembershipFactory(assembly=other.plan.assembly, user=user))
    url = reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk, "role_pk": other.pk})
    client = client_for(user)
    before = snapshot()
    response = client.get(url) if name == "role_card" else client.post(url)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ROLE_VIEWS)
def test_role_of_another_plan_is_404(name, scene):
    user = scene.user("member")
    other = DefenseRoleFactory(plan=GamePlanFactory(assembly=scene.assembly))
    ClaimFactory(role=other, membership=Membership.objects.get(assembly=scene.assembly, user=user))
    url = reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk, "role_pk": other.pk})
    client = client_for(user)
    before = snapshot()
    response = client.get(url) if name == "role_card" else client.post(url)
    assert response.status_code == 404
    assert snapshot() == before


def test_roster_refuses_a_dispatcher_of_another_plan(scene):
    other = DefenseRoleFactory(plan=GamePlanFactory(assembly=scene.assembly), key="dispatcher")
    user = ClaimFactory(role=other).membership.user
    before = snapshot()
    assert client_for(user).get(_url("plan_roster", scene)).status_code == 403
    assert snapshot() == before


def test_roster_refuses_a_dispatcher_who_released_the_role(scene):
    user = scene.user("dispatcher")
    client = client_for(user)
    release = reverse(
        "role_release", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk, "role_pk": scene.dispatch.pk}
    )
    assert client.post(release).status_code == 302
    before = snapshot()
    assert client.get(_url("plan_roster", scene)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", ["coordinator", "dispatcher"])
def test_each_roster_view_writes_one_audit_entry_without_personal_data(role, scene):
    user = scene.user(role)
    client = client_for(user)
    for visit in (1, 2):
        response = client.get(_url("plan_roster", scene))
        assert response.status_code == 200
        assert AuditEntry.objects.count() == visit
    entries = list(AuditEntry.objects.values("actor_id", "action", "target_type", "target_id"))
    assert (
        entries
        == [
            {
                "actor_id": user.pk,
                "action": "defense.roster.view",
                "target_type": "defense.gameplan",
                "target_id": scene.plan.pk,
            }
        ]
        * 2
    )
    personal = {
        value
        for person in Membership.objects.filter(assembly=scene.assembly).select_related("user")
        for value in (person.user.email, person.user.display_name, person.user.phone)
        if value
    }
    for entry in AuditEntry.objects.all():
        recorded = " ".join(str(value) for value in (entry.action, entry.target_type, entry.target_id, str(entry)))
        assert not [value for value in personal if value in recorded]


@pytest.mark.parametrize("role", ["member", "facilitator", "coordinator", "dispatcher"])
@pytest.mark.parametrize("name", ["plan_detail", "role_card", "plan_list"])
def test_pages_other_than_the_roster_write_no_audit_entry(name, role, scene):
    assert client_for(scene.user(role)).get(_url(name, scene)).status_code == 200
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_part_is_404(method, scene):
    client = client_for(scene.user("coordinator"))
    url = reverse("plan_part", kwargs={"slug": scene.assembly.slug, "pk": scene.plan.pk, "part": "members"})
    before = snapshot()
    response = getattr(client, method)(url, _steps_data(scene.plan))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_view_rejects_get(name, scene):
    _own(scene, scene.user("coordinator"))
    before = snapshot()
    response = client_for(scene.user("coordinator")).get(_url(name, scene))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_get_view_rejects_post(name, scene):
    before = snapshot()
    response = client_for(scene.user("coordinator")).post(_url(name, scene))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(set(POST_VIEWS) - set(POST_ONLY)))
def test_form_view_rejects_other_methods(name, scene):
    before = snapshot()
    response = client_for(scene.user("coordinator")).put(_url(name, scene))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_enforces_csrf(name, scene, csrf_client):
    user = scene.user("coordinator")
    _own(scene, user)
    csrf_client.force_login(user)
    data = _post_data(name, scene)
    before = snapshot()
    response = csrf_client.post(_url(name, scene), data)
    assert response.status_code == 403
    assert snapshot() == before
