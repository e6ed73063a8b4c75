"""A neighbor signs up in English, confirms their email, switches to Spanish and joins an assembly."""

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from assembly.accounts.models import User
from assembly.assemblies.models import Membership
from tests.factories import AssemblyFactory

EMAIL = "rosa@example.org"
PASSWORD = "a long passphrase for the journey"
ALIAS = "Rosa del 5B"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def test_journey_signup_confirm_switch_to_spanish_and_join(page: Page, live_server, mailoutbox, screenshots_dir: Path):
    assembly = AssemblyFactory(name_en="Maple Street Assembly", name_es="Asamblea de la calle Maple")

    # Rosa finds the site and signs up, in English, with an alias.
    page.goto("/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(f"{live_server.url}/en/accounts/signup/")
    page.get_by_label("Email").fill(EMAIL)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_label("Display name").fill(ALIAS)
    page.get_by_label("Preferred language").select_option("en")
    page.locator("main form button[type=submit]").click()

    # She is asked to verify her email, and the site holds no more than she gave it.
    expect(page).to_have_url(f"{live_server.url}/en/accounts/confirm-email/")
    user = User.objects.get(email=EMAIL)
    assert (user.display_name, user.language) == (ALIAS, "en")
    assert not user.emailaddress_set.get(email=EMAIL).verified

    # The mail comes in her language, with a link back to this site.
    [mail] = mailoutbox
    assert mail.to == [EMAIL]
    link = CONFIRM_LINK.search(mail.body).group(0)
    assert link.startswith(f"{live_server.url}/en/")

    # Following the link shows a confirm button; pressing it sends her to log in.
    page.goto(link)
    assert not user.emailaddress_set.get(email=EMAIL).verified, "a GET must not confirm the address"
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/en/accounts/login/"))
    assert user.emailaddress_set.get(email=EMAIL).verified

    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/en/")
    expect(page.locator("form[action$='/accounts/logout/']")).to_be_visible()

    # The footer switch keeps her on the same page, now in Spanish.
    page.locator("footer button[name=language][value=es]").click()
    expect(page).to_have_url(f"{live_server.url}/es/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # Each language is named in itself, so someone who reads only English can find the way back.
    expect(page.locator("footer button[name=language][value=en]")).to_have_text("English")

    # The home page lists the public assembly under its Spanish name; she opens it and joins.
    page.get_by_role("link", name=assembly.name_es).click()
    expect(page).to_have_url(f"{live_server.url}/es/a/{assembly.slug}/")
    page.locator("form[action$='/join/'] button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/es/a/{assembly.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(assembly.name_es)
    expect(page.locator("main").get_by_text(assembly.description_es, exact=True)).to_be_visible()
    expect(page.locator("form[action$='/leave/']")).to_be_visible()
    expect(page.locator("form[action$='/join/']")).to_have_count(0)
    membership = Membership.objects.get(assembly=assembly, user=user)
    assert (membership.status, membership.role) == (Membership.Status.ACTIVE, Membership.Role.MEMBER)

    # On a narrow phone the page fits its width: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.screenshot(path=screenshots_dir / "journey-assembly-es.png", full_page=True)
