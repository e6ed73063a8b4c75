"""Members sign up with one click; guests sign up with an alias and an email, and confirm from a signed link."""

import time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from assembly.meetings import links, services
from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory
from tests.meetings.helpers import flashed, in_language, page_text, snapshot, url_in

pytestmark = pytest.mark.django_db

Status = Registration.Status
LANGUAGES = ["en", "es"]


def _url(name: str, meeting: Meeting, language: str = "en") -> str:
    return url_in(language, name, slug=meeting.assembly.slug, pk=meeting.pk)


def _messages_for(registration: Registration, kind: str) -> list[Message]:
    return list(Message.objects.filter(kind=kind, recipient_key=f"registration:{registration.pk}"))


@pytest.fixture
def member(assembly, people):
    return people["member"]


@pytest.fixture
def meeting(assembly):
    return MeetingFactory(assembly=assembly, capacity=10, interpretation=True, childcare=True, step_free=True)


# Members


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_registration_takes_a_seat_with_one_click(language, meeting, member):
    response = client_for(member).post(_url("meeting_register", meeting, language))
    assert response.status_code == 302
    registration = Registration.objects.get(meeting=meeting, user=member)
    assert registration.status == Status.CONFIRMED
    assert registration.queued_at is not None
    meeting.refresh_from_db()
    assert meeting.seats_taken == 1
    assert flashed(response) == [
        in_language(language, "You are signed up. We sent you a confirmation with a calendar file.")
    ]
    assert len(_messages_for(registration, "registration_confirmed")) == 1
    reminders = _messages_for(registration, "meeting_reminder")
    assert sorted(m.due_at for m in reminders) == [meeting.starts_at - h for h in (_hours(24), _hours(2))]


def _hours(count: int):
    from datetime import timedelta

    return timedelta(hours=count)


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_registration_twice_changes_nothing(language, meeting, member):
    client = client_for(member)
    client.post(_url("meeting_register", meeting))
    before = snapshot()
    response = client.post(_url("meeting_register", meeting, language), {"children": "2"})
    assert flashed(response) == [in_language(language, "You are already signed up for this meeting.")]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("trait", "msgid"),
    [
        ("past", "This meeting is over, so it takes no sign-ups."),
        ("cancelled", "This meeting was cancelled, so it takes no sign-ups."),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_member_registration_for_closed_meeting_changes_nothing(trait, msgid, language, assembly, member):
    meeting = MeetingFactory(assembly=assembly, **{trait: True})
    before = snapshot()
    response = client_for(member).post(_url("meeting_register", meeting, language))
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, msgid)]
    assert snapshot() == before


def test_member_registration_for_draft_changes_nothing(assembly, people):
    draft = MeetingFactory(assembly=assembly, draft=True)
    before = snapshot()
    # Only organizers can see a draft at all; the others get 404 (see test_permissions).
    response = client_for(people["facilitator"]).post(_url("meeting_register", draft))
    assert flashed(response) == ["This meeting is not published yet."]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("trait", "msgid"),
    [
        ("past", "This meeting is over, so it takes no sign-ups."),
        ("cancelled", "This meeting was cancelled, so it takes no sign-ups."),
        ("draft", "This meeting is not published yet."),
    ],
)
def test_registration_create_refuses_closed_meeting(trait, msgid, assembly, member):
    meeting = MeetingFactory(assembly=assembly, **{trait: True})
    with pytest.raises(ValidationError) as raised:
        services.registration_create(meeting=meeting, user=member)
    assert raised.value.messages == [msgid]
    assert not Registration.objects.exists()


def test_member_registration_stores_needs(meeting, member):
    data = {"interpretation_language": "  Mam ", "children": "12", "step_free": "on"}
    client_for(member).post(_url("meeting_register", meeting), data)
    registration = Registration.objects.get(meeting=meeting, user=member)
    assert (registration.interpretation_language, registration.children, registration.step_free) == ("Mam", 12, True)
    assert registration.status == Status.CONFIRMED


def test_member_registration_ignores_needs_the_meeting_does_not_offer(assembly, member):
    meeting = MeetingFactory(assembly=assembly, interpretation=False, childcare=False)
    client_for(member).post(_url("meeting_register", meeting), {"interpretation_language": "Mam", "children": "3"})
    registration = Registration.objects.get(meeting=meeting, user=member)
    assert (registration.interpretation_language, registration.children) == ("", 0)


@pytest.mark.parametrize(
    ("children", "msgid", "limit"),
    [
        ("13", "Ensure this value is less than or equal to %(limit_value)s.", 12),
        ("-1", "Ensure this value is greater than or equal to %(limit_value)s.", 0),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_member_registration_refuses_children_out_of_range(children, msgid, limit, language, meeting, member):
    before = snapshot()
    response = client_for(member).post(_url("meeting_register", meeting, language), {"children": children})
    assert response.status_code == 302
    assert flashed(response) == [in_language(language, msgid, limit_value=limit)]
    assert snapshot() == before


def test_member_registration_after_cancelling_takes_a_seat_again(meeting, member):
    client = client_for(member)
    client.post(_url("meeting_register", meeting))
    client.post(_url("meeting_unregister", meeting))
    client.post(_url("meeting_register", meeting), {"children": "1"})
    registration = Registration.objects.get(meeting=meeting, user=member)
    assert (registration.status, registration.children) == (Status.CONFIRMED, 1)
    meeting.refresh_from_db()
    assert meeting.seats_taken == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_member_unregister_frees_the_seat(language, meeting, member):
    client = client_for(member)
    client.post(_url("meeting_register", meeting))
    response = client.post(_url("meeting_unregister", meeting, language))
    assert flashed(response) == [in_language(language, "Your sign-up is cancelled.")]
    assert Registration.objects.get(meeting=meeting, user=member).status == Status.CANCELLED
    meeting.refresh_from_db()
    assert meeting.seats_taken == 0
    assert not _messages_for(Registration.objects.get(user=member), "meeting_reminder")


def test_member_unregister_twice_changes_nothing(meeting, member):
    client = client_for(member)
    client.post(_url("meeting_register", meeting))
    client.post(_url("meeting_unregister", meeting))
    before = snapshot()
    response = client.post(_url("meeting_unregister", meeting))
    assert flashed(response) == ["This sign-up is already cancelled."]
    assert snapshot() == before


def test_member_unregister_without_sign_up_is_404(meeting, member):
    response = client_for(member).post(_url("meeting_unregister", meeting))
    assert response.status_code == 404


# Guests


def _guest_post(meeting: Meeting, language: str = "en", **data):
    fields = {"alias": "Rosa", "email": "Rosa@Example.NET", **data}
    return client_for(None).post(_url("meeting_guest_register", meeting, language), fields)


@pytest.mark.parametrize("language", LANGUAGES)
def test_guest_registration_waits_for_confirmation(language, meeting):
    response = _guest_post(meeting, language, children="2", step_free="on")
    assert response.status_code == 302
    assert response["Location"] == _url("meeting_guest_sent", meeting, language)
    page = client_for(None).get(response["Location"])
    assert "meetings/guest_check_email.html" in [t.name for t in page.templates]
    assert in_language(language, "Check your email") in page_text(page)
    registration = Registration.objects.get(meeting=meeting)
    assert registration.user is None
    assert (registration.guest_alias, registration.guest_email) == ("Rosa", "rosa@example.net")
    assert (registration.status, registration.language) == (Status.UNCONFIRMED, language)
    assert (registration.children, registration.step_free) == (2, True)
    meeting.refresh_from_db()
    assert meeting.seats_taken == 0
    [message] = Message.objects.all()
    assert (message.kind, message.recipient_key, message.object_id) == (
        "guest_confirm",
        f"registration:{registration.pk}",
        registration.pk,
    )


@pytest.mark.parametrize(
    ("data", "field", "msgid"),
    [
        ({"alias": ""}, "alias", "This field is required."),
        ({"alias": "   "}, "alias", "This field is required."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "rosa@"}, "email", "Enter a valid email address."),
        ({"email": "not an address"}, "email", "Enter a valid email address."),
        ({"children": "13"}, "children", "Ensure this value is less than or equal to %(limit_value)s."),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_guest_registration_with_bad_input_changes_nothing(data, field, msgid, language, meeting):
    before = snapshot()
    response = _guest_post(meeting, language, **data)
    assert response.status_code == 400
    expected = in_language(language, msgid, limit_value=12) if "%(" in msgid else in_language(language, msgid)
    assert response.context["guest_form"].errors[field] == [expected]
    assert expected in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("trait", ["past", "cancelled"])
def test_guest_registration_for_closed_meeting_changes_nothing(trait, assembly):
    meeting = MeetingFactory(assembly=assembly, **{trait: True})
    before = snapshot()
    response = _guest_post(meeting)
    assert response.status_code == 400
    assert response.context["guest_form"].non_field_errors()
    assert snapshot() == before


def test_guest_registration_of_a_seated_address_shows_the_same_page_and_changes_nothing(meeting):
    first = _guest_post(meeting)
    registration = Registration.objects.get()
    client_for(None).post(links.confirm_url(registration.pk, language="en"))
    before = snapshot()
    second = _guest_post(meeting, alias="Someone else", email="ROSA@example.net", children="3")
    assert (second.status_code, second["Location"]) == (first.status_code, first["Location"])
    assert snapshot() == before


def test_guest_registration_repeated_before_confirming_keeps_one_sign_up(meeting):
    _guest_post(meeting)
    _guest_post(meeting, alias="Rosa M.")
    registration = Registration.objects.get()
    assert (registration.guest_alias, registration.status) == ("Rosa M.", Status.UNCONFIRMED)
    # Each sign-up sends a fresh link; the rate limit keeps this from flooding an inbox.
    assert Message.objects.filter(kind="guest_confirm", object_id=registration.pk).count() == 2


def test_guest_registration_after_cancelling_starts_over(meeting):
    _guest_post(meeting)
    registration = Registration.objects.get()
    client_for(None).post(links.confirm_url(registration.pk, language="en"))
    client_for(None).post(links.cancel_url(registration.pk, language="en"))
    _guest_post(meeting, alias="Rosa again")
    registration.refresh_from_db()
    assert (registration.status, registration.guest_alias) == (Status.UNCONFIRMED, "Rosa again")
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 0
    client_for(None).post(links.confirm_url(registration.pk, language="en"))
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert Meeting.objects.get(pk=meeting.pk).seats_taken == 1


def test_guest_registration_is_rate_limited_per_address(meeting):
    for _attempt in range(5):
        assert _guest_post(meeting).status_code == 302
    before = snapshot()
    response = _guest_post(meeting)
    assert response.status_code == 429
    assert "Too many sign-ups from here. Please wait a few minutes and try again." in page_text(response)
    assert snapshot() == before


def test_guest_registration_behind_proxy_limits_the_visitor_not_the_proxy(settings, meeting):
    # What BEHIND_TLS_PROXY=true sets: the address the proxy appended to X-Forwarded-For is the visitor's.
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    url = _url("meeting_guest_register", meeting)
    for attempt in range(20):
        fields = {"alias": "A", "email": f"a{attempt}@example.net"}
        response = client_for(None).post(url, fields, headers={"X-Forwarded-For": "198.51.100.7"}, **proxy)
        assert response.status_code == 302

    refused = client_for(None).post(
        url, {"alias": "A", "email": "a@example.net"}, headers={"X-Forwarded-For": "198.51.100.7"}, **proxy
    )
    accepted = client_for(None).post(
        url, {"alias": "B", "email": "b@example.net"}, headers={"X-Forwarded-For": "203.0.113.20"}, **proxy
    )

    assert refused.status_code == 429
    assert accepted.status_code == 302
    assert Registration.objects.filter(guest_alias="B").exists()


def test_guest_registration_of_logged_in_person_redirects_and_stores_nothing(meeting, member):
    response = client_for(member).post(_url("meeting_guest_register", meeting), {"alias": "R", "email": "r@x.net"})
    assert response.status_code == 302
    assert not Registration.objects.exists()


# The confirmation link


@pytest.fixture
def guest(meeting) -> Registration:
    _guest_post(meeting)
    return Registration.objects.get()


def test_confirm_link_get_shows_a_button_and_confirms_nothing(guest):
    before = snapshot()
    response = client_for(None).get(links.confirm_url(guest.pk, language="en"))
    assert response.status_code == 200
    assert "Confirm my sign-up" in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_confirm_link_post_takes_a_seat(language, guest):
    response = client_for(None).post(links.confirm_url(guest.pk, language=language))
    assert response.status_code == 200
    assert in_language(language, "You are signed up. We sent you a confirmation with a calendar file.") in page_text(
        response
    )
    guest.refresh_from_db()
    assert guest.status == Status.CONFIRMED
    assert Meeting.objects.get(pk=guest.meeting_id).seats_taken == 1
    assert len(_messages_for(guest, "registration_confirmed")) == 1


def test_confirm_link_shows_the_address_only_once_seated(guest):
    Meeting.objects.filter(pk=guest.meeting_id).update(online_url="https://call.example/x")
    url = links.confirm_url(guest.pk, language="en")
    before = page_text(client_for(None).get(url))
    assert "1200 W Hidden St" not in before
    assert "https://call.example/x" not in before
    after = page_text(client_for(None).post(url))
    assert "1200 W Hidden St" in after
    assert "https://call.example/x" in after


def test_confirm_link_on_the_waitlist_hides_the_address(guest):
    Meeting.objects.filter(pk=guest.meeting_id).update(capacity=1)
    RegistrationFactory(meeting=guest.meeting)
    response = client_for(None).post(links.confirm_url(guest.pk, language="en"))
    assert "on the waitlist" in page_text(response)
    assert "1200 W Hidden St" not in page_text(response)


def test_confirm_link_used_twice_takes_one_seat(guest):
    client = client_for(None)
    client.post(links.confirm_url(guest.pk, language="en"))
    before = snapshot()
    response = client.post(links.confirm_url(guest.pk, language="en"))
    assert response.status_code == 200
    assert "You are signed up." in page_text(response)
    assert snapshot() == before
    assert Meeting.objects.get(pk=guest.meeting_id).seats_taken == 1


def test_confirm_link_when_full_joins_the_waitlist(guest):
    Meeting.objects.filter(pk=guest.meeting_id).update(capacity=1)
    RegistrationFactory(meeting=guest.meeting)
    client_for(None).post(links.confirm_url(guest.pk, language="en"))
    guest.refresh_from_db()
    assert guest.status == Status.WAITLISTED
    assert Meeting.objects.get(pk=guest.meeting_id).seats_taken == 1
    assert len(_messages_for(guest, "registration_waitlisted")) == 1


def _forged(token: str) -> str:
    value, _sep, signature = token.rpartition(":")
    return f"{value}:{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_confirm_link_forged_changes_nothing(method, language, guest):
    bad_tokens = [
        _forged(links.confirm_token(guest.pk)),
        links.cancel_token(guest.pk),  # a real signature, for another purpose
        "not-a-token",
    ]
    before = snapshot()
    for token in bad_tokens:
        response = getattr(client_for(None), method)(url_in(language, "registration_confirm", token=token))
        assert response.status_code == 400
        msgid = "This confirmation link is not valid or has expired. Sign up again on the meeting's page."
        assert in_language(language, msgid) in page_text(response)
    assert snapshot() == before


def _signed_hours_ago(hours: float, sign) -> str:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - hours * 3600):
        return sign()


def test_confirm_link_expires_after_guest_confirm_hours(guest, settings):
    token = _signed_hours_ago(settings.GUEST_CONFIRM_HOURS + 1, lambda: links.confirm_token(guest.pk))
    before = snapshot()
    response = client_for(None).post(url_in("en", "registration_confirm", token=token))
    assert response.status_code == 400
    assert "This confirmation link is not valid or has expired." in page_text(response)
    assert snapshot() == before


def test_confirm_link_works_until_guest_confirm_hours(guest, settings):
    token = _signed_hours_ago(settings.GUEST_CONFIRM_HOURS - 1, lambda: links.confirm_token(guest.pk))
    client_for(None).post(url_in("en", "registration_confirm", token=token))
    guest.refresh_from_db()
    assert guest.status == Status.CONFIRMED


def test_confirm_link_of_cancelled_meeting_changes_nothing(guest):
    services.meeting_cancel(meeting=guest.meeting)
    before = snapshot()
    response = client_for(None).post(links.confirm_url(guest.pk, language="en"))
    assert response.status_code == 400
    assert "This meeting was cancelled, so it takes no sign-ups." in page_text(response)
    assert snapshot() == before


def test_confirm_link_of_cancelled_sign_up_changes_nothing(guest):
    services.registration_cancel(registration=guest)
    before = snapshot()
    response = client_for(None).post(links.confirm_url(guest.pk, language="en"))
    assert response.status_code == 400
    assert "This sign-up was cancelled." in page_text(response)
    assert snapshot() == before


def test_confirm_link_of_deleted_sign_up_says_so(guest):
    url = links.confirm_url(guest.pk, language="en")
    guest.delete()
    response = client_for(None).post(url)
    assert response.status_code == 400
    assert "This sign-up no longer exists." in page_text(response)
    assert not Registration.objects.exists()


# The cancel link


@pytest.fixture
def seated(meeting) -> Registration:
    return RegistrationFactory(meeting=meeting, guest=True)


def test_cancel_link_get_asks_and_changes_nothing(seated):
    before = snapshot()
    response = client_for(None).get(links.cancel_url(seated.pk, language="en"))
    assert response.status_code == 200
    assert "Cancel my sign-up" in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_cancel_link_post_cancels_without_login(language, seated):
    response = client_for(None).post(links.cancel_url(seated.pk, language=language))
    assert response.status_code == 200
    assert in_language(language, "Your sign-up is cancelled.") in page_text(response)
    seated.refresh_from_db()
    assert seated.status == Status.CANCELLED
    assert Meeting.objects.get(pk=seated.meeting_id).seats_taken == 0


def test_cancel_link_works_for_a_member_too(meeting, member):
    registration = services.registration_create(meeting=meeting, user=member)
    client_for(None).post(links.cancel_url(registration.pk, language="en"))
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_cancel_link_used_twice_changes_nothing(seated):
    client = client_for(None)
    client.post(links.cancel_url(seated.pk, language="en"))
    before = snapshot()
    response = client.post(links.cancel_url(seated.pk, language="en"))
    assert response.status_code == 200
    assert "Your sign-up is cancelled." in page_text(response)
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_cancel_link_forged_is_400_and_changes_nothing(method, seated):
    before = snapshot()
    for token in [_forged(links.cancel_token(seated.pk)), links.confirm_token(seated.pk), "nope"]:
        response = getattr(client_for(None), method)(url_in("en", "registration_cancel_link", token=token))
        assert response.status_code == 400
        assert "This link is not valid. Use the link in the newest message we sent you." in page_text(response)
    assert snapshot() == before


def test_cancel_link_of_past_meeting_changes_nothing(assembly):
    registration = RegistrationFactory(meeting=MeetingFactory(assembly=assembly, past=True), guest=True)
    before = snapshot()
    response = client_for(None).post(links.cancel_url(registration.pk, language="en"))
    assert response.status_code == 400
    assert "This meeting is over, so its sign-ups can no longer change." in page_text(response)
    assert snapshot() == before


def test_registration_language_follows_the_member(meeting):
    user = UserFactory(language="es")
    registration = services.registration_create(meeting=meeting, user=user)
    assert registration.language == "es"
