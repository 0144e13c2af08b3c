"""The record that a new member of staff was invited to choose their own password."""

from django.db import models
from django.utils import timezone

from .people import Provider, User


class StaffInvitation(models.Model):
    """One sign-in invitation: whom, by whom, when. The reminders app emails each new row.

    No secret is kept: the link is a token drawn when the worker writes the email
    (`kapclinic/clinic/staff_invitations.py`). It works until the person sets a password,
    signs in, or is sent a newer invitation, and for KAP_STAFF_INVITATION_DAYS at most.
    """

    # A role added by mistake is deleted with its invitations; the audit trail keeps the sending.
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "sign-in invitation"

    def __str__(self):
        return f"Sign-in invitation to {self.provider} ({self.created_at:%Y-%m-%d %H:%M})"
