"""The treatment course and the one place where its journey moves from stage to stage."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.access import PatientRecordQuerySet, provider_for
from kapclinic.clinic.record_fields import course_link
from kapclinic.clinic.record_rules import KeepsItsLinks, KeptLinksQuerySet

from .people import Clinic, Patient, Provider, Role, User


class JourneyError(Exception):
    """A journey transition was refused; the message is shown to the user as is."""


class Indication(models.TextChoices):
    ANXIETY = "anxiety", "Anxiety"
    DEPRESSION = "depression", "Depression"
    PTSD = "ptsd", "PTSD"
    OTHER = "other", "Other"


class CourseState(models.TextChoices):
    INVITED = "invited", "Invited"
    INTAKE_IN_PROGRESS = "intake_in_progress", "Intake in progress"
    INTAKE_SUBMITTED = "intake_submitted", "Intake submitted"
    UNDER_REVIEW = "under_review", "Under review"
    MORE_INFO_REQUESTED = "more_info_requested", "More information requested"
    DECLINED = "declined", "Declined"
    CLEARED = "cleared", "Cleared"
    IN_TREATMENT = "in_treatment", "In treatment"
    MAINTENANCE = "maintenance", "Maintenance"
    INTEGRATION = "integration", "Integration"
    COMPLETED = "completed", "Completed"
    DISCONTINUED = "discontinued", "Discontinued"


S = CourseState
CLOSED_STATES = frozenset({S.DECLINED, S.COMPLETED, S.DISCONTINUED})
PRESCRIBER = frozenset({Role.PRESCRIBER})
CLINICIANS = frozenset({Role.PRESCRIBER, Role.THERAPIST})
PATIENT = "patient"

# Badge colour per stage: where attention is needed it is never conveyed by colour alone,
# the label always says it too.
STATE_TONE = {
    S.INVITED: "neutral",
    S.INTAKE_IN_PROGRESS: "neutral",
    S.INTAKE_SUBMITTED: "info",
    S.UNDER_REVIEW: "info",
    S.MORE_INFO_REQUESTED: "warning",
    S.DECLINED: "neutral",
    S.CLEARED: "success",
    S.IN_TREATMENT: "success",
    S.MAINTENANCE: "success",
    S.INTEGRATION: "success",
    S.COMPLETED: "neutral",
    S.DISCONTINUED: "neutral",
}


class CourseQuerySet(KeptLinksQuerySet, PatientRecordQuerySet):
    """Courses of the patients this user may see (see Patient.objects.visible_to)."""

    patient_path, clinic_field = "patient__", "clinic_id"

    def open(self):
        return self.exclude(state__in=CLOSED_STATES)


class TreatmentCourse(KeepsItsLinks):
    """One patient's journey through assessment, dosing and integration.

    The state field is only ever changed by the transition methods below. A course stays
    with its patient and clinic: their signed consents, doses and notes would otherwise land
    in someone else's chart.
    """

    kept_links = {
        "patient": "A course stays with the patient it was opened for: open a new course for "
        "this patient instead.",
        "clinic": "A course stays at the clinic where it was opened.",
    }

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="courses")
    indication = models.CharField(max_length=20, choices=Indication.choices)
    indication_detail = models.CharField(max_length=200, blank=True)
    care_team = models.ManyToManyField(Provider, blank=True, related_name="courses")
    state = models.CharField(
        max_length=30, choices=CourseState.choices, default=S.INVITED, editable=False
    )
    state_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_reason = models.TextField(blank=True, editable=False)

    objects = CourseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "state"])]

    def __str__(self):
        return f"{self.patient.legal_name}: {self.get_indication_display()} course"

    def clean(self):
        self.refuse_moving()
        if self.patient_id and self.clinic_id and self.patient.clinic_id != self.clinic_id:
            raise ValidationError({"clinic": "The course must belong to the patient's clinic."})

    @property
    def is_open(self):
        return self.state not in CLOSED_STATES

    @property
    def state_tone(self):
        return STATE_TONE[self.state]

    # --- Transitions: each checks who and from where, then records it ------------------------

    def start_intake(self, by):
        """The patient accepted the invitation and began the intake."""
        self._move(S.INTAKE_IN_PROGRESS, by, sources={S.INVITED}, actors={PATIENT})

    def submit_intake(self, by):
        self._move(
            S.INTAKE_SUBMITTED,
            by,
            sources={S.INTAKE_IN_PROGRESS, S.MORE_INFO_REQUESTED},
            actors={PATIENT},
        )

    def begin_review(self, by):
        self._move(S.UNDER_REVIEW, by, sources={S.INTAKE_SUBMITTED}, actors=CLINICIANS)

    def request_more_information(self, by, message):
        self._move(
            S.MORE_INFO_REQUESTED,
            by,
            sources={S.UNDER_REVIEW},
            actors=CLINICIANS,
            note=message,
            note_label="A message to the patient",
        )

    def decline(self, by, rationale):
        self._decide(S.DECLINED, by, rationale, sources={S.UNDER_REVIEW})

    def clear(self, by, rationale):
        """Suitability cleared by a prescriber; refused while a safety flag is open, and for
        anyone not an adult on the clinic's day by the date of birth now on file (the admin may
        have corrected it since the intake)."""
        if self.safety_flags.filter(resolved_at__isnull=True).exists():
            raise JourneyError(
                "This course has an open safety flag. Record what was done about it first."
            )
        patient = Patient.objects.select_related("clinic").get(pk=self.patient_id)
        if refusal := patient.why_not_an_adult():
            raise JourneyError(refusal)
        self._decide(S.CLEARED, by, rationale, sources={S.UNDER_REVIEW})

    def start_treatment(self, by):
        self._move(S.IN_TREATMENT, by, sources={S.CLEARED}, actors=PRESCRIBER)

    def reevaluate(
        self, by, decision, rationale, *, outcome_so_far, sessions_before, plan_version, screen=None
    ):
        """A prescriber's re-evaluation after a block of dosing: the only way into maintenance,
        and the only way back from integration to dosing.

        Continue to maintenance → Maintenance; repeat induction → In treatment; stop →
        Integration. From integration it resumes dosing (reference §5: maintenance, boosters)
        and is refused while suicide-risk work holds dosing; stopping there is refused. The
        signed record is written in the same transaction as the move. `screen`: the
        long-term safety answers (Reevaluation.LONG_TERM_SCREEN and safety_findings),
        required before more dosing.
        """
        from .reevaluation import Reevaluation, ReevaluationDecision

        target = {
            ReevaluationDecision.MAINTENANCE: S.MAINTENANCE,
            ReevaluationDecision.REPEAT_INDUCTION: S.IN_TREATMENT,
            ReevaluationDecision.STOP: S.INTEGRATION,
        }.get(decision)
        if target is None:
            raise JourneyError("Choose a decision: maintenance, repeat induction or stop.")
        sources = {S.IN_TREATMENT, S.MAINTENANCE}
        with transaction.atomic():
            locked = type(self).objects.select_for_update(no_key=True).filter(pk=self.pk)
            if locked.values_list("state", flat=True).first() == S.INTEGRATION:
                self._check_actor(by, PRESCRIBER)
                self._refuse_resuming(decision)
                sources.add(S.INTEGRATION)
            self._decide(target, by, rationale, sources=sources)
            record = Reevaluation(
                course=self,
                decision=decision,
                rationale=rationale.strip(),
                outcome_so_far=outcome_so_far,
                sessions_before=sessions_before,
                plan_version=plan_version,
                decided_by=by,
                decided_at=self.state_changed_at,
                **(screen or {}),
            )
            record.full_clean()
            record.save()
        return record

    def _refuse_resuming(self, decision):
        """From integration only more dosing is a decision (it has stopped already), and not
        while a safety flag is open or a high-risk review waits for a prescriber's psychiatric
        review: the dosing gate's rule (reference §1.5), asked before a plan is signed."""
        from .reevaluation import ReevaluationDecision

        if decision == ReevaluationDecision.STOP:
            raise JourneyError(
                "This course is already in integration: dosing has stopped. From here a "
                "re-evaluation resumes dosing (maintenance or repeat induction); to end the "
                "course, complete it."
            )
        flag = self.safety_flags.open().order_by("raised_at").first()
        if flag is not None:
            raise JourneyError(
                f"This course has an open safety flag ({flag.source}): a clinician must resolve "
                "it before dosing resumes."
            )
        review = self.risk_reviews.awaiting_psychiatric_review().order_by("-reviewed_at").first()
        if review is not None:
            day = timezone.localdate(review.reviewed_at, self.clinic.tz)
            raise JourneyError(
                f"The risk review of {day:%-d %b %Y} ({review.get_risk_level_display().lower()}) "
                "holds dosing until a prescriber records a psychiatric review: record it before "
                "dosing resumes."
            )

    def begin_integration(self, by, reason):
        """Dosing ends (only a prescriber's re-evaluation resumes it): the reason is kept."""
        self._move(
            S.INTEGRATION,
            by,
            sources={S.IN_TREATMENT, S.MAINTENANCE},
            actors=CLINICIANS,
            note=reason,
            note_label="A reason",
        )

    def complete(self, by, note=""):
        self._move(S.COMPLETED, by, sources={S.INTEGRATION}, actors=CLINICIANS, note=note)

    def discontinue(self, by, reason):
        open_states = set(CourseState) - CLOSED_STATES
        self._move(
            S.DISCONTINUED,
            by,
            sources=open_states,
            actors=CLINICIANS,
            note=reason,
            note_label="A reason",
        )

    def _decide(self, target, by, rationale, *, sources):
        """A prescriber's decision moves the course, always with a rationale."""
        self._move(
            target,
            by,
            sources=sources,
            actors=PRESCRIBER,
            note=rationale,
            note_label="A rationale",
        )

    def _move(self, target, by, *, sources, actors, note="", note_label=None):
        self._check_actor(by, actors)
        note = (note or "").strip()
        if note_label and not note:
            raise JourneyError(f"{note_label} is required.")
        with transaction.atomic():
            # Lock the row so two clinicians cannot move the same course at once.
            current = type(self).objects.select_for_update(no_key=True).get(pk=self.pk)
            if current.state not in sources:
                raise JourneyError(
                    f"A course that is “{current.get_state_display()}” cannot move to "
                    f"“{CourseState(target).label}”."
                )
            source = current.state
            now = timezone.now()
            self.state, self.state_changed_at = target, now
            if target in CLOSED_STATES:
                self.closed_reason = note
            type(self).objects.filter(pk=self.pk).update(
                state=target, state_changed_at=now, closed_reason=self.closed_reason
            )
            CourseEvent.objects.create(
                course=self, from_state=source, to_state=target, actor=by, at=now, note=note
            )
            what = f"course {self.pk}: {CourseState(source).label} → {CourseState(target).label}"
            audit(by, self, what, CHANGE)

    def _check_actor(self, user, actors):
        if user is None or not user.is_authenticated:
            raise JourneyError("You must be signed in.")
        if PATIENT in actors and self.patient.user_id == user.pk:
            return
        provider = provider_for(user)
        if (
            provider is not None
            and provider.clinic_id == self.clinic_id
            and provider.role in actors
        ):
            return
        who = ", ".join(sorted(Role(a).label.lower() if a != PATIENT else a for a in actors))
        raise JourneyError(f"Only the course's {who} may do this.")


class CourseEvent(models.Model):
    """One step of the journey: from which stage to which, by whom, when and why."""

    course = course_link("events")
    from_state = models.CharField(max_length=30, choices=CourseState.choices)
    to_state = models.CharField(max_length=30, choices=CourseState.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["course", "at"])]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"
