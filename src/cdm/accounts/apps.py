from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cdm.accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from . import signals

        signals.connect(self.get_model("User"))
        from .admin import ask_the_rule_everywhere

        ask_the_rule_everywhere()
