"""Rows that carry their own clinic (`clinic_id`), read through one scope beside access.py's.

A REMS certification, enrolment or monitoring form is for the clinic's staff only; a slot the
clinic publishes is also for its own patients to choose from.
"""

from django.db import models

from .access import patient_for, provider_for


class ClinicRowQuerySet(models.QuerySet):
    """Rows of a clinic: its staff see them, a superuser every clinic's.

    A patient's login sees its own clinic's rows only where `patients_see_their_clinic` (the
    slots a clinic publishes); otherwise nothing.
    """

    patients_see_their_clinic = False

    def visible_to(self, user):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        member = provider_for(user)
        if member is None and self.patients_see_their_clinic:
            member = patient_for(user)
        return self.none() if member is None else self.filter(clinic_id=member.clinic_id)
