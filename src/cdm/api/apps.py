from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cdm.api"
    verbose_name = "API"
