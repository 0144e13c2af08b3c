"""Each clinician's private calendar feed: a secret address a calendar app subscribes to.

Only a hash of the secret is kept (sha256), with its first characters to recognise it by:
a copy of the database, or of the audit trail, never gives anyone a working address. A feed
is revoked, never deleted, so who had one and when stays on the record.
"""

from django.db import models
from django.db.models import Q

from kapclinic.clinic.models import Provider


class CalendarFeedQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, to tell one address from another on the page.
    token_prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_provider",
            ),
        ]

    def __str__(self):
        state = "revoked" if self.revoked_at else "live"
        return f"Calendar feed {self.token_prefix}… of {self.provider} ({state})"

    @property
    def is_live(self):
        return self.revoked_at is None
