"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's
live_server. No browser is ever downloaded; `make test` installs the chromium package.

Every page a test visits goes through `assert_accessible`, which fails on any axe-core
violation of "serious" or "critical" impact.
"""

import os
import shutil

import pytest

from .chromium import CHROMIUM_ARGS, DESKTOP, PHONE

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test (factories, fixtures) would otherwise raise SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Browser tests need Debian's chromium on PATH (apt-get install -y chromium; "
            "`make test` installs it). Playwright's own browser download does not work here.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as exc:
        playwright.stop()
        pytest.fail(f"Could not launch {executable}: {exc}", pytrace=False)
    yield browser
    browser.close()
    playwright.stop()


def _new_page(browser, **context_options):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; desktop size unless parametrised with a viewport."""
    viewport = getattr(request, "param", None) or DESKTOP
    context, page = _new_page(browser, viewport=viewport)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    """A phone-sized touch context (iPhone 12-14 class: 390x844)."""
    context, page = _new_page(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3
    )
    yield page
    context.close()


def blocking_violations(page):
    """axe-core violations of serious or critical impact on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def format_violations(url, violations):
    lines = [f"{len(violations)} serious/critical accessibility violation(s) on {url}:"]
    for violation in violations:
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    at {'; '.join(targets)}" + (f" (+{more} more)" if more > 0 else "")
        )
    return "\n".join(lines)


@pytest.fixture
def assert_accessible():
    """Call with a page: fails listing every serious or critical axe-core violation."""

    def check(page):
        page.wait_for_load_state("load")
        violations = blocking_violations(page)
        assert not violations, format_violations(page.url, violations)

    return check


@pytest.fixture
def totp_code():
    """The current six-digit code for a TOTP secret, as an authenticator app shows it."""
    from tests.totp import fresh_totp_code

    return fresh_totp_code
