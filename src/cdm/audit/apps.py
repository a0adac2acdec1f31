from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "cdm.audit"
    verbose_name = _("Journal")

    def ready(self):
        from . import signals

        signals.connect()
