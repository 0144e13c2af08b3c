"""Recognise medicines that interact with ketamine in the patient's free-text medication list.

The table is data (house style §8): each class lists generic and common brand names. Matching
is by whole words, so "Xanax 0.5mg at night" is found while "sertraline" or "hydromorphone"
can never match a shorter name hidden inside them. Misspellings are not guessed: the
prescriber reads the full list at review, and a fuzzy match would invent interactions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Classes in the order the review page shows them. The first five come from the reference's
# interacting-drugs row (domain reference §2, Spravato §7); the last is clinic practice.
CLASS_ORDER: tuple[str, ...] = (
    "benzodiazepine",
    "sedative",
    "opioid",
    "stimulant",
    "maoi",
    "glutamate-modulator",
)

_NAMES_BY_CLASS: dict[str, tuple[str, ...]] = {
    # domain reference §2: CNS depressants (benzodiazepines) increase sedation.
    "benzodiazepine": (
        "diazepam", "valium", "diastat",
        "lorazepam", "ativan",
        "alprazolam", "xanax",
        "clonazepam", "klonopin", "rivotril",
        "temazepam", "restoril",
        "chlordiazepoxide", "librium",
        "oxazepam", "serax",
        "nitrazepam", "mogadon",
        "clobazam", "frisium", "onfi",
        "clorazepate", "tranxene",
        "triazolam", "halcion",
        "lormetazepam", "flurazepam", "dalmane", "estazolam",
        "bromazepam", "lexotan", "midazolam", "flunitrazepam",
    ),
    # Z-drug hypnotics: CNS depressants (domain reference §2), so the same sedation warning.
    "sedative": (
        "zolpidem", "ambien", "stilnoct", "edluar",
        "zopiclone", "zimovane",
        "eszopiclone", "lunesta",
        "zaleplon", "sonata",
    ),
    # domain reference §2: CNS depressants (opioids) increase sedation.
    "opioid": (
        "codeine", "co-codamol", "co-dydramol", "dihydrocodeine",
        "tramadol", "ultram", "zydol", "tramal",
        "morphine", "mst", "ms contin", "oramorph", "zomorph",
        "oxycodone", "oxycontin", "oxynorm", "percocet", "roxicodone",
        "hydrocodone", "vicodin", "norco",
        "hydromorphone", "dilaudid",
        "fentanyl", "duragesic", "durogesic", "actiq",
        "buprenorphine", "subutex", "suboxone", "butrans", "buvidal", "sublocade", "temgesic",
        "methadone", "methadose", "physeptone",
        "tapentadol", "nucynta", "palexia",
        "pethidine", "meperidine", "demerol",
        "oxymorphone",
    ),
    # domain reference §2: psychostimulants increase blood pressure.
    "stimulant": (
        "methylphenidate", "ritalin", "concerta", "medikinet", "equasym", "xenidate",
        "dexmethylphenidate", "focalin",
        "amphetamine", "amfetamine", "adderall", "evekeo",
        "dexamfetamine", "dexamphetamine", "dextroamphetamine", "dexedrine", "amfexa",
        "lisdexamfetamine", "lisdexamphetamine", "vyvanse", "elvanse",
        "methamphetamine", "desoxyn",
        "modafinil", "provigil",
        "armodafinil", "nuvigil",
    ),
    # domain reference §2: MAOIs increase blood pressure.
    "maoi": (
        "phenelzine", "nardil",
        "tranylcypromine", "parnate",
        "isocarboxazid", "marplan",
        "selegiline", "emsam", "eldepryl", "zelapar",
        "moclobemide", "manerix",
        "rasagiline", "azilect",
    ),
    # Clinic practice, NOT in the domain reference (unverified): lamotrigine is reported to
    # blunt ketamine's effect by reducing glutamate release.
    "glutamate-modulator": ("lamotrigine", "lamictal"),
}  # fmt: skip

DRUG_CLASSES: dict[str, frozenset[str]] = {}
for _class, _names in _NAMES_BY_CLASS.items():
    for _name in _names:
        DRUG_CLASSES[_name] = DRUG_CLASSES.get(_name, frozenset()) | {_class}

INTERACTION_NOTES: dict[str, str] = {
    "benzodiazepine": (
        "Benzodiazepine (CNS depressant): may increase sedation with ketamine or esketamine. "
        "Flag for prescriber. Source: Spravato §7, domain reference §2."
    ),
    "sedative": (
        "Z-drug hypnotic (CNS depressant): may increase sedation with ketamine or esketamine. "
        "Flag for prescriber. Source: Spravato §7, domain reference §2."
    ),
    "opioid": (
        "Opioid (CNS depressant): may increase sedation with ketamine or esketamine. "
        "Flag for prescriber. Source: Spravato §7, domain reference §2."
    ),
    "stimulant": (
        "Psychostimulant: may increase blood pressure with ketamine or esketamine. "
        "Flag for prescriber. Source: Spravato §7, domain reference §2."
    ),
    "maoi": (
        "MAOI: may increase blood pressure with ketamine or esketamine. "
        "Flag for prescriber. Source: Spravato §7, domain reference §2."
    ),
    "glutamate-modulator": (
        "Lamotrigine: reported to blunt ketamine's effect; caution. Clinic practice, not in "
        "the domain reference (unverified)."
    ),
}


def _words(text: str) -> tuple[str, ...]:
    """Lower-case letter runs: dose figures, units and punctuation fall away."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return tuple(re.findall(r"[a-z]+", plain))


# Names become word tuples once, so "co-codamol" and "MS Contin" match however they are typed.
_INDEX: dict[tuple[str, ...], frozenset[str]] = {}
for _name, _classes in DRUG_CLASSES.items():
    _INDEX[_words(_name)] = _INDEX.get(_words(_name), frozenset()) | _classes
_LONGEST = max(len(key) for key in _INDEX)


def _check_table() -> None:
    """A class without a note, or a note without a class, would show a bare badge."""
    used = set().union(*DRUG_CLASSES.values())
    if used != set(INTERACTION_NOTES) or used != set(CLASS_ORDER):
        raise ValueError("medications: DRUG_CLASSES, INTERACTION_NOTES and CLASS_ORDER differ")
    if any(not _words(name) for name in DRUG_CLASSES):
        raise ValueError("medications: a drug name has no letters")


_check_table()


def classify(name: str) -> frozenset[str]:
    """Interacting classes named anywhere in one line of free text; empty if none."""
    words = _words(name or "")
    found: set[str] = set()
    for size in range(1, _LONGEST + 1):
        for start in range(len(words) - size + 1):
            found |= _INDEX.get(words[start : start + size], frozenset())
    return frozenset(found)


@dataclass(frozen=True)
class RecognisedMedication:
    name: str
    dose: str
    frequency: str
    # Ordered as CLASS_ORDER so the review page lists them the same way every time.
    classes: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def interacts(self) -> bool:
        return bool(self.classes)


def recognise(items: Iterable[Mapping[str, object]] | None) -> list[RecognisedMedication]:
    """Every listed medicine with the interacting classes it belongs to, for screen and review.

    Blank lines are dropped; medicines with no known interaction are kept (with no classes) so
    the prescriber sees the whole list.
    """
    recognised = []
    for item in items or ():
        name = str(item.get("name") or "").strip()
        if not name:
            continue
        found = classify(name)
        classes = tuple(cls for cls in CLASS_ORDER if cls in found)
        recognised.append(
            RecognisedMedication(
                name=name,
                dose=str(item.get("dose") or "").strip(),
                frequency=str(item.get("frequency") or "").strip(),
                classes=classes,
                notes=tuple(INTERACTION_NOTES[cls] for cls in classes),
            )
        )
    return recognised


__all__ = (
    "CLASS_ORDER",
    "DRUG_CLASSES",
    "INTERACTION_NOTES",
    "RecognisedMedication",
    "classify",
    "recognise",
)
