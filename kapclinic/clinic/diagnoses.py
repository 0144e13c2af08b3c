"""Adding a diagnosis to a course, and marking one entered in error: the one place both happen.

Who diagnoses: the course's clinic's prescribers and therapists. Making a diagnosis is within
a licensed therapist's scope of practice in most US states (LCSW, LMFT, LPC, psychologists),
and a KAP course's therapist often makes it; nurses and clinic admins read diagnoses only.
"""

from django.db import IntegrityError, transaction

from kapclinic.audit.trail import CHANGE, audit

from . import icd10
from .access import provider_for
from .in_error import strike_out
from .models import Diagnosis, Role, TreatmentCourse

DIAGNOSERS = frozenset({Role.PRESCRIBER, Role.THERAPIST})


class DiagnosisError(Exception):
    """The diagnosis was refused; the message is shown beside the form as is."""


def may_diagnose(user, course):
    provider = provider_for(user)
    return (
        provider is not None
        and provider.clinic_id == course.clinic_id
        and provider.role in DIAGNOSERS
    )


def _check(user, course):
    if not may_diagnose(user, course):
        raise DiagnosisError("Only the clinic's prescribers and therapists record diagnoses.")


def add_diagnosis(course, by, code, *, primary=False):
    """Record an ICD-10-CM code from the shipped list; a new primary replaces the old one."""
    _check(by, course)
    entry = icd10.lookup(code)
    if entry is None:
        raise DiagnosisError("Pick a code from the ICD-10-CM list.")
    with transaction.atomic():
        TreatmentCourse.objects.select_for_update(no_key=True, of=("self",)).get(pk=course.pk)
        current = Diagnosis.objects.in_force().filter(course=course)
        if current.filter(code=entry.code).exists():
            raise DiagnosisError(f"{entry.code} is already on this course.")
        if primary:
            current.filter(primary=True).update(primary=False)
        elif not current.exists():
            primary = True  # the first diagnosis is the primary one until another is chosen
        try:
            with transaction.atomic():
                diagnosis = Diagnosis.objects.create(
                    course=course,
                    code=entry.code,
                    description=entry.description,
                    primary=primary,
                    added_by=by,
                )
        except IntegrityError as error:  # the same code added at the same moment elsewhere
            raise DiagnosisError(f"{entry.code} is already on this course.") from error
        audit(by, course, f"diagnosis {entry.code} added, course {course.pk}")
    return diagnosis


def enter_in_error(diagnosis, by, reason):
    """Mark a diagnosis entered in error, with a reason; it stays on record, struck through."""
    course = diagnosis.course
    _check(by, course)
    with transaction.atomic():
        locked = strike_out(
            diagnosis,
            by,
            reason,
            refusal=DiagnosisError,
            ask_why="Say why this diagnosis was entered in error.",
            already="This diagnosis is already marked entered in error.",
            primary=False,
        )
        audit(by, course, f"diagnosis {locked.code} entered in error, course {course.pk}", CHANGE)
    return locked
