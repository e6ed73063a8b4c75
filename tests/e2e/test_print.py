"""Agenda and minutes print cleanly in either language: one column, no navigation, no buttons."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from assembly.assemblies.models import Membership
from assembly.meetings.models import Meeting
from tests.e2e.test_journey_agenda_roles import log_in
from tests.factories import MembershipFactory, UserFactory
from tests.meetings.factories import AgendaItemFactory, MeetingFactory


@pytest.mark.parametrize(("language", "heading", "item"), [("en", "Minutes", "Rent"), ("es", "Acta", "Alquileres")])
def test_minutes_print_without_navigation_or_buttons(page: Page, live_server, language, heading, item):
    member = MembershipFactory(user=UserFactory(email="reader@example.org"), role=Membership.Role.FACILITATOR)
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(assembly=member.assembly, starts_at=start, ends_at=start + timedelta(hours=2))
    AgendaItemFactory(meeting=meeting, title_en="Rent", title_es="Alquileres", decisions_en="Yes", decisions_es="Sí")
    Meeting.objects.filter(pk=meeting.pk).update(minutes_published_at=timezone.now())
    path = f"/{language}/a/{member.assembly.slug}/m/{meeting.pk}/minutes/"
    log_in(page, email="reader@example.org", next_path=path)
    expect(page).to_have_url(f"{live_server.url}{path}")

    page.emulate_media(media="print")

    expect(page.locator("h1")).to_contain_text(heading)
    expect(page.locator("main").get_by_text(item, exact=True)).to_be_visible()
    for hidden in ["header.site-header", "footer.site-footer", "main form", "main .actions"]:
        assert all(not element.is_visible() for element in page.locator(hidden).all()), hidden
