"""Trend charts as SVG, rendered on the server by pygal (the same SVG goes into PDF reports).

The output is safe to embed: pygal's inline script and any external reference are removed
(`js=[]` alone still leaves a config script), and every text pygal writes is XML-escaped.
Severity bands come from the instrument definition, so the chart and the badges agree.
"""

from datetime import datetime, timedelta
from functools import lru_cache

import pygal
from django.utils import timezone
from pygal.style import Style

from kapclinic.instruments import get_instrument

WIDTH, HEIGHT = 640, 320
# Pale fills per severity so the score line stays readable; the legend names every band.
BAND_FILL = {"none": "#cfe8d5", "mild": "#f3ecc2", "moderate": "#f6d7b0", "severe": "#f2c4c4"}
# A second severe band (PHQ-9 "severe" above "moderately severe") is drawn a shade deeper.
DEEPER_SEVERE = "#e6a5a5"
LINE = "#1f4e79"
DOSE_MARK = "#5b3a8c"
# Everything else: a white plot on the page's own background, dark text in the page's font.
LOOK = {
    "background": "transparent",
    "plot_background": "#ffffff",
    "foreground": "#222222",
    "foreground_strong": "#111111",
    "foreground_subtle": "#666666",
    "font_family": "system-ui, sans-serif",
    "opacity": "1",
    "opacity_hover": "1",
}


def _strip_active_content(root):
    """Drop <script> elements and anything that would fetch from elsewhere."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for element in list(root.iter()):
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag.rsplit("}", 1)[-1] in ("script", "foreignObject"):
            parents[element].remove(element)
            continue
        for name in list(element.attrib):
            local = name.rsplit("}", 1)[-1]
            if local == "href" or local.startswith("on"):
                del element.attrib[name]
    return root


def _accessible(title_text, description):
    """Name the chart for screen readers: role=img, labelled by its title and description."""

    def apply(root):
        chart_id = root.get("id", "chart")
        title = next((el for el in root if str(el.tag).endswith("title")), None)
        if title is not None:
            title.set("id", f"{chart_id}-title")
        desc = root.makeelement("desc", {"id": f"{chart_id}-desc"})
        desc.text = description
        children = list(root)
        root.insert(children.index(title) + 1 if title is not None else 0, desc)
        root.set("role", "img")
        root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        return root

    return apply


def _describe(definition, points, dose_times, tz):
    name = definition.short_name
    if not points:
        return f"No {name} scores yet."
    first, last = points[0], points[-1]

    def day(at):
        return timezone.localtime(at, tz).strftime("%d %b %Y")

    text = (
        f"{len(points)} {name} score{'s' if len(points) != 1 else ''} from {day(first[0])} "
        f"({first[1]}) to {day(last[0])} ({last[1]})."
    )
    bands = "; ".join(f"{b.label} {b.low}–{b.high}" for b in definition.bands)
    if bands:
        text += f" Shaded bands show severity: {bands}."
    if dose_times:
        text += f" Marks along the top show {len(dose_times)} dosing session(s)."
    return text


def _band_colours(bands_high_first):
    """Fill per band, highest first; a band sharing the severity of the one below is deeper."""
    colours = []
    for index, band in enumerate(bands_high_first):
        below = bands_high_first[index + 1] if index + 1 < len(bands_high_first) else None
        same = below is not None and below.severity == band.severity
        colours.append(
            DEEPER_SEVERE if same and band.severity == "severe" else BAND_FILL[band.severity]
        )
    return colours


def trend_chart(instrument, measurements, *, dose_times=(), title=None, tz=None):
    """An SVG string: one instrument's totals over time on its severity bands, doses marked.

    `measurements` are integration.outcome_rules.Measurement (or anything with .at and .total);
    dates are shown in `tz` (the clinic's time zone; default the current one).
    """
    tz = tz or timezone.get_current_timezone()
    points = tuple(sorted(((m.at, m.total) for m in measurements), key=lambda p: p[0]))
    doses = tuple(sorted(dose_times))
    render = _render if points or doses else _render.__wrapped__  # an empty chart shows today
    return render(instrument, points, doses, title, tz)


# The same scores draw the same SVG: pygal takes tens of milliseconds a chart, and the outcome
# page is opened again and again between two questionnaires. Kept in this process's memory
# only (no health data goes to a shared cache); a new score makes a new key.
@lru_cache(maxsize=512)
def _render(instrument, points, doses, title, tz):
    definition = get_instrument(instrument)
    top = definition.max_total
    times = [at for at, _ in points] + list(doses)
    start = min(times) if times else timezone.now()
    end = max(times) if times else start
    if end - start < timedelta(days=1):
        end = start + timedelta(days=1)
    bands = sorted(definition.bands, key=lambda b: b.high, reverse=True)
    title = title or f"{definition.short_name} over the course"
    style = Style(**LOOK, colors=(*_band_colours(bands), DOSE_MARK, LINE))
    # XY on POSIX seconds (pygal's DateTimeLine calls the deprecated utcfromtimestamp).
    chart = pygal.XY(
        js=[],
        css=["file://style.css", "file://graph.css"],
        style=style,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        range=(0, top),
        include_x_axis=True,
        show_x_guides=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=-1,
        x_value_formatter=lambda seconds: datetime.fromtimestamp(seconds, tz).strftime("%d %b"),
        no_data_text=f"No {definition.short_name} scores yet",
        disable_xml_declaration=True,
    )
    chart.add_xml_filter(_strip_active_content)
    chart.add_xml_filter(_accessible(title, _describe(definition, points, doses, tz)))
    # Widest band first: each narrower one is painted over it, leaving stripes.
    for band in bands:
        chart.add(
            f"{band.label} ({band.low}–{band.high})",
            [(start.timestamp(), band.high), (end.timestamp(), band.high)],
            fill=True,
            show_dots=False,
            stroke_style={"width": 0},
        )
    chart.add(
        "Dosing session",
        [(at.timestamp(), top) for at in doses] or [None],
        stroke=False,
        dots_size=5,
    )
    chart.add(
        f"{definition.short_name} total",
        [(at.timestamp(), total) for at, total in points] or [None],
        dots_size=4,
        stroke_style={"width": 3},
    )
    return chart.render(is_unicode=True)
