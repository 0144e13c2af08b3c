"""The calendar's pages: a clinician's own calendar feed (my_feed.py)."""
