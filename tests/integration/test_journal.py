"""The journal: private by default, shared on the patient's say, risk wording handled."""

import pytest
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from integration import services
from integration.models import (
    DEFAULT_RISK_PHRASES,
    IntegrationError,
    JournalEntry,
    JournalPrompt,
    RiskTerm,
    find_risk_phrases,
)
from integration.selectors import journal_for
from integration.timeline import integration_entries
from kapclinic.clinic.models import Role, SafetyFlag
from kapclinic.clinic.text_limits import JOURNAL_ENTRY
from tests.factories import ClinicFactory, CourseFactory, ProviderFactory

pytestmark = pytest.mark.django_db

RISKY = "Some days I feel I would be better off dead."


def write(team, body="A calm week.", **kwargs):
    return services.write_journal_entry(team.patient, team.course, body, **kwargs)


# --- Sharing at the query level ----------------------------------------------------------


def test_entries_are_private_by_default(team):
    entry = write(team).entry
    assert entry.shared_at is None
    assert list(JournalEntry.objects.visible_to(team.patient)) == [entry]
    for staff in (team.prescriber, team.therapist, team.nurse, team.admin):
        assert not JournalEntry.objects.visible_to(staff).exists()


def test_staff_see_a_shared_entry_of_their_clinic_only(team):
    entry = write(team, share=True).entry
    assert list(JournalEntry.objects.visible_to(team.therapist)) == [entry]
    assert not JournalEntry.objects.visible_to(team.outsider).exists()


def test_unsharing_hides_the_entry_from_staff_again(team):
    entry = write(team, share=True).entry
    services.unshare_journal_entry(entry, team.patient)
    entry.refresh_from_db()
    assert entry.shared_at is None
    assert not JournalEntry.objects.visible_to(team.therapist).exists()
    assert list(JournalEntry.objects.visible_to(team.patient)) == [entry]


def test_a_superuser_cannot_read_private_entries_either(team, superuser):
    write(team)
    shared = write(team, "Shared thoughts.", share=True).entry
    assert list(JournalEntry.objects.visible_to(superuser)) == [shared]


def test_another_patient_sees_nothing_and_anonymous_nothing(team):
    from django.contrib.auth.models import AnonymousUser

    write(team, share=True)
    assert not JournalEntry.objects.visible_to(team.other_patient).exists()
    assert not JournalEntry.objects.visible_to(AnonymousUser()).exists()


def test_selector_returns_the_same_scope(team):
    private = write(team).entry
    shared = write(team, "Shared.", share=True).entry
    assert set(journal_for(team.patient)) == {private, shared}
    assert journal_for(team.therapist, team.course) == [shared]


class TestClinicianQuerysetNeverHoldsAPrivateEntry(HypothesisTestCase):
    """Whatever mix of entries, shares and unshares, staff only ever get shared entries."""

    @settings(max_examples=25, deadline=None)
    @given(
        actions=st.lists(
            st.sampled_from(["write", "write_shared", "share", "unshare"]), min_size=1, max_size=8
        )
    )
    def test_property(self, actions):
        clinic = ClinicFactory()
        course = CourseFactory(patient__clinic=clinic)
        patient = course.patient.user
        therapist = ProviderFactory(clinic=clinic, role=Role.THERAPIST).user
        entries = []
        for i, action in enumerate(actions):
            if action.startswith("write") or not entries:
                result = services.write_journal_entry(
                    patient, course, f"Entry {i}", share=action == "write_shared"
                )
                entries.append(result.entry)
            elif action == "share":
                services.share_journal_entry(entries[i % len(entries)], patient)
            else:
                services.unshare_journal_entry(entries[i % len(entries)], patient)
        visible = JournalEntry.objects.visible_to(therapist)
        assert not visible.filter(shared_at__isnull=True).exists()
        assert set(visible) == set(JournalEntry.objects.filter(shared_at__isnull=False))


# --- Who may write and share --------------------------------------------------------------


@pytest.mark.parametrize("who", ["therapist", "other_patient", "admin"])
def test_only_the_patient_writes_and_shares(team, who):
    with pytest.raises(IntegrationError, match="Only the patient"):
        services.write_journal_entry(getattr(team, who), team.course, "Not mine.")
    entry = write(team).entry
    with pytest.raises(IntegrationError, match="Only the patient"):
        services.share_journal_entry(entry, getattr(team, who))
    with pytest.raises(IntegrationError, match="Only the patient"):
        services.unshare_journal_entry(entry, getattr(team, who))


def test_an_empty_entry_is_refused(team):
    with pytest.raises(IntegrationError, match="Write something"):
        write(team, "   \n ")


def test_entry_may_follow_a_clinic_prompt(team):
    prompt = JournalPrompt.objects.create(clinic=team.clinic, text="What stayed with you?")
    entry = write(team, prompt=prompt).entry
    assert entry.prompt_text == "What stayed with you?"
    assert services.active_prompts(team.clinic) == [prompt]


def test_a_prompt_of_another_clinic_is_refused(team, world):
    prompt = JournalPrompt.objects.create(clinic=world.two.clinic, text="Elsewhere")
    with pytest.raises(IntegrationError, match="not offered"):
        write(team, prompt=prompt)


# --- Risk wording ---------------------------------------------------------------------------


def test_every_clinic_starts_with_the_default_risk_list(team):
    assert set(RiskTerm.objects.phrases_for(team.clinic.pk)) == set(DEFAULT_RISK_PHRASES)


def test_risk_in_a_private_entry_shows_crisis_resources_but_raises_no_flag(team):
    result = write(team, RISKY)
    assert result.show_crisis_resources
    assert result.crisis_resources == team.clinic.crisis_resources
    assert result.entry.risk_phrases == ["better off dead"]
    assert result.flag is None
    assert not SafetyFlag.objects.filter(course=team.course).exists()
    assert not JournalEntry.objects.visible_to(team.therapist).exists()


def test_risk_in_a_shared_entry_raises_a_flag_for_the_care_team(team):
    result = write(team, RISKY, share=True)
    assert result.show_crisis_resources
    flag = SafetyFlag.objects.get(course=team.course)
    assert result.flag == flag and flag.is_open
    assert flag.source == f"Shared journal entry {result.entry.pk}"
    assert "better off dead" in flag.reason
    # It feeds the suicide-risk workflow: only a structured risk review resolves it.
    assert flag.is_suicide_risk


def test_sharing_a_risky_private_entry_later_raises_the_flag_then(team):
    entry = write(team, RISKY).entry
    assert not SafetyFlag.objects.exists()
    result = services.share_journal_entry(entry, team.patient)
    assert result.flag is not None
    # Unsharing and sharing again does not raise a second flag while the first is open.
    services.unshare_journal_entry(entry, team.patient)
    services.share_journal_entry(entry, team.patient)
    assert SafetyFlag.objects.count() == 1


def test_a_flag_reason_never_quotes_the_entry(team):
    write(team, "Private detail XYZZY. I want to die.", share=True)
    assert "XYZZY" not in SafetyFlag.objects.get().reason


def test_no_risk_wording_no_crisis_resources(team):
    result = write(team, "I felt connected to my sister and slept well.", share=True)
    assert not result.show_crisis_resources and result.crisis_resources == ""
    assert not SafetyFlag.objects.exists()


def test_the_clinic_edits_its_risk_list(team):
    RiskTerm.objects.filter(clinic=team.clinic, phrase="better off dead").update(active=False)
    RiskTerm.objects.create(clinic=team.clinic, phrase="disappear forever")
    assert not write(team, RISKY).show_crisis_resources
    assert write(team, "I want to DISAPPEAR   forever.").entry.risk_phrases == ["disappear forever"]


def test_matching_is_whole_words_and_tolerates_curly_apostrophes():
    phrases = ["can't go on", "suicide", "overdose"]
    assert find_risk_phrases("I can’t go on like this", phrases) == ["can't go on"]
    assert find_risk_phrases("Suicide.", phrases) == ["suicide"]
    assert find_risk_phrases("overdosed on coffee? no: overdosage", phrases) == []


# --- Up to the limit, stored whole, shown escaped ----------------------------------------------


def test_entries_up_to_the_limit_are_stored_whole(team):
    body = ("I noticed " * 2_000)[:JOURNAL_ENTRY]
    assert len(body) == JOURNAL_ENTRY
    entry = write(team, body).entry
    entry.refresh_from_db()
    assert entry.body == body


def test_script_like_text_is_stored_as_written_and_shown_escaped(team):
    body = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    entry = write(team, body).entry
    entry.refresh_from_db()
    assert entry.body == body
    html = Template("{{ entry.body }}").render(Context({"entry": entry}))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_entry_repr_never_shows_the_text(team):
    entry = write(team, "secret words").entry
    assert "secret" not in str(entry)


# --- The chart timeline ------------------------------------------------------------------------


def test_timeline_counts_shared_entries_and_ignores_private_ones(team, django_assert_num_queries):
    write(team, "private one")
    write(team, "private two")
    write(team, "shared", share=True)
    patient = team.course.patient
    with django_assert_num_queries(3):
        entries = integration_entries(patient, [team.course])
    journal = [e for e in entries if e.kind == "journal"]
    assert [e.title for e in journal] == ["1 journal entry shared with the care team"]


def test_new_clinics_get_the_default_risk_list(db):
    clinic = ClinicFactory()
    assert RiskTerm.objects.filter(clinic=clinic).count() == len(DEFAULT_RISK_PHRASES)
