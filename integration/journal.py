"""The patient's journal: write, share, unshare, keep a draft, and what risk wording sets off.

Risk wording in any entry shows the patient the clinic's crisis resources at once. Only an
entry the patient has shared also raises a safety flag: a private entry is never read or
summarised for staff, whatever it says. A draft (an entry begun and kept for later) is
private in the same way until the patient sends it as an entry.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kapclinic.audit.models import AccessEvent
from kapclinic.audit.trail import audit
from kapclinic.clinic.mixins import require_patient
from kapclinic.clinic.models import SafetyFlag
from kapclinic.clinic.submissions import save_once
from kapclinic.clinic.text_limits import JOURNAL_ENTRY, check_length

from .models import (
    IntegrationError,
    JournalDraft,
    JournalEntry,
    JournalPrompt,
    RiskTerm,
    find_risk_phrases,
)


@dataclass(frozen=True)
class JournalResult:
    """What the patient's page needs after a write or a share."""

    entry: JournalEntry
    show_crisis_resources: bool
    crisis_resources: str
    flag: SafetyFlag | None = None


def _result(entry, flag=None):
    return JournalResult(
        entry=entry,
        show_crisis_resources=entry.mentions_risk,
        crisis_resources=entry.course.clinic.crisis_resources if entry.mentions_risk else "",
        flag=flag,
    )


def write_journal_entry(
    by, course, body, *, prompt=None, dosing_session=None, share=False, request_key=None
):
    """The patient writes an entry, private unless `share`; returns a JournalResult.

    `request_key` is the form's one-time key: the same form sent again (a double tap, a
    retry on a poor connection) raises AlreadySaved with the entry written the first time.
    """
    require_patient(by, course, "write in their journal", refusal=IntegrationError)
    if not isinstance(body, str) or not body.strip():
        raise IntegrationError("Write something before saving the entry.")
    try:
        check_length(body, JOURNAL_ENTRY)
    except ValidationError as error:
        raise IntegrationError(error.messages[0]) from error
    if prompt is not None and (prompt.clinic_id != course.clinic_id or not prompt.active):
        raise IntegrationError("That prompt is not offered by your clinic.")
    if dosing_session is not None and dosing_session.course_id != course.pk:
        raise IntegrationError("That dosing session belongs to another course.")
    phrases = find_risk_phrases(body, RiskTerm.objects.phrases_for(course.clinic_id))
    flags = []

    def write():
        entry = JournalEntry.objects.create(
            course=course,
            body=body,
            prompt=prompt,
            prompt_text=prompt.text if prompt else "",
            dosing_session=dosing_session,
            risk_phrases=phrases,
        )
        audit(by, course, f"journal entry {entry.pk} written")
        JournalDraft.objects.filter(course=course).delete()  # sent: the draft is the entry now
        flags.append(_share(entry, by) if share else None)
        return entry

    with transaction.atomic():
        entry = save_once(request_key, kind=JournalEntry, record=course, by=by, write=write)
    return _result(entry, flags[0])


def _choice(value):
    """A prompt or session chosen on the page, kept as typed: an id, or nothing."""
    return value if isinstance(value, str) and value.isdigit() and len(value) <= 20 else ""


def save_journal_draft(by, course, *, body="", prompt="", dosing_session="", share=False):
    """Keep an entry the patient has begun, as typed, for them alone ("Back to my journey").

    Not an entry: nothing is shared or flagged, whatever `share` says, until the patient
    saves it as one. An empty page removes the draft. Returns the draft (None when removed);
    its `risk_phrases` tell the page to show the crisis resources, as for a private entry.
    """
    require_patient(by, course, "write in their journal", refusal=IntegrationError)
    body = body.replace("\x00", "") if isinstance(body, str) else ""
    try:
        check_length(body, JOURNAL_ENTRY)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from error
    prompt, dosing_session = _choice(prompt), _choice(dosing_session)
    with transaction.atomic():
        if not (body.strip() or prompt or dosing_session):
            if JournalDraft.objects.filter(course=course).delete()[0]:
                audit(by, course, "journal draft removed", AccessEvent.Action.CHANGE)
            return None
        draft, _ = JournalDraft.objects.update_or_create(
            course=course,
            defaults={
                "body": body,
                "prompt_choice": prompt,
                "dosing_session_choice": dosing_session,
                "share": bool(share),
                "risk_phrases": find_risk_phrases(
                    body, RiskTerm.objects.phrases_for(course.clinic_id)
                ),
                "saved_at": timezone.now(),
            },
        )
        audit(by, course, "journal draft saved", AccessEvent.Action.CHANGE)
    return draft


def share_journal_entry(entry, by):
    """The patient lets the care team read this entry; risk wording then raises a flag."""
    require_patient(by, entry.course, "share their journal", refusal=IntegrationError)
    with transaction.atomic():
        entry = (
            JournalEntry.objects.select_for_update(of=("self",), no_key=True)
            .select_related("course__clinic")
            .get(pk=entry.pk)
        )
        flag = _share(entry, by)
    return _result(entry, flag)


def unshare_journal_entry(entry, by):
    """The patient takes an entry back: from now on staff querysets cannot return it."""
    require_patient(by, entry.course, "unshare their journal", refusal=IntegrationError)
    with transaction.atomic():
        entry = JournalEntry.objects.select_for_update(no_key=True).get(pk=entry.pk)
        if entry.shared_at is not None:
            entry.shared_at = None
            entry.save(update_fields=["shared_at"])
            audit(by, entry.course, f"journal entry {entry.pk} unshared", AccessEvent.Action.CHANGE)
    return entry


def _share(entry, by):
    if entry.shared_at is None:
        # The clinic's list may have grown since the entry was written: check again.
        entry.risk_phrases = find_risk_phrases(
            entry.body, RiskTerm.objects.phrases_for(entry.course.clinic_id)
        )
        entry.shared_at = timezone.now()
        entry.save(update_fields=["shared_at", "risk_phrases"])
        audit(by, entry.course, f"journal entry {entry.pk} shared", AccessEvent.Action.CHANGE)
    if not entry.mentions_risk:
        return None
    written = timezone.localtime(entry.written_at, entry.course.clinic.tz)
    flag, _ = SafetyFlag.raise_for(
        entry.course,
        source=f"Shared journal entry {entry.pk}",
        reason=(
            f"A journal entry the patient wrote on {written:%d %b %Y} and shared with the care "
            f"team contains risk wording ({', '.join(entry.risk_phrases)}). Read the entry and "
            "contact the patient today."
        ),
        by=by,
        kind=SafetyFlag.Kind.SUICIDE_RISK,
    )
    return flag


def active_prompts(clinic):
    """The prompts a patient may start an entry from, in the clinic's order."""
    return list(JournalPrompt.objects.filter(clinic=clinic, active=True))
