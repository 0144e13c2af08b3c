"""The suitability assessment report: what the prescriber decided on, and what they decided.

It reads the same record as the review page (intake.selectors.suitability_review), so the
paper copy and the screen never disagree.
"""

from intake.selectors import suitability_review
from intake.steps import steps_for
from kapclinic.clinic.models import TreatmentCourse

from .render import ReportUnavailable, printed_for

TEMPLATE = "reports/assessment.html"


def records():
    """Courses with what the report header needs; scope it with `.visible_to(user)`."""
    return TreatmentCourse.objects.select_related("patient", "clinic")


def build_context(course, *, generated_by, generated_at=None):
    """Everything the template shows. Raises ReportUnavailable before the intake is submitted."""
    record = suitability_review(course)
    if record["submission"] is None:
        raise ReportUnavailable(
            f"{course.patient.display_name} has not submitted their intake yet: "
            "there is no assessment to report."
        )
    answers = record["answers"]
    sections = [
        {"title": step.clinical_title, "rows": step.rows(answers, clinical=True)}
        for step in steps_for(answers)
        if not step.is_questionnaire and not step.consent and step.key in answers
    ]
    decisions = record["decisions"]
    return {
        **record,
        "course": course,
        **printed_for(course, generated_by, generated_at),
        "care_team": list(course.care_team.select_related("user")),
        "answer_sections": sections,
        "decision": decisions[0] if decisions else None,
        "earlier_decisions": decisions[1:],
    }


def title(course):
    return f"Suitability assessment: {course.patient.legal_name}"


def filename(course):
    return f"suitability-assessment-course-{course.pk}.pdf"
