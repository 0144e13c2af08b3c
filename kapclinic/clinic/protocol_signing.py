"""The medical director's sign-off of a protocol version: the one way a protocol comes into force.

A sign-off is a signature. The director makes it themself, signed in, typing their own password
again (as a prescriber resolving a count discrepancy or a witness to waste does), on the version
they read; it is dated the clinic's today and goes on the audit trail. The admin, a page or a
shell all call `sign_off`; the protocol's `save()` refuses a signer written any other way.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from kapclinic.audit.trail import CHANGE, audit

from .models import Protocol, Provider
from .models.protocol_rules import is_medical_director_of
from .signing import password_confirms


def sign_off(protocol, by, *, password, version=None):
    """`by` (a User) signs off `protocol` at the `version` they read (the one in hand unless
    given), with their password; the signed protocol is returned.

    Refused in words beside the field: not this clinic's medical director, a wrong password,
    a version changed since it was read, or one already signed off.
    """
    # Read afresh, not from the profile cached on the user: the flag may have just changed.
    director = Provider.objects.filter(user_id=by.pk, active=True, user__is_active=True).first()
    if director is None or not is_medical_director_of(director, protocol.clinic_id):
        raise ValidationError(
            {"signed_off_by": "Only this clinic's medical director signs a protocol off."}
        )
    if not password_confirms(by, password):
        raise ValidationError({"password": "Your password is not right."})
    with transaction.atomic():
        stored = Protocol.objects.select_for_update(of=("self",)).get(pk=protocol.pk)
        if stored.version != (version or protocol.version):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: f"This protocol changed since you read it (now version "
                    f"{stored.version}): read the new version, then sign."
                }
            )
        if stored.signed_off_by_id is not None:
            raise ValidationError({NON_FIELD_ERRORS: "This version is already signed off."})
        stored.signed_off_by, stored.signed_off_on = director, stored.clinic.today()
        stored.full_clean()
        stored.save(signing=True)
        audit(
            by,
            None,
            f"protocol {stored.pk} version {stored.version} signed off ({stored.name})",
            CHANGE,
        )
    return stored


def waiting_for_sign_off(provider):
    """The protocol versions that wait for `provider`'s signature, read in one query; none, and
    no query, for anyone who is not their clinic's medical director.

    Waiting: active (the version the clinic means to use) and not signed off, so not in force
    until the director signs it. An inactive draft is still being edited (the clinic admin
    activates it when it is ready) or is retired: not listed.
    """
    if provider is None or not is_medical_director_of(provider, provider.clinic_id):
        return []
    return list(
        Protocol.objects.filter(
            clinic_id=provider.clinic_id, active=True, signed_off_by__isnull=True
        )
        .order_by("name", "pk")
        .only("pk", "name", "version")
    )
