"""The plan drives the session: which protocol it opens with, and how a dose is judged.

A session opens with the clinic's protocol in force for the plan's route and product, and
keeps the plan version in force at that moment. A dose away from that plan (route, product
or amount) needs a prescriber's reason; a dose past the protocol's hard ceiling is refused
outright, whatever the reason or override.
"""

import dataclasses
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from intake.plans import plan_in_force
from kapclinic.clinic.models import DoseUnit, Product, Protocol, Route
from kapclinic.clinic.models.protocol_choices import missing_protocol_message

from .models import DosingError, Thresholds
from .models.session import plain


@dataclasses.dataclass(frozen=True)
class PlanTerms:
    """The plan version a session runs under, copied when it opened (like the protocol)."""

    version: int
    route: str
    product: str
    dose_unit: str
    dose_min: Decimal
    dose_max: Decimal
    signed_by: str
    signed_at: str

    @classmethod
    def snapshot(cls, plan, protocol):
        """JSON-ready terms of `plan` (a TreatmentPlan or PlanRevision), in the protocol's unit."""
        return {
            "version": plan.version,
            "route": plan.route,
            "product": plan.product,
            "dose_unit": protocol.dose_unit,
            "dose_min": str(plan.dose_min_mg),
            "dose_max": str(plan.dose_max_mg),
            "signed_by": str(plan.signed_by),
            "signed_at": plan.signed_at.isoformat(),
        }

    @classmethod
    def from_snapshot(cls, data):
        values = dict(data)
        for name in ("dose_min", "dose_max"):
            values[name] = Decimal(data[name])
        return cls(**values)

    @property
    def dose_range_label(self):
        unit = "mg/kg" if self.dose_unit == DoseUnit.MG_PER_KG else "mg"
        return f"{plain(self.dose_min)}–{plain(self.dose_max)} {unit}"

    @property
    def label(self):
        return (
            f"Plan version {self.version}: {Product(self.product).label}, "
            f"{Route(self.route).label.lower()}, {self.dose_range_label}"
        )


def course_protocol(course, at=None):
    """(plan, protocol): the course's plan in force and the protocol in force for its route
    and product; either may be None (booking reads it so, without refusing)."""
    plan = plan_in_force(course, at or timezone.now())
    if plan is None:
        return None, None
    return plan, Protocol.objects.for_route(course.clinic, plan.route, plan.product)


def plan_and_protocol(course, at=None):
    """(plan version, protocol) a session of this course opens with; DosingError if none."""
    plan, protocol = course_protocol(course, at)
    if plan is None:
        raise DosingError(
            "This course has no signed treatment plan: a prescriber clears it with a plan "
            "before a dosing session can open."
        )
    if protocol is None:
        raise DosingError(missing_protocol_message(plan.route, plan.product))
    return plan, protocol


def _session_total(session, dose):
    before = sum((a.amount_mg for a in session.administrations.all()), Decimal(0))
    return before, before + Decimal(dose.amount_mg)


def _per_kg(amount, weight):
    return (Decimal(amount) / Decimal(weight)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def revised_since_opening(session):
    """The plan version signed after the session opened (now in force), as PlanTerms, or None.

    The session keeps the version it opened with as its record; a revision signed meanwhile
    (e.g. a lower maximum after marked dissociation) binds its later doses too."""
    opened = session.plan_terms
    if opened is None:
        return None
    plan = plan_in_force(session.course)
    if plan is None or plan.version <= opened.version:
        return None
    same = (plan.route, plan.product) == (opened.route, opened.product)
    protocol = (
        None
        if same
        else Protocol.objects.for_route(session.course.clinic, plan.route, plan.product)
    )
    unit = protocol.dose_unit if protocol is not None else session.thresholds.dose_unit
    return PlanTerms(
        version=plan.version,
        route=plan.route,
        product=plan.product,
        dose_unit=unit,
        dose_min=Decimal(plan.dose_min_mg),
        dose_max=Decimal(plan.dose_max_mg),
        signed_by=str(plan.signed_by),
        signed_at=plan.signed_at.isoformat(),
    )


def _departures(terms, dose, before, total, whose, route_words, *, amount_across_routes=True):
    """How `dose` departs from `terms`, in words: route and product (when `route_words` names
    them), then the amount; another route's range says nothing of this dose's amount unless
    `amount_across_routes`."""
    problems = []
    other_route = (dose.route, dose.product) != (terms.route, terms.product)
    if route_words and other_route:
        problems.append(
            f"{route_words} {Product(terms.product).label}, {Route(terms.route).label.lower()}; "
            f"this dose is {Product(dose.product).label}, {Route(dose.route).label.lower()}."
        )
    if other_route and not amount_across_routes:
        return problems
    if terms.dose_unit == DoseUnit.MG_PER_KG:
        value = _per_kg(total, dose.weight_kg)
        shown = f"{value} mg/kg ({plain(total)} mg for {plain(dose.weight_kg)} kg)"
    else:
        value, shown = total, f"{plain(total)} mg"
    if not terms.dose_min <= value <= terms.dose_max:
        what = f"The session total would be {shown}" if before else f"This dose is {shown}"
        side = "above" if value > terms.dose_max else "below"
        problems.append(f"{what}, {side} {whose} range of {terms.dose_range_label}.")
    return problems


def plan_departure(session, dose):
    """Words saying how a dose departs from the plan in force (route, product, amount), or ''.

    The range is per session (reference §3: e.g. 100–400 mg a session), so a booster is
    judged by the session total it brings. Sessions opened before plans drove dosing are
    judged against their protocol's range. A revision signed since the session opened is
    judged too: the dose must keep to both versions.
    """
    before, total = _session_total(session, dose)
    plan_terms = session.plan_terms
    if plan_terms is None:
        terms, whose, route_words = session.thresholds, "the protocol's", None
    else:
        terms, whose, route_words = plan_terms, "the plan's", "The plan is"
    problems = _departures(terms, dose, before, total, whose, route_words)
    revised = revised_since_opening(session)
    if revised is not None:
        later = _departures(
            revised,
            dose,
            before,
            total,
            "the plan's",
            f"version {revised.version} is",
            amount_across_routes=False,
        )
        if later:
            signed = timezone.localtime(
                datetime.fromisoformat(revised.signed_at), session.course.clinic.tz
            )
            problems.append(
                f"The plan was revised after this session opened: version {revised.version} "
                f"(signed {signed:%d %b %H:%M} by {revised.signed_by}). " + " ".join(later)
            )
    return " ".join(problems)


def ceiling_refusal(session, dose):
    """Words refusing a dose past the protocol's hard ceiling, or ''. No reason passes it.

    A dose by another route or product than the session's is held to the ceiling of the
    clinic's protocol in force for that route and product; with none, it is refused.
    """
    limits = session.thresholds
    if (dose.route, dose.product) != (limits.route, limits.product):
        protocol = Protocol.objects.for_route(session.course.clinic, dose.route, dose.product)
        if protocol is None:
            return (
                f"{Product(dose.product).label}, {Route(dose.route).label.lower()}, cannot be "
                "given here: the clinic has no protocol in force for it, so there is no "
                "ceiling to check the dose against."
            )
        limits = Thresholds.from_snapshot(Thresholds.snapshot(protocol))
    amount = Decimal(dose.amount_mg)
    if limits.ceiling_mg is not None and amount > limits.ceiling_mg:
        return (
            f"{plain(amount)} mg is past the protocol's hard ceiling of "
            f"{plain(limits.ceiling_mg)} mg for one dose: it cannot be given."
        )
    per_kg_ceiling = limits.ceiling_mg_per_kg
    if limits.dose_unit == DoseUnit.MG_PER_KG and per_kg_ceiling is not None:
        per_kg = _per_kg(amount, dose.weight_kg)
        if per_kg > per_kg_ceiling:
            return (
                f"{per_kg} mg/kg ({plain(amount)} mg for {plain(dose.weight_kg)} kg) is past "
                f"the protocol's hard ceiling of {plain(per_kg_ceiling)} mg/kg for one dose: "
                "it cannot be given."
            )
    return ""
