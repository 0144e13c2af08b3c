"""Who may start an intake: an adult, counted on the clinic's day.

The step form shows these words beside the field as the patient types; `save_step` asks again,
so a second tab, the shell or a script cannot store a minor's date of birth. The clearance
(`TreatmentCourse.clear`) asks once more, on the date of birth then on file.
"""

from kapclinic.clinic.models import ADULT_AGE, age_on

OLDEST_AGE = 110


def date_of_birth_refusal(born, today):
    """Why `born` cannot be an intake patient's date of birth on `today`, in words, or None."""
    if born > today:
        return "Your date of birth cannot be in the future."
    age = age_on(born, today)
    if age < ADULT_AGE:
        return f"This treatment is for adults aged {ADULT_AGE} or over."
    if age > OLDEST_AGE:
        return "Please check the year of your date of birth."
    return None
