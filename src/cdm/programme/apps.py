from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammeConfig(AppConfig):
    name = "cdm.programme"
    verbose_name = _("Programme")

    def ready(self):
        # The annual report's featured events and offer by theme (cdm.stats.parts).
        from . import report  # noqa: F401
