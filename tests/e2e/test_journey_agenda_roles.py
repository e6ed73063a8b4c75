"""A facilitator builds and publishes a meeting's agenda and asks for its roles; a member accepts hers in Spanish.

No Celery worker runs here: the journey checks the rows the outbox keeps, which is what a worker would send.
"""

from pathlib import Path

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from assembly.assemblies.models import Membership
from assembly.meetings.models import AgendaItem
from assembly.notify.models import Message
from assembly.rotation.models import Assignment, Willingness
from tests.factories import PASSWORD, AssemblyFactory, MembershipFactory, UserFactory
from tests.meetings.factories import MeetingFactory, RegistrationFactory

FACILITATOR_EMAIL = "dana@example.org"
MEMBER_EMAIL = "marisol@example.org"


def fits_the_phone(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def log_in(page: Page, *, email: str, next_path: str) -> None:
    page.goto(f"/en/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def add_agenda_item(page: Page, *, title_en: str, title_es: str, minutes: int) -> None:
    page.get_by_label("Title (English)").fill(title_en)
    page.get_by_label("Title (Spanish)").fill(title_es)
    page.get_by_label("Minutes").fill(str(minutes))
    page.get_by_role("button", name="Save").click()


def test_journey_agenda_published_roles_asked_and_accepted_in_spanish(page: Page, live_server, screenshots_dir: Path):
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")
    facilitator = UserFactory(email=FACILITATOR_EMAIL, display_name="Dana")
    MembershipFactory(assembly=assembly, user=facilitator, role=Membership.Role.FACILITATOR)
    member = UserFactory(email=MEMBER_EMAIL, display_name="Marisol", language="es")
    membership = MembershipFactory(assembly=assembly, user=member)
    Willingness.objects.create(membership=membership, role_type=assembly.role_types.get(key="note-taker"))
    meeting = MeetingFactory(assembly=assembly, title_en="Tenants' meeting", title_es="Reunión de inquilinos")
    registration = RegistrationFactory(meeting=meeting, user=member)
    meeting_path = f"/en/a/{assembly.slug}/m/{meeting.pk}/"
    agenda_path = f"{meeting_path}agenda/"

    # Dana, a facilitator, logs in and goes from the meeting's page to its agenda, still empty.
    log_in(page, email=FACILITATOR_EMAIL, next_path=meeting_path)
    expect(page).to_have_url(f"{live_server.url}{meeting_path}")
    page.locator("main").get_by_role("link", name="Agenda", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}{agenda_path}")
    expect(page.locator("main")).to_contain_text("The agenda has no items yet.")

    # She adds a welcome, in both languages.
    page.get_by_role("link", name="Add an item").click()
    expect(page).to_have_url(f"{live_server.url}{agenda_path}add/")
    expect(page.locator("main")).to_contain_text("The meeting lasts 120 minutes.")
    add_agenda_item(page, title_en="Welcome and introductions", title_es="Bienvenida y presentaciones", minutes=15)
    expect(page).to_have_url(f"{live_server.url}{agenda_path}")
    expect(page.locator("main [role=status]")).to_contain_text("The item is added to the agenda.")
    expect(page.locator("main .agenda")).to_contain_text("Welcome and introductions")

    # Her next item would overrun the meeting: the form says by how much, and keeps what she wrote.
    page.get_by_role("link", name="Add an item").click()
    add_agenda_item(page, title_en="Repairs the landlord owes", title_es="Arreglos que debe el casero", minutes=110)
    expect(page).to_have_url(f"{live_server.url}{agenda_path}add/")
    expect(page.locator("main .field-error .error")).to_have_text(
        "This is 5 minutes more than the meeting has left: the meeting lasts 120 minutes and the other items take 15."
    )
    expect(page.get_by_label("Title (Spanish)")).to_have_value("Arreglos que debe el casero")
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-agenda-item-too-long.png", full_page=True)
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1

    # With 90 minutes it fits; the agenda shows both items and the time planned.
    page.get_by_label("Minutes").fill("90")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}{agenda_path}")
    expect(page.locator("main .agenda > li")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("105 of 120 minutes planned.")
    items = AgendaItem.objects.filter(meeting=meeting).order_by("position")
    assert [(item.title_en, item.title_es, item.duration) for item in items] == [
        ("Welcome and introductions", "Bienvenida y presentaciones", 15),
        ("Repairs the landlord owes", "Arreglos que debe el casero", 90),
    ]

    # She publishes it; everyone signed up is to get it by mail.
    page.get_by_role("button", name="Publish the agenda").click()
    expect(page).to_have_url(f"{live_server.url}{agenda_path}")
    expect(page.locator("main [role=status]")).to_contain_text(
        "The agenda is published and sent to everyone signed up."
    )
    expect(page.get_by_role("button", name="Publish the agenda")).to_have_count(0)
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-agenda-published.png", full_page=True)
    meeting.refresh_from_db()
    assert meeting.agenda_is_published
    assert list(Message.objects.filter(kind="agenda_published").values_list("recipient_key", "object_id")) == [
        (f"registration:{registration.pk}", meeting.pk)
    ]

    # On to the meeting's roles: she confirms the rotation's proposal, and Marisol is asked to take notes.
    page.get_by_role("link", name="Meeting roles").click()
    expect(page).to_have_url(f"{live_server.url}{meeting_path}roles/")
    expect(page.locator("main")).to_contain_text("No roles are proposed for this meeting yet.")
    page.get_by_role("button", name="Confirm the proposal and ask people").click()
    expect(page).to_have_url(f"{live_server.url}{meeting_path}roles/")
    expect(page.locator("main [role=status]")).to_contain_text("The roles are confirmed.")
    note_taker_row = page.locator("main table.roster tr", has_text="Note-taker")
    expect(note_taker_row).to_contain_text("Marisol")
    expect(note_taker_row).to_contain_text("Waiting for an answer")
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-roles-confirmed.png", full_page=True)
    [assignment] = Assignment.objects.filter(meeting=meeting, membership=membership)
    assert (assignment.role_type.key, assignment.status, assignment.shadow) == ("note-taker", "asked", False)
    assert Message.objects.filter(
        kind="role_asked", recipient_key=f"membership:{membership.pk}", object_id=assignment.pk
    ).exists()

    # Dana logs out. Marisol logs in from an English link and lands on the page in Spanish, her language.
    page.locator("header form[action$='/accounts/logout/'] button[type=submit]").click()
    expect(page.locator("header form[action$='/accounts/logout/']")).to_have_count(0)
    with translation.override("es"):
        roles_path_es = reverse("meeting_roles", kwargs={"slug": assembly.slug, "pk": meeting.pk})
    log_in(page, email=MEMBER_EMAIL, next_path=f"{meeting_path}roles/")
    expect(page).to_have_url(f"{live_server.url}{roles_path_es}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    mine = page.locator("main section.notice", has_text="Toma de actas")
    expect(mine).to_contain_text("Anota los acuerdos y los próximos pasos para el acta.")
    accept_button = mine.get_by_role("button", name="Aceptar", exact=True)
    expect(accept_button).to_be_visible()
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-role-asked-es.png", full_page=True)

    # She accepts: she is down as note-taker, and the page no longer asks her.
    accept_button.click()
    expect(page).to_have_url(f"{live_server.url}{roles_path_es}")
    expect(page.locator("main [role=status]")).to_be_visible()
    expect(accept_button).to_have_count(0)
    expect(page.locator("main table.roster tr", has_text="Toma de actas")).to_contain_text("Marisol")
    assert fits_the_phone(page)
    page.screenshot(path=screenshots_dir / "journey-role-accepted-es.png", full_page=True)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED
    assert assignment.answered_at is not None
