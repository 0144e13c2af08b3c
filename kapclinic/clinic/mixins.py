"""Who may open a page and who may do a step, for every phase (as Django's `auth/mixins.py`).

Pages: `StaffRequiredMixin` and `PatientRequiredMixin` (object-level access is the scoped
queryset each view reads through, as `staff_course` does). Steps: `require_staff` and its
siblings, called by each phase's services, refuse with the phase's own error so its pages show
the refusal as is.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from kapclinic.audit.trail import DENIED, audit

from .access import is_staff_member, patient_for, provider_for
from .models import JourneyError, Role, TreatmentCourse
from .models.people import ALL_STAFF
from .statements import compiled


def safe_next(request, fallback):
    """The posted `next` if it is a path on this site, else `fallback`.

    Only a path: a bare word would be taken for a URL name by `redirect()`.
    """
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class StaffRequiredMixin(LoginRequiredMixin):
    """Clinician pages: signed-in staff only; anyone else is refused and the refusal logged."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_staff_member(request.user):
            audit(request.user, None, "staff page", DENIED)
            raise PermissionDenied("This page is for clinic staff.")
        return super().dispatch(request, *args, **kwargs)


def staff_row(request, name, pk, of_clinic, queryset):
    """Row `pk` of what the signed-in staff member may see, or 404 (another clinic's is simply
    not there).

    For a member of staff it is `of_clinic(clinic_id, pk)`, a queryset whose SQL is built once
    per process (statements.compiled: about 1.5–3 ms a page saved); a superuser's wider read
    is `queryset` (scoped with `visible_to`), built each time.
    """
    provider = provider_for(request.user)
    if provider is not None and not request.user.is_superuser and isinstance(pk, int):
        found = compiled(name, [provider.clinic_id, pk], of_clinic)
        if not found:
            raise Http404(f"No {queryset.model._meta.object_name} matches the given query.")
        return found[0]
    return get_object_or_404(queryset, pk=pk)


def staff_course(request, pk):
    """A course of the staff member's clinic, or 404: every course page asks this first."""
    courses = TreatmentCourse.objects.visible_to(request.user)
    return staff_row(
        request, "staff course", pk, _clinic_course, courses.select_related(*COURSE_SHOWN_WITH)
    )


COURSE_SHOWN_WITH = ("patient__clinic", "clinic")


def _clinic_course(clinic_id, pk):
    return (
        TreatmentCourse.objects.seen_by_staff_of(clinic_id)
        .select_related(*COURSE_SHOWN_WITH)
        .filter(pk=pk)
    )


class PatientRequiredMixin(LoginRequiredMixin):
    """Patient pages: the signed-in patient's own record, nobody else's."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.patient = patient_for(request.user)
            if self.patient is None:
                raise PermissionDenied("This page is for patients.")
        return super().dispatch(request, *args, **kwargs)


def require_staff(user, course, roles, doing, refusal=JourneyError):
    """The user's Provider if they hold one of `roles` at the course's clinic; else `refusal`."""
    provider = provider_for(user)
    if provider is not None and provider.clinic_id == course.clinic_id and provider.role in roles:
        return provider
    if roles == ALL_STAFF:
        raise refusal(f"Only the clinic's staff may {doing}.")
    who = " or ".join(sorted(Role(role).label.lower() for role in roles))
    raise refusal(f"Only a {who} of this clinic may {doing}.")


def require_patient(user, course, doing, refusal=JourneyError):
    """The patient themself, and nobody else (not even staff), e.g. for their own journal."""
    if (
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and course.patient.user_id == user.pk
    ):
        return
    raise refusal(f"Only the patient may {doing}.")


def require_patient_or_staff(user, course, doing, refusal=JourneyError):
    """The patient themself, or any member of the clinic's staff (e.g. reception)."""
    patient = patient_for(user)
    if patient is not None and patient.pk == course.patient_id:
        return
    provider = provider_for(user)
    if provider is None or provider.clinic_id != course.clinic_id:
        raise refusal(f"Only the patient or the clinic's staff may {doing}.")
