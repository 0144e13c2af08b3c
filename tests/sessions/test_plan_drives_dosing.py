"""Issue 14, findings 3 and 4: the signed plan drives the session; no silent protocol.

The session opens with the clinic's signed-off protocol for the plan's route and product and
keeps the plan version in force then; a dose away from that plan needs a prescriber's reason;
a dose past the protocol's hard ceiling is refused whatever the reason or override.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake.plans import revise_plan
from kapclinic.clinic.models import Product, Protocol, Role, Route
from kapclinic.demo.builder import clear_course, sign_consent
from kapclinic.reports.kinds import KINDS
from sessions import services
from sessions.gate_overrides import override_gate
from sessions.models import DosingError, DosingSession
from tests.factories import AppointmentFactory, signed_protocol

pytestmark = pytest.mark.django_db

NARROW_SUBLINGUAL_PLAN = {"dose_min_mg": 100, "dose_max_mg": 150}


@pytest.fixture
def narrow(build):
    """A session on a signed plan of 100–150 mg sublingual racemic ketamine."""
    build.plan = NARROW_SUBLINGUAL_PLAN
    build()
    return build


# --- Finding 3: the plan drives dosing ------------------------------------------------------


def test_350_mg_im_against_a_100_150_mg_sublingual_plan_is_refused(narrow):
    with pytest.raises(DosingError, match="Racemic ketamine, intramuscular injection, cannot"):
        narrow.dose(amount_mg=Decimal("350"), route=Route.IM)
    assert not narrow.session.administrations.exists()


def test_a_dose_by_another_route_than_the_plans_needs_a_reason(narrow):
    signed_protocol(narrow.course.clinic, Route.IM)
    with pytest.raises(ValidationError) as error:
        narrow.dose(amount_mg=Decimal("35"), route=Route.IM)
    (message,) = error.value.message_dict["out_of_range_reason"]
    assert "The plan is Racemic ketamine, sublingual / buccal" in message
    assert "this dose is Racemic ketamine, intramuscular injection" in message
    assert "To give it, confirm with a reason here." in message
    assert not narrow.session.administrations.exists()


def test_350_mg_im_with_a_reason_is_refused_where_no_im_protocol_is_in_force(narrow):
    with pytest.raises(DosingError, match="no protocol in force for it"):
        narrow.dose(amount_mg=Decimal("350"), route=Route.IM, out_of_range_reason="Trust me.")


def test_350_mg_im_with_a_reason_is_refused_past_the_im_protocols_ceiling(narrow):
    signed_protocol(narrow.course.clinic, Route.IM)  # reference: ceiling 150 mg, 0.75 mg/kg
    with pytest.raises(DosingError, match="past the protocol's hard ceiling of 150 mg"):
        narrow.dose(amount_mg=Decimal("350"), route=Route.IM, out_of_range_reason="Trust me.")
    # Within the IM ceiling (0.5 mg/kg for 70 kg) the prescriber's reason lets it through.
    dose = narrow.dose(amount_mg=Decimal("35"), route=Route.IM, out_of_range_reason="Agreed.")
    assert "this dose is Racemic ketamine, intramuscular injection" in dose.outside_plan


def test_a_dose_above_the_plan_is_given_with_a_prescribers_reason_and_kept_with_it(narrow):
    with pytest.raises(ValidationError) as error:
        narrow.dose(amount_mg=Decimal("200"))
    (message,) = error.value.message_dict["out_of_range_reason"]
    assert "above the plan's range of 100–150 mg" in message
    dose = narrow.dose(amount_mg=Decimal("200"), out_of_range_reason="Tolerated 150 mg well.")
    assert dose.outside_plan == "This dose is 200 mg, above the plan's range of 100–150 mg."
    assert dose.out_of_range_reason == "Tolerated 150 mg well."


def test_a_nurse_cannot_give_a_dose_outside_the_plan_even_with_a_reason(narrow):
    narrow.course.start_treatment(narrow.prescriber)
    with pytest.raises(DosingError, match="Only a prescriber may give it"):
        narrow.dose(
            by=narrow.nurse,
            witnessed_by=narrow.therapist,
            amount_mg=Decimal("200"),
            out_of_range_reason="The patient asked.",
        )
    narrow.dose(by=narrow.nurse, witnessed_by=narrow.therapist, amount_mg=Decimal("150"))


def test_a_dose_past_the_ceiling_is_refused_even_for_a_prescriber_with_reason_and_override(
    build,
):
    signed_protocol(build.course.clinic, max_session_total=1000)  # only the ceiling applies
    session = build(companion=False)  # a failing check, overridden by the prescriber
    override_gate(session, build.prescriber, "Taxi booked; companion on the phone.")
    with pytest.raises(DosingError, match="hard ceiling of 500 mg for one dose"):
        build.dose(amount_mg=Decimal("501"), out_of_range_reason="Prescriber insists.")
    assert not session.administrations.exists()


def test_the_screen_names_every_limit_a_dose_is_held_to(build, staff_client):
    """The session maximum refuses a dose whatever the reason, so the screen says it beside
    the plan's range and the ceiling (a clinician once read "100–400 mg; ceiling 500 mg" and
    was refused 450 mg with a reason)."""
    signed_protocol(build.course.clinic, max_session_total=450)
    build()
    client = staff_client(build.prescriber.provider)
    page = client.get(reverse("dosing:session", args=[build.appointment.pk])).content.decode()
    assert "100–400 mg; at most 450 mg a session; ceiling 500 mg" in page


def test_a_weight_based_dose_past_the_mg_per_kg_ceiling_is_refused(build):
    # Reference: ceiling 1 mg/kg and 150 mg a dose; the session maximum raised past it.
    signed_protocol(build.course.clinic, Route.IV, max_session_total=Decimal(2))
    build.plan = {"route": Route.IV, "dose_min_mg": Decimal("0.1"), "dose_max_mg": Decimal("0.75")}
    build()
    iv = {"route": Route.IV, "infusion_minutes": 40, "out_of_range_reason": "Resistant."}
    with pytest.raises(DosingError, match=r"1\.143 mg/kg \(80 mg for 70 kg\) is past"):
        build.dose(amount_mg=Decimal("80"), **iv)
    dose = build.dose(amount_mg=Decimal("63"), **iv)  # 0.9 mg/kg: above the plan, below ceiling
    assert "above the plan's range of 0.1–0.75 mg/kg" in dose.outside_plan


def test_the_session_opens_with_the_protocol_for_the_plans_route_and_product(build):
    iv = signed_protocol(build.course.clinic, Route.IV, hold_systolic_above=150)
    build.plan = {"route": Route.IV, "dose_min_mg": Decimal("0.1"), "dose_max_mg": Decimal("0.75")}
    session = build()
    assert session.protocol == iv
    assert session.thresholds.route == Route.IV and session.thresholds.hold_systolic_above == 150
    assert session.thresholds.protocol_version == iv.version
    assert session.plan_terms.route == Route.IV and session.plan_terms.version == 1


def test_no_session_opens_when_no_protocol_is_in_force_for_the_plans_route(build):
    build.plan = {"route": Route.INTRANASAL, "product": Product.ESKETAMINE}
    with pytest.raises(DosingError) as error:
        build()
    message = str(error.value)
    assert "no protocol in force for Esketamine (Spravato), intranasal" in message
    assert "The clinic admin must add one" in message and "medical director" in message


def test_the_screen_and_the_note_context_show_a_dose_outside_the_plan(narrow, staff_client):
    narrow.dose(amount_mg=Decimal("200"), out_of_range_reason="Tolerated <b>150</b> mg well.")
    client = staff_client(narrow.world.one.staff[Role.PRESCRIBER])
    page = client.get(reverse("dosing:session", args=[narrow.appointment.pk])).content.decode()
    assert "Outside the plan" in page
    assert "above the plan&#x27;s range of 100–150 mg" in page
    assert "Tolerated &lt;b&gt;150&lt;/b&gt; mg well." in page
    assert "Plan version 1: Racemic ketamine, sublingual / buccal, 100–150 mg" in page


# --- Plan revisions ---------------------------------------------------------------------------


def test_a_plan_lowered_while_the_session_is_open_holds_its_next_dose(build):
    """The session keeps the version it opened with for its record, but a revision signed
    meanwhile binds too: no one at the chair gives, without a reason, what was just lowered."""
    build()  # plan version 1: 100–400 mg
    revision = revise_plan(
        build.course, build.prescriber, {"dose_max_mg": 150}, "Marked dissociation at 200 mg."
    )
    assert revision.version == 2
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("200"))
    (message,) = error.value.message_dict["out_of_range_reason"]
    assert "The plan was revised after this session opened: version 2" in message
    assert "This dose is 200 mg, above the plan's range of 100–150 mg." in message
    assert not build.session.administrations.exists()
    dose = build.dose(amount_mg=Decimal("150"))  # within both versions
    assert dose.outside_plan == ""
    assert build.session.plan_terms.version == 1  # the record of what it opened with


def test_a_plan_whose_route_changed_while_the_session_is_open_needs_a_reason(build):
    signed_protocol(build.course.clinic, Route.IM)
    build()
    revise_plan(
        build.course,
        build.prescriber,
        {"route": Route.IM, "dose_min_mg": Decimal("0.25"), "dose_max_mg": Decimal("0.5")},
        "Sublingual absorption unreliable.",
    )
    with pytest.raises(ValidationError) as error:
        build.dose(amount_mg=Decimal("200"))
    (message,) = error.value.message_dict["out_of_range_reason"]
    assert "version 2 is Racemic ketamine, intramuscular injection" in message
    assert "this dose is Racemic ketamine, sublingual / buccal" in message


def test_a_session_opened_after_a_revision_runs_on_it(build):
    clear_course(build.course, build.prescriber)
    sign_consent(build.course)
    revise_plan(build.course, build.prescriber, {"dose_max_mg": 150}, "Lower ceiling agreed.")
    build(clear=False, consent=False)
    assert build.session.plan_terms.version == 2
    assert build.session.plan_terms.dose_max == Decimal(150)
    with pytest.raises(ValidationError, match="above the plan's range of 100–150 mg"):
        build.dose(amount_mg=Decimal("200"))


def test_only_a_prescriber_revises_a_plan_with_a_reason_and_earlier_versions_stay(build):
    from django.core.exceptions import ValidationError

    from intake.models import TreatmentPlan
    from kapclinic.clinic.records import ImmutableRecordError

    plan = clear_course(build.course, build.prescriber)
    with pytest.raises(Exception, match="Only a prescriber"):
        revise_plan(build.course, build.nurse, {"dose_max_mg": 150}, "Nurse thinks so.")
    with pytest.raises(ValidationError) as error:
        revise_plan(build.course, build.prescriber, {"dose_max_mg": 150}, "  ")
    assert "reason" in error.value.message_dict
    revision = revise_plan(build.course, build.prescriber, {"dose_max_mg": 150}, "Agreed.")
    assert TreatmentPlan.objects.get(pk=plan.pk).dose_max_mg == 400  # version 1 unchanged
    assert plan.in_force() == revision and revision.signed_by == build.prescriber
    revision.reason = "Rewritten later."
    with pytest.raises(ImmutableRecordError):
        revision.save()


# --- Finding 4: no silent defaults ------------------------------------------------------------


def test_no_session_opens_at_a_clinic_without_a_signed_off_protocol(build):
    Protocol.objects.filter(clinic=build.course.clinic).update(
        signed_off_by=None, signed_off_on=None
    )
    with pytest.raises(DosingError, match="no protocol in force") as error:
        build()
    assert "medical director must sign it off" in str(error.value)


def test_editing_a_protocols_values_lapses_its_sign_off_so_no_session_opens(build):
    protocol = Protocol.objects.get(clinic=build.course.clinic)
    protocol.hold_systolic_above = 150
    protocol.save()
    assert protocol.version == 2 and not protocol.is_in_force
    with pytest.raises(DosingError, match="no protocol in force"):
        build()


def test_a_session_opened_before_sign_off_lapsed_keeps_running(build):
    session = build()
    Protocol.objects.filter(pk=session.protocol_id).update(signed_off_by=None, signed_off_on=None)
    appointment_again = services.open_session(build.appointment, build.nurse)
    assert appointment_again == session
    build.dose()


def test_a_second_appointment_does_not_open_without_a_signed_protocol(build):
    build()
    Protocol.objects.filter(clinic=build.course.clinic).update(active=False)
    later = AppointmentFactory(course=build.course)
    with pytest.raises(DosingError, match="The clinic admin must add one"):
        services.open_session(later, build.nurse)


def test_the_session_note_pdf_shows_the_plan_and_a_dose_outside_it(narrow):
    from tests.reports.pdf import pdf_text, squeezed

    narrow.dose(amount_mg=Decimal("200"), out_of_range_reason="Tolerated <b>150</b> mg well.")
    pdf = KINDS["session"].render(narrow.session, generated_by="Dr Test").pdf
    text = squeezed(pdf_text(pdf))
    for phrase in (
        "Plan version 1: Racemic ketamine, sublingual / buccal, 100–150 mg",
        "Outside the plan",
        "This dose is 200 mg, above the plan's range of 100–150 mg.",
        "Prescriber's reason: Tolerated <b>150</b> mg well.",
        "hard ceiling 500 mg",
    ):
        assert squeezed(phrase) in text, phrase


def test_the_screen_says_what_the_admin_must_add_when_the_session_cannot_open(build, staff_client):
    clear_course(build.course, build.prescriber)
    Protocol.objects.filter(clinic=build.course.clinic).update(active=False)
    appointment = AppointmentFactory(course=build.course)
    client = staff_client(build.world.one.staff[Role.NURSE])
    shown = client.get(reverse("dosing:session", args=[appointment.pk])).content.decode()
    assert "The clinic admin must add one" in shown and "Start session" not in shown
    response = client.post(reverse("dosing:session", args=[appointment.pk]), follow=True)
    page = response.content.decode()
    assert "no protocol in force for Racemic ketamine, sublingual / buccal" in page
    assert "The clinic admin must add one" in page
    assert not DosingSession.objects.filter(appointment=appointment).exists()
