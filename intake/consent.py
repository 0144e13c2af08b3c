"""The consent lifecycle: which versions a course still has to sign, signing, withdrawing.

One read (`consent_status`) answers the patient's home page, the staff badges, the check-in
and the pre-dose gate alike, so screen and gate never disagree. Consent is on file before
each dose (reference §4.1); each kind has its own versions (reference §6, FHIR Consent).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit
from kapclinic.clinic.models import Clinic, CourseState, JourneyError, SafetyFlag
from kapclinic.clinic.statements import compiled

from .models import ConsentDocument, ConsentKind, ConsentSignature, ConsentWithdrawal

# Courses whose patient signs (again) outside the intake wizard: cleared for, or in, dosing.
RESIGNING_STATES = frozenset(
    {CourseState.CLEARED, CourseState.IN_TREATMENT, CourseState.MAINTENANCE}
)
WITHDRAWAL_FLAG = "Consent withdrawn"
# The box the patient ticks, word for word: kept with each signature, quoted by its signed copy.
INTAKE_STATEMENT = "I have read and understood this information and I consent to treatment."
RESIGN_STATEMENT = "I have read this version, including what changed, and I consent."


@dataclass
class ConsentDue:
    """One kind of consent for one course: the version in effect and where the patient is."""

    document: ConsentDocument  # the version in effect now
    signature: ConsentSignature | None = None  # the patient's latest signature of this kind
    accepted: bool = False  # that signature still covers this kind (not withdrawn, recent)
    changes: list = field(default_factory=list)  # versions since the one they signed

    @property
    def withdrawn(self):
        return self.signature is not None and withdrawal_of(self.signature) is not None

    @property
    def due(self):
        return not self.accepted

    def reason(self):
        """Why it is due, in words for the pre-dose checklist and the staff badge."""
        doc = self.document
        if self.withdrawn:
            when = timezone.localtime(withdrawal_of(self.signature).withdrawn_at)
            return (
                f"{doc.title}: the patient withdrew consent on {when:%-d %b %Y} "
                f"(version {self.signature.document.version})."
            )
        older = (
            f" (they signed version {self.signature.document.version})" if self.signature else ""
        )
        return f"{doc.title}: the patient has not signed the current version {doc.version}{older}."


def withdrawal_of(signature):
    try:
        return signature.withdrawal
    except ConsentWithdrawal.DoesNotExist:
        return None


def _in_effect(clinic_id, on):
    return ConsentDocument.objects.in_effect(Clinic(pk=clinic_id), on)


def versions_in_effect(clinic, on=None):
    """{kind: [versions whose effective date has come, oldest first]} for the clinic."""
    by_kind = {}
    on = on or clinic.today()
    for document in compiled("consent versions in effect", [clinic.pk, on], _in_effect):
        by_kind.setdefault(document.kind, []).append(document)
    return by_kind


def _course_signatures(course_id):
    return (
        ConsentSignature.objects.filter(course_id=course_id)
        .select_related("document", "withdrawal")
        .order_by("-signed_at", "-pk")
    )


def consent_status(course, *, versions=None, signatures=None, required_only=True):
    """Each kind of consent in effect at the course's clinic and whether it is on file.

    A signature covers a kind when it is not withdrawn and is of the newest version that
    asked patients to sign again, or later. Two queries; `versions` (versions_in_effect) and
    `signatures` (this course's, newest first, with document and withdrawal) save them.
    """
    if versions is None:
        versions = versions_in_effect(course.clinic)
    if signatures is None:  # the gate and the patient's home: its SQL built once
        signatures = compiled("consent: course signatures", [course.pk], _course_signatures)
    rows = []
    for kind in ConsentKind.values:
        docs = versions.get(kind)
        if not docs or (required_only and not docs[-1].required_before_dosing):
            continue
        current = docs[-1]
        baseline = max((i for i, d in enumerate(docs) if d.resign_required or i == 0), default=0)
        position = {d.pk: i for i, d in enumerate(docs)}
        latest = next((s for s in signatures if s.document.kind == kind), None)
        signed_at = position.get(latest.document_id, -1) if latest else -1
        accepted = latest is not None and withdrawal_of(latest) is None and signed_at >= baseline
        changes = [d for d in docs[signed_at + 1 :] if d.summary_of_changes] if latest else []
        rows.append(ConsentDue(current, latest, accepted, changes))
    return rows


def consents_due(course):
    """The required consents this course must (re-)sign, or [] when not in dosing."""
    if course.state not in RESIGNING_STATES:
        return []
    return [row for row in consent_status(course) if row.due]


def due_for_courses(courses):
    """{course id: [ConsentDue still to sign]} for many courses in two queries (staff lists)."""
    courses = [c for c in courses if c.state in RESIGNING_STATES]
    if not courses:
        return {}
    versions = {}
    # Each clinic's own today decides; the clinic comes with its versions (no query more).
    for document in (
        ConsentDocument.objects.filter(clinic_id__in={c.clinic_id for c in courses})
        .select_related("clinic")
        .order_by("kind", "effective_from", "published_at", "pk")
    ):
        if document.effective_from > document.clinic.today():
            continue
        versions.setdefault(document.clinic_id, {}).setdefault(document.kind, []).append(document)
    signatures = {}
    for signature in (
        ConsentSignature.objects.filter(course__in=courses)
        .select_related("document", "withdrawal")
        .order_by("-signed_at", "-pk")
    ):
        signatures.setdefault(signature.course_id, []).append(signature)
    due = {}
    for course in courses:
        rows = consent_status(
            course,
            versions=versions.get(course.clinic_id, {}),
            signatures=signatures.get(course.pk, []),
        )
        if rows := [row for row in rows if row.due]:
            due[course.pk] = rows
    return due


def signable_document(course, pk):
    """The version in effect with this id that the course may sign now, else JourneyError."""
    for docs in versions_in_effect(course.clinic).values():
        if docs[-1].pk == pk:
            return docs[-1]
    raise JourneyError("This consent version is no longer the one in effect.")


def sign_consent(course, document, *, by, signed_name, ip_address=None):
    """The patient signs a version in effect with their typed full name; audit-logged."""
    if course.patient.user_id != by.pk:
        raise JourneyError("Only the patient may sign their own consent.")
    if not course.is_open:
        raise JourneyError("This course is closed.")
    if document.clinic_id != course.clinic_id:
        raise JourneyError("This consent belongs to another clinic.")
    signable_document(course, document.pk)
    with transaction.atomic():
        signature, created = record_signature(
            course,
            document,
            by=by,
            signed_name=signed_name,
            statement=RESIGN_STATEMENT,
            ip_address=ip_address,
        )
        if created:
            what = f"consent signed: {document.get_kind_display()} v{document.version}"
            audit(by, course, what)
    return signature


def record_signature(course, document, *, by, signed_name, statement, agreed=True, ip_address=None):
    """(signature, created): the one place a signature is written (re-consent and intake);
    `statement`: the words of the box the patient ticked; `signed_name`: the patient's full
    name as the clinic has it (case and spacing aside), refused beside the field otherwise.

    A version already signed and not withdrawn is not signed again: the signature on file is
    the answer (a double tap, a second tab, a form sent again after "back"). Signing after a
    withdrawal restores the consent. The same form sent at the same instant: the database
    keeps one (`consent_version_signed_once`, `restores` one-to-one) and this returns it.
    """
    if _plain(signed_name) != _plain(course.patient.legal_name):
        raise ValidationError(
            {
                "signed_name": "Please type your full name exactly as the clinic has it: "
                f"{course.patient.legal_name}."
            }
        )
    latest = (
        ConsentSignature.objects.filter(course=course, document__kind=document.kind)
        .select_related("withdrawal")
        .order_by("-signed_at", "-pk")
        .first()
    )
    restores = withdrawal_of(latest) if latest else None
    if latest is not None and latest.document_id == document.pk and restores is None:
        return latest, False
    try:
        with transaction.atomic():
            signature = ConsentSignature.objects.create(
                course=course,
                document=document,
                signed_by=by,
                signed_name=signed_name,
                agreed=agreed,
                statement=statement,
                ip_address=ip_address,
                restores=restores,
            )
    except IntegrityError:
        same = ConsentSignature.objects.filter(course=course, document=document, restores=restores)
        if (signature := same.first()) is None:
            raise
        return signature, False
    return signature, True


def _plain(name):
    """A name as compared for signing: case and spacing aside."""
    return " ".join((name or "").split()).casefold()


class AlreadyWithdrawn(JourneyError):
    """The withdrawal on file is the answer (a double tap, a form sent again after "back")."""


def withdraw_consent(signature, *, by, reason="", ip_address=None):
    """The patient withdraws a signed consent. A consent dosing needs: dosing stops and the
    care team is told through a safety flag (its alert is sent after commit by the reminders
    app), which holds the pre-dose gate until a clinician has spoken with them. An optional
    consent (research use, say) holds no dose: its withdrawal is on the chart's timeline."""
    course = signature.course
    if course.patient.user_id != by.pk:
        raise JourneyError("Only the patient may withdraw their own consent.")
    reason = (reason or "").strip()
    with transaction.atomic():
        signature = ConsentSignature.objects.select_for_update(no_key=True).get(pk=signature.pk)
        if ConsentWithdrawal.objects.filter(signature=signature).exists():
            raise AlreadyWithdrawn("You have already withdrawn this consent.")
        newer = ConsentSignature.objects.filter(
            course=course, document__kind=signature.document.kind, signed_at__gt=signature.signed_at
        )
        if newer.exists():
            raise JourneyError("A newer signature replaces this one: withdraw that one instead.")
        withdrawal = ConsentWithdrawal.objects.create(
            signature=signature, withdrawn_by=by, reason=reason, ip_address=ip_address
        )
        document = signature.document
        said = f" Their reason: {reason}" if reason else " They gave no reason."
        if document.required_before_dosing:
            SafetyFlag.raise_for(
                course,
                source=WITHDRAWAL_FLAG,
                reason=(
                    f"The patient withdrew their consent “{document.title}” "
                    f"(version {document.version}).{said} Do not dose; talk with the patient."
                ),
                by=by,
            )
        what = f"consent withdrawn: {document.get_kind_display()} v{document.version}"
        audit(by, course, what, CHANGE)
    return withdrawal
