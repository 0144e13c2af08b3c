from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "kapclinic.stock"
    label = "stock"
    verbose_name = "Controlled-substance register"
