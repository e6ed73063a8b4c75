"""The permission matrix of every agenda and minutes view, on a public and on an unlisted assembly.

A published agenda is as public as its meeting; proposals need an active membership; minutes are for members
only, whoever had a seat; everything else is for facilitators and coordinators.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assembly.assemblies.models import Assembly
from assembly.meetings import agenda
from assembly.meetings import urls as meetings_urls
from assembly.meetings.models import AgendaItem, Meeting
from tests.conftest import client_for
from tests.meetings.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from tests.meetings.helpers import page_text, snapshot

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "stranger", "pending", "member", "facilitator", "coordinator"]
PUBLIC, UNLISTED = Assembly.Visibility.PUBLIC, Assembly.Visibility.UNLISTED
Status = AgendaItem.Status


def _row(*answers) -> dict:
    return dict(zip(ROLES, answers, strict=True))


EVERYONE = _row(200, 200, 200, 200, 200, 200)
MEMBERS_ONLY = _row(404, 404, 404, 200, 200, 200)
MEMBERS_WITH_ACCOUNT = _row(LOGIN, 404, 404, 200, 200, 200)
MEMBERS_POST = _row(LOGIN, 404, 404, 302, 302, 302)
ORGANIZERS = _row(LOGIN, 404, 404, 403, 200, 200)
ORGANIZERS_POST = _row(LOGIN, 404, 404, 403, 302, 302)

GET_VIEWS = {
    "agenda_detail": {PUBLIC: EVERYONE, UNLISTED: MEMBERS_ONLY},
    "agenda_propose": {PUBLIC: MEMBERS_WITH_ACCOUNT, UNLISTED: MEMBERS_WITH_ACCOUNT},
    "agenda_item_create": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
    "agenda_item_edit": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
    "minutes_detail": {PUBLIC: MEMBERS_WITH_ACCOUNT, UNLISTED: MEMBERS_WITH_ACCOUNT},
    "minutes_edit": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
}

POST_VIEWS = {
    "agenda_propose": {PUBLIC: MEMBERS_POST, UNLISTED: MEMBERS_POST},
    "agenda_item_create": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_item_edit": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_item_delete": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_item_move": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_publish": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_announce": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_deadline": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "agenda_proposal_decide": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "minutes_edit": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "minutes_publish": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
}

POST_ONLY = sorted(
    [
        "agenda_announce",
        "agenda_deadline",
        "agenda_item_delete",
        "agenda_item_move",
        "agenda_proposal_decide",
        "agenda_publish",
        "minutes_publish",
    ]
)
GET_ONLY = sorted(set(GET_VIEWS) - set(POST_VIEWS))
ITEM_VIEWS = {"agenda_item_edit", "agenda_item_delete", "agenda_item_move", "agenda_proposal_decide"}


@dataclass
class Scene:
    """An upcoming meeting with a draft agenda open to proposals, one whose published agenda changed since it
    was sent, and one that took place, with minutes not yet published."""

    assembly: Assembly
    meeting: Meeting
    updated: Meeting
    past: Meeting
    first: AgendaItem
    second: AgendaItem
    doomed: AgendaItem
    proposal: AgendaItem

    def meeting_for(self, name: str) -> Meeting:
        if name == "agenda_announce":
            return self.updated
        if name.startswith("minutes_"):
            return self.past
        return self.meeting

    def item_for(self, name: str) -> AgendaItem:
        return {
            "agenda_item_edit": self.first,
            "agenda_item_delete": self.doomed,
            "agenda_item_move": self.second,
            "agenda_proposal_decide": self.proposal,
        }[name]

    def url(self, name: str) -> str:
        kwargs = {"slug": self.assembly.slug, "pk": self.meeting_for(name).pk}
        if name in ITEM_VIEWS:
            kwargs["item_pk"] = self.item_for(name).pk
        return reverse(name, kwargs=kwargs)


@pytest.fixture(params=[PUBLIC, UNLISTED])
def scene(request, assembly, people) -> Scene:
    assembly.visibility = request.param
    assembly.save(update_fields=["visibility"])
    meeting = MeetingFactory(assembly=assembly, proposals_until=timezone.now() + timedelta(days=1))
    RegistrationFactory(meeting=meeting)
    first = AgendaItemFactory(meeting=meeting, title_en="First", duration=30)
    second = AgendaItemFactory(meeting=meeting, title_en="Second", duration=30)
    doomed = AgendaItemFactory(meeting=meeting, title_en="Doomed", duration=30)
    proposal = AgendaItemFactory(meeting=meeting, proposed=True, title_en="Proposed", duration=20)

    updated = MeetingFactory(assembly=assembly)
    RegistrationFactory(meeting=updated)
    changing = AgendaItemFactory(meeting=updated, duration=30)
    agenda.agenda_publish(meeting=updated)
    agenda.agenda_item_update(item=changing, title_en="Changed", duration=40)

    past = MeetingFactory(assembly=assembly, past=True)
    RegistrationFactory(meeting=past)
    AgendaItemFactory(meeting=past, title_en="Held", decisions_en="We decided to strike.")
    return Scene(assembly, meeting, updated, past, first, second, doomed, proposal)


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


def _post_data(name: str, scene: Scene) -> dict:
    if name == "agenda_propose":
        return {"title_en": "Proposed by the matrix", "duration": "10"}
    if name in {"agenda_item_create", "agenda_item_edit"}:
        return {"title_en": "Written by the matrix", "duration": "10"}
    if name == "agenda_item_move":
        return {"direction": "up"}
    if name == "agenda_deadline":
        return {"proposals_until": (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")}
    if name == "agenda_proposal_decide":
        return {"decision": "accept"}
    if name == "minutes_edit":
        return {"attendance": "17"}
    return {}


def _took_effect(name: str, scene: Scene) -> bool:
    """Whether the POST did what the view is for."""
    meeting = Meeting.objects.get(pk=scene.meeting.pk)
    items = AgendaItem.objects.filter(meeting=scene.meeting)
    return {
        "agenda_propose": lambda: items.filter(title_en="Proposed by the matrix", status=Status.PROPOSED).exists(),
        "agenda_item_create": lambda: items.filter(title_en="Written by the matrix").exists(),
        "agenda_item_edit": lambda: items.get(pk=scene.first.pk).title_en == "Written by the matrix",
        "agenda_item_delete": lambda: not items.filter(pk=scene.doomed.pk).exists(),
        "agenda_item_move": lambda: items.get(pk=scene.second.pk).position < items.get(pk=scene.first.pk).position,
        "agenda_publish": lambda: meeting.agenda_is_published,
        "agenda_announce": lambda: Meeting.objects.get(pk=scene.updated.pk).agenda_version == 2,
        "agenda_deadline": lambda: meeting.proposals_until != scene.meeting.proposals_until,
        "agenda_proposal_decide": lambda: items.get(pk=scene.proposal.pk).status == Status.ACCEPTED,
        "minutes_edit": lambda: Meeting.objects.get(pk=scene.past.pk).attendance == 17,
        "minutes_publish": lambda: Meeting.objects.get(pk=scene.past.pk).minutes_are_published,
    }[name]()


def test_matrix_covers_every_agenda_view():
    names = {
        pattern.name
        for pattern in meetings_urls.urlpatterns
        if pattern.callback.__module__ == "assembly.meetings.agenda_views"
    }
    assert names == set(GET_VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET_VIEWS))
def test_get_view_answers_each_role(name, role, scene, people):
    before = snapshot()
    response = client_for(people[role]).get(scene.url(name))
    _check(response, GET_VIEWS[name][scene.assembly.visibility][role])
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_answers_each_role(name, role, scene, people):
    before = snapshot()
    response = client_for(people[role]).post(scene.url(name), _post_data(name, scene))
    expected = POST_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    allowed = expected in {200, 302}
    assert _took_effect(name, scene) == allowed
    if not allowed:
        assert snapshot() == before


@pytest.mark.parametrize("name", POST_ONLY)
def test_post_view_rejects_get(name, scene, people):
    before = snapshot()
    response = client_for(people["coordinator"]).get(scene.url(name))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
def test_get_view_rejects_post(name, scene, people):
    before = snapshot()
    response = client_for(people["coordinator"]).post(scene.url(name))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(set(POST_VIEWS) - set(POST_ONLY)))
def test_form_view_rejects_other_methods(name, scene, people):
    before = snapshot()
    response = client_for(people["coordinator"]).put(scene.url(name))
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_enforces_csrf(name, scene, people, csrf_client):
    csrf_client.force_login(people["coordinator"])
    before = snapshot()
    response = csrf_client.post(scene.url(name), _post_data(name, scene))
    assert response.status_code == 403
    assert snapshot() == before


# Drafts, other assemblies and what each reader sees


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["agenda_detail", "agenda_propose", "minutes_detail"])
def test_draft_meeting_is_hidden_from_all_but_organizers(name, role, assembly, people):
    draft = MeetingFactory(assembly=assembly, draft=True, proposals_until=timezone.now() + timedelta(days=1))
    url = reverse(name, kwargs={"slug": assembly.slug, "pk": draft.pk})
    response = client_for(people[role]).get(url)
    if role in {"facilitator", "coordinator"}:
        assert response.status_code == 200
    elif role == "anonymous" and name != "agenda_detail":
        _check(response, LOGIN)
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(set(GET_VIEWS) | set(POST_VIEWS)))
def test_meeting_of_another_assembly_is_404(name, assembly, people):
    elsewhere = MeetingFactory(past=True, proposals_until=timezone.now() + timedelta(days=1))
    item = AgendaItemFactory(meeting=elsewhere, proposed=name == "agenda_proposal_decide")
    kwargs = {"slug": assembly.slug, "pk": elsewhere.pk}
    if name in ITEM_VIEWS:
        kwargs["item_pk"] = item.pk
    client = client_for(people["coordinator"])
    url = reverse(name, kwargs=kwargs)
    before = snapshot()
    response = client.get(url) if name in GET_VIEWS else client.post(url, {"decision": "accept", "direction": "up"})
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("role", ["anonymous", "stranger"])
def test_published_agenda_of_a_public_meeting_is_public_without_leaders_or_tools(role, assembly, people):
    meeting = MeetingFactory(assembly=assembly)
    AgendaItemFactory(meeting=meeting, title_en="Rent", owner=people["member"])
    AgendaItemFactory(meeting=meeting, proposed=True, title_en="Someone's idea")
    agenda.agenda_publish(meeting=meeting)
    text = page_text(
        client_for(people[role]).get(reverse("agenda_detail", kwargs={"slug": assembly.slug, "pk": meeting.pk}))
    )
    assert "Rent" in text
    assert people["member"].display_name not in text
    assert "Someone's idea" not in text
    assert "Facilitator tools" not in text
    assert "Propose an item" not in text


def test_members_see_no_facilitator_tools(assembly, people):
    meeting = MeetingFactory(assembly=assembly)
    AgendaItemFactory(meeting=meeting)
    agenda.agenda_publish(meeting=meeting)
    response = client_for(people["member"]).get(
        reverse("agenda_detail", kwargs={"slug": assembly.slug, "pk": meeting.pk})
    )
    text = page_text(response)
    assert "Facilitator tools" not in text
    assert reverse("agenda_item_create", kwargs={"slug": assembly.slug, "pk": meeting.pk}) not in text


@pytest.mark.parametrize("role", ["anonymous", "stranger", "pending"])
def test_published_minutes_stay_hidden_outside_the_membership(role, assembly, people):
    meeting = MeetingFactory(assembly=assembly, past=True)
    AgendaItemFactory(meeting=meeting, decisions_en="We decided to strike.")
    if people[role] is not None:
        RegistrationFactory(meeting=meeting, user=people[role])
    agenda.minutes_publish(meeting=meeting)
    response = client_for(people[role]).get(reverse("minutes_detail", kwargs={"slug": assembly.slug, "pk": meeting.pk}))
    assert response.status_code in {302, 404}
    assert "We decided to strike." not in page_text(response)


def test_published_minutes_are_shown_to_members(assembly, people):
    meeting = MeetingFactory(assembly=assembly, past=True)
    AgendaItemFactory(meeting=meeting, decisions_en="We decided to strike.")
    agenda.minutes_publish(meeting=meeting)
    response = client_for(people["member"]).get(
        reverse("minutes_detail", kwargs={"slug": assembly.slug, "pk": meeting.pk})
    )
    assert "We decided to strike." in page_text(response)
