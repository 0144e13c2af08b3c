"""The accessibility check itself: it must see violations, or every green e2e run means nothing.

No server needed: the page is set from a string.
"""

import pytest

from .conftest import blocking_violations, format_violations

pytestmark = pytest.mark.e2e

BROKEN = """<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body>
<main><h1>Broken page</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button id="nameless"></button>
<p style="color:#999;background:#fff">Too faint to read</p>
</main></body></html>"""


def test_serious_and_critical_violations_are_reported(page):
    page.set_content(BROKEN)
    violations = blocking_violations(page)
    found = {v["id"]: v["impact"] for v in violations}
    assert found == {
        "image-alt": "critical",
        "button-name": "critical",
        "color-contrast": "serious",
    }
    report = format_violations("about:blank", violations)
    assert "button-name (critical)" in report
    assert "#nameless" in report


def test_a_clean_page_passes(page, assert_accessible):
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>Fine</title></head>'
        "<body><main><h1>Fine</h1><p>Readable text.</p></main></body></html>"
    )
    assert_accessible(page)
