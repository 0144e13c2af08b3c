"""Who may start an intake: an adult, counted on the clinic's day.

The step form shows these words beside the field as the patient types; `save_step` asks again,
so a second tab, the shell or a script cannot store a minor's date of birth.
"""

ADULT_AGE = 18  # the clinic treats adults only
OLDEST_AGE = 110


def age_on(born, day):
    """Whole years from `born` to `day`; a birthday counts from the day itself."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


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
