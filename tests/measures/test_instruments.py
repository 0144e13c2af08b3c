"""Instrument data and scoring, checked against the domain reference §1 (pure Python)."""

import dataclasses
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapclinic.instruments import (
    INSTRUMENTS,
    IncompleteAnswers,
    InvalidAnswer,
    InvalidContext,
    choices,
    get_instrument,
)
from kapclinic.instruments.base import Band

# Written out by hand from the reference so the tests do not trust the data they check.
REFERENCE_BANDS = {
    "gad7": [(0, 4, "Minimal"), (5, 9, "Mild"), (10, 14, "Moderate"), (15, 21, "Severe")],
    "phq9": [
        (0, 4, "Minimal"),
        (5, 9, "Mild"),
        (10, 14, "Moderate"),
        (15, 19, "Moderately severe"),
        (20, 27, "Severe"),
    ],
    "dast10": [(0, 0, "None"), (1, 2, "Low"), (3, 5, "Moderate"), (6, 8, "Substantial")]
    + [(9, 10, "Severe")],
}
UNBANDED = {"pcl5", "auditc", "cssrs_screen", "cadss6"}
STRUCTURE_ONLY = {"cssrs_screen", "dast10", "cadss6"}
TOTALLED = ["gad7", "phq9", "pcl5", "auditc", "dast10", "cadss6"]
PCL5_CLUSTERS = {"B": range(1, 6), "C": range(6, 8), "D": range(8, 15), "E": range(15, 21)}


def hand_total(code, answers):
    if code == "dast10":  # 1 per yes, but item 3 scores its "no"
        return sum(answers[f"q{n}"] for n in range(1, 11) if n != 3) + (1 - answers["q3"])
    numbers = {"gad7": range(1, 8), "phq9": range(1, 10), "pcl5": range(1, 21)}.get(
        code, {"auditc": range(1, 4), "cadss6": (1, 2, 6, 7, 15, 22)}.get(code)
    )
    return sum(answers[f"q{n}"] for n in numbers)


def pcl5_meets_dsm5(answers):
    endorsed = {
        cluster: sum(answers[f"q{n}"] >= 2 for n in numbers)
        for cluster, numbers in PCL5_CLUSTERS.items()
    }
    return endorsed["B"] >= 1 and endorsed["C"] >= 1 and endorsed["D"] >= 2 and endorsed["E"] >= 2


def expected_flags(code, answers, context):
    total = hand_total(code, answers)
    if code == "gad7":
        expected = {"further_evaluation": total >= 10}
    elif code == "phq9":
        expected = {"suicide_risk": answers["q9"] > 0, "further_evaluation": total >= 10}
    elif code == "pcl5":
        expected = {
            "provisional_ptsd": total >= context.get("provisional_cutoff", 33),
            "provisional_dsm5_diagnosis": pcl5_meets_dsm5(answers),
        }
    elif code == "auditc":
        expected = {
            "positive": total >= (4 if context.get("sex") == "male" else 3),
            "high_risk": total >= 8,
        }
    elif code == "dast10":
        expected = {"positive": total >= 3}
    else:
        expected = {}
    return {key for key, fires in expected.items() if fires}


def expected_cssrs_tier(answers):
    if 1 in (answers.get("q4"), answers.get("q5"), answers.get("q6b")):
        return "high"
    if 1 in (answers.get("q3"), answers.get("q6")):
        return "moderate"
    if 1 in (answers["q1"], answers["q2"]):
        return "low"
    return None


@st.composite
def answer_sets(draw, instrument):
    """Any valid form: branching respected, optional items sometimes left blank."""
    answers = {}
    for item in instrument.items:
        if item not in instrument.visible_items(answers):
            continue
        if item.required or draw(st.booleans()):
            answers[item.key] = draw(st.sampled_from(item.values))
    return answers


contexts = st.fixed_dictionaries(
    {
        "sex": st.sampled_from([None, "male", "female", "other", "unknown"]),
        "provisional_cutoff": st.sampled_from([31, 32, 33]),
    }
)


def answers_with_total(code, total, **fixed):
    """Fill items in order up to `total` points (only for instruments without reverse items)."""
    answers, remaining = dict(fixed), total - sum(fixed.values())
    for item in get_instrument(code).items:
        if item.scored and item.key not in answers:
            answers[item.key] = min(max(item.values), remaining)
            remaining -= answers[item.key]
    assert remaining == 0
    return answers


def flag_keys(score):
    return {flag.key for flag in score.flags}


# --- Property-based: every valid form ---------------------------------------------------


@pytest.mark.parametrize("code", TOTALLED)
@given(data=st.data())
def test_total_equals_hand_sum_of_answers(code, data):
    answers = data.draw(answer_sets(INSTRUMENTS[code]))
    score = INSTRUMENTS[code].score(answers)
    assert score.complete
    assert score.total == hand_total(code, answers)


@pytest.mark.parametrize("code", TOTALLED)
@given(data=st.data())
def test_band_matches_reference_table(code, data):
    answers = data.draw(answer_sets(INSTRUMENTS[code]))
    score = INSTRUMENTS[code].score(answers)
    if code in UNBANDED:
        assert score.band is None
        return
    total = hand_total(code, answers)
    (label,) = [label for low, high, label in REFERENCE_BANDS[code] if low <= total <= high]
    assert score.band.label == label


@pytest.mark.parametrize("code", TOTALLED)
@given(data=st.data())
def test_flags_fire_exactly_when_their_rule_holds(code, data):
    answers = data.draw(answer_sets(INSTRUMENTS[code]))
    context = data.draw(contexts)
    score = INSTRUMENTS[code].score(answers, context=context)
    assert flag_keys(score) == expected_flags(code, answers, context)


def cssrs_forms():
    """Every answer combination the C-SSRS branching allows."""
    for q1, q2, q6 in itertools.product((0, 1), repeat=3):
        followups = [
            dict(zip(("q3", "q4", "q5"), values, strict=True))
            for values in itertools.product((0, 1), repeat=3)
        ]
        for followup in followups if q2 else [{}]:
            for behaviour in [{"q6b": 0}, {"q6b": 1}] if q6 else [{}]:
                yield {"q1": q1, "q2": q2, "q6": q6, **followup, **behaviour}


def test_cssrs_tier_matches_triage_for_every_branch_combination():
    cssrs = get_instrument("cssrs_screen")
    forms = list(cssrs_forms())
    assert len(forms) == 54
    for answers in forms:
        score = cssrs.score(answers)
        tier = score.tier.key if score.tier else None
        assert tier == expected_cssrs_tier(answers), answers
        assert score.urgent == (tier == "high")
        assert score.total is None


# --- Band edges and flags ---------------------------------------------------------------


@pytest.mark.parametrize(
    "total, band, flagged",
    [(4, "Minimal", False), (5, "Mild", False), (9, "Mild", False), (10, "Moderate", True)]
    + [(14, "Moderate", True), (15, "Severe", True)],
)
def test_gad7_band_edges_and_further_evaluation_from_10(total, band, flagged):
    score = get_instrument("gad7").score(answers_with_total("gad7", total))
    assert (score.total, score.band.label) == (total, band)
    assert score.has_flag("further_evaluation") is flagged


@pytest.mark.parametrize(
    "total, band, flagged",
    [(4, "Minimal", False), (5, "Mild", False), (9, "Mild", False), (10, "Moderate", True)]
    + [(14, "Moderate", True), (15, "Moderately severe", True), (19, "Moderately severe", True)]
    + [(20, "Severe", True)],
)
def test_phq9_band_edges_and_further_evaluation_from_10(total, band, flagged):
    score = get_instrument("phq9").score(answers_with_total("phq9", total, q9=0))
    assert (score.total, score.band.label) == (total, band)
    assert score.has_flag("further_evaluation") is flagged
    assert not score.urgent


def test_phq9_item9_above_zero_raises_urgent_flag_even_with_minimal_total():
    score = get_instrument("phq9").score(answers_with_total("phq9", 1, q9=1))
    assert score.band.label == "Minimal"
    assert score.urgent
    (flag,) = [flag for flag in score.flags if flag.key == "suicide_risk"]
    assert "same-day clinician review" in flag.label and "no dosing" in flag.label


def test_phq9_item9_flag_fires_on_an_unfinished_form():
    score = get_instrument("phq9").score({"q9": 2}, partial=True)
    assert not score.complete
    assert (score.total, score.band, score.subscales) == (None, None, {})
    assert score.urgent


def test_phq9_difficulty_item_is_optional_and_unscored():
    phq9 = get_instrument("phq9")
    answers = answers_with_total("phq9", 6, q9=0)
    assert phq9.score(answers).total == phq9.score({**answers, "difficulty": 3}).total == 6
    assert phq9.score(answers).subscales == {"phq2": 6}


@pytest.mark.parametrize(
    "sex, total, positive",
    [("male", 3, False), ("male", 4, True), ("female", 2, False), ("female", 3, True)]
    + [(None, 2, False), (None, 3, True), ("other", 3, True), ("unknown", 3, True)]
    + [("Male", 3, False)],
)
def test_auditc_positive_cutoff_depends_on_sex_and_defaults_to_3(sex, total, positive):
    score = get_instrument("auditc").score(
        answers_with_total("auditc", total), context={"sex": sex}
    )
    assert score.has_flag("positive") is positive


def test_auditc_explicit_cutoff_overrides_sex_and_is_recorded():
    auditc = get_instrument("auditc")
    score = auditc.score(
        answers_with_total("auditc", 4), context={"sex": "male", "positive_cutoff": 5}
    )
    assert not score.has_flag("positive")
    assert score.parameters == {"positive_cutoff": 5}


@pytest.mark.parametrize("total, high_risk", [(7, False), (8, True)])
def test_auditc_high_risk_from_8(total, high_risk):
    assert (
        get_instrument("auditc").score(answers_with_total("auditc", total)).has_flag("high_risk")
        is high_risk
    )


@pytest.mark.parametrize(
    "total, context, flagged",
    [(32, {}, False), (33, {}, True), (30, {"provisional_cutoff": 31}, False)]
    + [(31, {"provisional_cutoff": 31}, True)],
)
def test_pcl5_provisional_cutoff_defaults_to_33_and_is_configurable(total, context, flagged):
    score = get_instrument("pcl5").score(answers_with_total("pcl5", total), context=context)
    assert score.has_flag("provisional_ptsd") is flagged


def test_pcl5_cutoff_outside_possible_totals_is_refused():
    with pytest.raises(InvalidContext, match="provisional_cutoff"):
        get_instrument("pcl5").score(
            answers_with_total("pcl5", 0), context={"provisional_cutoff": 81}
        )


MINIMAL_DSM5 = {"q1": 2, "q6": 2, "q8": 2, "q9": 2, "q15": 2, "q16": 2}


def test_pcl5_minimal_endorsement_in_every_cluster_meets_dsm5_rule_below_cutoff():
    score = get_instrument("pcl5").score({f"q{n}": 0 for n in range(1, 21)} | MINIMAL_DSM5)
    assert score.has_flag("provisional_dsm5_diagnosis")
    assert not score.has_flag("provisional_ptsd")
    assert score.subscales == {"B": 2, "C": 2, "D": 4, "E": 4}


@pytest.mark.parametrize("dropped", sorted(MINIMAL_DSM5))
def test_pcl5_dsm5_rule_fails_when_one_cluster_falls_short(dropped):
    # Rated 1 ("A little bit") is not endorsement, however many such items there are.
    answers = {f"q{n}": 1 for n in range(1, 21)} | MINIMAL_DSM5 | {dropped: 1}
    assert not get_instrument("pcl5").score(answers).has_flag("provisional_dsm5_diagnosis")


@pytest.mark.parametrize(
    "q3, others, total, band",
    [(0, 0, 1, "Low"), (1, 0, 0, "None"), (1, 1, 9, "Severe"), (0, 1, 10, "Severe")],
)
def test_dast10_item3_is_reverse_scored(q3, others, total, band):
    answers = {f"q{n}": others for n in range(1, 11)} | {"q3": q3}
    score = get_instrument("dast10").score(answers)
    assert (score.total, score.band.label) == (total, band)


def test_cadss6_total_runs_0_to_24_without_bands():
    cadss6 = get_instrument("cadss6")
    top = {item.key: 4 for item in cadss6.items}
    assert cadss6.score(top).total == cadss6.max_total == 24
    assert [item.key for item in cadss6.items] == ["q1", "q2", "q6", "q7", "q15", "q22"]


# --- C-SSRS branching -------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, tier",
    [
        ({"q1": 0, "q2": 0, "q6": 0}, None),
        ({"q1": 1, "q2": 0, "q6": 0}, "low"),
        ({"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 0, "q6": 0}, "low"),
        ({"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 0, "q6": 0}, "moderate"),
        ({"q1": 0, "q2": 0, "q6": 1, "q6b": 0}, "moderate"),
        ({"q1": 0, "q2": 0, "q6": 1, "q6b": 1}, "high"),
        ({"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}, "high"),
        ({"q1": 1, "q2": 1, "q3": 0, "q4": 0, "q5": 1, "q6": 0}, "high"),
    ],
)
def test_cssrs_screen_outputs_risk_tier_per_triage(answers, tier):
    score = get_instrument("cssrs_screen").score(answers)
    assert (score.tier.key if score.tier else None) == tier
    assert score.has_flag("high_risk") is (tier == "high")


def test_cssrs_q3_to_q5_shown_only_after_yes_to_q2():
    cssrs = get_instrument("cssrs_screen")
    shown = lambda answers: [item.key for item in cssrs.visible_items(answers)]  # noqa: E731
    assert shown({"q2": 0}) == ["q1", "q2", "q6"]
    assert shown({"q2": 1, "q6": 1}) == ["q1", "q2", "q3", "q4", "q5", "q6", "q6b"]


def test_cssrs_answer_to_hidden_item_is_refused_naming_the_item():
    with pytest.raises(InvalidAnswer, match="q4") as raised:
        get_instrument("cssrs_screen").score({"q1": 0, "q2": 0, "q4": 1, "q6": 0})
    assert raised.value.item == "q4"


def test_cssrs_yes_to_q2_requires_q3_to_q5():
    with pytest.raises(IncompleteAnswers) as raised:
        get_instrument("cssrs_screen").score({"q1": 1, "q2": 1, "q6": 0})
    assert raised.value.missing == ("q3", "q4", "q5")


# --- Invalid and incomplete answers -----------------------------------------------------


@pytest.mark.parametrize(
    "change, item",
    [({"q10": 0}, "q10"), ({"q1": 4}, "q1"), ({"q2": "1"}, "q2"), ({"q3": True}, "q3")]
    + [({"difficulty": 7}, "difficulty")],
)
def test_invalid_answer_is_refused_with_a_message_naming_the_item(change, item):
    answers = answers_with_total("phq9", 0) | change
    with pytest.raises(InvalidAnswer, match=item) as raised:
        get_instrument("phq9").score(answers)
    assert raised.value.item == item


def test_missing_required_answer_is_refused_naming_the_item_and_its_text():
    answers = answers_with_total("gad7", 0)
    del answers["q4"]
    with pytest.raises(IncompleteAnswers, match=r"q4 \(Trouble relaxing\)") as raised:
        get_instrument("gad7").score(answers)
    assert raised.value.missing == ("q4",)
    assert isinstance(raised.value, ValueError)


def test_blank_answer_counts_as_missing():
    with pytest.raises(IncompleteAnswers, match="q3"):
        get_instrument("auditc").score({"q1": 0, "q2": 0, "q3": None})


# --- Data integrity ---------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_bands_cover_every_possible_total_exactly_once(code):
    instrument = INSTRUMENTS[code]
    if code in UNBANDED:
        assert instrument.bands == ()
        return
    for total in range(instrument.max_total + 1):
        assert sum(band.contains(total) for band in instrument.bands) == 1, total
    assert [(b.low, b.high, b.label) for b in instrument.bands] == REFERENCE_BANDS[code]


def test_instrument_with_a_band_gap_cannot_be_defined():
    gad7 = get_instrument("gad7")
    with pytest.raises(ValueError, match="gap"):
        dataclasses.replace(gad7, bands=gad7.bands[:1] + gad7.bands[2:])


def test_band_severity_must_be_a_badge_colour():
    with pytest.raises(ValueError, match="severity"):
        Band(0, 4, "Minimal", "Minimal anxiety", "green")


@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_structure_only_instruments_ship_no_item_wording(code):
    instrument = INSTRUMENTS[code]
    assert instrument.text_licensed is (code in STRUCTURE_ONLY)
    if instrument.text_licensed:
        assert instrument.stem == instrument.instructions == ""
        for item in instrument.items:
            assert len(item.text) <= 45 and "?" not in item.text, item.text
        assert "not included" in instrument.licence


def test_clinic_can_load_licensed_text_without_changing_the_registry():
    dast10 = get_instrument("dast10")
    texts = {item.key: f"Licensed wording {item.key}" for item in dast10.items}
    loaded = dast10.with_licensed_text(texts, stem="Licensed stem")
    assert loaded.item("q3").text == "Licensed wording q3" and loaded.item("q3").reverse
    assert dast10.item("q3").text == "Item 3"
    with pytest.raises(ValueError, match="every item"):
        dast10.with_licensed_text({"q1": "Only one"})


def test_verbatim_item_texts_and_stems_match_reference():
    gad7, phq9, pcl5 = get_instrument("gad7"), get_instrument("phq9"), get_instrument("pcl5")
    assert gad7.item("q1").text == "Feeling nervous, anxious, or on edge"
    assert gad7.stem == (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    )
    assert phq9.item("q9").text == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    assert phq9.item("q6").text.startswith("Feeling bad about yourself — or that you")
    assert pcl5.item("q17").text == 'Being "superalert" or watchful or on guard?'
    assert pcl5.stem == "In the past month, how much were you bothered by:"
    assert get_instrument("auditc").item("q1").option(2).label == "2-4 times a month"


def test_gad7_zero_answer_is_not_at_all_not_not_at_all_sure():
    for item in get_instrument("gad7").items[:7]:
        assert item.option(0).label == "Not at all"
        assert item.option(2).label == "More than half the days"
    # NLM codes item 2's value 2 as "More days than not"; the label shown stays official.
    assert get_instrument("gad7").item("q2").option(2).loinc == "LA18938-3"


@pytest.mark.parametrize("code", ["gad7", "phq9"])
def test_difficulty_answer_codes_keep_the_nlm_order(code):
    options = get_instrument(code).item("difficulty").options
    assert [(o.label, o.loinc) for o in options] == [
        ("Not difficult at all", "LA6572-7"),
        ("Somewhat difficult", "LA6573-5"),
        ("Very difficult", "LA6575-0"),
        ("Extremely difficult", "LA6574-3"),
    ]


@pytest.mark.parametrize(
    "code, panel, total, first_item",
    [
        ("gad7", "69737-5", "70274-6", "69725-0"),
        ("phq9", "44249-1", "44261-6", "44250-9"),
        ("auditc", "72109-2", "75626-2", "68518-0"),
        ("pcl5", None, None, None),
        ("cssrs_screen", "93373-9", None, "93246-7"),
        ("dast10", None, "82667-7", None),
        ("cadss6", None, None, None),
    ],
)
def test_loinc_codes_match_reference(code, panel, total, first_item):
    instrument = get_instrument(code)
    assert (instrument.panel_loinc, instrument.total_loinc) == (panel, total)
    assert instrument.items[0].loinc == first_item


def test_phq_and_gad_show_the_pfizer_licence_line():
    for code in ("phq9", "gad7"):
        assert "No permission required to reproduce, translate, display or distribute." in (
            get_instrument(code).licence
        )
    assert "public domain" in get_instrument("pcl5").licence.lower()
    assert "World Health Organization" in get_instrument("auditc").licence


def test_registry_is_keyed_by_code_and_offers_model_choices():
    assert all(code == instrument.code for code, instrument in INSTRUMENTS.items())
    assert ("phq9", "PHQ-9") in choices()
    assert [code for code, _ in choices()] == list(INSTRUMENTS)


def test_unknown_instrument_code_raises_key_error_naming_it():
    with pytest.raises(KeyError, match="'phq10'.*phq9"):
        get_instrument("phq10")
