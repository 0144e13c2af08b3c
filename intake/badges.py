"""Consent on staff pages: a badge beside each course with a consent still to sign (plug-in
point `kapclinic/clinic/badges.py`)."""

from kapclinic.clinic.badges import CourseBadge, register

from .consent import due_for_courses


@register
def consent_badges(courses):
    """Staff see who still has to sign before their next session (two queries)."""
    badges = {}
    for course_id, rows in due_for_courses(courses).items():
        badges[course_id] = [
            CourseBadge(
                f"Consent withdrawn: {row.document.title}"
                if row.withdrawn
                else f"Consent v{row.document.version} to sign",
                "danger" if row.withdrawn else "warning",
                row.reason(),
            )
            for row in rows
        ]
    return badges
