from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "cdm.stats"
    verbose_name = _("Chiffres")

    def ready(self):
        from . import months

        months.connect_signals()
