"""A neighbor without an account signs up for a meeting in Spanish, confirms by mail, and cancels from the reminder.

No Celery worker runs here: what a worker would send, the journey sends in its own process with
outbox_send_batch, picking the messages the beat's sweep would find due at a given moment. That is
how the clock moves forward to the day before the meeting without waiting for it.
"""

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from playwright.sync_api import Page, expect

from assembly.meetings.models import Meeting, Registration
from assembly.notify.models import Message
from assembly.notify.services import outbox_send_batch
from tests.factories import AssemblyFactory

ALIAS = "Lucía del 3A"
EMAIL = "lucia@example.org"
ADDRESS = "1234 Maple St, back door"
LINK = re.compile(r"https?://[^\s\"'<>]+")
WEEKDAYS_ES = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
WEEKDAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS_ES = [
    *("enero", "febrero", "marzo", "abril", "mayo", "junio"),
    *("julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
]
MONTHS_EN = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]


@pytest.fixture
def browser_locale() -> str:
    return "es-MX"


def deliver_due(*, clock: datetime) -> list[Message]:
    """Send in this process what the sweep would hand a worker at `clock`; return those messages."""
    due = list(Message.objects.filter(state=Message.State.PENDING, due_at__lte=clock).values_list("id", flat=True))
    # As the sweep does: mark them queued at `clock`, which is what lets a worker claim them early.
    Message.objects.filter(id__in=due).update(queued_at=clock)
    outbox_send_batch(message_ids=due)
    return list(Message.objects.filter(id__in=due).order_by("id"))


def links_in(mail: EmailMultiAlternatives) -> set[str]:
    [(html, _mimetype)] = mail.alternatives
    return set(LINK.findall(mail.body)) | set(LINK.findall(html))


def html_link(mail: EmailMultiAlternatives, prefix: str) -> str:
    [(html, _mimetype)] = mail.alternatives
    [link] = {link for link in LINK.findall(html) if link.startswith(prefix)}
    return link


def assert_in_spanish(mail: EmailMultiAlternatives, starts_at: datetime) -> None:
    """The date reads in Spanish, in the assembly's time zone, with no English day or month name."""
    text = f"{mail.subject}\n{mail.body}".lower()
    assert f"{WEEKDAYS_ES[starts_at.weekday()]} {spanish_day(starts_at)}" in text
    assert "18:30" in text
    assert not any(re.search(rf"\b{name}\b", text) for name in WEEKDAYS_EN + MONTHS_EN), mail.body


def spanish_day(moment: datetime) -> str:
    return f"{moment.day} de {MONTHS_ES[moment.month - 1]}"


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_journey_guest_signs_up_confirms_and_cancels_from_the_reminder(
    page: Page, live_server, mailoutbox, settings, screenshots_dir: Path
):
    # Mail links point at the site the browser is on.
    settings.SITE_URL = live_server.url
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")
    zone = ZoneInfo(assembly.time_zone)
    day = (timezone.now().astimezone(zone) + timedelta(days=2)).date()
    starts_at = datetime.combine(day, time(18, 30), tzinfo=zone)
    meeting = Meeting.objects.create(
        assembly=assembly,
        title_en="Know your rights night",
        title_es="Noche de conoce tus derechos",
        description_en="What to do if ICE knocks.",
        description_es="Qué hacer si ICE toca la puerta.",
        place_name_en="Community center",
        place_name_es="Centro comunitario",
        address=ADDRESS,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        status=Meeting.Status.PUBLISHED,
        capacity=10,
        childcare=True,
        step_free=True,
    )
    meeting_path = f"/es/a/{assembly.slug}/m/{meeting.pk}/"

    # A neighbor forwarded Lucía the meeting's Spanish page. She has no account, and needs none.
    page.goto(meeting_path)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(meeting.title_es)
    expect(page.locator("main")).not_to_contain_text(ADDRESS)
    guest_form = page.locator(f"form[action='/es/a/{assembly.slug}/m/{meeting.pk}/guest/']")
    expect(guest_form).to_be_visible()
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-guest-meeting-es.png", full_page=True)

    # She gives an alias and an address, asks for childcare for one child, and signs up.
    guest_form.locator("input[name=alias]").fill(ALIAS)
    guest_form.locator("input[name=email]").fill("Lucia@Example.org")
    guest_form.locator("input[name=children]").fill("1")
    guest_form.locator("button[type=submit]").click()

    # She is asked to check her email; nothing is held for her until she confirms.
    expect(page).to_have_url(f"{live_server.url}{meeting_path}guest/sent/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("main").get_by_role("link", name=meeting.title_es)).to_have_attribute("href", meeting_path)
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-guest-check-email-es.png", full_page=True)
    registration = Registration.objects.get(meeting=meeting)
    assert (registration.user, registration.guest_alias, registration.guest_email) == (None, ALIAS, EMAIL)
    assert (registration.language, registration.status) == ("es", Registration.Status.UNCONFIRMED)
    assert (registration.children, registration.step_free, registration.interpretation_language) == (1, False, "")
    meeting.refresh_from_db()
    assert meeting.seats_taken == 0

    # The confirmation mail goes out, in Spanish, with every link on this site under /es/.
    [confirm_message] = deliver_due(clock=timezone.now())
    assert (confirm_message.kind, confirm_message.state) == ("guest_confirm", Message.State.SENT)
    [mail] = mailoutbox
    assert mail.to == [EMAIL]
    assert_in_spanish(mail, starts_at)
    assert ADDRESS not in mail.body, "the address is for people with a seat"
    assert all(link.startswith(f"{live_server.url}/es/") for link in links_in(mail)), links_in(mail)
    confirm_link = html_link(mail, f"{live_server.url}/es/r/confirm/")
    assert confirm_link in mail.body

    # Opening the link only shows a button; pressing it gives her a seat.
    page.goto(confirm_link)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(meeting.title_es)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.UNCONFIRMED, "a GET must not confirm"
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(confirm_link)
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-guest-confirmed-es.png", full_page=True)
    registration.refresh_from_db()
    meeting.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert meeting.seats_taken == 1

    # A guest holds no session, so the page still keeps the address from her browser; the mail brings it,
    # with a calendar file.
    page.goto(meeting_path)
    expect(page.locator("main")).not_to_contain_text(ADDRESS)
    [confirmed_message] = deliver_due(clock=timezone.now())
    assert (confirmed_message.kind, confirmed_message.state) == ("registration_confirmed", Message.State.SENT)
    mail = mailoutbox[-1]
    assert mail.to == [EMAIL]
    assert_in_spanish(mail, starts_at)
    assert ADDRESS in mail.body
    assert [name for name, _content, _mimetype in mail.attachments] == ["meeting.ics"]
    assert all(link.startswith(f"{live_server.url}/es/") for link in links_in(mail)), links_in(mail)

    # Two reminders wait for their time: a day and two hours before the meeting.
    reminders = Message.objects.filter(kind="meeting_reminder", object_id=meeting.pk, state=Message.State.PENDING)
    assert sorted(reminders.values_list("due_at", flat=True)) == [
        starts_at - timedelta(hours=24),
        starts_at - timedelta(hours=2),
    ]

    # The clock moves on to the day before: only the 24-hour reminder goes out, in Spanish.
    [reminder] = deliver_due(clock=starts_at - timedelta(hours=24))
    assert (reminder.kind, reminder.state) == ("meeting_reminder", Message.State.SENT)
    assert reminder.occasion.startswith("1440m@")
    assert len(mailoutbox) == 3
    mail = mailoutbox[-1]
    assert mail.to == [EMAIL]
    assert_in_spanish(mail, starts_at)
    assert f"{spanish_day(starts_at)}, 18:30" in mail.subject.lower()
    assert ADDRESS in mail.body
    assert all(link.startswith(f"{live_server.url}/es/") for link in links_in(mail)), links_in(mail)
    assert mail.extra_headers["List-Unsubscribe"].startswith(f"<{live_server.url}/es/")
    cancel_link = html_link(mail, f"{live_server.url}/es/r/cancel/")
    assert cancel_link in mail.body

    # She cannot come after all. The link from the reminder asks before it cancels.
    page.goto(cancel_link)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(meeting.title_es)
    cancel_button = page.locator("main form[method=post] button[type=submit]")
    expect(cancel_button).to_be_visible()
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-guest-cancel-es.png", full_page=True)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED, "a GET must not cancel"

    cancel_button.click()
    expect(page).to_have_url(cancel_link)
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(page.locator("main form[method=post]")).to_have_count(0)
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-guest-cancelled-es.png", full_page=True)

    # Her seat is free again, and the two-hour reminder will not reach her.
    registration.refresh_from_db()
    meeting.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert meeting.seats_taken == 0
    assert not Message.objects.filter(state=Message.State.PENDING).exists()
    assert deliver_due(clock=starts_at) == []
    assert len(mailoutbox) == 3
