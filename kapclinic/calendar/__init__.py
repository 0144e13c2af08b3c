"""The clinic's calendar: week and day views, recurring series, appointment requests, feeds.

Top floor: it books through the phases' own services (`sessions/booking.py`,
`integration/services.py`), so the calendar never repeats a booking rule.
"""
