"""Measurement-based care settings a protocol carries: what to ask when, and the change rules.

Both are JSON on `Protocol` so a clinic edits them in the admin; the defaults below follow
docs/kap-clinical-reference.md and `clean()` checks any edit against these shapes.
"""

from django.core.exceptions import ValidationError

from kapclinic.instruments import INSTRUMENTS


class When:
    """Anchors of the follow-up schedule."""

    BEFORE_EACH_DOSE = "before_each_dose"
    END_OF_COURSE = "end_of_course"
    AFTER_COURSE = "after_course"
    MONTHLY_DURING_COURSE = "monthly_during_course"

    ALL = (BEFORE_EACH_DOSE, END_OF_COURSE, AFTER_COURSE, MONTHLY_DURING_COURSE)


# Instruments with a total that can be followed over time.
# TreatmentCourse's Indication values, kept here so the protocol's models import no journey.
INDICATIONS = ("anxiety", "depression", "ptsd", "other")
TRACKABLE = tuple(code for code, instrument in INSTRUMENTS.items() if instrument.max_total)
FOLLOW_UP_SET = ["phq9", "gad7", "pcl5"]


def default_measure_schedule():
    """domain reference §5, suggested MBC schedule: PHQ-9 and GAD-7 before every dose;
    PHQ-9, GAD-7 and PCL-5 at the end of the course and 1, 4 and 12 weeks after it; PCL-5
    monthly during the course (1-month recall) for a PTSD indication."""
    return [
        {"when": When.BEFORE_EACH_DOSE, "instruments": ["phq9", "gad7"]},
        {"when": When.MONTHLY_DURING_COURSE, "instruments": ["pcl5"], "indications": ["ptsd"]},
        {"when": When.END_OF_COURSE, "instruments": list(FOLLOW_UP_SET)},
        *(
            {"when": When.AFTER_COURSE, "weeks": weeks, "instruments": list(FOLLOW_UP_SET)}
            for weeks in (1, 4, 12)
        ),
    ]


def default_outcome_rules():
    """Per instrument: points for a reliable change, the remission cut-off, the response drop."""
    return {
        # domain reference §1.3: reliable improvement ≥6 (NHS Talking Therapies/IAPT);
        # remission <5 (CMS159 / NQF 0710); response ≥50% drop (NQF 1885).
        "phq9": {"reliable_change": 6, "remission_below": 5, "response_drop_percent": 50},
        # domain reference §1.2: reliable improvement ≥4 (IAPT; the Bischoff 2020 RCI is 6);
        # remission <5 and response ≥50% are conventions borrowed from the PHQ-9.
        "gad7": {"reliable_change": 4, "remission_below": 5, "response_drop_percent": 50},
        # domain reference §1.4: 5–10 points is reliable change (VA); the upper end is used.
        # Response: a drop of 10 points or more, the lower end of a clinically meaningful
        # change (10–20, VA). The reference gives no PCL-5 remission cut-off: none computed.
        "pcl5": {
            "reliable_change": 10,
            "remission_below": None,
            "response_drop_percent": None,
            "response_drop_points": 10,
        },
    }


def _whole(value, low, high):
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_measure_schedule(schedule):
    """Each step: {"when": one of When.ALL, "instruments": [codes], "weeks": n (after_course)}."""
    if not isinstance(schedule, list):
        raise ValidationError("Give a list of steps, e.g. [{“when”: “end_of_course”, …}].")
    seen = set()
    for number, step in enumerate(schedule, start=1):
        where = f"Step {number}"
        if not isinstance(step, dict) or step.get("when") not in When.ALL:
            raise ValidationError(f"{where}: “when” must be one of {', '.join(When.ALL)}.")
        if set(step) - {"when", "instruments", "weeks", "indications"}:
            raise ValidationError(
                f"{where}: only “when”, “instruments”, “weeks” and “indications” are allowed."
            )
        indications = step.get("indications")
        if indications is not None and (
            not isinstance(indications, list)
            or not indications
            or not all(code in INDICATIONS for code in indications)
        ):
            raise ValidationError(
                f"{where}: “indications” lists course indications: {', '.join(INDICATIONS)}."
            )
        instruments = step.get("instruments")
        if (
            not isinstance(instruments, list)
            or not instruments
            or not all(code in TRACKABLE for code in instruments)
            or len(set(instruments)) != len(instruments)
        ):
            raise ValidationError(
                f"{where}: list each instrument once, from {', '.join(TRACKABLE)}."
            )
        weeks = step.get("weeks")
        if step["when"] == When.AFTER_COURSE:
            if not _whole(weeks, 1, 104):
                raise ValidationError(f"{where}: “weeks” after the course must be 1 to 104.")
        elif weeks is not None:
            raise ValidationError(f"{where}: “weeks” belongs only to after_course steps.")
        key = (step["when"], weeks)
        if key in seen:
            raise ValidationError(f"{where}: this time point is listed twice.")
        seen.add(key)


def validate_outcome_rules(rules):
    """Instrument code → reliable_change (points), remission_below, and a response rule:
    response_drop_percent or response_drop_points."""
    if not isinstance(rules, dict):
        raise ValidationError("Give one entry per instrument, e.g. {“phq9”: {…}}.")
    for code, rule in rules.items():
        if code not in TRACKABLE:
            raise ValidationError(f"“{code}” is not an instrument with a total score.")
        top = INSTRUMENTS[code].max_total
        name = INSTRUMENTS[code].short_name
        if not isinstance(rule, dict) or set(rule) - {
            "reliable_change",
            "remission_below",
            "response_drop_percent",
            "response_drop_points",
        }:
            raise ValidationError(
                f"{name}: use reliable_change, remission_below, response_drop_percent and "
                "response_drop_points."
            )
        change = rule.get("reliable_change")
        if change is not None and not _whole(change, 1, top):
            raise ValidationError(f"{name}: reliable_change must be 1 to {top} points.")
        remission = rule.get("remission_below")
        if remission is not None and not _whole(remission, 1, top):
            raise ValidationError(f"{name}: remission_below must be 1 to {top}.")
        drop = rule.get("response_drop_percent")
        if drop is not None and not _whole(drop, 1, 100):
            raise ValidationError(f"{name}: response_drop_percent must be 1 to 100.")
        points = rule.get("response_drop_points")
        if points is not None and not _whole(points, 1, top):
            raise ValidationError(f"{name}: response_drop_points must be 1 to {top}.")
        if drop is not None and points is not None:
            raise ValidationError(
                f"{name}: give the response rule as a percentage or in points, not both."
            )
