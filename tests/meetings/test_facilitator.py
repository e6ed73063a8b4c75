"""What facilitators do: schedule, edit, publish and cancel meetings, see who is coming; and a member's own list."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assembly.common.models import AuditEntry
from assembly.meetings import services
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.meetings.helpers import (
    FORM_TIME,
    flashed,
    in_language,
    meeting_form_data,
    page_text,
    snapshot,
    url_in,
)

pytestmark = pytest.mark.django_db

Status = Registration.Status
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def facilitator(people):
    return client_for(people["facilitator"])


def _create(client, language: str = "en", **overrides):
    slug = Meeting._meta.get_field("assembly").related_model.objects.get().slug
    return client.post(url_in(language, "meeting_create", slug=slug), meeting_form_data(**overrides))


def _url(name: str, meeting: Meeting, language: str = "en") -> str:
    return url_in(language, name, slug=meeting.assembly.slug, pk=meeting.pk)


# Scheduling


@pytest.mark.clock
@pytest.mark.parametrize(("month", "utc_hour"), [(1, 0), (7, 23)])
def test_meeting_create_reads_times_on_the_assemblys_clock(month, utc_hour, facilitator, assembly):
    year = datetime.now(UTC).year + 1
    response = _create(facilitator, starts_at=f"{year}-{month:02}-15T18:30", ends_at=f"{year}-{month:02}-15T20:00")
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("meeting_detail", meeting)
    # 18:30 in Chicago is 00:30 UTC the next day in winter (UTC-6) and 23:30 UTC the same day in summer (UTC-5).
    day = 16 if utc_hour == 0 else 15
    assert meeting.starts_at == datetime(year, month, day, utc_hour, 30, tzinfo=UTC)
    assert meeting.ends_at == datetime(year, month, 15, 20, 0, tzinfo=CHICAGO)
    assert (meeting.assembly, meeting.status, meeting.seats_taken) == (assembly, Meeting.Status.DRAFT, 0)
    assert flashed(response) == ["The meeting is saved as a draft. Publish it when it is ready."]


@pytest.mark.parametrize("language", ["en", "es"])
def test_meeting_create_refuses_end_before_start(language, facilitator, assembly):
    start = datetime.now(CHICAGO) + timedelta(days=3)
    data = {"starts_at": start.strftime(FORM_TIME), "ends_at": (start - timedelta(hours=1)).strftime(FORM_TIME)}
    response = _create(facilitator, language, **data)
    assert response.status_code == 200
    assert response.context["form"].errors["ends_at"] == [
        in_language(language, "The meeting must end after it starts.")
    ]
    assert not Meeting.objects.exists()


@pytest.mark.clock
@pytest.mark.parametrize("language", ["en", "es"])
def test_meeting_create_refuses_start_in_the_past(language, facilitator, assembly):
    start = datetime.now(CHICAGO) - timedelta(hours=2)
    data = {"starts_at": start.strftime(FORM_TIME), "ends_at": (start + timedelta(hours=3)).strftime(FORM_TIME)}
    response = _create(facilitator, language, **data)
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [in_language(language, "Choose a time in the future.")]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("abc", "“abc” is not a number of hours. Separate several reminders with semicolons, like 24; 2."),
        ("24, soon", "“soon” is not a number of hours. Separate several reminders with semicolons, like 24; 2."),
        ("0", "Each reminder must be between a few minutes and 14 days before."),
        ("400", "Each reminder must be between a few minutes and 14 days before."),
    ],
)
def test_meeting_create_refuses_bad_reminder_hours(text, error, facilitator, assembly):
    response = _create(facilitator, reminder_hours=text)
    assert response.status_code == 200
    assert response.context["form"].errors["reminder_hours"] == [error]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("24, 2", [1440, 120]), ("2; 24", [1440, 120]), ("0.5, 48", [2880, 30]), ("2, 2", [120])],
)
def test_meeting_create_stores_reminder_minutes(text, minutes, facilitator, assembly):
    _create(facilitator, reminder_hours=text)
    assert Meeting.objects.get().reminder_minutes == minutes


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1,5", [90]), ("0,5", [30]), ("24; 1,5", [1440, 90]), ("2;0.5", [120, 30]), ("48 ; 1", [2880, 60])],
)
def test_meeting_create_reads_spanish_decimal_commas_in_reminders(text, minutes, facilitator, assembly):
    response = _create(facilitator, "es", reminder_hours=text)

    assert response.status_code == 302
    assert Meeting.objects.get().reminder_minutes == minutes


def test_meeting_create_in_spanish_does_not_split_reminders_on_a_comma(facilitator, assembly):
    response = _create(facilitator, "es", reminder_hours="24, 2")

    assert response.context["form"].errors["reminder_hours"] == [
        "«24, 2» no es un número de horas. Separa varios recordatorios con punto y coma, como 24; 2."
    ]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(("language", "shown"), [("en", "24; 1.5"), ("es", "24; 1,5")])
def test_meeting_edit_shows_reminders_with_the_readers_decimal_mark(language, shown, facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly, reminder_minutes=[1440, 90])

    response = facilitator.get(_url("meeting_edit", meeting, language))

    assert response.context["form"]["reminder_hours"].value() == shown


@pytest.mark.parametrize("language", ["en", "es"])
def test_reminder_help_says_how_to_separate_and_that_fractions_work(language, facilitator, assembly):
    response = facilitator.get(url_in(language, "meeting_create", slug=assembly.slug))

    help_text = str(response.context["form"].fields["reminder_hours"].help_text)
    assert help_text == in_language(
        language,
        "Hours before the start; separate several with semicolons, for example: 24; 2; 0.5. "
        "Fractions of an hour work: 0.5 is 30 minutes. Leave empty for no reminders.",
    )


@pytest.mark.clock
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("far", ["9999-12-31T22:00", "0001-01-01T00:00", "2200-01-01T10:00"])
def test_meeting_create_refuses_far_dates_with_a_message(far, language, facilitator, assembly):
    response = _create(facilitator, language, starts_at=far, ends_at=far.replace("T22:", "T23:"))

    assert response.status_code == 200
    (error,) = response.context["form"].errors["starts_at"]
    assert error.startswith(in_language(language, "Choose a date between %(earliest)s and %(latest)s.")[:10])
    assert not Meeting.objects.exists()


def test_meeting_edit_refuses_a_far_date_and_changes_nothing(facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly)
    before = snapshot()

    response = facilitator.post(
        _url("meeting_edit", meeting), meeting_form_data(starts_at="9999-12-31T22:00", ends_at="9999-12-31T23:00")
    )

    assert response.status_code == 200
    assert "starts_at" in response.context["form"].errors
    assert snapshot() == before


def test_meeting_create_without_reminders_stores_none(facilitator, assembly):
    response = _create(facilitator, reminder_hours="")
    assert response.status_code == 302
    assert Meeting.objects.get().reminder_minutes == []


# The view hands the model's error to form.add_error(None, ...), which has no field to put it on.
def test_meeting_edit_removing_reminders_drops_them(facilitator, scheduled):
    services.registration_create(meeting=scheduled, user=UserFactory())
    response = facilitator.post(_url("meeting_edit", scheduled), meeting_form_data(capacity="3", reminder_hours=""))
    assert response.status_code == 302
    assert Meeting.objects.get().reminder_minutes == []
    assert not Message.objects.filter(kind="meeting_reminder").exists()


def test_meeting_create_needs_a_title_in_one_language(facilitator, assembly):
    response = _create(facilitator, title_en="", title_es="")
    assert response.context["form"].errors["title_en"] == ["Write this in at least one language."]
    assert not Meeting.objects.exists()
    _create(facilitator, title_en="", title_es="Solo en español")
    assert Meeting.objects.get().title_es == "Solo en español"


def test_meeting_create_form_enforces_csrf(csrf_client, people, assembly):
    csrf_client.force_login(people["facilitator"])
    response = _create(csrf_client)
    assert response.status_code == 403
    assert not Meeting.objects.exists()


# Editing


@pytest.fixture
def scheduled(facilitator, assembly) -> Meeting:
    """A published meeting made through the form, so its times are whole minutes as the form shows them."""
    _create(facilitator, capacity="3")
    meeting = Meeting.objects.get()
    services.meeting_publish(meeting=meeting)
    return Meeting.objects.get()


def test_meeting_edit_shows_times_on_the_assemblys_clock(facilitator, scheduled):
    response = facilitator.get(_url("meeting_edit", scheduled))
    local = scheduled.starts_at.astimezone(CHICAGO).strftime(FORM_TIME)
    assert f'value="{local}"' in response.content.decode()


def test_meeting_edit_saves_changes(facilitator, scheduled):
    response = facilitator.post(_url("meeting_edit", scheduled), meeting_form_data(title_en="Renamed", capacity="5"))
    assert response.status_code == 302
    assert flashed(response) == ["The meeting is saved."]
    meeting = Meeting.objects.get()
    assert (meeting.title_en, meeting.capacity, meeting.sequence) == ("Renamed", 5, 0)
    assert not Message.objects.filter(kind="meeting_changed").exists()


def test_meeting_edit_of_time_tells_everyone_signed_up_and_moves_reminders(facilitator, scheduled):
    seated = services.registration_create(meeting=scheduled, user=UserFactory())
    gone = services.registration_create(meeting=scheduled, user=UserFactory())
    services.registration_cancel(registration=gone)
    new_start = scheduled.starts_at.astimezone(CHICAGO) + timedelta(days=1)
    data = meeting_form_data(
        starts_at=new_start.strftime(FORM_TIME),
        ends_at=(new_start + timedelta(hours=2)).strftime(FORM_TIME),
        capacity="3",
    )
    facilitator.post(_url("meeting_edit", scheduled), data)
    meeting = Meeting.objects.get()
    assert meeting.starts_at == new_start
    assert meeting.sequence == 1
    changed = Message.objects.filter(kind="meeting_changed", object_id=meeting.pk)
    assert list(changed.values_list("recipient_key", "occasion")) == [(f"registration:{seated.pk}", "v1")]
    reminders = Message.objects.filter(kind="meeting_reminder", recipient_key=f"registration:{seated.pk}")
    assert sorted(reminders.values_list("due_at", flat=True)) == [
        new_start - timedelta(hours=24),
        new_start - timedelta(hours=2),
    ]


def test_meeting_edit_form_enforces_csrf(csrf_client, people, scheduled):
    csrf_client.force_login(people["facilitator"])
    before = snapshot()
    response = csrf_client.post(_url("meeting_edit", scheduled), meeting_form_data(title_en="Renamed"))
    assert response.status_code == 403
    assert snapshot() == before


# Publishing and cancelling


def test_meeting_publish_publishes_a_draft(facilitator, assembly):
    draft = MeetingFactory(assembly=assembly, draft=True)
    response = facilitator.post(_url("meeting_publish", draft))
    assert flashed(response) == ["The meeting is published."]
    assert Meeting.objects.get().status == Meeting.Status.PUBLISHED


@pytest.mark.parametrize(
    ("trait", "msgid"),
    [
        ({}, "Only a draft can be published."),
        ({"cancelled": True}, "Only a draft can be published."),
        ({"draft": True, "past": True}, "This meeting is over; change its time before publishing it."),
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_meeting_publish_refuses_all_but_future_drafts(trait, msgid, language, facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly, **trait)
    before = snapshot()
    response = facilitator.post(_url("meeting_publish", meeting, language))
    assert flashed(response) == [in_language(language, msgid)]
    assert snapshot() == before


def test_meeting_cancel_tells_everyone_signed_up_and_drops_reminders(facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly, capacity=1)
    seated = services.registration_create(meeting=meeting, user=UserFactory())
    waiting = services.registration_create(meeting=meeting, user=UserFactory())
    gone = services.registration_create(meeting=meeting, user=UserFactory())
    services.registration_cancel(registration=gone)
    assert Message.objects.filter(kind="meeting_reminder").count() == 2
    response = facilitator.post(_url("meeting_cancel", meeting))
    assert flashed(response) == ["The meeting is cancelled. Everyone who signed up will be told."]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (Meeting.Status.CANCELLED, 1)
    told = Message.objects.filter(kind="meeting_cancelled", object_id=meeting.pk)
    assert sorted(told.values_list("recipient_key", flat=True)) == sorted(
        f"registration:{r.pk}" for r in (seated, waiting)
    )
    assert not Message.objects.filter(kind="meeting_reminder").exists()


def test_meeting_cancel_twice_changes_nothing(facilitator, assembly):
    meeting = MeetingFactory(assembly=assembly, cancelled=True)
    before = snapshot()
    response = facilitator.post(_url("meeting_cancel", meeting))
    assert flashed(response) == ["This meeting is already cancelled."]
    assert snapshot() == before


def test_sign_up_cancelled_after_the_meeting_is_cancelled_frees_its_seat(assembly):
    meeting = MeetingFactory(assembly=assembly, capacity=1)
    seated = services.registration_create(meeting=meeting, user=UserFactory())
    waiting = services.registration_create(meeting=meeting, user=UserFactory())
    services.meeting_cancel(meeting=meeting)
    services.registration_cancel(registration=Registration.objects.get(pk=seated.pk))
    assert Registration.objects.get(pk=waiting.pk).status == Status.WAITLISTED
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 0


# Who is coming


@pytest.fixture
def attended(assembly) -> Meeting:
    meeting = MeetingFactory(assembly=assembly, capacity=2, childcare=True, interpretation=True)
    RegistrationFactory(
        meeting=meeting, user=UserFactory(display_name="Marta"), children=2, interpretation_language="Mam"
    )
    RegistrationFactory(meeting=meeting, guest=True, guest_alias="Rosa", step_free=True, interpretation_language="Mam")
    RegistrationFactory(meeting=meeting, user=UserFactory(display_name="Lupe"), status=Status.WAITLISTED, children=4)
    RegistrationFactory(meeting=meeting, user=UserFactory(display_name="Gone"), status=Status.CANCELLED)
    RegistrationFactory(meeting=meeting, guest=True, guest_alias="Unconfirmed", status=Status.UNCONFIRMED)
    return meeting


def test_attendees_page_shows_aliases_and_totals(people, attended):
    response = client_for(people["facilitator"]).get(_url("meeting_attendees", attended))
    assert response.status_code == 200
    text = page_text(response)
    for name in ["Marta", "Rosa", "Lupe"]:
        assert name in text
    assert "Gone" not in text
    assert "Unconfirmed" not in text
    totals = response.context["totals"]
    assert {k: totals[k] for k in ("confirmed", "waitlisted", "children", "step_free")} == {
        "confirmed": 2,
        "waitlisted": 1,
        "children": 2,
        "step_free": 1,
    }
    assert totals["interpretation"] == [{"interpretation_language": "Mam", "count": 2}]
    assert "2 people signed up / 2" in text
    assert "1 on the waitlist" in text
    assert "2 need interpretation into Mam" in text


def test_attendees_page_is_audited_on_each_view(people, attended):
    client = client_for(people["coordinator"])
    client.get(_url("meeting_attendees", attended))
    client.get(_url("meeting_attendees", attended))
    entries = AuditEntry.objects.values_list("actor", "action", "target_type", "target_id")
    assert list(entries) == [(people["coordinator"].pk, "attendees.view", "meetings.meeting", attended.pk)] * 2


@pytest.mark.parametrize("role", ["anonymous", "stranger", "pending", "member"])
@pytest.mark.parametrize("name", ["meeting_attendees", "meeting_attendees_csv"])
def test_attendees_refused_is_not_audited(name, role, people, attended):
    response = client_for(people[role]).get(_url(name, attended))
    assert response.status_code in {302, 403, 404}
    assert not AuditEntry.objects.exists()


def test_attendees_page_queries_do_not_grow_with_attendees(people, assembly):
    meeting = MeetingFactory(assembly=assembly)
    client = client_for(people["facilitator"])
    counts = []
    for _round in range(2):
        for _n in range(5):
            RegistrationFactory(meeting=meeting)
        with CaptureQueriesContext(connection) as queries:
            client.get(_url("meeting_attendees", meeting))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("language", ["en", "es"])
def test_attendees_csv_has_a_header_and_one_row_per_attendee(language, people, attended):
    response = client_for(people["facilitator"]).get(_url("meeting_attendees_csv", attended, language))
    assert response["Content-Disposition"] == f'attachment; filename="meeting-{attended.pk}-attendees.csv"'
    assert "no-store" in response["Cache-Control"]
    header, *rows = _csv_rows(response)
    assert header == [
        in_language(language, text) for text in ["Name", "Status", "Interpretation", "Children", "Step-free access"]
    ]
    yes, registered, waiting = (
        in_language(language, "yes"),
        in_language(language, "Registered"),
        in_language(language, "On the waitlist"),
    )
    assert sorted(rows) == sorted(
        [
            ["Marta", registered, "Mam", "2", ""],
            ["Rosa", registered, "Mam", "0", yes],
            ["Lupe", waiting, "", "4", ""],
        ]
    )


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x")', "+1+2", "-3", "@SUM(A1)", "\t=1"])
def test_attendees_csv_neutralizes_formulas(name, people, assembly):
    meeting = MeetingFactory(assembly=assembly)
    RegistrationFactory(meeting=meeting, guest=True, guest_alias=name, interpretation_language="=cmd")
    RegistrationFactory(meeting=meeting, user=UserFactory(display_name=name))
    response = client_for(people["facilitator"]).get(_url("meeting_attendees_csv", meeting))
    _header, *rows = _csv_rows(response)
    assert [row[0] for row in rows] == ["'" + name] * 2
    assert sorted(row[2] for row in rows) == ["", "'=cmd"]


def test_attendees_csv_is_audited(people, attended):
    client_for(people["facilitator"]).get(_url("meeting_attendees_csv", attended))
    entries = AuditEntry.objects.values_list("actor", "action", "target_type", "target_id")
    assert list(entries) == [(people["facilitator"].pk, "attendees.export", "meetings.meeting", attended.pk)]


# My meetings


def test_my_meetings_lists_my_upcoming_sign_ups(people, assembly):
    member = people["member"]
    sooner = MeetingFactory(assembly=assembly)
    soon = MeetingFactory(assembly=assembly, starts_at=sooner.starts_at + timedelta(days=1))
    waiting = MeetingFactory(assembly=assembly, capacity=1, starts_at=soon.starts_at + timedelta(days=1))
    RegistrationFactory(meeting=waiting)
    mine = [
        RegistrationFactory(meeting=soon, user=member),
        RegistrationFactory(meeting=sooner, user=member),
        RegistrationFactory(meeting=waiting, user=member, status=Status.WAITLISTED),
    ]
    RegistrationFactory(meeting=MeetingFactory(assembly=assembly), user=member, status=Status.CANCELLED)
    RegistrationFactory(meeting=MeetingFactory(assembly=assembly, title_en="Somebody else's"))
    past = RegistrationFactory(meeting=MeetingFactory(assembly=assembly, past=True), user=member)
    response = client_for(member).get(url_in("en", "my_meetings"))
    assert list(response.context["upcoming"]) == [mine[1], mine[0], mine[2]]
    assert list(response.context["past"]) == [past]
    assert "Somebody else's" not in page_text(response)
