"""Pages that show someone's data, or that a secret link opens, are never stored by a browser or a proxy."""

from dataclasses import dataclass

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.test import Client
from django.urls import reverse
from django.utils.cache import get_max_age
from django.utils.http import parse_header_parameters

from assembly.accounts.models import User
from assembly.assemblies import services as assembly_services
from assembly.assemblies.models import Assembly, Membership
from assembly.defense import links as defense_links
from assembly.defense.models import Alert
from assembly.meetings import links as meeting_links
from assembly.meetings.models import CalendarFeed, Meeting, Registration
from assembly.notify.links import preferences_token
from tests.conftest import client_for
from tests.defense.alert_helpers import alert_scene, raise_alert
from tests.meetings.factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    assembly: Assembly
    coordinator: User
    verifier: Membership
    meeting: Meeting
    guest: Registration
    alert: Alert
    invitation_token: str


@pytest.fixture
def scene() -> Scene:
    alerts = alert_scene()
    assembly, coordinator = alerts.assembly, alerts.coordinator.user
    meeting = MeetingFactory(assembly=assembly, address="1200 W Hidden St")
    RegistrationFactory(meeting=meeting, user=coordinator)
    RegistrationFactory(meeting=meeting, guest=True)
    guest = RegistrationFactory(meeting=meeting, guest=True, status=Registration.Status.UNCONFIRMED)
    CalendarFeed.objects.create(user=coordinator, token="feed-secret-token")
    EmailAddress.objects.create(user=coordinator, email="another@example.net", primary=False, verified=False)
    _invitation, token = assembly_services.invitation_create(assembly=assembly, actor=coordinator)
    return Scene(
        assembly=assembly,
        coordinator=coordinator,
        verifier=alerts.verifier,
        meeting=meeting,
        guest=guest,
        alert=raise_alert(alerts, verified=True),
        invitation_token=token,
    )


def _meeting(name: str, scene: Scene) -> str:
    return reverse(name, kwargs={"slug": scene.assembly.slug, "pk": scene.meeting.pk})


# What a logged-in coordinator opens: their data, other people's, exact addresses, exports.
LOGGED_IN_PAGES = {
    "home": lambda scene: reverse("home"),
    "profile": lambda scene: reverse("profile"),
    "account_email": lambda scene: reverse("account_email"),
    "member_list": lambda scene: reverse("member_list", kwargs={"slug": scene.assembly.slug}),
    "my_meetings": lambda scene: reverse("my_meetings"),
    "calendar_settings": lambda scene: reverse("calendar_settings"),
    "my_rotation": lambda scene: reverse("my_rotation", kwargs={"slug": scene.assembly.slug}),
    "meeting_detail": lambda scene: _meeting("meeting_detail", scene),
    "meeting_ics": lambda scene: _meeting("meeting_ics", scene),
    "meeting_attendees": lambda scene: _meeting("meeting_attendees", scene),
    "meeting_attendees_csv": lambda scene: _meeting("meeting_attendees_csv", scene),
    "plan_roster": lambda scene: reverse(
        "plan_roster", kwargs={"slug": scene.assembly.slug, "pk": scene.alert.plan_id}
    ),
    "alert_board": lambda scene: reverse(
        "alert_board", kwargs={"slug": scene.assembly.slug, "alert_pk": scene.alert.pk}
    ),
    "alert_board_data": lambda scene: reverse(
        "alert_board_data", kwargs={"slug": scene.assembly.slug, "alert_pk": scene.alert.pk}
    ),
}


def _confirm_email_key(scene: Scene) -> str:
    return EmailConfirmationHMAC(EmailAddress.objects.get(email="another@example.net")).key


# What a link in a message opens without logging in.
LINK_PAGES = {
    "calendar_feed": lambda scene: reverse("calendar_feed", kwargs={"token": "feed-secret-token"}),
    "registration_confirm": lambda scene: reverse(
        "registration_confirm", kwargs={"token": meeting_links.confirm_token(scene.guest.pk)}
    ),
    "registration_cancel_link": lambda scene: reverse(
        "registration_cancel_link", kwargs={"token": meeting_links.cancel_token(scene.guest.pk)}
    ),
    "notify_preferences": lambda scene: reverse(
        "notify_preferences", kwargs={"token": preferences_token(f"registration:{scene.guest.pk}")}
    ),
    "notify_unsubscribe": lambda scene: reverse(
        "notify_unsubscribe", kwargs={"token": preferences_token(f"registration:{scene.guest.pk}")}
    ),
    "alert_answer": lambda scene: reverse(
        "alert_answer", kwargs={"token": defense_links.answer_token(scene.alert.pk, scene.verifier.pk)}
    ),
    "invitation_accept": lambda scene: reverse("invitation_accept", kwargs={"token": scene.invitation_token}),
    "account_confirm_email": lambda scene: reverse("account_confirm_email", kwargs={"key": _confirm_email_key(scene)}),
    "account_reset_password_from_key": lambda scene: reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(scene.coordinator),
            "key": default_token_generator.make_token(scene.coordinator),
        },
    ),
}

PUBLIC_PAGES = {
    "home": lambda scene: reverse("home"),
    "assembly_detail": lambda scene: reverse("assembly_detail", kwargs={"slug": scene.assembly.slug}),
    "meeting_detail": lambda scene: _meeting("meeting_detail", scene),
    "assembly_calendar": lambda scene: reverse("assembly_calendar", kwargs={"slug": scene.assembly.slug}),
}


def _directives(response) -> set[str]:
    return {parse_header_parameters(part)[0].strip() for part in response.get("Cache-Control", "").split(",") if part}


@pytest.mark.parametrize("page", LOGGED_IN_PAGES)
def test_logged_in_page_is_not_stored(page, scene):
    response = client_for(scene.coordinator).get(LOGGED_IN_PAGES[page](scene))

    assert response.status_code == 200
    assert {"no-store", "private"} <= _directives(response)


@pytest.mark.parametrize("page", LINK_PAGES)
def test_page_opened_from_a_secret_link_is_not_stored(page, scene):
    client = Client()
    response = client.get(LINK_PAGES[page](scene))
    # allauth moves a password-reset key out of the address into the session, then shows the form.
    landing = client.get(response.url) if response.status_code == 302 else response

    assert landing.status_code == 200
    assert {"no-store", "private"} <= _directives(response)
    assert {"no-store", "private"} <= _directives(landing)


def test_redirect_to_a_secret_link_is_not_stored(scene):
    """A link pasted without its last slash is redirected; browsers keep redirects unless told not to."""
    link = LINK_PAGES["alert_answer"](scene)

    response = Client().get(link.rstrip("/"))

    assert response.status_code == 301
    assert {"no-store", "private"} <= _directives(response)


def test_answer_to_a_post_is_not_stored(scene):
    response = Client().post(_meeting("meeting_guest_register", scene), {"alias": "", "email": "x@example.net"})

    assert response.status_code == 400
    assert {"no-store", "private"} <= _directives(response)


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_page_for_an_anonymous_visitor_stays_cacheable(page, scene):
    response = Client().get(PUBLIC_PAGES[page](scene))

    assert response.status_code == 200
    assert not {"no-store", "private"} & _directives(response)
    assert get_max_age(response) is None
