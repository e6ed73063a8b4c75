"""The browser harness: Playwright drives Debian's chromium against pytest-django's live server.

Every test in this folder is marked `e2e`, so `make test` leaves it out and `make e2e` runs it.
A page opens at a phone's size, and fails its test if it loads anything from another host,
breaks the Content-Security-Policy or throws a JavaScript error.
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Request, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the mark must be on before `-m 'not e2e'` deselects by it.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    # Keep each phase's report on the item, so the page fixture knows whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser journeys need Debian's chromium at {CHROMIUM}. "
            "Install it with `apt-get install chromium` (Playwright's own browser downloads do not work here).",
            pytrace=False,
        )
    # Playwright's sync API keeps an event loop running in the test's thread, and Django refuses ORM
    # calls from a thread with a running loop. A journey's own ORM calls are plain synchronous ones,
    # so the guard is lifted while the browser runs, and only then: `make test` keeps it.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots_dir() -> Path:
    # Not under VAR_DIR: that folder belongs to one test run and is removed when the run ends.
    path = Path(settings.BASE_DIR) / "var" / "test" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser_locale() -> str:
    """The language the visitor's phone is set to; a journey module overrides it to start elsewhere."""
    return "en-US"


@pytest.fixture
def browser_context(browser: Browser, live_server, browser_locale: str) -> Iterator[BrowserContext]:
    """A fresh, cookie-less visitor on a phone, in `browser_locale`, on http://localhost.

    localhost, not 127.0.0.1: chromium counts it as a secure context, so it keeps the Secure
    session and CSRF cookies the production-like settings send.
    """
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, locale=browser_locale)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext, live_server, screenshots_dir: Path, request) -> Iterator[Page]:
    site = urlsplit(live_server.url)
    problems: list[str] = []

    def check_request(browser_request: Request) -> None:
        url = urlsplit(browser_request.url)
        if url.scheme in {"http", "https", "ws", "wss"} and url.netloc != site.netloc:
            problems.append(f"request to another host: {browser_request.url}")

    def check_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"CSP violation on {message.location.get('url')}: {message.text}")

    def check_error(error: Error) -> None:
        problems.append(f"JavaScript error: {error.message}")

    browser_context.on("request", check_request)
    page = browser_context.new_page()
    page.on("console", check_console)
    page.on("pageerror", check_error)
    yield page

    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=screenshots_dir / f"failed-{request.node.name}.png", full_page=True)
    assert not problems, "\n".join(problems)
