from django.apps import AppConfig


class RemsConfig(AppConfig):
    """Spravato REMS records: the clinic's certification, patient enrolments, monitoring forms."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "kapclinic.rems"
    label = "rems"
    verbose_name = "Spravato REMS"
