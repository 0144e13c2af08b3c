"""The scale seed's clinics: each with a signed-off protocol, consent, a journal prompt, risk
wording, about one clinician per hundred patients, as a busy clinic would have, and a dosing
room per prescriber."""

import secrets

from intake.models import ConsentDocument
from integration.models import JournalPrompt, seed_risk_terms
from kapclinic.clinic.models import Clinic, Protocol, Provider, Resource, ResourceKind, Role, User
from kapclinic.clinic.protocol_signing import sign_off
from sessions.models import Thresholds

from .scale_phases import FIRST, LAST

NETWORK = "Scale network"


def network(rng, patients, clinic_count):
    """[(clinic, protocol, thresholds snapshot, {role: [Provider]})], one per clinic."""
    clinics = []
    per_clinic = max(1, patients // clinic_count)
    for number in range(1, clinic_count + 1):
        clinic = Clinic.objects.create(name=f"{NETWORK} clinic {number}")
        protocol = Protocol.from_reference(clinic)
        protocol.is_default = protocol.active = True
        protocol.save()
        ConsentDocument.objects.create(clinic=clinic, version="1.0", body="Consent text.")
        JournalPrompt.objects.create(clinic=clinic, text="What stayed with you?")
        seed_risk_terms(clinic.pk)
        # About one clinician per hundred patients, as a busy clinic would have.
        staff = {role: [] for role in Role}
        # The director signs the protocol with their password, known to this seed alone.
        signature = secrets.token_urlsafe()
        sizes = {
            Role.PRESCRIBER: max(1, per_clinic // 400),
            Role.THERAPIST: max(1, per_clinic // 250),
            Role.NURSE: max(1, per_clinic // 400),
            Role.CLINIC_ADMIN: 1,
        }
        for role, size in sizes.items():
            for n in range(1, size + 1):
                user = User.objects.create_user(
                    f"{role}{n}.clinic{number}@scale.example.org",
                    signature if role == Role.PRESCRIBER and n == 1 else None,
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST),
                )
                staff[role].append(
                    Provider.objects.create(
                        user=user,
                        clinic=clinic,
                        role=role,
                        is_medical_director=role == Role.PRESCRIBER and n == 1,
                    )
                )
        protocol = sign_off(protocol, staff[Role.PRESCRIBER][0].user, password=signature)
        clinics.append((clinic, protocol, Thresholds.snapshot(protocol), staff))
    return clinics


def dosing_rooms(clinics):
    """{prescriber id: dosing room id}, the rooms written in one insert. Each prescriber doses
    in their own room: the seed keeps a prescriber's live visits apart, so its rooms' too."""
    prescribers = [p for *_, staff in clinics for p in staff[Role.PRESCRIBER]]
    rooms = Resource.objects.bulk_create(
        Resource(
            clinic_id=p.clinic_id,
            name=f"Dosing room {p.pk}",
            kind=ResourceKind.DOSING_ROOM,
            capacity=2,
        )
        for p in prescribers
    )
    return {p.pk: room.pk for p, room in zip(prescribers, rooms, strict=True)}
