"""The permission matrix of every meetings view, on a public and on an unlisted assembly.

Roles: anonymous, stranger, pending, member, facilitator, coordinator. Strangers get 404 for anything
private, members without the role get 403, anonymous people are sent to log in where an account is needed.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from assembly.assemblies.models import Assembly
from assembly.meetings import links
from assembly.meetings import urls as meetings_urls
from assembly.meetings.models import CalendarFeed, Meeting, Registration
from tests.conftest import client_for
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.meetings.helpers import meeting_form_data, snapshot

pytestmark = pytest.mark.django_db

LOGIN = "login"
ROLES = ["anonymous", "stranger", "pending", "member", "facilitator", "coordinator"]
PUBLIC, UNLISTED = Assembly.Visibility.PUBLIC, Assembly.Visibility.UNLISTED


def _row(*answers) -> dict:
    return dict(zip(ROLES, answers, strict=True))


EVERYONE = _row(200, 200, 200, 200, 200, 200)
NOBODY = _row(404, 404, 404, 404, 404, 404)
MEMBERS_ONLY = _row(404, 404, 404, 200, 200, 200)
ORGANIZERS = _row(LOGIN, 404, 404, 403, 200, 200)
ORGANIZERS_POST = _row(LOGIN, 404, 404, 403, 302, 302)
ANY_ACCOUNT = _row(LOGIN, 200, 200, 200, 200, 200)
ANY_ACCOUNT_POST = _row(LOGIN, 302, 302, 302, 302, 302)
MEMBERS_POST = _row(LOGIN, 404, 404, 302, 302, 302)

# Expected answer per view, visibility and role: an HTTP status, or LOGIN for a redirect to the log-in page.
GET_VIEWS = {
    "meeting_list": {PUBLIC: EVERYONE, UNLISTED: MEMBERS_ONLY},
    "meeting_detail": {PUBLIC: EVERYONE, UNLISTED: MEMBERS_ONLY},
    "meeting_ics": {PUBLIC: EVERYONE, UNLISTED: MEMBERS_ONLY},
    "meeting_guest_sent": {PUBLIC: EVERYONE, UNLISTED: MEMBERS_ONLY},
    "assembly_calendar": {PUBLIC: EVERYONE, UNLISTED: NOBODY},
    "meeting_create": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
    "meeting_edit": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
    "meeting_attendees": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
    "meeting_attendees_csv": {PUBLIC: ORGANIZERS, UNLISTED: ORGANIZERS},
    # Links from emails: the signed token is the key, whoever holds it.
    "registration_confirm": {PUBLIC: EVERYONE, UNLISTED: EVERYONE},
    "registration_cancel_link": {PUBLIC: EVERYONE, UNLISTED: EVERYONE},
    "calendar_feed": {PUBLIC: EVERYONE, UNLISTED: EVERYONE},
    "my_meetings": {PUBLIC: ANY_ACCOUNT, UNLISTED: ANY_ACCOUNT},
    "calendar_settings": {PUBLIC: ANY_ACCOUNT, UNLISTED: ANY_ACCOUNT},
}

POST_VIEWS = {
    "meeting_create": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "meeting_edit": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "meeting_publish": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "meeting_cancel": {PUBLIC: ORGANIZERS_POST, UNLISTED: ORGANIZERS_POST},
    "meeting_register": {PUBLIC: ANY_ACCOUNT_POST, UNLISTED: MEMBERS_POST},
    # Guests sign up without an account; people logged in are sent back to the one-click sign-up.
    "meeting_guest_register": {
        PUBLIC: _row(302, 302, 302, 302, 302, 302),
        UNLISTED: _row(404, 404, 404, 302, 302, 302),
    },
    "meeting_unregister": {PUBLIC: ANY_ACCOUNT_POST, UNLISTED: MEMBERS_POST},
    "registration_confirm": {PUBLIC: EVERYONE, UNLISTED: EVERYONE},
    "registration_cancel_link": {PUBLIC: EVERYONE, UNLISTED: EVERYONE},
    "calendar_reset": {PUBLIC: ANY_ACCOUNT_POST, UNLISTED: ANY_ACCOUNT_POST},
}

# Views that only take a POST (the others also show a form on GET).
POST_ONLY = sorted(
    [
        "calendar_reset",
        "meeting_cancel",
        "meeting_guest_register",
        "meeting_publish",
        "meeting_register",
        "meeting_unregister",
    ]
)
GET_ONLY = sorted(set(GET_VIEWS) - set(POST_VIEWS))


@dataclass
class Scene:
    assembly: Assembly
    meeting: Meeting
    draft: Meeting
    unconfirmed_guest: Registration
    seated_guest: Registration
    feed: CalendarFeed

    def url(self, name: str) -> str:
        slug = self.assembly.slug
        if name in {"meeting_list", "meeting_create", "assembly_calendar"}:
            return reverse(name, kwargs={"slug": slug})
        if name == "meeting_publish":
            return reverse(name, kwargs={"slug": slug, "pk": self.draft.pk})
        if name.startswith("meeting_"):
            return reverse(name, kwargs={"slug": slug, "pk": self.meeting.pk})
        token = {
            "registration_confirm": lambda: links.confirm_token(self.unconfirmed_guest.pk),
            "registration_cancel_link": lambda: links.cancel_token(self.seated_guest.pk),
            "calendar_feed": lambda: self.feed.token,
        }.get(name)
        if token:
            return reverse(name, kwargs={"token": token()})
        return reverse(name)


@pytest.fixture(params=[PUBLIC, UNLISTED])
def scene(request, assembly, people) -> Scene:
    assembly.visibility = request.param
    assembly.save(update_fields=["visibility"])
    meeting = MeetingFactory(assembly=assembly, capacity=10)
    owner = RegistrationFactory(meeting=meeting).user
    return Scene(
        assembly=assembly,
        meeting=meeting,
        draft=MeetingFactory(assembly=assembly, draft=True),
        unconfirmed_guest=RegistrationFactory(meeting=meeting, guest=True, status=Registration.Status.UNCONFIRMED),
        seated_guest=RegistrationFactory(meeting=meeting, guest=True),
        feed=CalendarFeed.objects.create(user=owner, token="a-feed-token-for-the-matrix"),
    )


def _check(response, expected) -> None:
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:300]


def _post_data(name: str) -> dict:
    if name == "meeting_create":
        return meeting_form_data(title_en="Made by the matrix")
    if name == "meeting_edit":
        return meeting_form_data(title_en="Changed by the matrix", capacity="10")
    if name == "meeting_guest_register":
        return {"alias": "Rosa", "email": "rosa@example.net"}
    return {}


def _took_effect(name: str, scene: Scene, user) -> bool:
    """Whether the POST did what the view is for."""
    meeting, draft = Meeting.objects.get(pk=scene.meeting.pk), Meeting.objects.get(pk=scene.draft.pk)
    mine = meeting.registrations.filter(user=user) if user is not None else Registration.objects.none()
    return {
        "meeting_create": lambda: Meeting.objects.filter(title_en="Made by the matrix").exists(),
        "meeting_edit": lambda: meeting.title_en == "Changed by the matrix",
        "meeting_publish": lambda: draft.status == Meeting.Status.PUBLISHED,
        "meeting_cancel": lambda: meeting.status == Meeting.Status.CANCELLED,
        "meeting_register": lambda: mine.filter(status="confirmed").exists(),
        "meeting_guest_register": lambda: meeting.registrations.filter(guest_email="rosa@example.net").exists(),
        "meeting_unregister": lambda: mine.filter(status="cancelled").exists(),
        "registration_confirm": lambda: Registration.objects.get(pk=scene.unconfirmed_guest.pk).status == "confirmed",
        "registration_cancel_link": lambda: Registration.objects.get(pk=scene.seated_guest.pk).status == "cancelled",
        "calendar_reset": lambda: user is not None and CalendarFeed.objects.filter(user=user).exists(),
    }[name]()


def test_matrix_covers_every_meetings_view():
    # The agenda and minutes views have their own matrix in test_agenda_permissions.py.
    names = {
        pattern.name
        for pattern in meetings_urls.urlpatterns
        if pattern.callback.__module__ != "assembly.meetings.agenda_views"
    }
    assert names == set(GET_VIEWS) | set(POST_VIEWS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(GET_VIEWS))
def test_get_view_answers_each_role(name, role, scene, people):
    before = snapshot()
    response = client_for(people[role]).get(scene.url(name))
    _check(response, GET_VIEWS[name][scene.assembly.visibility][role])
    after = snapshot()
    # Only the roster views write something on GET: their audit entry.
    assert after["audit"][: len(before["audit"])] == before["audit"]
    assert {**after, "audit": None} == {**before, "audit": None}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_answers_each_role(name, role, scene, people):
    user = people[role]
    if name == "meeting_unregister" and user is not None:
        RegistrationFactory(meeting=scene.meeting, user=user)
    before = snapshot()
    response = client_for(user).post(scene.url(name), _post_data(name))
    expected = POST_VIEWS[name][scene.assembly.visibility][role]
    _check(response, expected)
    allowed = expected in {200, 302} and not (name == "meeting_guest_register" and user is not None)
    assert _took_effect(name, scene, user) == allowed
    if not allowed:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["meeting_detail", "meeting_ics", "meeting_register"])
def test_draft_is_hidden_from_all_but_organizers(name, role, scene, people):
    client = client_for(people[role])
    url = reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.draft.pk})
    before = snapshot()
    response = client.post(url) if name == "meeting_register" else client.get(url)
    if role == "anonymous" and name == "meeting_register":
        _check(response, LOGIN)
    elif role in {"facilitator", "coordinator"}:
        assert response.status_code == (302 if name == "meeting_register" else 200)
    else:
        assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("role", ["anonymous", "stranger", "pending", "member"])
def test_meeting_list_hides_drafts_from_all_but_organizers(role, assembly, people):
    draft = MeetingFactory(assembly=assembly, draft=True, title_en="Secret draft")
    response = client_for(people[role]).get(reverse("meeting_list", kwargs={"slug": assembly.slug}))
    assert draft not in response.context["upcoming"]
    assert "Secret draft" not in response.content.decode()


def test_meeting_list_shows_drafts_to_facilitators(assembly, people):
    draft = MeetingFactory(assembly=assembly, draft=True)
    response = client_for(people["facilitator"]).get(reverse("meeting_list", kwargs={"slug": assembly.slug}))
    assert draft in response.context["upcoming"]


@pytest.mark.parametrize(
    "name", ["meeting_detail", "meeting_edit", "meeting_attendees", "meeting_attendees_csv", "meeting_ics"]
)
def test_meeting_of_another_assembly_is_404(name, assembly, people):
    elsewhere = MeetingFactory()
    response = client_for(people["coordinator"]).get(reverse(name, kwargs={"slug": assembly.slug, "pk": elsewhere.pk}))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["meeting_publish", "meeting_cancel"])
def test_organizer_cannot_change_another_assemblys_meeting(name, assembly, people):
    elsewhere = MeetingFactory(draft=True)
    response = client_for(people["coordinator"]).post(reverse(name, kwargs={"slug": assembly.slug, "pk": elsewhere.pk}))
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == Meeting.Status.DRAFT


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
    response = client_for(people["coordinator"]).put(scene.url(name))
    assert response.status_code == 405


@pytest.mark.parametrize("name", sorted(POST_VIEWS))
def test_post_view_enforces_csrf(name, scene, people, csrf_client):
    user = None if name in {"meeting_guest_register", "registration_confirm"} else people["coordinator"]
    if user is not None:
        csrf_client.force_login(user)
        if name == "meeting_unregister":
            RegistrationFactory(meeting=scene.meeting, user=user)
    before = snapshot()
    response = csrf_client.post(scene.url(name), _post_data(name))
    assert response.status_code == 403
    assert snapshot() == before
