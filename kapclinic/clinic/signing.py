"""Signing a record, and adding to it once signed: the two writes every `SignedRecord` takes.

The dosing session and the integration note are signed alike (status, who, when and the content
hash, saved together) and take addenda alike (the clinicians of the phase, text required, one
addendum per form sent, each on the audit trail). Each phase keeps its own checks before
signing, its own roles and its own error (the addendum model's `refusal`).
"""

from django.utils import timezone

from kapclinic.audit.trail import CHANGE, audit

from .mixins import require_staff
from .records import SIGNED
from .submissions import save_once


def sign(record, by):
    """`by` signs `record` now: its content hash is stored and from then on it cannot change.

    Runs inside the caller's transaction, on the row the caller has locked.
    """
    record.status = SIGNED
    record.signed_by, record.signed_at = by, timezone.now()
    record.seal()
    record.save(update_fields=["status", "signed_by", "signed_at", "content_hash"])
    audit(by, record.course, f"{_name(record)} signed", CHANGE)


def password_confirms(user, password):
    """A signature asks the signer to type their own password again: True when it is theirs.

    The one check every signature makes (a protocol's sign-off, a count discrepancy resolved,
    a witness to waste); an empty or unusable password never confirms.
    """
    return bool(password) and user.check_password(password)


def add_addendum(record, by, text, *, roles, request_key=None):
    """A correction or late entry: the only way to add to a signed record.

    `roles`: who of the phase may write one. `request_key` is the form's one-time key: the same
    form sent twice adds one addendum.
    """
    kind = record.addenda.model
    require_staff(by, record.course, roles, "add an addendum", refusal=kind.refusal)
    text = (text or "").strip()
    if not text:
        raise kind.refusal("Write the addendum's text.")

    def write():
        addendum = record.addenda.create(author=by, text=text)
        audit(by, record.course, f"{_name(record)}: addendum {addendum.pk} added")
        return addendum

    return save_once(request_key, kind=kind, record=record, by=by, write=write)


def _name(record):
    """As the audit trail names it: "dosing session 12", "integration note 7"."""
    return f"{record._meta.verbose_name} {record.pk}"
