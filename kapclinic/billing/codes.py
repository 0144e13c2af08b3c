"""The default fee schedule: CPT and HCPCS codes a KAP clinic bills, with fees to start from.

Each clinic may change a fee, retire a code or add one (FeeScheduleItem rows, Django admin);
a code it has not touched keeps the default here. Descriptions are our own short words: CPT
descriptors are the AMA's copyright and are not shipped. Which codes were checked, and how,
is in docs/billing.md.
"""

from dataclasses import dataclass
from decimal import Decimal

CPT, HCPCS = "CPT", "HCPCS"


@dataclass(frozen=True)
class Fee:
    code: str
    system: str
    description: str  # own words, not the AMA descriptor
    fee: Decimal
    is_drug: bool = False
    unit: str = ""  # what one unit is, for drugs billed per unit


DEFAULT_FEES = (
    Fee("90792", CPT, "Psychiatric diagnostic evaluation, with medical services", Decimal("450")),
    Fee(
        "90791", CPT, "Psychiatric diagnostic evaluation, without medical services", Decimal("350")
    ),
    Fee("99214", CPT, "Office visit, established patient, moderate complexity", Decimal("200")),
    Fee("99215", CPT, "Office visit, established patient, high complexity", Decimal("275")),
    Fee("90832", CPT, "Psychotherapy, about 30 minutes", Decimal("110")),
    Fee("90834", CPT, "Psychotherapy, about 45 minutes", Decimal("160")),
    Fee("90837", CPT, "Psychotherapy, about 60 minutes", Decimal("210")),
    Fee("90833", CPT, "Psychotherapy add-on to an E/M visit, about 30 minutes", Decimal("100")),
    Fee("90836", CPT, "Psychotherapy add-on to an E/M visit, about 45 minutes", Decimal("150")),
    Fee("90838", CPT, "Psychotherapy add-on to an E/M visit, about 60 minutes", Decimal("200")),
    Fee("96372", CPT, "Injection under the skin or into muscle, therapeutic", Decimal("45")),
    Fee("96365", CPT, "Intravenous infusion, therapeutic, first hour", Decimal("250")),
    Fee("J3490", HCPCS, "Drug not otherwise classified (ketamine)", Decimal("60"), True, "dose"),
    Fee("S0013", HCPCS, "Esketamine nasal spray, 1 mg", Decimal("10"), True, "1 mg"),
)
