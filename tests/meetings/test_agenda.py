"""A meeting's agenda: items that fit the meeting, parts that share an item's minutes, order, publishing
and announcing, and members' proposals before the facilitators' deadline."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assembly.meetings import agenda, services
from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.models import Message
from assembly.notify.services import render_email
from tests.conftest import client_for
from tests.meetings.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from tests.meetings.helpers import (
    FORM_TIME,
    flashed,
    in_language,
    in_language_n,
    page_text,
    snapshot,
    url_in,
)

pytestmark = pytest.mark.django_db

Status = AgendaItem.Status
LANGUAGES = ["en", "es"]
CHICAGO = ZoneInfo("America/Chicago")

MEETING_OVER = (
    "This is %(over)d minute more than the meeting has left: the meeting lasts %(length)d "
    "minutes and the other items take %(used)d.",
    "This is %(over)d minutes more than the meeting has left: the meeting lasts %(length)d "
    "minutes and the other items take %(used)d.",
)
ITEM_OVER = (
    "This is %(over)d minute more than its item has left: the item lasts %(length)d minutes "
    "and its other parts take %(used)d.",
    "This is %(over)d minutes more than its item has left: the item lasts %(length)d minutes "
    "and its other parts take %(used)d.",
)
ONLY_MAIN_PARENT = "An item can only be part of a main item of this agenda."
PASSED = "The deadline for proposals has passed."


def meeting_over(language: str, over: int, length: int, used: int) -> str:
    return in_language_n(language, *MEETING_OVER, over, over=over, length=length, used=used)


def item_over(language: str, over: int, length: int, used: int) -> str:
    return in_language_n(language, *ITEM_OVER, over, over=over, length=length, used=used)


def _url(name: str, meeting: Meeting, language: str = "en", **kwargs) -> str:
    return url_in(language, name, slug=meeting.assembly.slug, pk=meeting.pk, **kwargs)


def _item_url(name: str, item: AgendaItem, language: str = "en") -> str:
    return _url(name, item.meeting, language, item_pk=item.pk)


def _item_data(**overrides) -> dict:
    data = {
        "title_en": "Rent strike update",
        "title_es": "Informe de la huelga de renta",
        "notes_en": "",
        "notes_es": "",
        "duration": "20",
        "parent": "",
        "owner": "",
        "owner_name": "",
    }
    data.update(overrides)
    return data


def _proposal_data(**overrides) -> dict:
    data = {
        "title_en": "Street lights",
        "title_es": "Alumbrado público",
        "notes_en": "",
        "notes_es": "",
        "duration": "15",
    }
    data.update(overrides)
    return data


def _agenda(meeting: Meeting) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """The agenda as its readers see it: main items in order, each with its parts."""
    return [
        (item.title_en, item.duration, [(part.title_en, part.duration) for part in _parts(item)])
        for item in agenda.agenda_items(meeting).filter(parent=None).order_by("position", "id")
    ]


def _parts(item: AgendaItem) -> list[AgendaItem]:
    return list(agenda.agenda_items(item.meeting).filter(parent=item).order_by("position", "id"))


def _create(meeting: Meeting, title: str, duration: int, parent: AgendaItem | None = None) -> AgendaItem:
    return agenda.agenda_item_create(meeting=meeting, parent=parent, title_en=title, duration=duration)


def _update(item: AgendaItem, parent: AgendaItem | None = None, **fields) -> AgendaItem:
    values = {"title_en": item.title_en, "duration": item.duration, **fields}
    return agenda.agenda_item_update(item=item, parent=parent, **values)


def _kinds(kind: str) -> list[tuple[str, int, str]]:
    return sorted(Message.objects.filter(kind=kind).values_list("recipient_key", "object_id", "occasion"))


@pytest.fixture
def meeting(assembly):
    """Two hours long: 120 minutes."""
    return MeetingFactory(assembly=assembly)


@pytest.fixture
def facilitator(people):
    return client_for(people["facilitator"])


@pytest.fixture
def member(people):
    return people["member"]


# Items fit the meeting


def test_agenda_item_create_appends_main_items_in_order(meeting):
    first = _create(meeting, "Welcome", 10)
    second = _create(meeting, "Rent", 60)
    assert (first.position, second.position) == (0, 1)
    assert (first.status, first.parent) == (Status.ACCEPTED, None)
    assert _agenda(meeting) == [("Welcome", 10, []), ("Rent", 60, [])]


def test_agenda_item_create_takes_items_that_fill_the_meeting_exactly(meeting):
    _create(meeting, "Welcome", 20)
    _create(meeting, "Rent", 100)
    assert sum(duration for _title, duration, _parts in _agenda(meeting)) == meeting.length_minutes == 120


@pytest.mark.parametrize(("duration", "over"), [(21, 1), (35, 15)])
def test_agenda_item_create_refuses_an_item_that_overruns_saying_by_how_much(duration, over, meeting):
    _create(meeting, "Welcome", 40)
    _create(meeting, "Rent", 60)
    with pytest.raises(ValidationError) as refused:
        _create(meeting, "Repairs", duration)
    assert refused.value.message_dict == {"duration": [meeting_over("en", over, 120, 100)]}
    assert _agenda(meeting) == [("Welcome", 40, []), ("Rent", 60, [])]


def test_agenda_item_create_refuses_one_item_longer_than_the_meeting(meeting):
    with pytest.raises(ValidationError) as refused:
        _create(meeting, "Everything", 121)
    assert refused.value.message_dict == {"duration": [meeting_over("en", 1, 120, 0)]}
    assert not AgendaItem.objects.exists()


def test_agenda_item_create_ignores_proposals_and_declined_items_when_counting(meeting):
    AgendaItemFactory(meeting=meeting, proposed=True, duration=100)
    AgendaItemFactory(meeting=meeting, status=Status.DECLINED, duration=100)
    _create(meeting, "Rent", 120)
    assert _agenda(meeting) == [("Rent", 120, [])]


def test_agenda_item_create_counts_only_this_meetings_items(meeting):
    AgendaItemFactory(meeting=MeetingFactory(assembly=meeting.assembly), duration=120)
    _create(meeting, "Rent", 120)
    assert _agenda(meeting) == [("Rent", 120, [])]


# Parts share their item's minutes


def test_agenda_parts_share_their_items_minutes_and_do_not_count_again(meeting):
    rent = _create(meeting, "Rent", 60)
    _create(meeting, "Report", 30, parent=rent)
    _create(meeting, "Vote", 30, parent=rent)
    _create(meeting, "Repairs", 60)
    assert _agenda(meeting) == [("Rent", 60, [("Report", 30), ("Vote", 30)]), ("Repairs", 60, [])]


def test_agenda_part_that_overruns_its_item_is_refused_saying_by_how_much(meeting):
    rent = _create(meeting, "Rent", 30)
    _create(meeting, "Report", 20, parent=rent)
    with pytest.raises(ValidationError) as refused:
        _create(meeting, "Vote", 15, parent=rent)
    assert refused.value.message_dict == {"duration": [item_over("en", 5, 30, 20)]}
    assert _agenda(meeting) == [("Rent", 30, [("Report", 20)])]


def test_agenda_part_of_a_part_is_refused(meeting):
    rent = _create(meeting, "Rent", 60)
    report = _create(meeting, "Report", 30, parent=rent)
    with pytest.raises(ValidationError) as refused:
        _create(meeting, "Figures", 10, parent=report)
    assert refused.value.message_dict == {"parent": [ONLY_MAIN_PARENT]}
    assert _agenda(meeting) == [("Rent", 60, [("Report", 30)])]


@pytest.mark.parametrize("parent_kind", ["other meeting", "proposal", "declined"])
def test_agenda_part_of_an_item_not_on_this_agenda_is_refused(parent_kind, meeting):
    parent = {
        "other meeting": lambda: AgendaItemFactory(meeting=MeetingFactory(assembly=meeting.assembly), duration=60),
        "proposal": lambda: AgendaItemFactory(meeting=meeting, proposed=True, duration=60),
        "declined": lambda: AgendaItemFactory(meeting=meeting, status=Status.DECLINED, duration=60),
    }[parent_kind]()
    with pytest.raises(ValidationError) as refused:
        _create(meeting, "Report", 10, parent=parent)
    assert refused.value.message_dict == {"parent": [ONLY_MAIN_PARENT]}
    assert not parent.children.exists()


def test_agenda_item_update_refuses_an_item_shorter_than_its_parts(meeting):
    rent = _create(meeting, "Rent", 60)
    _create(meeting, "Report", 25, parent=rent)
    _create(meeting, "Vote", 25, parent=rent)
    with pytest.raises(ValidationError) as refused:
        _update(rent, duration=45)
    assert refused.value.message_dict == {"duration": ["Its parts take 50 minutes, so it needs at least that many."]}
    rent.refresh_from_db()
    assert rent.duration == 60


def test_agenda_item_update_keeps_its_own_minutes_out_of_the_count(meeting):
    _create(meeting, "Welcome", 20)
    rent = _create(meeting, "Rent", 100)
    _update(rent, title_en="Rent and repairs")
    assert _agenda(meeting) == [("Welcome", 20, []), ("Rent and repairs", 100, [])]


def test_agenda_item_update_refuses_growing_past_the_meeting(meeting):
    _create(meeting, "Welcome", 20)
    rent = _create(meeting, "Rent", 90)
    with pytest.raises(ValidationError) as refused:
        _update(rent, duration=103)
    assert refused.value.message_dict == {"duration": [meeting_over("en", 3, 120, 20)]}
    rent.refresh_from_db()
    assert rent.duration == 90


def test_agenda_item_update_refuses_making_an_item_with_parts_a_part(meeting):
    rent = _create(meeting, "Rent", 60)
    _create(meeting, "Report", 20, parent=rent)
    repairs = _create(meeting, "Repairs", 60)
    with pytest.raises(ValidationError) as refused:
        _update(rent, parent=repairs)
    assert refused.value.message_dict == {"parent": ["An item with parts of its own cannot become a part."]}
    assert _agenda(meeting) == [("Rent", 60, [("Report", 20)]), ("Repairs", 60, [])]


def test_agenda_item_update_refuses_an_item_as_its_own_part(meeting):
    rent = _create(meeting, "Rent", 60)
    with pytest.raises(ValidationError):
        _update(rent, parent=rent)
    rent.refresh_from_db()
    assert rent.parent is None


def test_agenda_item_update_moves_an_item_under_another_at_the_end(meeting):
    rent = _create(meeting, "Rent", 60)
    _create(meeting, "Report", 20, parent=rent)
    vote = _create(meeting, "Vote", 20)
    _update(vote, parent=rent)
    assert _agenda(meeting) == [("Rent", 60, [("Report", 20), ("Vote", 20)])]


def test_agenda_item_update_makes_a_part_a_main_item_if_it_fits(meeting):
    rent = _create(meeting, "Rent", 100)
    report = _create(meeting, "Report", 30, parent=rent)
    with pytest.raises(ValidationError) as refused:
        _update(report, parent=None)
    assert refused.value.message_dict == {"duration": [meeting_over("en", 10, 120, 100)]}
    _update(report, parent=None, duration=20)
    assert _agenda(meeting) == [("Rent", 100, []), ("Report", 20, [])]


def test_agenda_item_delete_removes_its_parts(meeting):
    rent = _create(meeting, "Rent", 60)
    _create(meeting, "Report", 20, parent=rent)
    _create(meeting, "Repairs", 30)
    agenda.agenda_item_delete(item=rent)
    assert _agenda(meeting) == [("Repairs", 30, [])]
    assert AgendaItem.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda meeting, item: _create(meeting, "Late", 5),
        lambda meeting, item: _update(item, duration=5),
        lambda meeting, item: agenda.agenda_item_delete(item=item),
        lambda meeting, item: agenda.agenda_item_move(item=item, up=False),
    ],
    ids=["create", "update", "delete", "move"],
)
def test_agenda_of_a_cancelled_meeting_cannot_change(change, meeting):
    item = _create(meeting, "Rent", 30)
    _create(meeting, "Repairs", 30)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        change(meeting, item)
    assert refused.value.messages == ["This meeting was cancelled, so its agenda can no longer change."]
    assert snapshot() == before


# Order


def test_agenda_item_move_swaps_with_its_neighbour(meeting):
    welcome, _rent, repairs = (_create(meeting, title, 20) for title in ("Welcome", "Rent", "Repairs"))
    agenda.agenda_item_move(item=repairs, up=True)
    assert [title for title, *_rest in _agenda(meeting)] == ["Welcome", "Repairs", "Rent"]
    agenda.agenda_item_move(item=welcome, up=False)
    assert [title for title, *_rest in _agenda(meeting)] == ["Repairs", "Welcome", "Rent"]


def test_agenda_item_move_past_either_end_changes_nothing(meeting):
    welcome = _create(meeting, "Welcome", 20)
    rent = _create(meeting, "Rent", 20)
    before = snapshot()
    agenda.agenda_item_move(item=welcome, up=True)
    agenda.agenda_item_move(item=rent, up=False)
    assert snapshot() == before


def test_agenda_item_move_keeps_parts_inside_their_item(meeting):
    rent = _create(meeting, "Rent", 60)
    report = _create(meeting, "Report", 20, parent=rent)
    _create(meeting, "Vote", 20, parent=rent)
    _create(meeting, "Repairs", 30)
    agenda.agenda_item_move(item=report, up=False)
    agenda.agenda_item_move(item=report, up=False)
    assert _agenda(meeting) == [("Rent", 60, [("Vote", 20), ("Report", 20)]), ("Repairs", 30, [])]


def test_agenda_item_move_closes_gaps_left_by_deleted_items(meeting):
    _welcome, rent, repairs = (_create(meeting, title, 20) for title in ("Welcome", "Rent", "Repairs"))
    agenda.agenda_item_delete(item=rent)
    agenda.agenda_item_move(item=repairs, up=True)
    assert [title for title, *_rest in _agenda(meeting)] == ["Repairs", "Welcome"]


def test_agenda_item_move_refuses_a_proposal(meeting):
    proposal = AgendaItemFactory(meeting=meeting, proposed=True)
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_item_move(item=proposal, up=True)
    assert refused.value.messages == ["This item is not on the agenda."]


# Publishing and announcing


@pytest.fixture
def signed_up(meeting):
    """One person of each status: only those with a seat or on the waitlist hear about the agenda."""
    return {
        status: RegistrationFactory(meeting=meeting, status=status)
        for status in [
            Registration.Status.CONFIRMED,
            Registration.Status.WAITLISTED,
            Registration.Status.UNCONFIRMED,
            Registration.Status.CANCELLED,
        ]
    } | {"guest": RegistrationFactory(meeting=meeting, guest=True)}


def _told(signed_up, occasion: str) -> list[tuple[str, int, str]]:
    told = [signed_up[Registration.Status.CONFIRMED], signed_up[Registration.Status.WAITLISTED], signed_up["guest"]]
    return sorted((f"registration:{r.pk}", r.meeting_id, occasion) for r in told)


def test_agenda_publish_tells_everyone_signed_up(meeting, signed_up):
    _create(meeting, "Rent", 30)
    agenda.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.agenda_is_published
    assert (meeting.agenda_version, meeting.agenda_changed_at) == (1, None)
    assert meeting.agenda_announced_at == meeting.agenda_published_at
    assert _kinds("agenda_published") == _told(signed_up, "v1")


def test_agenda_publish_refuses_an_empty_agenda(meeting, signed_up):
    AgendaItemFactory(meeting=meeting, proposed=True)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_publish(meeting=meeting)
    assert refused.value.messages == ["Add at least one item before publishing the agenda."]
    assert snapshot() == before


def test_agenda_publish_refuses_a_draft_meeting(assembly):
    meeting = MeetingFactory(assembly=assembly, draft=True)
    _create(meeting, "Rent", 30)
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_publish(meeting=meeting)
    assert refused.value.messages == ["Publish the meeting first: then its agenda can be published."]
    meeting.refresh_from_db()
    assert not meeting.agenda_is_published


def test_agenda_publish_refuses_a_cancelled_meeting(assembly):
    meeting = MeetingFactory(assembly=assembly, cancelled=True)
    AgendaItemFactory(meeting=meeting)
    with pytest.raises(ValidationError):
        agenda.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    assert not meeting.agenda_is_published


def test_agenda_publish_twice_is_refused_and_tells_nobody_again(meeting, signed_up):
    _create(meeting, "Rent", 30)
    agenda.agenda_publish(meeting=meeting)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_publish(meeting=meeting)
    assert refused.value.messages == ["The agenda is already published."]
    assert snapshot() == before


def test_agenda_draft_edits_are_not_marked_as_an_update(meeting):
    rent = _create(meeting, "Rent", 30)
    _update(rent, duration=40)
    agenda.agenda_publish(meeting=meeting)
    meeting.refresh_from_db()
    assert not meeting.agenda_has_unannounced_changes
    assert meeting.agenda_changed_at is None


@pytest.mark.parametrize(
    "change",
    [
        lambda meeting, item: _create(meeting, "Late", 5),
        lambda meeting, item: _update(item, duration=5),
        lambda meeting, item: agenda.agenda_item_delete(item=item),
        lambda meeting, item: agenda.agenda_item_move(item=item, up=False),
    ],
    ids=["create", "update", "delete", "move"],
)
def test_agenda_edit_after_publishing_is_marked_as_an_update_and_tells_nobody(change, meeting, signed_up):
    item = _create(meeting, "Rent", 30)
    _create(meeting, "Repairs", 30)
    agenda.agenda_publish(meeting=meeting)
    messages_before = _kinds("agenda_published")
    change(meeting, item)
    meeting.refresh_from_db()
    assert meeting.agenda_has_unannounced_changes
    assert meeting.agenda_changed_at > meeting.agenda_announced_at
    assert _kinds("agenda_published") == messages_before


def test_agenda_announce_update_tells_everyone_again_with_a_new_occasion(meeting, signed_up):
    item = _create(meeting, "Rent", 30)
    agenda.agenda_publish(meeting=meeting)
    _update(item, duration=45)
    agenda.agenda_announce_update(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.agenda_version == 2
    assert not meeting.agenda_has_unannounced_changes
    assert _kinds("agenda_published") == sorted(_told(signed_up, "v1") + _told(signed_up, "v2"))


def test_agenda_announce_update_without_changes_is_refused(meeting, signed_up):
    _create(meeting, "Rent", 30)
    agenda.agenda_publish(meeting=meeting)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_announce_update(meeting=meeting)
    assert refused.value.messages == ["The agenda has not changed since people were last told."]
    assert snapshot() == before


def test_agenda_announce_update_of_an_unpublished_agenda_is_refused(meeting, signed_up):
    _create(meeting, "Rent", 30)
    before = snapshot()
    with pytest.raises(ValidationError):
        agenda.agenda_announce_update(meeting=meeting)
    assert snapshot() == before


def test_agenda_announce_update_twice_tells_people_once(meeting, signed_up):
    item = _create(meeting, "Rent", 30)
    agenda.agenda_publish(meeting=meeting)
    _update(item, duration=45)
    agenda.agenda_announce_update(meeting=meeting)
    with pytest.raises(ValidationError):
        agenda.agenda_announce_update(meeting=meeting)
    assert len(_kinds("agenda_published")) == 2 * len(_told(signed_up, "v1"))


# Proposals


def test_agenda_proposals_until_set_refuses_a_deadline_after_the_start(meeting):
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_proposals_until_set(meeting=meeting, proposals_until=meeting.starts_at + timedelta(minutes=1))
    assert refused.value.message_dict == {"proposals_until": ["The deadline must be before the meeting starts."]}
    meeting.refresh_from_db()
    assert meeting.proposals_until is None


def test_agenda_proposals_until_set_can_close_proposals(meeting):
    agenda.agenda_proposals_until_set(meeting=meeting, proposals_until=meeting.starts_at - timedelta(days=1))
    agenda.agenda_proposals_until_set(meeting=meeting, proposals_until=None)
    meeting.refresh_from_db()
    assert meeting.proposals_until is None
    assert not meeting.takes_proposals


@pytest.fixture
def open_meeting(meeting):
    """Members may propose items for one more day."""
    Meeting.objects.filter(pk=meeting.pk).update(proposals_until=timezone.now() + timedelta(days=1))
    meeting.refresh_from_db()
    return meeting


def _propose(meeting: Meeting, user, duration: int = 15, title: str = "Street lights") -> AgendaItem:
    return agenda.agenda_proposal_create(meeting=meeting, user=user, title_en=title, duration=duration)


def test_agenda_proposal_create_waits_for_a_decision_off_the_agenda(open_meeting, member):
    proposal = _propose(open_meeting, member)
    assert (proposal.status, proposal.proposed_by, proposal.owner, proposal.parent) == (
        Status.PROPOSED,
        member,
        member,
        None,
    )
    assert _agenda(open_meeting) == []
    assert not Message.objects.exists()


def test_agenda_proposal_create_takes_a_proposal_longer_than_the_time_left(open_meeting, member):
    _create(open_meeting, "Rent", 120)
    proposal = _propose(open_meeting, member, duration=30)
    assert proposal.status == Status.PROPOSED


def test_agenda_proposal_create_after_the_deadline_is_refused(meeting, member):
    Meeting.objects.filter(pk=meeting.pk).update(proposals_until=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as refused:
        _propose(meeting, member)
    assert refused.value.messages == [PASSED]
    assert not AgendaItem.objects.exists()


def test_agenda_proposal_create_without_a_deadline_is_refused(meeting, member):
    with pytest.raises(ValidationError) as refused:
        _propose(meeting, member)
    assert refused.value.messages == ["This meeting does not take proposals for its agenda."]
    assert not AgendaItem.objects.exists()


def test_agenda_proposal_create_for_a_cancelled_meeting_is_refused(open_meeting, member):
    Meeting.objects.filter(pk=open_meeting.pk).update(status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError):
        _propose(open_meeting, member)
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize("duration", [0, 24 * 60 + 1])
def test_agenda_proposal_create_refuses_a_duration_out_of_range(duration, open_meeting, member):
    with pytest.raises(ValidationError) as refused:
        _propose(open_meeting, member, duration=duration)
    assert "duration" in refused.value.message_dict
    assert not AgendaItem.objects.exists()


def test_agenda_proposal_decide_accept_puts_it_last_and_tells_the_proposer(open_meeting, member):
    _create(open_meeting, "Rent", 30)
    proposal = _propose(open_meeting, member)
    agenda.agenda_proposal_decide(item=proposal, accept=True)
    assert _agenda(open_meeting) == [("Rent", 30, []), ("Street lights", 15, [])]
    assert _kinds("agenda_proposal_decided") == [(f"user:{member.pk}", proposal.pk, "accepted")]


def test_agenda_proposal_decide_decline_keeps_it_off_and_tells_the_proposer(open_meeting, member):
    proposal = _propose(open_meeting, member)
    agenda.agenda_proposal_decide(item=proposal, accept=False)
    proposal.refresh_from_db()
    assert proposal.status == Status.DECLINED
    assert _agenda(open_meeting) == []
    assert _kinds("agenda_proposal_decided") == [(f"user:{member.pk}", proposal.pk, "declined")]


def test_agenda_proposal_decide_refuses_to_accept_what_does_not_fit(open_meeting, member):
    _create(open_meeting, "Rent", 110)
    proposal = _propose(open_meeting, member, duration=25)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_proposal_decide(item=proposal, accept=True)
    assert refused.value.message_dict == {"duration": [meeting_over("en", 15, 120, 110)]}
    assert snapshot() == before
    proposal.refresh_from_db()
    assert proposal.status == Status.PROPOSED


def test_agenda_proposal_decide_twice_is_refused(open_meeting, member):
    proposal = _propose(open_meeting, member)
    agenda.agenda_proposal_decide(item=proposal, accept=False)
    stale = AgendaItem.objects.get(pk=proposal.pk)
    with pytest.raises(ValidationError) as refused:
        agenda.agenda_proposal_decide(item=stale, accept=True)
    assert refused.value.messages == ["This proposal was already decided."]
    proposal.refresh_from_db()
    assert proposal.status == Status.DECLINED
    assert len(_kinds("agenda_proposal_decided")) == 1


def test_agenda_proposal_decide_accept_marks_a_published_agenda_updated(open_meeting, member):
    _create(open_meeting, "Rent", 30)
    agenda.agenda_publish(meeting=open_meeting)
    proposal = _propose(open_meeting, member)
    agenda.agenda_proposal_decide(item=proposal, accept=True)
    open_meeting.refresh_from_db()
    assert open_meeting.agenda_has_unannounced_changes


def test_agenda_proposal_decide_decline_leaves_a_published_agenda_as_it_was(open_meeting, member):
    _create(open_meeting, "Rent", 30)
    agenda.agenda_publish(meeting=open_meeting)
    proposal = _propose(open_meeting, member)
    agenda.agenda_proposal_decide(item=proposal, accept=False)
    open_meeting.refresh_from_db()
    assert not open_meeting.agenda_has_unannounced_changes


# The meeting's length and its agenda


def test_meeting_update_refuses_shortening_below_the_agenda(meeting):
    _create(meeting, "Rent", 60)
    _create(meeting, "Repairs", 45)
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(meeting=meeting, ends_at=meeting.starts_at + timedelta(minutes=90))
    assert refused.value.message_dict == {
        "ends_at": ["The agenda takes 105 minutes, 15 more than this meeting would last."]
    }
    meeting.refresh_from_db()
    assert meeting.length_minutes == 120


def test_meeting_update_shortens_to_exactly_the_agenda_counting_main_items_only(meeting):
    rent = _create(meeting, "Rent", 60)
    _create(meeting, "Report", 60, parent=rent)
    _create(meeting, "Repairs", 45)
    services.meeting_update(meeting=meeting, ends_at=meeting.starts_at + timedelta(minutes=105))
    meeting.refresh_from_db()
    assert meeting.length_minutes == 105


# Pages: facilitators


def test_agenda_item_create_view_adds_an_item_and_returns_to_the_agenda(facilitator, meeting, people):
    response = facilitator.post(_url("agenda_item_create", meeting), _item_data(owner=str(people["member"].pk)))
    assert response.status_code == 302
    assert response["Location"] == _url("agenda_detail", meeting)
    item = AgendaItem.objects.get()
    assert (item.title_en, item.title_es, item.duration, item.owner, item.meeting) == (
        "Rent strike update",
        "Informe de la huelga de renta",
        20,
        people["member"],
        meeting,
    )
    assert flashed(response) == ["The item is added to the agenda."]


def test_agenda_item_create_view_takes_a_title_in_spanish_only(facilitator, meeting):
    response = facilitator.post(_url("agenda_item_create", meeting, "es"), _item_data(title_en=""))
    assert response.status_code == 302
    assert AgendaItem.objects.get().title_es == "Informe de la huelga de renta"


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_item_create_view_says_by_how_many_minutes_an_item_overruns(language, facilitator, meeting):
    AgendaItemFactory(meeting=meeting, duration=100)
    response = facilitator.post(_url("agenda_item_create", meeting, language), _item_data(duration="27"))
    assert response.status_code == 400
    message = meeting_over(language, 7, 120, 100)
    assert response.context["form"].errors["duration"] == [message]
    assert message in page_text(response)
    assert AgendaItem.objects.count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_item_create_view_says_by_how_many_minutes_a_part_overruns(language, facilitator, meeting):
    rent = AgendaItemFactory(meeting=meeting, duration=30)
    AgendaItemFactory(meeting=meeting, parent=rent, duration=25)
    response = facilitator.post(
        _url("agenda_item_create", meeting, language), _item_data(duration="6", parent=str(rent.pk))
    )
    assert response.status_code == 400
    assert response.context["form"].errors["duration"] == [item_over(language, 1, 30, 25)]
    assert AgendaItem.objects.count() == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_item_create_view_refuses_a_part_of_a_part(language, facilitator, meeting):
    rent = AgendaItemFactory(meeting=meeting, duration=60)
    report = AgendaItemFactory(meeting=meeting, parent=rent, duration=30)
    response = facilitator.post(
        _url("agenda_item_create", meeting, language), _item_data(duration="10", parent=str(report.pk))
    )
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    assert AgendaItem.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title_en": "", "title_es": ""}, "title_en"),
        ({"duration": "0"}, "duration"),
        ({"duration": "-5"}, "duration"),
        ({"duration": "ten"}, "duration"),
        ({"duration": "99999999999"}, "duration"),
        ({"duration": ""}, "duration"),
        ({"parent": "not-a-number"}, "parent"),
        ({"owner": "999999"}, "owner"),
    ],
    ids=["no title", "zero", "negative", "words", "huge", "empty", "bad parent", "no such owner"],
)
def test_agenda_item_create_view_refuses_bad_input(overrides, field, facilitator, meeting):
    response = facilitator.post(_url("agenda_item_create", meeting), _item_data(**overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not AgendaItem.objects.exists()


def test_agenda_item_create_view_refuses_a_leader_and_a_name_together(facilitator, meeting, people):
    data = _item_data(owner=str(people["member"].pk), owner_name="Rosa")
    response = facilitator.post(_url("agenda_item_create", meeting), data)
    assert response.status_code == 400
    assert response.context["form"].errors["owner_name"] == ["Choose a member or write a name, not both."]
    assert not AgendaItem.objects.exists()


def test_agenda_item_create_view_refuses_a_stranger_as_leader(facilitator, meeting, people):
    response = facilitator.post(_url("agenda_item_create", meeting), _item_data(owner=str(people["stranger"].pk)))
    assert response.status_code == 400
    assert "owner" in response.context["form"].errors
    assert not AgendaItem.objects.exists()


def test_agenda_item_create_view_refuses_a_parent_from_another_meeting(facilitator, meeting):
    elsewhere = AgendaItemFactory(meeting=MeetingFactory(assembly=meeting.assembly), duration=60)
    response = facilitator.post(_url("agenda_item_create", meeting), _item_data(parent=str(elsewhere.pk)))
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    assert AgendaItem.objects.count() == 1


def test_agenda_item_create_view_on_a_cancelled_meeting_says_why(facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly, cancelled=True)
    response = facilitator.post(_url("agenda_item_create", meeting), _item_data())
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This meeting was cancelled, so its agenda can no longer change."
    ]
    assert not AgendaItem.objects.exists()


def test_agenda_item_edit_view_shows_the_item_and_saves_changes(facilitator, meeting):
    item = AgendaItemFactory(meeting=meeting, title_en="Rent", duration=30)
    page = facilitator.get(_item_url("agenda_item_edit", item))
    assert page.status_code == 200
    assert page.context["form"]["title_en"].value() == "Rent"
    response = facilitator.post(_item_url("agenda_item_edit", item), _item_data(duration="45"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title_en, item.duration) == ("Rent strike update", 45)
    assert flashed(response) == ["The item is saved."]


def test_agenda_item_edit_view_does_not_offer_the_item_as_its_own_parent(facilitator, meeting):
    item = AgendaItemFactory(meeting=meeting, duration=30)
    other = AgendaItemFactory(meeting=meeting, duration=30)
    page = facilitator.get(_item_url("agenda_item_edit", item))
    assert list(page.context["form"].fields["parent"].queryset) == [other]
    response = facilitator.post(_item_url("agenda_item_edit", item), _item_data(duration="10", parent=str(item.pk)))
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.parent is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_item_edit_view_says_by_how_many_minutes_it_overruns(language, facilitator, meeting):
    AgendaItemFactory(meeting=meeting, duration=60)
    item = AgendaItemFactory(meeting=meeting, duration=30)
    response = facilitator.post(_item_url("agenda_item_edit", item, language), _item_data(duration="62"))
    assert response.status_code == 400
    assert response.context["form"].errors["duration"] == [meeting_over(language, 2, 120, 60)]
    item.refresh_from_db()
    assert item.duration == 30


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.DECLINED])
def test_agenda_item_edit_view_is_404_for_what_is_not_on_the_agenda(status, facilitator, meeting):
    item = AgendaItemFactory(meeting=meeting, status=status)
    assert facilitator.get(_item_url("agenda_item_edit", item)).status_code == 404
    assert facilitator.post(_item_url("agenda_item_edit", item), _item_data()).status_code == 404
    item.refresh_from_db()
    assert item.status == status


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("agenda_item_edit", _item_data()),
        ("agenda_item_delete", {}),
        ("agenda_item_move", {"direction": "up"}),
        ("agenda_proposal_decide", {"decision": "accept"}),
    ],
)
def test_agenda_item_views_are_404_for_an_item_of_another_meeting(name, data, facilitator, meeting):
    """The item id in the address must belong to the meeting in the address, even in the same assembly."""
    AgendaItemFactory(meeting=meeting)
    other = MeetingFactory(assembly=meeting.assembly)
    forged = AgendaItemFactory(meeting=other, proposed=name == "agenda_proposal_decide")
    before = snapshot()
    response = facilitator.post(_url(name, meeting, item_pk=forged.pk), data)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("name", ["agenda_item_edit", "agenda_item_delete", "agenda_item_move"])
def test_agenda_item_views_are_404_for_an_item_that_does_not_exist(name, facilitator, meeting):
    response = facilitator.post(_url(name, meeting, item_pk=987654), _item_data())
    assert response.status_code == 404


def test_agenda_item_delete_view_removes_the_item(facilitator, meeting):
    item = AgendaItemFactory(meeting=meeting)
    response = facilitator.post(_item_url("agenda_item_delete", item))
    assert response.status_code == 302
    assert response["Location"] == _url("agenda_detail", meeting)
    assert not AgendaItem.objects.exists()
    assert flashed(response) == ["The item is removed."]


def test_agenda_item_delete_view_does_not_remove_a_members_proposal(facilitator, open_meeting):
    """A proposal is answered with a decision, so its proposer hears of it; removing it would not tell them."""
    proposal = AgendaItemFactory(meeting=open_meeting, proposed=True)
    before = snapshot()
    response = facilitator.post(_item_url("agenda_item_delete", proposal))
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("direction", "moved"), [("up", "Repairs"), ("down", "Rent")])
def test_agenda_item_move_view_moves_an_item(direction, moved, facilitator, meeting):
    for title in ("Welcome", "Rent", "Repairs"):
        AgendaItemFactory(meeting=meeting, title_en=title)
    moved = AgendaItem.objects.get(title_en=moved)
    response = facilitator.post(_item_url("agenda_item_move", moved), {"direction": direction})
    assert response.status_code == 302
    assert [title for title, *_rest in _agenda(meeting)] == ["Welcome", "Repairs", "Rent"]
    assert flashed(response) == []


def test_agenda_item_move_view_of_a_proposal_says_why(facilitator, meeting):
    proposal = AgendaItemFactory(meeting=meeting, proposed=True)
    response = facilitator.post(_item_url("agenda_item_move", proposal), {"direction": "up"})
    assert response.status_code == 302
    assert flashed(response) == ["This item is not on the agenda."]


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_publish_view_tells_people(language, facilitator, meeting, signed_up):
    AgendaItemFactory(meeting=meeting)
    response = facilitator.post(_url("agenda_publish", meeting, language))
    assert response.status_code == 302
    assert response["Location"] == _url("agenda_detail", meeting, language)
    assert flashed(response) == [in_language(language, "The agenda is published and sent to everyone signed up.")]
    assert _kinds("agenda_published") == _told(signed_up, "v1")


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_publish_view_refuses_an_empty_agenda(language, facilitator, meeting, signed_up):
    before = snapshot()
    response = facilitator.post(_url("agenda_publish", meeting, language))
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, "Add at least one item before publishing the agenda.")]
    assert snapshot() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_publish_view_refuses_a_draft_meeting(language, facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly, draft=True)
    AgendaItemFactory(meeting=meeting)
    before = snapshot()
    response = facilitator.post(_url("agenda_publish", meeting, language))
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, "Publish the meeting first: then its agenda can be published.")]
    assert snapshot() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_announce_view_without_changes_says_so(language, facilitator, meeting, signed_up):
    AgendaItemFactory(meeting=meeting)
    agenda.agenda_publish(meeting=meeting)
    before = snapshot()
    response = facilitator.post(_url("agenda_announce", meeting, language))
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, "The agenda has not changed since people were last told.")]
    assert snapshot() == before


def test_agenda_announce_view_sends_the_update(facilitator, meeting, signed_up):
    item = AgendaItemFactory(meeting=meeting)
    agenda.agenda_publish(meeting=meeting)
    facilitator.post(_item_url("agenda_item_edit", item), _item_data(duration="40"))
    assert _kinds("agenda_published") == _told(signed_up, "v1")
    response = facilitator.post(_url("agenda_announce", meeting))
    assert flashed(response) == ["The updated agenda is sent to everyone signed up."]
    assert _kinds("agenda_published") == sorted(_told(signed_up, "v1") + _told(signed_up, "v2"))


@pytest.mark.clock
@pytest.mark.parametrize(("month", "utc_hour"), [(1, 0), (7, 23)])
def test_agenda_deadline_view_reads_the_deadline_on_the_assemblys_clock(month, utc_hour, facilitator, assembly):
    year = datetime.now(UTC).year + 1
    meeting = MeetingFactory(assembly=assembly, starts_at=datetime(year, month, 20, 18, 0, tzinfo=CHICAGO))
    response = facilitator.post(_url("agenda_deadline", meeting), {"proposals_until": f"{year}-{month:02}-15T18:30"})
    assert response.status_code == 302
    assert flashed(response) == ["The deadline for proposals is saved."]
    meeting.refresh_from_db()
    day = 16 if utc_hour == 0 else 15
    assert meeting.proposals_until == datetime(year, month, day, utc_hour, 30, tzinfo=UTC)


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_deadline_view_refuses_a_deadline_after_the_start(language, facilitator, meeting):
    after = (meeting.starts_at + timedelta(hours=1)).astimezone(CHICAGO).strftime(FORM_TIME)
    response = facilitator.post(_url("agenda_deadline", meeting, language), {"proposals_until": after})
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, "The deadline must be before the meeting starts.")]
    meeting.refresh_from_db()
    assert meeting.proposals_until is None


def test_agenda_deadline_view_refuses_what_is_not_a_date(facilitator, open_meeting):
    deadline = open_meeting.proposals_until
    response = facilitator.post(_url("agenda_deadline", open_meeting), {"proposals_until": "next tuesday"})
    assert response.status_code == 302
    assert len(flashed(response)) == 1
    open_meeting.refresh_from_db()
    assert open_meeting.proposals_until == deadline


@pytest.mark.clock
@pytest.mark.parametrize("far", ["9999-12-31T23:00", "0001-01-01T00:00"])
def test_agenda_deadline_view_refuses_a_far_date(far, facilitator, open_meeting):
    deadline = open_meeting.proposals_until

    response = facilitator.post(_url("agenda_deadline", open_meeting, "es"), {"proposals_until": far})

    assert response.status_code == 302
    (message,) = flashed(response)
    assert message.startswith("Elige una fecha entre ")
    open_meeting.refresh_from_db()
    assert open_meeting.proposals_until == deadline


def test_agenda_deadline_view_clears_the_deadline(facilitator, open_meeting):
    response = facilitator.post(_url("agenda_deadline", open_meeting), {"proposals_until": ""})
    assert response.status_code == 302
    open_meeting.refresh_from_db()
    assert open_meeting.proposals_until is None


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_agenda_proposal_decide_view_decides_and_tells_the_member(decision, facilitator, open_meeting, member):
    proposal = AgendaItemFactory(meeting=open_meeting, proposed=True, proposed_by=member, duration=20)
    response = facilitator.post(_item_url("agenda_proposal_decide", proposal), {"decision": decision})
    assert response.status_code == 302
    proposal.refresh_from_db()
    status = Status.ACCEPTED if decision == "accept" else Status.DECLINED
    assert proposal.status == status
    assert _kinds("agenda_proposal_decided") == [(f"user:{member.pk}", proposal.pk, status)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_proposal_decide_view_refuses_to_accept_what_does_not_fit(language, facilitator, open_meeting, member):
    AgendaItemFactory(meeting=open_meeting, duration=100)
    proposal = AgendaItemFactory(meeting=open_meeting, proposed=True, proposed_by=member, duration=30)
    before = snapshot()
    response = facilitator.post(_item_url("agenda_proposal_decide", proposal, language), {"decision": "accept"})
    assert response.status_code == 302
    assert flashed(response) == [meeting_over(language, 10, 120, 100)]
    assert snapshot() == before


@pytest.mark.parametrize("decision", ["", "maybe"])
def test_agenda_proposal_decide_view_refuses_an_unknown_decision(decision, facilitator, open_meeting, member):
    proposal = AgendaItemFactory(meeting=open_meeting, proposed=True, proposed_by=member)
    before = snapshot()
    response = facilitator.post(_item_url("agenda_proposal_decide", proposal), {"decision": decision})
    assert response.status_code == 400
    assert snapshot() == before


def test_agenda_proposal_decide_view_of_an_item_already_on_the_agenda_says_so(facilitator, meeting):
    item = AgendaItemFactory(meeting=meeting)
    before = snapshot()
    response = facilitator.post(_item_url("agenda_proposal_decide", item), {"decision": "decline"})
    assert response.status_code == 302
    assert flashed(response) == ["This proposal was already decided."]
    assert snapshot() == before


# Pages: members


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_propose_view_sends_a_proposal(language, open_meeting, member):
    response = client_for(member).post(_url("agenda_propose", open_meeting, language), _proposal_data())
    assert response.status_code == 302
    assert response["Location"] == _url("agenda_detail", open_meeting, language)
    proposal = AgendaItem.objects.get()
    assert (proposal.title_es, proposal.duration, proposal.status, proposal.proposed_by) == (
        "Alumbrado público",
        15,
        Status.PROPOSED,
        member,
    )
    assert flashed(response) == [
        in_language(language, "Your proposal is sent to the facilitators. We will tell you what they decide.")
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_propose_view_after_the_deadline_says_so_and_stores_nothing(language, meeting, member):
    Meeting.objects.filter(pk=meeting.pk).update(proposals_until=timezone.now() - timedelta(minutes=1))
    response = client_for(member).post(_url("agenda_propose", meeting, language), _proposal_data())
    assert response.status_code == 400
    message = in_language(language, PASSED)
    assert response.context["form"].non_field_errors() == [message]
    assert message in page_text(response)
    assert not AgendaItem.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [{"title_en": "", "title_es": ""}, {"duration": "0"}, {"duration": "1441"}, {"duration": "soon"}],
    ids=["no title", "zero", "over a day", "words"],
)
def test_agenda_propose_view_refuses_bad_input(overrides, open_meeting, member):
    response = client_for(member).post(_url("agenda_propose", open_meeting), _proposal_data(**overrides))
    assert response.status_code == 400
    assert not AgendaItem.objects.exists()


def test_agenda_propose_view_ignores_fields_members_may_not_set(open_meeting, member, people):
    rent = AgendaItemFactory(meeting=open_meeting, duration=60)
    data = _proposal_data(status="accepted", parent=str(rent.pk), owner=str(people["facilitator"].pk), position="0")
    client_for(member).post(_url("agenda_propose", open_meeting), data)
    proposal = AgendaItem.objects.get(proposed_by=member)
    assert (proposal.status, proposal.parent, proposal.owner) == (Status.PROPOSED, None, member)


def test_agenda_detail_shows_facilitators_the_draft_and_its_proposals(facilitator, open_meeting, member):
    AgendaItemFactory(meeting=open_meeting, title_en="Rent", duration=30)
    AgendaItemFactory(meeting=open_meeting, proposed=True, proposed_by=member, title_en="Street lights")
    response = facilitator.get(_url("agenda_detail", open_meeting))
    text = page_text(response)
    assert response.status_code == 200
    assert "Draft agenda: only facilitators see it." in text
    assert "Rent" in text
    assert "Street lights" in text
    assert "30 of 120 minutes planned." in text


def test_agenda_detail_hides_a_draft_agenda_from_members(meeting, member):
    AgendaItemFactory(meeting=meeting, title_en="Secret rent plan")
    response = client_for(member).get(_url("agenda_detail", meeting))
    text = page_text(response)
    assert response.status_code == 200
    assert "Secret rent plan" not in text
    assert "The agenda is not published yet." in text


def test_agenda_detail_hides_other_members_proposals(open_meeting, member, people):
    AgendaItemFactory(meeting=open_meeting, proposed=True, proposed_by=people["coordinator"], title_en="Not yours")
    AgendaItemFactory(meeting=open_meeting, proposed=True, proposed_by=member, title_en="Yours")
    response = client_for(member).get(_url("agenda_detail", open_meeting))
    text = page_text(response)
    assert "Yours" in text
    assert "Not yours" not in text
    assert "Propose an item" in text


def test_agenda_detail_shows_the_published_agenda_with_parts_in_order(meeting, member):
    rent = AgendaItemFactory(meeting=meeting, title_en="Rent", duration=60, position=2)
    AgendaItemFactory(meeting=meeting, title_en="Welcome", duration=10, position=1)
    AgendaItemFactory(meeting=meeting, parent=rent, title_en="Vote", duration=20)
    AgendaItemFactory(meeting=meeting, proposed=True, title_en="Street lights")
    agenda.agenda_publish(meeting=meeting)
    response = client_for(member).get(_url("agenda_detail", meeting))
    text = page_text(response)
    assert [item.title_en for item in response.context["items"]] == ["Welcome", "Rent"]
    assert text.index("Welcome") < text.index("Rent") < text.index("Vote")
    assert "Street lights" not in text
    assert "Draft agenda" not in text


def test_agenda_detail_shows_leaders_to_members_only(meeting, member, people):
    AgendaItemFactory(meeting=meeting, owner=people["coordinator"], title_en="Rent")
    AgendaItemFactory(meeting=meeting, owner_name="Doña Rosa", title_en="Repairs")
    agenda.agenda_publish(meeting=meeting)
    leaders = [people["coordinator"].display_name, "Doña Rosa"]
    member_page = page_text(client_for(member).get(_url("agenda_detail", meeting)))
    public_page = page_text(client_for(None).get(_url("agenda_detail", meeting)))
    assert all(name in member_page for name in leaders)
    assert "Rent" in public_page
    assert not any(name in public_page for name in leaders)


def test_agenda_detail_marks_an_edited_published_agenda_as_updated(facilitator, meeting, member):
    item = AgendaItemFactory(meeting=meeting)
    agenda.agenda_publish(meeting=meeting)
    assert "Updated" not in page_text(client_for(member).get(_url("agenda_detail", meeting)))
    facilitator.post(_item_url("agenda_item_edit", item), _item_data(duration="40"))
    assert "Updated" in page_text(client_for(member).get(_url("agenda_detail", meeting)))
    assert "Send the updated agenda to 0 people" in page_text(facilitator.get(_url("agenda_detail", meeting)))


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_detail_reads_items_in_the_readers_language(language, meeting, member):
    AgendaItemFactory(meeting=meeting, title_en="Rent", title_es="Renta")
    agenda.agenda_publish(meeting=meeting)
    response = client_for(member).get(_url("agenda_detail", meeting, language))
    assert ("Renta" if language == "es" else "Rent") in page_text(response)


def test_agenda_detail_reads_the_agenda_in_a_fixed_number_of_queries(
    facilitator, open_meeting, member, django_assert_max_num_queries
):
    for _n in range(6):
        item = AgendaItemFactory(meeting=open_meeting, duration=15, owner=member)
        AgendaItemFactory(meeting=open_meeting, parent=item, duration=5, owner=member)
        AgendaItemFactory(meeting=open_meeting, proposed=True)
    with django_assert_max_num_queries(12):
        response = facilitator.get(_url("agenda_detail", open_meeting))
    assert len(response.context["items"]) == 6


def test_agenda_detail_shows_the_deadline_on_the_assemblys_clock(facilitator, assembly):
    year = datetime.now(UTC).year + 1
    meeting = MeetingFactory(
        assembly=assembly,
        starts_at=datetime(year, 7, 20, 18, 0, tzinfo=CHICAGO),
        proposals_until=datetime(year, 7, 15, 23, 30, tzinfo=UTC),
    )
    text = page_text(facilitator.get(_url("agenda_detail", meeting)))
    assert f'value="{year}-07-15T18:30"' in text


def test_agenda_detail_escapes_what_members_write(facilitator, open_meeting, member):
    AgendaItemFactory(
        meeting=open_meeting, proposed=True, proposed_by=member, title_en="<script>x()</script>", notes_en="<b>hi</b>"
    )
    content = facilitator.get(_url("agenda_detail", open_meeting)).content.decode()
    assert "<script>x()</script>" not in content
    assert "&lt;script&gt;x()&lt;/script&gt;" in content
    assert "<b>hi</b>" not in content


@pytest.mark.parametrize("language", LANGUAGES)
def test_meeting_edit_view_refuses_shortening_below_the_agenda(language, facilitator, meeting):
    AgendaItemFactory(meeting=meeting, duration=100)
    start = meeting.starts_at.astimezone(CHICAGO)
    data = {
        "title_en": meeting.title_en,
        "starts_at": start.strftime(FORM_TIME),
        "ends_at": (start + timedelta(minutes=90)).strftime(FORM_TIME),
        "address_visibility": meeting.address_visibility,
        "reminder_hours": "24; 2",
    }
    response = facilitator.post(_url("meeting_edit", meeting, language), data)
    message = in_language(
        language,
        "The agenda takes %(agenda)d minutes, %(over)d more than this meeting would last.",
        agenda=100,
        over=10,
    )
    assert response.context["form"].errors["ends_at"] == [message]
    meeting.refresh_from_db()
    assert meeting.length_minutes == 120


# What people receive: rendered last, in each recipient's language.


def test_agenda_published_email_reaches_a_spanish_guest_in_spanish(meeting):
    guest = RegistrationFactory(meeting=meeting, guest=True, language="es")
    AgendaItemFactory(meeting=meeting, title_en="Rent", title_es="Renta", duration=30)
    agenda.agenda_publish(meeting=meeting)
    email = render_email(Message.objects.get(kind="agenda_published", recipient_key=f"registration:{guest.pk}"))
    assert meeting.title_es in email.subject
    assert "Renta (30 min)" in email.body
    assert "Rent (30 min)" not in email.body
    assert _url("agenda_detail", meeting, "es") in email.body


@pytest.mark.parametrize("language", LANGUAGES)
def test_agenda_proposal_decided_email_is_in_the_proposers_language(language, open_meeting, people):
    proposer = people["member"]
    proposer.language = language
    proposer.save(update_fields=["language"])
    proposal = _propose(open_meeting, proposer, title="Street lights")
    AgendaItem.objects.filter(pk=proposal.pk).update(title_es="Alumbrado público")
    proposal.refresh_from_db()
    agenda.agenda_proposal_decide(item=proposal, accept=False)
    email = render_email(Message.objects.get(kind="agenda_proposal_decided"))
    assert email.to == [proposer.email]
    assert ("Alumbrado público" if language == "es" else "Street lights") in email.body
    assert _url("agenda_detail", open_meeting, language) in email.body


def test_agenda_propose_page_after_the_deadline_shows_no_form(meeting, member):
    Meeting.objects.filter(pk=meeting.pk).update(proposals_until=timezone.now() - timedelta(minutes=1))
    response = client_for(member).get(_url("agenda_propose", meeting, "en"))
    assert response.status_code == 200
    assert "the deadline has passed, or the facilitators did not open proposals" in page_text(response)
    assert "Send my proposal" not in page_text(response)
