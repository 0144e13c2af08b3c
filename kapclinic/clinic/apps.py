from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "kapclinic.clinic"
    label = "clinic"
    verbose_name = "Clinic and people"
