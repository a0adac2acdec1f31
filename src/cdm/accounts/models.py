"""Staff accounts and their roles. Visitors never have an account."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordination du réseau")
    MANAGER = "manager", _("Responsable de Cité")
    AGENT = "agent", _("Agent d'accueil")
    COUNSELLOR = "counsellor", _("Conseiller")
    OBSERVER = "observer", _("Observateur")


class User(AbstractUser):
    """A member of staff.

    Personal data (name, e-mail) is kept for one purpose: letting staff sign in and
    signing the audit log. It is kept while the account is active and for the audit
    log's retention period after (see docs/personal-data.md).
    """

    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.OBSERVER)
    cites = models.ManyToManyField(
        "network.Cite",
        blank=True,
        related_name="staff",
        verbose_name=_("Cités"),
        help_text=_("Les Cités où cette personne travaille. Un observateur sans Cité voit tout le réseau."),
    )
    partner = models.ForeignKey(
        "network.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counsellors",
        verbose_name=_("organisation partenaire"),
        help_text=_("Pour un conseiller : l'organisation qui le met à disposition."),
    )

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")

    @cached_property
    def cite_ids(self) -> list[int]:
        return list(self.cites.values_list("pk", flat=True))

    @property
    def is_network_wide(self) -> bool:
        """Sees every Cité: the coordinator, and an observer attached to no Cité."""
        if self.is_superuser or self.role == Role.COORDINATOR:
            return True
        return self.role == Role.OBSERVER and not self.cite_ids
