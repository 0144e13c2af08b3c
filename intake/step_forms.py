"""The questions of each plain intake step (questionnaire steps come from instrument data).

Each form asks in the patient's words; its `clinical_labels` name the same questions as the
prescriber reads them (the review page and the assessment PDF), one label per field, and its
`clinical_title` the step.

The wizard's order of steps is `intake.steps`; the page flow is `kapclinic.clinic.steps`.
"""

from django import forms
from django.utils import timezone

from kapclinic.clinic.form_fields import phone_input, written
from kapclinic.clinic.forms import phone_number

from .consent import INTAKE_STATEMENT
from .eligibility import date_of_birth_refusal
from .question_layout import FollowUp, Group, QuestionLayoutMixin

YES_NO = [(True, "Yes"), (False, "No")]
PHONE_ERROR = "Please enter a phone number, e.g. +44 7700 900123."
ONE_ANSWER = "Please choose one answer."


def yes_no(label, help_text=""):
    """A required yes/no question: radio buttons, because an unticked box is not an answer."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value in (True, "True", "true", "1"),
        error_messages={"required": "Please answer yes or no."},
        widget=forms.RadioSelect(attrs={"class": "choice-scale"}),
    )


def how_many(label, most, **kwargs):
    """A count the patient types: a whole number from 0 to `most`, refused in plain words."""
    words = f"Please enter a number from 0 to {most}."
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=most,
        error_messages={"required": words, "min_value": words, "max_value": words},
        **kwargs,
    )


class AboutYouForm(forms.Form):
    preferred_name = forms.CharField(
        label="What would you like us to call you?", required=False, max_length=100
    )
    pronouns = forms.CharField(label="Pronouns", required=False, max_length=40)
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Please enter your date of birth."},
    )
    sex_at_birth = forms.ChoiceField(
        label="Sex recorded at birth",
        help_text="Some questionnaires use different cut-offs by sex.",
        choices=[
            ("female", "Female"),
            ("male", "Male"),
            ("intersex", "Intersex"),
            ("prefer_not_to_say", "Prefer not to say"),
        ],
        widget=forms.RadioSelect(attrs={"class": "choice-scale"}),
        error_messages={"required": ONE_ANSWER},
    )
    phone = forms.CharField(
        label="Mobile phone",
        max_length=40,
        widget=phone_input(),
        error_messages={"required": PHONE_ERROR},
    )
    emergency_contact_name = forms.CharField(
        label="Emergency contact's name",
        max_length=200,
        error_messages={"required": "Please tell us whom we may call in an emergency."},
    )
    emergency_contact_relationship = forms.CharField(
        label="Emergency contact's relationship to you",
        max_length=60,
        error_messages={"required": "Please tell us who they are to you, e.g. partner, friend."},
    )
    emergency_contact_phone = forms.CharField(
        label="Emergency contact's phone number",
        max_length=40,
        widget=phone_input(),
        error_messages={"required": PHONE_ERROR},
    )

    clinical_title = "Patient details"  # the step as the prescriber reads it
    clinical_labels = {  # each question as the prescriber's review and its PDF name it
        "preferred_name": "Preferred name",
        "pronouns": "Pronouns",
        "date_of_birth": "Date of birth",
        "sex_at_birth": "Sex recorded at birth",
        "phone": "Mobile phone",
        "emergency_contact_name": "Emergency contact",
        "emergency_contact_relationship": "Emergency contact: relationship",
        "emergency_contact_phone": "Emergency contact: phone",
    }

    def __init__(self, *args, today=None, **kwargs):
        """`today` is the clinic's date, on which the patient's age is counted."""
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if refusal := date_of_birth_refusal(born, self.today):
            raise forms.ValidationError(refusal)
        return born

    def clean_phone(self):
        return phone_number(self.cleaned_data["phone"], PHONE_ERROR)

    def clean_emergency_contact_phone(self):
        return phone_number(self.cleaned_data["emergency_contact_phone"], PHONE_ERROR)


class MedicalHistoryForm(QuestionLayoutMixin, forms.Form):
    """Each condition of the reference's contraindication table, asked in plain words (§2).

    Asked in groups a phone can take in at once; each group can be answered "none of these
    apply to me", which still stores an explicit "No" for every question in it.
    """

    groups = (
        Group(
            "reactions",
            "Reactions to ketamine and anaesthetics",
            ("ketamine_hypersensitivity", "anaesthesia_or_ketamine_reaction"),
        ),
        Group(
            "heart",
            "Heart, blood pressure and blood vessels",
            (
                "high_blood_pressure",
                "bp_rise_hazard",
                "heart_or_stroke_history",
                "aneurysm_or_avm",
                "brain_haemorrhage_or_raised_icp",
            ),
        ),
        Group(
            "other",
            "Eyes, liver, bladder, thyroid and seizures",
            ("glaucoma", "liver_disease", "urinary_symptoms", "overactive_thyroid", "seizures"),
        ),
        Group("pregnancy", "Pregnancy and breastfeeding", ("pregnant", "breastfeeding")),
    )
    follow_ups = {
        "blood_pressure_controlled": FollowUp("high_blood_pressure", ("True",)),
        "heart_or_stroke_recent_6_months": FollowUp(
            "heart_or_stroke_history", ("True",), not_asked=False
        ),
    }

    ketamine_hypersensitivity = yes_no(
        "Have you ever had an allergic or other serious reaction to ketamine or esketamine?"
    )
    bp_rise_hazard = yes_no(
        "Has a doctor told you that a rise in blood pressure would be dangerous for you?"
    )
    aneurysm_or_avm = yes_no(
        "Have you had an aneurysm (a bulging blood vessel, e.g. in the brain or aorta) "
        "or an arteriovenous malformation?"
    )
    brain_haemorrhage_or_raised_icp = yes_no(
        "Have you had bleeding in the brain, or a condition with raised pressure in the skull?"
    )
    high_blood_pressure = yes_no("Do you have high blood pressure?")
    blood_pressure_controlled = yes_no("If yes: is it well controlled (usually below 140/90)?")
    heart_or_stroke_history = yes_no(
        "Have you had a heart attack, angina, heart failure, a stroke or a mini-stroke (TIA)?"
    )
    heart_or_stroke_recent_6_months = yes_no("If yes: was it in the last 6 months?")
    glaucoma = yes_no("Do you have glaucoma or raised pressure in the eye?")
    liver_disease = yes_no("Do you have liver disease?")
    urinary_symptoms = yes_no(
        "Do you have bladder pain, frequent or painful urination, or interstitial cystitis?"
    )
    overactive_thyroid = yes_no("Do you have an overactive thyroid that is not controlled?")
    seizures = yes_no("Have you ever had a seizure or epilepsy?")
    anaesthesia_or_ketamine_reaction = yes_no(
        "Have you had a bad reaction to an anaesthetic or sedation?"
    )
    pregnant = yes_no("Are you pregnant, or could you be?")
    breastfeeding = yes_no("Are you breastfeeding?")
    allergies = written("Allergies (medicines, foods, other)", 2000, rows=2)
    other_conditions = written("Any other health conditions we should know about?", 4000, rows=3)

    clinical_title = "Medical history"
    clinical_labels = {
        "ketamine_hypersensitivity": "Hypersensitivity to ketamine or esketamine",
        "anaesthesia_or_ketamine_reaction": "Adverse reaction to anaesthesia or sedation",
        "high_blood_pressure": "Hypertension",
        "blood_pressure_controlled": "Hypertension controlled (usually below 140/90)",
        "bp_rise_hazard": "Blood pressure rise a serious hazard (per a doctor)",
        "heart_or_stroke_history": "Myocardial infarction, angina, heart failure, stroke or TIA",
        "heart_or_stroke_recent_6_months": "Cardiac or cerebrovascular event in the last 6 months",
        "aneurysm_or_avm": "Aneurysm or arteriovenous malformation",
        "brain_haemorrhage_or_raised_icp": "Brain haemorrhage or raised intracranial pressure",
        "glaucoma": "Glaucoma or raised intraocular pressure",
        "liver_disease": "Liver disease",
        "urinary_symptoms": "Lower urinary tract symptoms or interstitial cystitis",
        "overactive_thyroid": "Uncontrolled hyperthyroidism",
        "seizures": "Seizure disorder",
        "pregnant": "Pregnant or possibly pregnant",
        "breastfeeding": "Breastfeeding",
        "allergies": "Allergies",
        "other_conditions": "Other medical conditions",
    }


PRIOR_TREATMENTS = [
    ("antidepressants", "Antidepressant medicines"),
    ("psychotherapy", "Talking therapy"),
    ("ect", "ECT (electroconvulsive therapy)"),
    ("tms", "TMS (magnetic stimulation)"),
    ("esketamine", "Esketamine (Spravato)"),
    ("ketamine", "Ketamine treatment"),
    ("other", "Other"),
]


class PsychiatricHistoryForm(forms.Form):
    psychosis_history = yes_no(
        "Have you ever had psychosis: hearing or seeing things others did not, or beliefs "
        "others found impossible?",
        "This includes schizophrenia or schizoaffective disorder.",
    )
    psychosis_family_history = yes_no(
        "Has a parent, brother, sister or child of yours had psychosis or schizophrenia?"
    )
    bipolar_diagnosis = yes_no("Have you been diagnosed with bipolar disorder?")
    mania_past_year = yes_no(
        "In the past year, have you had a period of unusually high energy, little need for "
        "sleep and racing thoughts (mania or hypomania)?"
    )
    trauma_history = yes_no(
        "Have you lived through a very stressful or traumatic experience that still affects you?"
    )
    hospitalisations = how_many(
        "How many times have you been admitted to hospital for your mental health?", 99, initial=0
    )
    prior_treatments = forms.MultipleChoiceField(
        label="Which treatments have you tried before?",
        choices=PRIOR_TREATMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    prior_treatment_outcome = written("How did those treatments work for you?", 4000, rows=3)

    clinical_title = "Psychiatric history"
    clinical_labels = {
        "psychosis_history": "History of psychosis (incl. schizophrenia, schizoaffective disorder)",
        "psychosis_family_history": "First-degree relative with psychosis or schizophrenia",
        "bipolar_diagnosis": "Bipolar disorder diagnosed",
        "mania_past_year": "Manic or hypomanic episode in the past year",
        "trauma_history": "Trauma with ongoing effects",
        "hospitalisations": "Psychiatric admissions",
        "prior_treatments": "Previous treatments",
        "prior_treatment_outcome": "Response to previous treatments",
    }


class MedicationsForm(forms.Form):
    no_medicines = forms.BooleanField(label="I do not take any regular medicines", required=False)
    medicines = forms.CharField(
        label="Your current medicines, one per line",
        help_text="Name, dose and how often, e.g. “Sertraline 50 mg once a day”. Include "
        "sleeping tablets, painkillers and anything bought without a prescription.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    clinical_title = "Current medications"
    clinical_labels = {
        "no_medicines": "No regular medications",
        "medicines": "Current medications (as the patient wrote them)",
    }

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in data.get("medicines", "").splitlines() if line.strip()]
        if not lines and not data.get("no_medicines"):
            self.add_error("medicines", "List your medicines, or tick that you take none.")
        if lines and data.get("no_medicines"):
            self.add_error("no_medicines", "You listed medicines: untick this box.")
        data["items"] = [{"name": line[:200], "dose": "", "frequency": ""} for line in lines]
        return data


class SubstanceUseForm(QuestionLayoutMixin, forms.Form):
    follow_ups = {
        "drug_use_details": FollowUp("drug_use_past_year", ("True",), not_asked=""),
        "substance_use_in_recovery_years": FollowUp("substance_use_disorder_history", ("True",)),
        "ketamine_use_details": FollowUp(
            "prior_ketamine_use", ("medical", "recreational"), required=False, not_asked=""
        ),
    }

    drug_use_past_year = yes_no(
        "In the past year, have you used drugs other than alcohol or tobacco, or taken a "
        "prescription medicine other than as prescribed?"
    )
    drug_use_details = written("If yes: which, and how often?", 2000, rows=2)
    substance_use_disorder_history = yes_no(
        "Have you ever had a problem with alcohol or drug use, or been treated for one?"
    )
    substance_use_in_recovery_years = how_many(
        "If yes: for how many full years have you been in recovery?", 80, required=False
    )
    prior_ketamine_use = forms.ChoiceField(
        label="Have you used ketamine before?",
        choices=[
            ("never", "Never"),
            ("medical", "Yes, as a medical treatment"),
            ("recreational", "Yes, not as a treatment"),
        ],
        widget=forms.RadioSelect(attrs={"class": "choice-scale"}),
        error_messages={"required": ONE_ANSWER},
    )
    ketamine_use_details = written("If yes: when, and how did it go?", 2000, rows=2)

    clinical_title = "Substance use"
    clinical_labels = {
        "drug_use_past_year": "Drug use or prescription misuse in the past year",
        "drug_use_details": "Substances used and how often",
        "substance_use_disorder_history": "Substance use disorder, now or in the past",
        "substance_use_in_recovery_years": "Full years in recovery",
        "prior_ketamine_use": "Previous ketamine use",
        "ketamine_use_details": "Previous ketamine use: when and how it went",
    }


class SupportForm(forms.Form):
    """The support step asks nothing: reading it and choosing "Continue" completes it."""

    clinical_title = "Crisis support page, read by the patient"


class GoalsForm(forms.Form):
    goals = written(
        "What would you most like to change through this treatment?",
        4000,
        rows=4,
        required=True,
        error_messages={"required": "Please tell us what you would like to change."},
    )
    intentions = written("What intentions would you like to bring to your sessions?", 4000, rows=3)
    support = written("Who supports you (friends, family, other professionals)?", 2000, rows=2)

    clinical_title = "Goals and support"
    clinical_labels = {
        "goals": "Goals of treatment",
        "intentions": "Intentions for dosing sessions",
        "support": "Support network",
    }


# An unticked consent box: what to do, not Django's "This field is required."
NOT_TICKED = {"required": "Tick the box to say you consent, or leave it for now."}


class ConsentForm(forms.Form):
    agreed = forms.BooleanField(
        label=INTAKE_STATEMENT,
        error_messages=NOT_TICKED,
    )
    signed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        error_messages={"required": "Please type your full name to sign."},
    )

    def __init__(self, *args, legal_name="", **kwargs):
        super().__init__(*args, **kwargs)
        self.legal_name = legal_name

    def clean_signed_name(self):
        name = " ".join(self.cleaned_data["signed_name"].split())
        if self.legal_name and name.casefold() != " ".join(self.legal_name.split()).casefold():
            raise forms.ValidationError(
                f"Please type your full name exactly as the clinic has it: {self.legal_name}."
            )
        return name
