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
        post_migrate.connect(_cache_table, sender=self, dispatch_uid="figures-cache-table")


def _cache_table(using="default", **kwargs):
    """The figures' cache table (Django's database cache), made by ``cdm migrate`` like every table."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
