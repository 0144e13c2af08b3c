"""What the pages that write through a service share: a refusal shown on the form that asked
for it, the slot a booking form chose in the words the booking services take, and the page
of one course with one form."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.views import View

from kapclinic.audit.trail import VIEW, audit

from .mixins import StaffRequiredMixin, staff_course
from .models import JourneyError

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


class CourseFormView(StaffRequiredMixin, View):
    """A staff page about one course with one form (booking a session, closing the course).

    Opening it reads the patient's record, so it is audited; a valid form goes to `save`,
    whose refusal shows on the form. Subclasses say what the trail calls the read, how the
    page looks (`render_page`) and what saving does (`save`, which answers the request).
    """

    form_class = None

    def viewing(self, course):
        """What the trail says was read."""
        raise NotImplementedError

    def render_page(self, course, form):
        raise NotImplementedError

    def save(self, course, form):
        raise NotImplementedError

    def initial(self, course):
        """The empty form's starting values for this course."""
        return {}

    def get(self, request, pk):
        course = staff_course(request, pk)
        audit(request.user, course, self.viewing(course), VIEW)
        form = self.form_class(clinic=course.clinic, initial=self.initial(course))
        return self.render_page(course, form)

    def post(self, request, pk):
        course = staff_course(request, pk)
        form = self.form_class(request.POST, clinic=course.clinic)
        if form.is_valid():
            with refusals_shown_on(form, JourneyError):
                return self.save(course, form)
        return self.render_page(course, form)
