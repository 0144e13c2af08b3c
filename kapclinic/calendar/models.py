"""The calendar's models: each clinician's calendar feed (feed_models.py)."""

from .feed_models import CalendarFeed, CalendarFeedQuerySet  # noqa: F401
