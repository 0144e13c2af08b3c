"""What the pages that write through a service share: a refusal shown on the form that asked
for it, and the slot a booking form chose, in the words the booking services take."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError

# The appointment slot as every booking service takes it (`AppointmentSlotForm.clean` sets
# `starts_at` and `ends_at` from the date, time and length typed in the clinic's time zone).
SLOT_FIELDS = ("starts_at", "ends_at", "clinician", "resource")


def chosen_slot(form):
    """The time, clinician and room a valid booking form chose, as keyword arguments."""
    return {name: form.cleaned_data[name] for name in SLOT_FIELDS}


@contextmanager
def refusals_shown_on(form, *refusals):
    """Show a service's refusal on `form` instead of an error page, and go on to re-show it.

    A `ValidationError` goes beside the field it names; any of `refusals` (a phase's
    `JourneyError`…) above the form. The rest of the block, the success message and redirect,
    runs only when the service agreed.
    """
    try:
        yield
    except ValidationError as error:
        form.add_model_errors(error)
    except refusals as error:
        form.add_error(None, str(error))
