"""The rotation's pages in both languages: meeting roles, the rotation overview, role types and a member's choices."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from assembly.assemblies.models import Membership
from assembly.meetings.models import Meeting
from assembly.notify.models import Message
from assembly.notify.services import render_email
from assembly.rotation import services
from assembly.rotation.models import Absence, Assignment, RoleType, RotationProfile, Swap, Willingness
from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory
from tests.meetings.helpers import flashed, in_language, page_text, url_in
from tests.rotation.factories import AssignmentFactory
from tests.rotation.helpers import active, away_for, holder, keep_only, seeded, sent, snapshot, willing

pytestmark = pytest.mark.django_db

Status = Assignment.Status


@pytest.fixture
def meeting(assembly):
    return MeetingFactory(assembly=assembly, title_en="Spring assembly", title_es="Asamblea de primavera")


def _member(assembly, people, role: str):
    return assembly.memberships.get(user=people[role])


def _meeting_url(name: str, meeting: Meeting, language: str = "en", **kwargs) -> str:
    return url_in(language, name, slug=meeting.assembly.slug, pk=meeting.pk, **kwargs)


def _served(assembly, membership, role, *, days_ago: int) -> Assignment:
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    past = MeetingFactory(assembly=assembly, starts_at=start, ends_at=start + timedelta(hours=2))
    return AssignmentFactory(meeting=past, role_type=role, membership=membership, status=Status.ACCEPTED)


# Role names in the reader's language


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", "Note-taker", "Toma de actas"), ("es", "Toma de actas", "Note-taker")],
)
def test_meeting_roles_names_roles_in_the_readers_language(language, shown, hidden, assembly, people, meeting):
    notes = seeded(assembly)["note-taker"]
    AssignmentFactory(meeting=meeting, role_type=notes, membership=_member(assembly, people, "member"))
    response = client_for(people["member"]).get(_meeting_url("meeting_roles", meeting, language))
    assert response.status_code == 200
    text = page_text(response)
    assert shown in text
    assert hidden not in text


@pytest.mark.parametrize("name", ["rotation_overview", "my_rotation", "role_type_list"])
def test_rotation_pages_under_es_show_spanish_role_names(name, assembly, people):
    response = client_for(people["coordinator"]).get(url_in("es", name, slug=assembly.slug))
    assert response.status_code == 200
    text = page_text(response)
    for role in seeded(assembly).values():
        if name == "my_rotation" or not role.language_pair:
            assert role.name_es in text
            assert f">{role.name_en}<" not in text


def test_role_renamed_in_spanish_shows_the_new_name_under_es(assembly, people):
    notes = seeded(assembly)["note-taker"]
    client = client_for(people["coordinator"])
    response = client.post(
        url_in("en", "role_type_edit", slug=assembly.slug, role_pk=notes.pk),
        {"name_en": "Note-taker", "name_es": "Secretaría"},
    )
    assert response.status_code == 302
    assert "Secretaría" in page_text(client.get(url_in("es", "role_type_list", slug=assembly.slug)))
    assert "Toma de actas" not in page_text(client.get(url_in("es", "rotation_overview", slug=assembly.slug)))


def test_role_without_spanish_name_falls_back_to_english_with_a_note(assembly, people):
    RoleType.objects.create(assembly=assembly, name_en="Snacks", position=50)
    text = page_text(client_for(people["coordinator"]).get(url_in("es", "role_type_list", slug=assembly.slug)))
    assert '<span lang="en">Snacks</span>' in text


def test_meeting_roles_under_es_gives_the_unfilled_reason_in_spanish(assembly, people, meeting):
    keep_only(assembly, "note-taker")
    services.roles_propose(meeting=meeting)
    text = page_text(client_for(people["member"]).get(_meeting_url("meeting_roles", meeting, "es")))
    assert in_language("es", "No member is willing to take this role.") in text


# One meeting's roles


def test_meeting_roles_shows_an_unfilled_role_with_the_reason(assembly, people, meeting):
    notes, _time = keep_only(assembly, "note-taker", "timekeeper")
    willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    text = page_text(client_for(people["member"]).get(_meeting_url("meeting_roles", meeting)))
    assert "Unfilled" in text
    assert str(Assignment.Reason.NO_WILLING.label) in text


def test_meeting_roles_offers_the_facilitator_eligible_members_only(assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first = willing(assembly, notes)
    second = willing(assembly, notes)
    away = willing(assembly, notes)
    away_for(away, meeting)
    services.roles_propose(meeting=meeting)
    response = client_for(people["facilitator"]).get(_meeting_url("meeting_roles", meeting))
    (row,) = [a for a in response.context["assignments"] if a.role_type_id == notes.pk]
    # The holder is shown by name; the choices are who else could take it.
    assert row.choices == [m for m in [first, second] if m.pk != row.membership_id]


def test_meeting_roles_shows_members_their_own_role_to_answer(assembly, people, meeting):
    notes = seeded(assembly)["note-taker"]
    mine = AssignmentFactory(meeting=meeting, role_type=notes, membership=_member(assembly, people, "member"))
    response = client_for(people["member"]).get(_meeting_url("meeting_roles", meeting))
    assert response.context["mine"] == [mine]
    assert _meeting_url("assignment_answer", meeting, assignment_pk=mine.pk) in response.content.decode()
    assert response.context["declined"] == []


def test_roles_confirm_proposes_and_asks_in_one_step_from_the_page(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    taker, keeper = willing(assembly, notes), willing(assembly, time)
    response = client_for(people["facilitator"]).post(_meeting_url("roles_confirm", meeting))
    assert response.status_code == 302
    assert response["Location"] == _meeting_url("meeting_roles", meeting)
    assert {(role, person, status) for role, person, _shadow, status, _reason in active(meeting)} == {
        (notes.pk, taker.pk, Status.ASKED),
        (time.pk, keeper.pk, Status.ASKED),
    }
    assert flashed(response) == ["The roles are confirmed. We asked 2 people to accept."]


def test_roles_confirm_speaks_of_one_person_in_the_singular(assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    response = client_for(people["facilitator"]).post(_meeting_url("roles_confirm", meeting))
    assert flashed(response) == ["The roles are confirmed. We asked 1 person to accept."]


def test_roles_confirm_refuses_a_draft_members_cannot_see(assembly, people):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    draft = MeetingFactory(assembly=assembly, draft=True)
    before = snapshot()
    response = client_for(people["facilitator"]).post(_meeting_url("roles_confirm", draft))
    assert response.status_code == 302
    assert snapshot() == before
    assert "Publish the meeting" in flashed(response)[0]


def test_meeting_roles_offers_to_confirm_only_a_published_meeting(assembly, people, meeting):
    draft = MeetingFactory(assembly=assembly, draft=True)
    client = client_for(people["facilitator"])
    assert _meeting_url("roles_confirm", meeting) in client.get(_meeting_url("meeting_roles", meeting)).content.decode()
    page = client.get(_meeting_url("meeting_roles", draft)).content.decode()
    assert _meeting_url("roles_propose", draft) in page
    assert _meeting_url("roles_confirm", draft) not in page


def test_roles_propose_on_a_past_meeting_is_refused_with_a_message(assembly, people):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    past = MeetingFactory(assembly=assembly, past=True)
    before = snapshot()
    response = client_for(people["facilitator"]).post(_meeting_url("roles_propose", past))
    assert response.status_code == 302
    assert snapshot() == before
    assert flashed(response) == ["This meeting is over, so its roles can no longer change."]


@pytest.mark.parametrize("language", ["en", "es"])
def test_assignment_change_to_a_member_away_is_refused_in_the_readers_language(language, assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    away = willing(assembly, notes)
    away_for(away, meeting)
    services.roles_propose(meeting=meeting)
    before = snapshot()
    response = client_for(people["facilitator"]).post(
        _meeting_url("assignment_change", meeting, language, assignment_pk=holder(meeting, notes).pk),
        {"membership": away.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == _meeting_url("meeting_roles", meeting, language)
    assert snapshot() == before
    assert flashed(response) == [
        in_language(language, "This member cannot take this role now: they are not willing, away, or busy.")
    ]


@pytest.mark.parametrize("chosen", ["", "abc", "stranger"])
def test_assignment_change_needs_a_member_of_the_assembly(chosen, assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    willing(assembly, notes)
    services.roles_propose(meeting=meeting)
    if chosen == "stranger":
        chosen = MembershipFactory().pk
    before = snapshot()
    response = client_for(people["facilitator"]).post(
        _meeting_url("assignment_change", meeting, assignment_pk=holder(meeting, notes).pk), {"membership": chosen}
    )
    assert response.status_code == 302
    assert snapshot() == before
    assert flashed(response) == ["Choose a member of this assembly."]


def test_assignment_answer_decline_asks_the_next_member(assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    asked = _member(assembly, people, "member")
    willing_next = willing(assembly, notes)
    AssignmentFactory(meeting=meeting, role_type=notes, membership=asked)
    response = client_for(people["member"]).post(
        _meeting_url("assignment_answer", meeting, assignment_pk=holder(meeting, notes).pk), {"answer": "decline"}
    )
    assert response.status_code == 302
    assert active(meeting) == [(notes.pk, willing_next.pk, False, Status.ASKED, "")]
    assert sent("role_asked") == [(f"membership:{willing_next.pk}", holder(meeting, notes).pk, "")]


@pytest.mark.parametrize("data", [{}, {"answer": "maybe"}])
def test_assignment_answer_without_a_clear_answer_changes_nothing(data, assembly, people, meeting):
    notes = seeded(assembly)["note-taker"]
    mine = AssignmentFactory(meeting=meeting, role_type=notes, membership=_member(assembly, people, "member"))
    before = snapshot()
    response = client_for(people["member"]).post(
        _meeting_url("assignment_answer", meeting, assignment_pk=mine.pk), data
    )
    assert response.status_code == 302
    assert snapshot() == before
    assert flashed(response) == ["Choose an answer."]


def test_swap_answer_without_a_clear_answer_changes_nothing(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    asker, other = _member(assembly, people, "member"), _member(assembly, people, "facilitator")
    offered = AssignmentFactory(meeting=meeting, role_type=notes, membership=asker)
    wanted = AssignmentFactory(meeting=meeting, role_type=time, membership=other)
    swap = Swap.objects.create(offered=offered, wanted=wanted)
    before = snapshot()
    response = client_for(people["facilitator"]).post(_meeting_url("swap_answer", meeting, swap_pk=swap.pk))
    assert response.status_code == 302
    assert snapshot() == before
    assert flashed(response) == ["Choose an answer."]


def test_assignment_answer_of_someone_elses_role_is_403(assembly, people, meeting):
    notes = seeded(assembly)["note-taker"]
    theirs = AssignmentFactory(meeting=meeting, role_type=notes, membership=_member(assembly, people, "facilitator"))
    before = snapshot()
    response = client_for(people["member"]).post(
        _meeting_url("assignment_answer", meeting, assignment_pk=theirs.pk), {"answer": "accept"}
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_swap_through_the_pages_happens_only_when_the_other_agrees(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    asker, other = _member(assembly, people, "member"), _member(assembly, people, "facilitator")
    for membership in (asker, other):
        Willingness.objects.create(membership=membership, role_type=notes)
        Willingness.objects.create(membership=membership, role_type=time)
    offered = AssignmentFactory(meeting=meeting, role_type=notes, membership=asker)
    wanted = AssignmentFactory(meeting=meeting, role_type=time, membership=other)
    client_for(people["member"]).post(
        _meeting_url("swap_request", meeting, assignment_pk=offered.pk), {"wanted": wanted.pk}
    )
    assert holder(meeting, notes).membership == asker
    page = client_for(people["facilitator"]).get(_meeting_url("meeting_roles", meeting))
    (swap,) = page.context["swaps_for_me"]
    client_for(people["facilitator"]).post(_meeting_url("swap_answer", meeting, swap_pk=swap.pk), {"answer": "accept"})
    assert holder(meeting, notes).membership == other
    assert holder(meeting, time).membership == asker


# The rotation overview


def test_rotation_overview_shows_who_served_and_who_is_due_next(assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    veteran = willing(assembly, notes, user=UserFactory(display_name="Rosa Veteran"))
    willing(assembly, notes, user=UserFactory(display_name="Ana Newcomer"))
    _served(assembly, veteran, notes, days_ago=14)
    _served(assembly, veteran, notes, days_ago=7)
    response = client_for(people["member"]).get(url_in("en", "rotation_overview", slug=assembly.slug))
    (row,) = response.context["rows"]
    assert row.due_next == ["Ana Newcomer", "Rosa Veteran"]
    assert row.counts == [("Rosa Veteran", 2)]
    assert [a.membership for a in row.recent] == [veteran, veteran]
    text = page_text(response)
    assert "Rosa Veteran (2)" in text
    assert "Ana Newcomer, Rosa Veteran" in text


def test_rotation_overview_counts_namesakes_apart(assembly, people):
    (notes,) = keep_only(assembly, "note-taker")
    for _ in range(2):
        _served(assembly, willing(assembly, notes, user=UserFactory(display_name="Maria")), notes, days_ago=7)
    response = client_for(people["member"]).get(url_in("en", "rotation_overview", slug=assembly.slug))
    (row,) = response.context["rows"]
    assert row.counts == [("Maria", 1), ("Maria", 1)]


def test_rotation_overview_leaves_out_retired_roles(assembly, people):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    response = client_for(people["member"]).get(url_in("en", "rotation_overview", slug=assembly.slug))
    assert [row.role for row in response.context["rows"]] == [notes, time]
    assert "Greeter" not in page_text(response)


def test_rotation_overview_offers_facilitators_to_confirm_the_next_meeting(assembly, people, meeting):
    confirm = _meeting_url("roles_confirm", meeting)
    overview = url_in("en", "rotation_overview", slug=assembly.slug)
    assert confirm in client_for(people["facilitator"]).get(overview).content.decode()
    assert confirm not in client_for(people["member"]).get(overview).content.decode()


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _crowd(assembly, roles, meeting, count: int) -> None:
    """More members, each with a role served at an earlier meeting."""
    for index in range(count):
        _served(assembly, willing(assembly, *roles), roles[index % len(roles)], days_ago=7 + index)


@pytest.mark.parametrize("name", ["rotation_overview", "meeting_roles", "my_rotation"])
def test_rotation_pages_queries_do_not_grow_with_members_or_history(name, assembly, people, meeting):
    roles = keep_only(assembly, "note-taker", "timekeeper", "stack-keeper")
    _crowd(assembly, roles, meeting, 3)
    services.roles_confirm(meeting=meeting)
    client = client_for(people["facilitator"])
    url = _meeting_url(name, meeting) if name == "meeting_roles" else url_in("en", name, slug=assembly.slug)
    client.get(url)
    few = _queries(client, url)
    _crowd(assembly, roles, meeting, 9)
    assert _queries(client, url) == few


def test_my_rotation_lists_roles_asked_not_those_only_proposed(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    membership = _member(assembly, people, "member")
    asked = AssignmentFactory(meeting=meeting, role_type=notes, membership=membership)
    AssignmentFactory(
        meeting=MeetingFactory(assembly=assembly), role_type=time, membership=membership, status=Status.PROPOSED
    )
    AssignmentFactory(meeting=MeetingFactory(assembly=assembly, past=True), role_type=time, membership=membership)
    response = client_for(people["member"]).get(url_in("en", "my_rotation", slug=assembly.slug))
    assert list(response.context["assignments"]) == [asked]


def _evening(days: int) -> datetime:
    """7:30 PM in Chicago some days from today: already the next day in UTC, summer or winter."""
    chicago = ZoneInfo("America/Chicago")
    day = timezone.localtime(timezone.now(), chicago).date() + timedelta(days=days)
    return datetime.combine(day, time(19, 30), tzinfo=chicago)


@pytest.mark.clock
@pytest.mark.parametrize("language", ["en", "es"])
def test_rotation_pages_and_mail_give_an_evening_meetings_day_in_the_assemblys_time_zone(language, assembly, people):
    assert assembly.time_zone == "America/Chicago"
    (notes,) = keep_only(assembly, "note-taker")
    membership = _member(assembly, people, "member")
    last, coming = _evening(-7), _evening(7)
    assert last.astimezone(ZoneInfo("UTC")).date() != last.date()
    past = MeetingFactory(assembly=assembly, starts_at=last, ends_at=last + timedelta(hours=2))
    AssignmentFactory(meeting=past, role_type=notes, membership=membership, status=Status.ACCEPTED)
    meeting = MeetingFactory(assembly=assembly, starts_at=coming, ends_at=coming + timedelta(hours=2))
    asked = AssignmentFactory(meeting=meeting, role_type=notes, membership=membership)
    with translation.override(language):
        days = {when: formats.date_format(when.date(), "DATE_FORMAT") for when in (last, coming)}
        utc_days = {when: formats.date_format(when + timedelta(days=1), "DATE_FORMAT") for when in (last, coming)}
    client = client_for(people["member"])
    pages = {
        "overview": (url_in(language, "rotation_overview", slug=assembly.slug), last),
        "my rotation": (url_in(language, "my_rotation", slug=assembly.slug), coming),
        "meeting roles": (_meeting_url("meeting_roles", meeting, language), coming),
    }
    for name, (url, when) in pages.items():
        text = page_text(client.get(url))
        assert days[when] in text, name
        assert utc_days[when] not in text, name
    people["member"].language = language
    people["member"].save(update_fields=["language"])
    message = Message.objects.create(
        kind="role_asked", recipient_key=f"membership:{membership.pk}", object_id=asked.pk, due_at=timezone.now()
    )
    email = render_email(message)
    for body in (email.body, email.alternatives[0][0]):
        assert days[coming] in body
        assert utc_days[coming] not in body


def _words(response) -> str:
    """The page's text as a reader sees it: no markup, single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


@pytest.mark.parametrize(
    ("language", "role", "shadowing"),
    [("en", "Facilitator", "(shadowing, to learn)"), ("es", "Facilitación", "(acompaña, para aprender)")],
)
def test_rotation_pages_say_a_trainee_shadows_the_role_she_does_not_hold(language, role, shadowing, assembly, people):
    (facilitation,) = keep_only(assembly, "facilitator")
    lead = willing(assembly, facilitation, trained=(facilitation,), user=UserFactory(display_name="Rosa Lead"))
    trainee = willing(assembly, facilitation, user=UserFactory(display_name="Lupe Trainee"))
    last = MeetingFactory(assembly=assembly, past=True)
    coming = MeetingFactory(assembly=assembly)
    for meeting in (last, coming):
        AssignmentFactory(meeting=meeting, role_type=facilitation, membership=lead, status=Status.ACCEPTED)
        AssignmentFactory(
            meeting=meeting, role_type=facilitation, membership=trainee, shadow=True, status=Status.ACCEPTED
        )
    mine = _words(client_for(trainee.user).get(url_in(language, "my_rotation", slug=assembly.slug)))
    assert f"{role} {shadowing}" in mine
    theirs = _words(client_for(lead.user).get(url_in(language, "my_rotation", slug=assembly.slug)))
    assert role in theirs and shadowing not in theirs
    # A shadow is not a turn at the role: the history names only who held it.
    overview = _words(client_for(people["member"]).get(url_in(language, "rotation_overview", slug=assembly.slug)))
    assert "Rosa Lead" in overview and "Lupe Trainee" not in overview
    # A trainee who says no is listed, for the facilitators, as the shadow she was.
    client_for(trainee.user).post(
        _meeting_url("assignment_answer", coming, assignment_pk=holder(coming, facilitation, shadow=True).pk),
        {"answer": "decline"},
    )
    roles = _words(client_for(people["facilitator"]).get(_meeting_url("meeting_roles", coming, language)))
    assert f"Lupe Trainee ({role}, {shadowing[1:-1]})" in roles


# Role types


def test_coordinator_adds_renames_and_retires_a_role(assembly, people, meeting):
    keep_only(assembly)
    client = client_for(people["coordinator"])
    response = client.post(
        url_in("en", "role_type_create", slug=assembly.slug),
        {"name_en": "Snacks", "name_es": "Merienda", "description_en": "Brings something to eat."},
    )
    assert response.status_code == 302
    assert response["Location"] == url_in("en", "role_type_list", slug=assembly.slug)
    snacks = RoleType.objects.get(name_en="Snacks")
    assert (snacks.assembly, snacks.name_es, snacks.retired, snacks.key) == (assembly, "Merienda", False, "")
    assert snacks.position == assembly.role_types.count() - 1
    volunteer = willing(assembly, snacks)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, snacks).membership == volunteer

    client.post(
        url_in("en", "role_type_edit", slug=assembly.slug, role_pk=snacks.pk),
        {"name_en": "Food", "name_es": "Comida", "retired": "on"},
    )
    snacks.refresh_from_db()
    assert (snacks.name_en, snacks.name_es, snacks.retired) == ("Food", "Comida", True)
    services.roles_propose(meeting=meeting)
    assert holder(meeting, snacks) is None
    form = client_for(people["member"]).get(url_in("en", "my_rotation", slug=assembly.slug)).context["form"]
    assert f"willing_{snacks.pk}" not in form.fields


@pytest.mark.parametrize(
    "data",
    [
        {"name_en": "", "name_es": ""},
        {"name_en": "Relay", "language_from": "en"},
        {"name_en": "Relay", "language_from": "es", "language_to": "es"},
    ],
    ids=["no-name", "half-a-pair", "same-language"],
)
def test_role_type_form_refuses_bad_input(data, assembly, people):
    before = snapshot()
    response = client_for(people["coordinator"]).post(url_in("en", "role_type_create", slug=assembly.slug), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert snapshot() == before


def test_role_type_form_makes_an_interpreting_pair(assembly, people):
    response = client_for(people["coordinator"]).post(
        url_in("en", "role_type_create", slug=assembly.slug),
        {"name_en": "ASL interpreter", "language_from": "en", "language_to": "ase"},
    )
    assert response.status_code == 302
    assert RoleType.objects.get(name_en="ASL interpreter").language_pair == {"en", "ase"}


# A member's choices and dates away


def test_my_rotation_saves_roles_training_and_languages(assembly, people):
    roles = seeded(assembly)
    membership = _member(assembly, people, "member")
    response = client_for(people["member"]).post(
        url_in("en", "my_rotation", slug=assembly.slug),
        {
            f"willing_{roles['facilitator'].pk}": "on",
            f"trained_{roles['facilitator'].pk}": "on",
            f"willing_{roles['greeter'].pk}": "on",
            # Training is asked only for roles that need it.
            f"trained_{roles['greeter'].pk}": "on",
            "languages": ["en", "es"],
        },
    )
    assert response.status_code == 302
    assert set(Willingness.objects.filter(membership=membership).values_list("role_type__key", "trained")) == {
        ("facilitator", True),
        ("greeter", False),
    }
    assert RotationProfile.objects.get(membership=membership).languages == ["en", "es"]


def test_my_rotation_shows_what_the_member_chose(assembly, people):
    notes = seeded(assembly)["note-taker"]
    Willingness.objects.create(membership=_member(assembly, people, "member"), role_type=notes)
    response = client_for(people["member"]).get(url_in("en", "my_rotation", slug=assembly.slug))
    assert response.context["form"][f"willing_{notes.pk}"].value() is True


def test_my_rotation_refuses_an_unknown_language(assembly, people):
    before = snapshot()
    response = client_for(people["member"]).post(url_in("en", "my_rotation", slug=assembly.slug), {"languages": ["xx"]})
    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.clock
def test_absence_add_saves_the_dates(assembly, people):
    today = timezone.localdate()
    response = client_for(people["member"]).post(
        url_in("en", "absence_add", slug=assembly.slug),
        {"starts_on": today + timedelta(days=3), "ends_on": today + timedelta(days=5)},
    )
    assert response["Location"] == url_in("en", "my_rotation", slug=assembly.slug)
    (absence,) = Absence.objects.all()
    assert (absence.membership, absence.starts_on) == (_member(assembly, people, "member"), today + timedelta(days=3))


@pytest.mark.clock
@pytest.mark.parametrize(
    ("starts", "ends", "message"),
    [
        (5, 3, "The day you are back must not be before the day you leave."),
        (-5, -3, "These dates are already over."),
    ],
)
def test_absence_add_refuses_impossible_dates_in_words_people_understand(starts, ends, message, assembly, people):
    today = timezone.localdate()
    response = client_for(people["member"]).post(
        url_in("en", "absence_add", slug=assembly.slug),
        {"starts_on": today + timedelta(days=starts), "ends_on": today + timedelta(days=ends)},
    )
    assert response.status_code == 302
    assert not Absence.objects.exists()
    assert flashed(response) == [message]


@pytest.mark.clock
@pytest.mark.parametrize(("starts", "ends"), [("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")])
@pytest.mark.parametrize("language", ["en", "es"])
def test_absence_add_refuses_far_dates_in_the_readers_language(language, starts, ends, assembly, people):
    response = client_for(people["member"]).post(
        url_in(language, "absence_add", slug=assembly.slug), {"starts_on": starts, "ends_on": ends}
    )
    assert response.status_code == 302
    assert not Absence.objects.exists()
    (message,) = flashed(response)
    assert message.startswith({"en": "Choose a date between ", "es": "Elige una fecha entre "}[language])


def test_absence_delete_removes_the_dates(assembly, people):
    membership = _member(assembly, people, "member")
    today = timezone.localdate()
    absence = Absence.objects.create(membership=membership, starts_on=today, ends_on=today)
    response = client_for(people["member"]).post(
        url_in("en", "absence_delete", slug=assembly.slug, absence_pk=absence.pk)
    )
    assert response.status_code == 302
    assert not Absence.objects.exists()


def test_meeting_roles_says_why_a_role_whose_holder_left_is_empty(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    leaving = willing(assembly, notes)
    willing(assembly, time)
    services.roles_confirm(meeting=meeting)
    leaving.delete()

    response = client_for(people["facilitator"]).get(_meeting_url("meeting_roles", meeting))

    assert holder(meeting, notes).reason == "no_willing"
    assert "No member is willing to take this role." in page_text(response)
    facilitator = Membership.objects.get(user=people["facilitator"])
    assert (f"membership:{facilitator.pk}", holder(meeting, notes).pk, "") in sent("role_unfilled")


def test_meeting_roles_names_a_role_nobody_holds(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    willing(assembly, notes)
    willing(assembly, time)
    services.roles_confirm(meeting=meeting)
    holder(meeting, notes).delete()

    response = client_for(people["facilitator"]).get(_meeting_url("meeting_roles", meeting))

    assert response.context["missing"] == [notes]
    assert "No one is proposed for this role. A facilitator can propose again." in page_text(response)


def test_replaced_member_who_had_accepted_is_told_they_are_free(assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    first = willing(assembly, notes)
    second = willing(assembly, notes)
    services.roles_confirm(meeting=meeting)
    asked = holder(meeting, notes)
    services.assignment_answer(assignment=asked, user=asked.membership.user, accept=True)
    other = second if asked.membership_id == first.pk else first

    services.assignment_change(assignment=asked, membership=other)

    assert sent("role_released") == [(f"membership:{asked.membership_id}", asked.pk, "")]


def test_role_type_move_changes_which_role_is_filled_first(assembly, people, meeting):
    notes, time = keep_only(assembly, "note-taker", "timekeeper")
    only = willing(assembly, notes, time)
    client = client_for(people["coordinator"])

    response = client.post(url_in("en", "role_type_move", slug=assembly.slug, role_pk=time.pk), {"direction": "up"})
    services.roles_propose(meeting=meeting)

    assert response.status_code == 302
    assert holder(meeting, time).membership == only
    assert holder(meeting, notes).reason == Assignment.Reason.ALL_BUSY


def test_role_type_move_without_a_direction_changes_nothing(assembly, people):
    role = seeded(assembly)["timekeeper"]
    before = snapshot()
    response = client_for(people["coordinator"]).post(
        url_in("en", "role_type_move", slug=assembly.slug, role_pk=role.pk)
    )
    assert response.status_code == 400
    assert snapshot() == before


def test_meeting_roles_queries_do_not_grow_with_the_number_of_roles(assembly, people, meeting):
    roles = list(seeded(assembly).values())
    client = client_for(people["facilitator"])
    url = _meeting_url("meeting_roles", meeting)
    keep_only(assembly, "note-taker", "timekeeper")
    willing(assembly, *roles)
    willing(assembly, *roles)
    services.roles_propose(meeting=meeting)
    client.get(url)
    two = _queries(client, url)
    RoleType.objects.filter(assembly=assembly).update(retired=False)
    services.roles_propose(meeting=meeting)
    assert _queries(client, url) == two


@pytest.mark.parametrize("name", ["assignment_change", "swap_request"])
@pytest.mark.parametrize("value", ["²", "\u0661", "-3", "99999999999999999999999", ""])
def test_role_forms_refuse_ids_that_are_not_plain_numbers(name, value, assembly, people, meeting):
    (notes,) = keep_only(assembly, "note-taker")
    mine = AssignmentFactory(meeting=meeting, role_type=notes, membership=_member(assembly, people, "facilitator"))
    field = "membership" if name == "assignment_change" else "wanted"
    before = snapshot()
    response = client_for(people["facilitator"]).post(
        _meeting_url(name, meeting, assignment_pk=mine.pk), {field: value}
    )
    assert response.status_code == 302
    assert flashed(response) in (["Choose a member of this assembly."], ["Choose a role to swap with."])
    assert snapshot() == before
