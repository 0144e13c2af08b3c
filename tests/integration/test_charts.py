"""The trend chart: pygal SVG that is safe to embed, shows the bands and names itself."""

import re
from datetime import datetime, timedelta

import pytest

from integration.charts import trend_chart
from integration.outcome_rules import Measurement

T0 = datetime.fromisoformat("2025-01-06T10:00:00+00:00")
SCORES = [
    Measurement(T0, 18, "intake"),
    Measurement(T0 + timedelta(days=14), 12),
    Measurement(T0 + timedelta(days=42), 6),
]
DOSES = [T0 + timedelta(days=7 * i + 1) for i in range(6)]


@pytest.fixture
def svg():
    return trend_chart("phq9", SCORES, dose_times=DOSES)


def test_no_script_and_nothing_fetched_from_elsewhere(svg):
    assert "<script" not in svg.lower()
    assert "href" not in svg.lower()
    assert "xml-stylesheet" not in svg
    assert "@import" not in svg and "url(" not in svg
    assert not re.search(r"\son\w+=", svg)  # no event handlers


def test_the_severity_bands_are_drawn_and_named(svg):
    for label in (
        "Minimal (0–4)",
        "Mild (5–9)",
        "Moderate (10–14)",
        "Moderately severe (15–19)",
        "Severe (20–27)",
    ):
        assert label in svg
    for fill in ("#cfe8d5", "#f3ecc2", "#f6d7b0", "#f2c4c4", "#e6a5a5"):
        assert fill in svg


def test_dosing_sessions_are_marked(svg):
    assert "Dosing session" in svg
    assert "6 dosing session(s)" in svg


def test_accessible_title_and_description(svg):
    root = re.search(r"<svg[^>]*>", svg).group(0)
    assert 'role="img"' in root
    chart_id = re.search(r'id="([^"]+)"', root).group(1)
    assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in root
    assert f'<title id="{chart_id}-title">PHQ-9 over the course</title>' in svg
    description = re.search(rf'<desc id="{chart_id}-desc">([^<]*)</desc>', svg).group(1)
    assert description.startswith("3 PHQ-9 scores from 06 Jan 2025 (18) to 17 Feb 2025 (6).")
    assert "Moderately severe 15–19" in description


def test_text_is_escaped():
    svg = trend_chart("gad7", SCORES[:1], title='<script>alert("x")</script>')
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg


def test_an_empty_chart_still_renders_safely():
    svg = trend_chart("gad7", [])
    assert "No GAD-7 scores yet" in svg
    assert "<script" not in svg


def test_the_same_svg_goes_into_a_pdf(svg):
    import weasyprint

    pdf = weasyprint.HTML(string=f"<html><body>{svg}</body></html>").write_pdf()
    assert pdf.startswith(b"%PDF")
