"""What waits for a clinic's clinicians today, counted for their daily digest (counts only:
an email says how many, never which patient)."""

import datetime

from django.db.models import Q

from integration.models import IntegrationNote, MeasureRequest
from kapclinic.clinic.models import FollowUpTask, RecordRequest, SafetyFlag
from kapclinic.rems.services import overdue_count as rems_overdue_count
from kapclinic.stock import selectors as stock_selectors
from sessions.models import DosingSession
from sessions.reevaluation import due_reevaluations


def digest_counts(clinic_id, now):
    """Counts only: what waits for the clinic's clinicians today."""
    day_ago = now - datetime.timedelta(hours=24)
    unsigned_sessions = (
        DosingSession.objects.filter(course__clinic_id=clinic_id, started_at__lt=day_ago)
        .exclude(status=DosingSession.Status.SIGNED)
        .count()
    )
    unsigned_notes = IntegrationNote.objects.filter(
        course__clinic_id=clinic_id,
        status=IntegrationNote.Status.DRAFT,
        created_at__lt=day_ago,
    ).count()
    return {
        "follow_up_tasks": FollowUpTask.objects.open()
        .filter(course__clinic_id=clinic_id, due_at__lt=now + datetime.timedelta(hours=24))
        .count(),
        "unsigned_notes": unsigned_sessions + unsigned_notes,
        "open_flags": SafetyFlag.objects.open().filter(course__clinic_id=clinic_id).count(),
        "overdue_measures": MeasureRequest.objects.overdue(now)
        .filter(Q(course__clinic_id=clinic_id), expires_at__gt=now)
        .count(),
        # Courses whose re-evaluation is due by this time tomorrow (sessions.reevaluation).
        "reevaluations_due": len(due_reevaluations(clinic_id, now + datetime.timedelta(hours=24))),
        "open_discrepancies": stock_selectors.open_discrepancies(clinic_id).count(),
        "overdue_rems_forms": rems_overdue_count(clinic_id, now),
        # Patients' requests about their record due within a week, or overdue.
        "record_requests_due": RecordRequest.objects.open()
        .filter(patient__clinic_id=clinic_id, due_on__lte=(now + datetime.timedelta(days=7)).date())
        .count(),
    }
