"""The permission matrix of every rotation view, on a public and on an unlisted assembly.

Roles: anonymous, stranger, pending, member, facilitator, coordinator. The rotation is the members'
business whatever the assembly's visibility: strangers and pending members get 404, members without
the role 403, anonymous people are sent to log in.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assembly.assemblies.models import Assembly, Membership
from assembly.meetings.models import Meeting
from assembly.rotation import urls as rotation_urls
from assembly.rotation.models import Absence, Assignment, RoleType, Swap, Willingness
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.meetings.factories import MeetingFactory
from tests.rotation.factories import AbsenceFactory, AssignmentFactory, RoleTypeFactory, SwapFactory
from tests.rotation.helpers import seeded, snapshot, willing

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "stranger", "pending", "member", "facilitator", "coordinator"]
PUBLIC, UNLISTED = Assembly.Visibility.PUBLIC, Assembly.Visibility.UNLISTED
Status = Assignment.Status


def _row(*answers) -> dict:
    return dict(zip(ROLES, answers, strict=True))


def _both(row: dict) -> dict:
    return {PUBLIC: row, UNLISTED: row}


MEMBERS = _row(LOGIN, 404, 404, 200, 200, 200)
MEMBERS_POST = _row(LOGIN, 404, 404, 302, 302, 302)
FACILITATORS_POST = _row(LOGIN, 404, 404, 403, 302, 302)
COORDINATORS = _row(LOGIN, 404, 404, 403, 403, 200)
COORDINATORS_POST = _row(LOGIN, 404, 404, 403, 403, 302)

# Expected answer per view, visibility and role: an HTTP status, or LOGIN for a redirect to the log-in page.
GET_VIEWS = {
    "rotation_overview": _both(MEMBERS),
    "my_rotation": _both(MEMBERS),
    "meeting_roles": _both(MEMBERS),
    "role_type_list": _both(COORDINATORS),
    "role_type_create": _both(COORDINATORS),
    "role_type_edit": _both(COORDINATORS),
}

POST_VIEWS = {
    "role_type_create": _both(COORDINATORS_POST),
    "role_type_edit": _both(COORDINATORS_POST),
    "role_type_move": _both(COORDINATORS_POST),
    "my_rotation": _both(MEMBERS_POST),
    "absence_add": _both(MEMBERS_POST),
    "absence_delete": _both(MEMBERS_POST),
    "roles_propose": _both(FACILITATORS_POST),
    "roles_confirm": _both(FACILITATORS_POST),
    "assignment_change": _both(FACILITATORS_POST),
    # Each person answers, offers and is asked about their own roles.
    "assignment_answer": _both(MEMBERS_POST),
    "swap_request": _both(MEMBERS_POST),
    "swap_answer": _both(MEMBERS_POST),
}

# Views that only take a POST (the others also show a form on GET).
POST_ONLY = sorted(
    [
        "absence_add",
        "absence_delete",
        "assignment_answer",
        "assignment_change",
        "roles_confirm",
        "roles_propose",
        "role_type_move",
        "swap_answer",
        "swap_request",
    ]
)
GET_ONLY = sorted(set(GET_VIEWS) - set(POST_VIEWS))
MEETING_VIEWS = {name for name in [*GET_VIEWS, *POST_VIEWS] if name.startswith(("meeting_", "roles_", "assignment_"))}
MEETING_VIEWS |= {"swap_request", "swap_answer"}


@dataclass
class Scene:
    """A meeting with roles in play: `holder` is asked to keep time, `proposed` the greeter's role, not yet asked."""

    assembly: Assembly
    meeting: Meeting
    notes: RoleType
    time: RoleType
    stack: RoleType
    holder: Membership
    stand_in: Membership
    spare: Membership
    proposed: Assignment
    theirs: Assignment


@dataclass
class Own:
    """What the person acting holds: an absence, a role they are asked for, and a swap they are asked about."""

    membership: Membership
    absence: Absence
    mine: Assignment
    swap: Swap


@pytest.fixture(params=[PUBLIC, UNLISTED])
def scene(request, assembly, people) -> Scene:
    assembly.visibility = request.param
    assembly.save(update_fields=["visibility"])
    roles = seeded(assembly)
    notes, time, stack, greeter = roles["note-taker"], roles["timekeeper"], roles["stack-keeper"], roles["greeter"]
    meeting = MeetingFactory(assembly=assembly)
    holder = willing(assembly, notes, time)
    greeting = willing(assembly, greeter)
    return Scene(
        assembly=assembly,
        meeting=meeting,
        notes=notes,
        time=time,
        stack=stack,
        holder=holder,
        stand_in=MembershipFactory(assembly=assembly),
        spare=willing(assembly, greeter),
        proposed=AssignmentFactory(meeting=meeting, role_type=greeter, membership=greeting, status=Status.PROPOSED),
        theirs=AssignmentFactory(meeting=meeting, role_type=time, membership=holder),
    )


def _own(scene: Scene, user) -> Own:
    """Give the person acting (or a stand-in, for those with no membership) things of their own to act on."""
    membership = Membership.objects.filter(assembly=scene.assembly, user=user).first() if user else None
    membership = membership or scene.stand_in
    for role in (scene.notes, scene.time):
        Willingness.objects.create(membership=membership, role_type=role)
    today = timezone.localdate()
    mine = AssignmentFactory(meeting=scene.meeting, role_type=scene.notes, membership=membership)
    return Own(
        membership=membership,
        absence=AbsenceFactory(membership=membership, starts_on=today, ends_on=today + timedelta(days=2)),
        mine=mine,
        swap=SwapFactory(offered=scene.theirs, wanted=mine),
    )


def _url(name: str, scene: Scene, own: Own | None = None) -> str:
    kwargs = {"slug": scene.assembly.slug}
    if name in MEETING_VIEWS:
        kwargs["pk"] = scene.meeting.pk
    extra = {
        "role_type_edit": lambda: {"role_pk": scene.notes.pk},
        "role_type_move": lambda: {"role_pk": scene.notes.pk},
        "absence_delete": lambda: {"absence_pk": own.absence.pk},
        "assignment_change": lambda: {"assignment_pk": scene.proposed.pk},
        "assignment_answer": lambda: {"assignment_pk": own.mine.pk},
        "swap_request": lambda: {"assignment_pk": own.mine.pk},
        "swap_answer": lambda: {"swap_pk": own.swap.pk},
    }.get(name)
    if extra:
        kwargs |= extra()
    return reverse(name, kwargs=kwargs)


def _role_type_data(**overrides) -> dict:
    return {"name_en": "Made by the matrix", "name_es": "Hecho por la matriz", **overrides}


def _post_data(name: str, scene: Scene, own: Own) -> dict:
    today = timezone.localdate()
    return {
        "role_type_create": lambda: _role_type_data(),
        "role_type_edit": lambda: _role_type_data(name_en="Renamed by the matrix"),
        "role_type_move": lambda: {"direction": "up"},
        "my_rotation": lambda: {f"willing_{scene.stack.pk}": "on", "languages": ["es"]},
        "absence_add": lambda: {"starts_on": today + timedelta(days=20), "ends_on": today + timedelta(days=21)},
        "assignment_change": lambda: {"membership": scene.spare.pk},
        "assignment_answer": lambda: {"answer": "accept"},
        "swap_request": lambda: {"wanted": scene.theirs.pk},
        "swap_answer": lambda: {"answer": "accept"},
    }.get(name, dict)()


def _took_effect(name: str, scene: Scene, own: Own) -> bool:
    """Whether the POST did what the view is for."""
    meeting = scene.meeting
    return {
        "role_type_create": lambda: RoleType.objects.filter(name_en="Made by the matrix").exists(),
        "role_type_edit": lambda: RoleType.objects.get(pk=scene.notes.pk).name_en == "Renamed by the matrix",
        "role_type_move": lambda: RoleType.objects.get(pk=scene.notes.pk).position == 1,
        "my_rotation": lambda: Willingness.objects.filter(membership=own.membership, role_type=scene.stack).exists(),
        "absence_add": lambda: own.membership.absences.count() == 2,
        "absence_delete": lambda: not Absence.objects.filter(pk=own.absence.pk).exists(),
        "roles_propose": lambda: meeting.assignments.filter(status=Status.UNFILLED).exists(),
        "roles_confirm": lambda: Assignment.objects.get(pk=scene.proposed.pk).status == Status.ASKED,
        "assignment_change": lambda: Assignment.objects.get(pk=scene.proposed.pk).membership == scene.spare,
        "assignment_answer": lambda: Assignment.objects.get(pk=own.mine.pk).status == Status.ACCEPTED,
        "swap_request": lambda: Swap.objects.filter(offered=own.mine, wanted=scene.theirs).exists(),
        "swap_answer": lambda: Swap.objects.get(pk=own.swap.pk).status == Swap.Status.ACCEPTED,
    }[name]()


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


def test_matrix_covers_every_rotation_view():
    assert {pattern.name for pattern in rotation_urls.urlpatterns} == set(GET_VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET_VIEWS))
def test_get_view_answers_each_role(name, role, scene, people):
    own = _own(scene, people[role])
    before = snapshot()
    response = client_for(people[role]).get(_url(name, scene, own))
    _check(response, GET_VIEWS[name][scene.assembly.visibility][role])
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_answers_each_role(name, role, scene, people):
    user = people[role]
    own = _own(scene, user)
    before = snapshot()
    response = client_for(user).post(_url(name, scene, own), _post_data(name, scene, own))
    expected = POST_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    allowed = expected in {200, 302}
    assert _took_effect(name, scene, own) == allowed
    if not allowed:
        assert snapshot() == before


@pytest.mark.parametrize("role", ["member", "facilitator", "coordinator"])
def test_role_views_of_a_draft_are_hidden_from_all_but_organizers(role, assembly, people):
    draft = MeetingFactory(assembly=assembly, draft=True)
    client = client_for(people[role])
    before = snapshot()
    page = client.get(reverse("meeting_roles", kwargs={"slug": assembly.slug, "pk": draft.pk}))
    proposed = client.post(reverse("roles_propose", kwargs={"slug": assembly.slug, "pk": draft.pk}))
    if role == "member":
        assert (page.status_code, proposed.status_code) == (404, 404)
        assert snapshot() == before
    else:
        assert (page.status_code, proposed.status_code) == (200, 302)


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_rotation_overview_does_not_show_a_draft_to_members(role, assembly, people):
    MeetingFactory(assembly=assembly, draft=True, title_en="Secret draft")
    response = client_for(people[role]).get(reverse("rotation_overview", kwargs={"slug": assembly.slug}))
    assert response.status_code == 200
    assert "Secret draft" not in response.content.decode()


@pytest.mark.parametrize("name", sorted(MEETING_VIEWS))
def test_meeting_of_another_assembly_is_404(name, scene, people):
    user = people["coordinator"]
    own = _own(scene, user)
    elsewhere = MeetingFactory()
    url = _url(name, scene, own).replace(f"/m/{scene.meeting.pk}/", f"/m/{elsewhere.pk}/")
    client = client_for(user)
    before = snapshot()
    response = client.get(url) if name in GET_VIEWS else client.post(url, _post_data(name, scene, own))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["assignment_change", "assignment_answer", "swap_request"])
def test_assignment_of_another_meeting_is_404(name, scene, people):
    user = people["coordinator"]
    own = _own(scene, user)
    other_meeting = MeetingFactory(assembly=scene.assembly)
    elsewhere = AssignmentFactory(meeting=other_meeting, role_type=scene.notes, membership=own.membership)
    url = reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.meeting.pk, "assignment_pk": elsewhere.pk})
    before = snapshot()
    response = client_for(user).post(url, _post_data(name, scene, own))
    assert response.status_code == 404
    assert snapshot() == before


def test_swap_of_another_meeting_is_404(scene, people):
    user = people["member"]
    own = _own(scene, user)
    other_meeting = MeetingFactory(assembly=scene.assembly)
    url = reverse("swap_answer", kwargs={"slug": scene.assembly.slug, "pk": other_meeting.pk, "swap_pk": own.swap.pk})
    before = snapshot()
    assert client_for(user).post(url, {"answer": "accept"}).status_code == 404
    assert snapshot() == before


def test_role_type_of_another_assembly_is_404(assembly, people):
    elsewhere = RoleTypeFactory()
    client = client_for(people["coordinator"])
    url = reverse("role_type_edit", kwargs={"slug": assembly.slug, "role_pk": elsewhere.pk})
    before = snapshot()
    assert client.get(url).status_code == 404
    assert client.post(url, _role_type_data()).status_code == 404
    assert snapshot() == before


def test_member_cannot_remove_someone_elses_absence(scene, people):
    theirs = _own(scene, people["facilitator"]).absence
    url = reverse("absence_delete", kwargs={"slug": scene.assembly.slug, "absence_pk": theirs.pk})
    before = snapshot()
    assert client_for(people["member"]).post(url).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["assignment_answer", "swap_request"])
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_member_cannot_answer_or_offer_someone_elses_role(name, answer, scene, people):
    theirs = _own(scene, people["facilitator"]).mine
    url = reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.meeting.pk, "assignment_pk": theirs.pk})
    before = snapshot()
    response = client_for(people["member"]).post(url, {"answer": answer, "wanted": scene.theirs.pk})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("role", ["member", "facilitator", "coordinator"])
def test_only_the_person_asked_answers_a_swap(role, scene, people):
    """A swap between the holder and a stand-in: nobody else, organizers included, can agree to it."""
    own = _own(scene, None)
    url = reverse("swap_answer", kwargs={"slug": scene.assembly.slug, "pk": scene.meeting.pk, "swap_pk": own.swap.pk})
    before = snapshot()
    response = client_for(people[role]).post(url, {"answer": "accept"})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_view_rejects_get(name, scene, people):
    own = _own(scene, people["coordinator"])
    before = snapshot()
    response = client_for(people["coordinator"]).get(_url(name, scene, own))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_get_view_rejects_post(name, scene, people):
    own = _own(scene, people["coordinator"])
    before = snapshot()
    response = client_for(people["coordinator"]).post(_url(name, scene, own))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(set(POST_VIEWS) - set(POST_ONLY)))
def test_form_view_rejects_other_methods(name, scene, people):
    own = _own(scene, people["coordinator"])
    response = client_for(people["coordinator"]).put(_url(name, scene, own))
    assert response.status_code == 405


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_enforces_csrf(name, scene, people, csrf_client):
    user = people["coordinator"]
    own = _own(scene, user)
    csrf_client.force_login(user)
    before = snapshot()
    response = csrf_client.post(_url(name, scene, own), _post_data(name, scene, own))
    assert response.status_code == 403
    assert snapshot() == before
