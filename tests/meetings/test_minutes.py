"""Minutes: per item decisions and next steps in both languages, an attendance count, published to members
and sent to the people who had a seat."""

from html import unescape

import pytest
from django.core.exceptions import ValidationError

from assembly.meetings import agenda
from assembly.meetings.models import AgendaItem, Meeting, Registration
from assembly.notify.models import Message
from assembly.notify.services import render_email
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory, RegistrationFactory
from tests.meetings.helpers import flashed, in_language, page_text, snapshot, url_in

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "es"]
NOT_STARTED = "Minutes can be published once the meeting has started."


def _url(name: str, meeting: Meeting, language: str = "en") -> str:
    return url_in(language, name, slug=meeting.assembly.slug, pk=meeting.pk)


def _field(item: AgendaItem, field: str, language: str) -> str:
    return f"item{item.pk}_{field}_{language}"


def _minutes_data(attendance="23", **items) -> dict:
    return {"attendance": attendance, **items}


def _told() -> list[tuple[str, int, str]]:
    return sorted(
        Message.objects.filter(kind="minutes_published").values_list("recipient_key", "object_id", "occasion")
    )


@pytest.fixture
def meeting(assembly):
    """A meeting that took place three days ago, with two items, the first with a part."""
    meeting = MeetingFactory(assembly=assembly, past=True)
    rent = AgendaItemFactory(meeting=meeting, title_en="Rent", title_es="Renta", duration=60)
    AgendaItemFactory(meeting=meeting, parent=rent, title_en="Vote", title_es="Votación", duration=30)
    AgendaItemFactory(meeting=meeting, title_en="Repairs", title_es="Reparaciones", duration=30)
    return meeting


@pytest.fixture
def items(meeting) -> dict[str, AgendaItem]:
    return {item.title_en: item for item in AgendaItem.objects.filter(meeting=meeting)}


@pytest.fixture
def facilitator(people):
    return client_for(people["facilitator"])


@pytest.fixture
def member(people):
    return people["member"]


def _save(meeting: Meeting, items: dict[str, AgendaItem], attendance: int | None = 23) -> None:
    agenda.minutes_save(
        meeting=meeting,
        attendance=attendance,
        items={
            items["Rent"].pk: {
                "decisions_en": "Rent strike on May 1.",
                "decisions_es": "Huelga de renta el 1 de mayo.",
            },
            items["Vote"].pk: {"next_steps_en": "Ana calls the landlord.", "next_steps_es": "Ana llama al dueño."},
        },
    )


# Saving


def test_minutes_save_stores_attendance_and_each_items_texts_in_both_languages(meeting, items):
    _save(meeting, items)
    meeting.refresh_from_db()
    rent, vote, repairs = (AgendaItem.objects.get(pk=items[name].pk) for name in ("Rent", "Vote", "Repairs"))
    assert meeting.attendance == 23
    assert (rent.decisions_en, rent.decisions_es) == ("Rent strike on May 1.", "Huelga de renta el 1 de mayo.")
    assert (vote.next_steps_en, vote.next_steps_es) == ("Ana calls the landlord.", "Ana llama al dueño.")
    assert not (repairs.decisions_en or repairs.next_steps_en)
    assert not meeting.minutes_are_published
    assert not Message.objects.exists()


def test_minutes_save_ignores_items_of_other_meetings_and_proposals(meeting):
    elsewhere = AgendaItemFactory(meeting=MeetingFactory(assembly=meeting.assembly, past=True))
    proposal = AgendaItemFactory(meeting=meeting, proposed=True)
    agenda.minutes_save(
        meeting=meeting,
        attendance=5,
        items={elsewhere.pk: {"decisions_en": "Forged."}, proposal.pk: {"decisions_en": "Not on the agenda."}},
    )
    elsewhere.refresh_from_db()
    proposal.refresh_from_db()
    assert not (elsewhere.decisions_en or proposal.decisions_en)


def test_minutes_save_of_a_cancelled_meeting_is_refused(meeting, items):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    meeting.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError):
        _save(meeting, items)
    assert snapshot() == before


# Publishing


@pytest.fixture
def signed_up(meeting):
    """One person of each status: only those who had a seat are sent the minutes."""
    return {
        status: RegistrationFactory(meeting=meeting, status=status)
        for status in [
            Registration.Status.CONFIRMED,
            Registration.Status.WAITLISTED,
            Registration.Status.UNCONFIRMED,
            Registration.Status.CANCELLED,
        ]
    } | {"guest": RegistrationFactory(meeting=meeting, guest=True)}


def _seated(signed_up) -> list[tuple[str, int, str]]:
    seated = [signed_up[Registration.Status.CONFIRMED], signed_up["guest"]]
    return sorted((f"registration:{r.pk}", r.meeting_id, "") for r in seated)


def test_minutes_publish_sends_them_to_the_people_who_had_a_seat(meeting, items, signed_up):
    _save(meeting, items)
    agenda.minutes_publish(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.minutes_are_published
    assert _told() == _seated(signed_up)


def test_minutes_publish_before_the_meeting_starts_is_refused(assembly):
    meeting = MeetingFactory(assembly=assembly)
    AgendaItemFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.minutes_publish(meeting=meeting)
    assert refused.value.messages == [NOT_STARTED]
    assert snapshot() == before


def test_minutes_publish_without_items_is_refused(assembly):
    meeting = MeetingFactory(assembly=assembly, past=True)
    AgendaItemFactory(meeting=meeting, proposed=True)
    RegistrationFactory(meeting=meeting)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.minutes_publish(meeting=meeting)
    assert refused.value.messages == ["Add the agenda's items first: the minutes follow them."]
    assert snapshot() == before


def test_minutes_publish_twice_is_refused_and_sends_nothing_again(meeting, signed_up):
    agenda.minutes_publish(meeting=meeting)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        agenda.minutes_publish(meeting=meeting)
    assert refused.value.messages == ["The minutes are already published."]
    assert snapshot() == before


def test_minutes_publish_of_a_cancelled_meeting_is_refused(meeting, signed_up):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    before = snapshot()
    with pytest.raises(ValidationError):
        agenda.minutes_publish(meeting=meeting)
    assert snapshot() == before


# Pages


def test_minutes_edit_view_shows_every_item_and_part_in_both_languages(facilitator, meeting, items):
    _save(meeting, items)
    response = facilitator.get(_url("minutes_edit", meeting))
    form = response.context["form"]
    assert response.status_code == 200
    assert [item.title_en for item, _fields in form.item_groups()] == ["Rent", "Vote", "Repairs"]
    assert form["attendance"].value() == 23
    assert form[_field(items["Rent"], "decisions", "es")].value() == "Huelga de renta el 1 de mayo."


@pytest.mark.parametrize("language", LANGUAGES)
def test_minutes_edit_view_saves_and_shows_the_minutes(language, facilitator, meeting, items):
    data = _minutes_data(
        **{
            _field(items["Repairs"], "decisions", "en"): "  Fix the boiler.  ",
            _field(items["Repairs"], "decisions", "es"): "Arreglar la caldera.",
            _field(items["Vote"], "next_steps", "es"): "Votar de nuevo en junio.",
        }
    )
    response = facilitator.post(_url("minutes_edit", meeting, language), data)
    assert response.status_code == 302
    assert response["Location"] == _url("minutes_detail", meeting, language)
    assert flashed(response) == [in_language(language, "The minutes are saved.")]
    repairs, vote = AgendaItem.objects.get(pk=items["Repairs"].pk), AgendaItem.objects.get(pk=items["Vote"].pk)
    assert (repairs.decisions_en, repairs.decisions_es) == ("Fix the boiler.", "Arreglar la caldera.")
    assert (vote.next_steps_en, vote.next_steps_es) == ("", "Votar de nuevo en junio.")
    meeting.refresh_from_db()
    assert meeting.attendance == 23


def test_minutes_edit_view_can_clear_the_attendance(facilitator, meeting, items):
    _save(meeting, items)
    facilitator.post(_url("minutes_edit", meeting), _minutes_data(attendance=""))
    meeting.refresh_from_db()
    assert meeting.attendance is None


@pytest.mark.parametrize("attendance", ["-1", "many", "1000001"])
def test_minutes_edit_view_refuses_a_bad_attendance(attendance, facilitator, meeting, items):
    before = snapshot()
    data = _minutes_data(attendance=attendance, **{_field(items["Rent"], "decisions", "en"): "Strike."})
    response = facilitator.post(_url("minutes_edit", meeting), data)
    assert response.status_code == 400
    assert "attendance" in response.context["form"].errors
    assert snapshot() == before


def test_minutes_edit_view_ignores_fields_for_another_meetings_items(facilitator, meeting):
    elsewhere = AgendaItemFactory(meeting=MeetingFactory(assembly=meeting.assembly, past=True))
    response = facilitator.post(
        _url("minutes_edit", meeting), _minutes_data(**{_field(elsewhere, "decisions", "en"): "Forged."})
    )
    assert response.status_code == 302
    elsewhere.refresh_from_db()
    assert not elsewhere.decisions_en


def test_minutes_edit_view_of_a_cancelled_meeting_says_why(facilitator, meeting):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    before = snapshot()
    response = facilitator.post(_url("minutes_edit", meeting), _minutes_data())
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This meeting was cancelled, so its agenda can no longer change."
    ]
    assert snapshot() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_minutes_publish_view_publishes_and_sends(language, facilitator, meeting, items, signed_up):
    response = facilitator.post(_url("minutes_publish", meeting, language))
    assert response.status_code == 302
    assert response["Location"] == _url("minutes_detail", meeting, language)
    assert flashed(response) == [in_language(language, "The minutes are published and sent to the people who came.")]
    meeting.refresh_from_db()
    assert meeting.minutes_are_published
    assert _told() == _seated(signed_up)


@pytest.mark.parametrize("language", LANGUAGES)
def test_minutes_publish_view_before_the_meeting_says_why(language, facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly)
    AgendaItemFactory(meeting=meeting)
    before = snapshot()
    response = facilitator.post(_url("minutes_publish", meeting, language))
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, NOT_STARTED)]
    assert snapshot() == before


def test_minutes_detail_shows_members_nothing_before_publishing(meeting, items, member):
    _save(meeting, items)
    response = client_for(member).get(_url("minutes_detail", meeting))
    text = page_text(response)
    assert response.status_code == 200
    assert "The minutes are not published yet." in text
    assert "Rent strike on May 1." not in text
    assert "23 people attended." not in text


def test_minutes_detail_shows_facilitators_the_draft(facilitator, meeting, items):
    _save(meeting, items)
    text = page_text(facilitator.get(_url("minutes_detail", meeting)))
    assert "Draft minutes: only facilitators see them." in text
    assert "Rent strike on May 1." in text
    assert "Publish the minutes" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_minutes_detail_shows_members_the_published_minutes_in_their_language(language, meeting, items, member):
    _save(meeting, items)
    agenda.minutes_publish(meeting=meeting)
    response = client_for(member).get(_url("minutes_detail", meeting, language))
    text = page_text(response)
    assert response.status_code == 200
    if language == "es":
        assert "Huelga de renta el 1 de mayo." in text
        assert "Ana llama al dueño." in text
        assert "Rent strike on May 1." not in text
    else:
        assert "Rent strike on May 1." in text
        assert "Ana calls the landlord." in text
        assert "Huelga de renta" not in text
    assert in_language(language, "Decisions") in text
    assert in_language(language, "Next steps") in text
    assert "23" in text
    assert "Draft minutes" not in text


def test_minutes_detail_falls_back_to_the_other_language(meeting, items, member):
    agenda.minutes_save(
        meeting=meeting, attendance=None, items={items["Rent"].pk: {"decisions_es": "Solo en español."}}
    )
    agenda.minutes_publish(meeting=meeting)
    text = page_text(client_for(member).get(_url("minutes_detail", meeting)))
    assert "Solo en español." in text
    assert "attended" not in text


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_minutes_detail_is_hidden_from_people_outside_the_assembly_who_had_a_seat(visibility, meeting, items, people):
    """A stranger may have signed up for a public meeting; the minutes are still for members."""
    meeting.assembly.visibility = visibility
    meeting.assembly.save(update_fields=["visibility"])
    RegistrationFactory(meeting=meeting, user=people["stranger"])
    _save(meeting, items)
    agenda.minutes_publish(meeting=meeting)
    response = client_for(people["stranger"]).get(_url("minutes_detail", meeting))
    assert response.status_code == 404
    assert "Rent strike" not in page_text(response)


def test_minutes_detail_reads_the_minutes_in_a_fixed_number_of_queries(meeting, member, django_assert_max_num_queries):
    for _n in range(5):
        item = AgendaItemFactory(meeting=meeting, duration=1, owner=member)
        AgendaItemFactory(meeting=meeting, parent=item, duration=1, owner=member)
    agenda.minutes_publish(meeting=meeting)
    client = client_for(member)
    with django_assert_max_num_queries(10):
        response = client.get(_url("minutes_detail", meeting))
    assert len(response.context["items"]) == 7


# What people receive: rendered last, in each recipient's language.


@pytest.mark.parametrize("language", LANGUAGES)
def test_minutes_published_email_is_in_the_recipients_language(language, meeting, items):
    user = MembershipFactory(assembly=meeting.assembly, user__language=language).user
    registration = RegistrationFactory(meeting=meeting, user=user)
    _save(meeting, items)
    agenda.minutes_publish(meeting=meeting)
    email = render_email(Message.objects.get(kind="minutes_published", recipient_key=f"registration:{registration.pk}"))
    html = unescape(email.alternatives[0][0])
    expected = "Huelga de renta el 1 de mayo." if language == "es" else "Rent strike on May 1."
    other = "Rent strike on May 1." if language == "es" else "Huelga de renta el 1 de mayo."
    assert expected in email.body
    assert other not in email.body
    assert (meeting.title_es if language == "es" else meeting.title_en) in email.subject
    assert _url("minutes_detail", meeting, language) in email.body
    assert expected in html
