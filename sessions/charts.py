"""The vitals chart: BP and heart rate over minutes since the first dose, as SVG geometry.

Only numbers and words come out of here; the template draws them (escaped), so the session
screen and, later, the PDF report draw the same chart from the same coordinates.
"""

from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 280
# Room for the axis labels: left, right, top, bottom.
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 16, 12, 36
Y_FLOOR, Y_CEILING = 40, 200  # mmHg and /min share one axis; it grows to fit the values.


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    minute: int
    value: int


@dataclass(frozen=True)
class Series:
    key: str  # CSS modifier: systolic, diastolic, heart-rate
    label: str
    unit: str
    points: tuple

    @property
    def polyline(self):
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class LimitLine:
    key: str
    label: str
    value: int
    y: float


@dataclass(frozen=True)
class Tick:
    value: int
    position: float
    label: str


@dataclass(frozen=True)
class VitalsChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    series: tuple
    limits: tuple
    x_ticks: tuple
    y_ticks: tuple
    zero_label: str
    description: str
    empty: bool = field(default=False)


def _nice_step(span, target=6):
    for step in (5, 10, 15, 20, 30, 60, 90, 120):
        if span / step <= target:
            return step
    return 180


def vitals_chart(readings, thresholds, zero_at, zero_label="first dose"):
    """Geometry for systolic, diastolic and heart-rate lines with the alert limits dashed.

    `readings` are VitalSigns in time order; `zero_at` is minute 0 (the first dose, or the
    session start before any dose). Times before it plot at negative minutes (the baseline).
    """
    minutes = [round((r.taken_at - zero_at).total_seconds() / 60) for r in readings]
    limits_spec = (
        ("systolic", "Systolic alert limit", thresholds.alert_systolic_above),
        ("diastolic", "Diastolic alert limit", thresholds.alert_diastolic_above),
        ("heart-rate", "Heart rate alert limit", thresholds.alert_heart_rate_above),
    )
    values = [v for r in readings for v in (r.systolic, r.diastolic, r.heart_rate)]
    limit_values = [value for _, _, value in limits_spec]
    y_min = min([Y_FLOOR, *values]) // 10 * 10
    y_max = -(-max([Y_CEILING, *values, *(v + 10 for v in limit_values)]) // 10) * 10
    x_min = min([0, *minutes])
    x_max = max([60, *minutes])
    x_min = x_min // 5 * 5
    x_max = -(-x_max // 5) * 5
    left, right = PAD_LEFT, WIDTH - PAD_RIGHT
    top, bottom = PAD_TOP, HEIGHT - PAD_BOTTOM

    def x_of(minute):
        return left + (minute - x_min) / (x_max - x_min) * (right - left)

    def y_of(value):
        return bottom - (value - y_min) / (y_max - y_min) * (bottom - top)

    def series(key, label, unit, attribute):
        points = tuple(
            Point(x_of(m), y_of(getattr(r, attribute)), m, getattr(r, attribute))
            for m, r in zip(minutes, readings, strict=True)
        )
        return Series(key, label, unit, points)

    step = _nice_step(x_max - x_min)
    first_tick = -(-x_min // step) * step
    x_ticks = tuple(
        Tick(m, x_of(m), f"{m:+d}" if m else "0") for m in range(first_tick, x_max + 1, step)
    )
    y_step = 20 if y_max - y_min <= 200 else 40
    y_ticks = tuple(
        Tick(v, y_of(v), str(v)) for v in range(-(-y_min // y_step) * y_step, y_max + 1, y_step)
    )
    lines = (
        series("systolic", "Systolic BP", "mmHg", "systolic"),
        series("diastolic", "Diastolic BP", "mmHg", "diastolic"),
        series("heart-rate", "Heart rate", "/min", "heart_rate"),
    )
    limits = tuple(LimitLine(key, label, value, y_of(value)) for key, label, value in limits_spec)
    return VitalsChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=left,
        plot_right=right,
        plot_top=top,
        plot_bottom=bottom,
        series=lines,
        limits=limits,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        zero_label=zero_label,
        description=describe(readings, minutes, thresholds, zero_label),
        empty=not readings,
    )


def describe(readings, minutes, thresholds, zero_label):
    """One sentence a screen reader can use in place of the picture."""
    if not readings:
        return "No vital signs recorded yet."
    peak = max(readings, key=lambda r: (r.systolic, r.diastolic))
    peak_minute = minutes[readings.index(peak)]
    fastest = max(r.heart_rate for r in readings)
    return (
        f"{len(readings)} reading(s) from minute {minutes[0]} to minute {minutes[-1]} "
        f"after the {zero_label}. Highest BP {peak.systolic}/{peak.diastolic} mmHg at minute "
        f"{peak_minute}; highest heart rate {fastest}/min. Alert limits: BP "
        f"{thresholds.alert_systolic_above}/{thresholds.alert_diastolic_above} mmHg, heart "
        f"rate {thresholds.alert_heart_rate_above}/min."
    )
