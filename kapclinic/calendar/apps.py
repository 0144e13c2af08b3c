from django.apps import AppConfig


class CalendarConfig(AppConfig):
    """The front desk's calendar. Sits above the phases; no phase or core module imports it."""

    name = "kapclinic.calendar"
    label = "clinic_calendar"
    verbose_name = "Calendar"
