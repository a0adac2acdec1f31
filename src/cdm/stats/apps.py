from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "cdm.stats"
    verbose_name = _("Chiffres")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import months

        months.connect_signals()
        # A database (or one just emptied by flush) gets its own random revision for every month, so
        # that no cache entry computed from another database's identical counts can match it.
        post_migrate.connect(months.on_migrated, sender=self, dispatch_uid="months-identity")
