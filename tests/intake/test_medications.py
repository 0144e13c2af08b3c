"""Recognising interacting medicines in the patient's free-text list (domain reference §2)."""

import pytest

from intake.medications import (
    CLASS_ORDER,
    DRUG_CLASSES,
    INTERACTION_NOTES,
    RecognisedMedication,
    classify,
    recognise,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("diazepam", {"benzodiazepine"}),
        ("Valium", {"benzodiazepine"}),
        ("Ativan 1mg", {"benzodiazepine"}),
        ("XANAX XR 0.5 MG at night", {"benzodiazepine"}),
        ("clonazepam (Klonopin) 0.5mg twice daily", {"benzodiazepine"}),
        ("Temazepam 10mg", {"benzodiazepine"}),
        ("zolpidem 10mg", {"sedative"}),
        ("Zopiclone 7.5 mg nightly", {"sedative"}),
        ("Lunesta", {"sedative"}),
        ("Tramadol 50mg PRN", {"opioid"}),
        ("co-codamol 30/500", {"opioid"}),
        ("Co codamol", {"opioid"}),
        ("MS Contin 15 mg", {"opioid"}),
        ("buprenorphine patch (Butrans)", {"opioid"}),
        ("Suboxone 8/2", {"opioid"}),
        ("Ritalin 10mg", {"stimulant"}),
        ("Concerta XL 36mg", {"stimulant"}),
        ("Adderall", {"stimulant"}),
        ("Vyvanse 30mg", {"stimulant"}),
        ("Elvanse", {"stimulant"}),
        ("lisdexamfetamine", {"stimulant"}),
        ("Modafinil 200mg", {"stimulant"}),
        ("armodafinil", {"stimulant"}),
        ("Nardil 15mg three times a day", {"maoi"}),
        ("Parnate", {"maoi"}),
        ("Emsam patch 6mg/24h", {"maoi"}),
        ("moclobemide", {"maoi"}),
        ("Lamictal 100mg", {"glutamate-modulator"}),
    ],
)
def test_classify_recognises_generic_and_brand_names_in_free_text(text, expected):
    assert classify(text) == frozenset(expected)


def test_classify_ignores_case_punctuation_and_dose_stuck_to_the_name():
    assert classify("LORAZEPAM") == classify("lorazepam") == frozenset({"benzodiazepine"})
    assert classify("Lorazepam1mg,") == frozenset({"benzodiazepine"})
    assert classify("  oxycodone; 5mg!! ") == frozenset({"opioid"})


def test_classify_finds_every_class_on_one_line():
    assert classify("Xanax 1mg and Adderall 20mg, plus tramadol") == frozenset(
        {"benzodiazepine", "stimulant", "opioid"}
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Sertraline 50mg",
        "fluoxetine 20 mg",
        "Propranolol 10mg",
        "levothyroxine",
        "paracetamol 1g",
        "multivitamin",
        "50 mg",
        "morphinesque",  # whole words only: a longer word never matches a name inside it
    ],
)
def test_classify_leaves_non_interacting_medicines_unflagged(text):
    assert classify(text) == frozenset()


def test_classify_does_not_match_a_name_inside_a_longer_one():
    # "hydromorphone" is an opioid in its own right, not because it contains "morphone".
    assert classify("hydromorphone") == frozenset({"opioid"})
    assert classify("dexmethylphenidate") == frozenset({"stimulant"})


def test_classify_accepts_none():
    assert classify(None) == frozenset()


def test_recognise_keeps_every_medicine_and_notes_the_interacting_ones():
    meds = recognise(
        [
            {"name": "Sertraline 50mg", "dose": "50 mg", "frequency": "daily"},
            {"name": "Xanax", "dose": "0.5mg", "frequency": "as needed"},
            {"name": "  ", "dose": "", "frequency": ""},
        ]
    )
    assert [med.name for med in meds] == ["Sertraline 50mg", "Xanax"]
    sertraline, xanax = meds
    assert sertraline.classes == () and sertraline.notes == () and not sertraline.interacts
    assert xanax == RecognisedMedication(
        name="Xanax",
        dose="0.5mg",
        frequency="as needed",
        classes=("benzodiazepine",),
        notes=(INTERACTION_NOTES["benzodiazepine"],),
    )
    assert xanax.interacts


def test_recognise_orders_classes_the_same_way_every_time():
    (med,) = recognise([{"name": "Nardil with Ativan and Ritalin"}])
    assert med.classes == ("benzodiazepine", "stimulant", "maoi")
    assert med.notes == tuple(INTERACTION_NOTES[cls] for cls in med.classes)
    assert med.dose == "" and med.frequency == ""


def test_recognise_accepts_no_list():
    assert recognise(None) == []
    assert recognise([]) == []


def test_notes_carry_the_reference_wording_and_label_clinic_practice():
    for cls in ("benzodiazepine", "sedative", "opioid"):
        assert "increase sedation" in INTERACTION_NOTES[cls]
    for cls in ("stimulant", "maoi"):
        assert "increase blood pressure" in INTERACTION_NOTES[cls]
    for cls in ("benzodiazepine", "sedative", "opioid", "stimulant", "maoi"):
        assert "Flag for prescriber" in INTERACTION_NOTES[cls]
        assert "Spravato §7" in INTERACTION_NOTES[cls]
    lamotrigine = INTERACTION_NOTES["glutamate-modulator"]
    assert "reported" in lamotrigine and "unverified" in lamotrigine


def test_table_is_lowercase_and_every_class_has_a_note():
    assert all(name == name.lower() for name in DRUG_CLASSES)
    assert set().union(*DRUG_CLASSES.values()) == set(INTERACTION_NOTES) == set(CLASS_ORDER)
