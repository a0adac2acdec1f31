"""Staff accounts and their roles. Visitors never have an account."""

from functools import cached_property

from django.conf import settings
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

    themes = models.JSONField(
        _("thèmes couverts"),
        default=list,
        blank=True,
        help_text=_("Pour un conseiller : les thèmes du réseau qu'il traite (vide : tous)."),
    )
    desk_place = models.CharField(
        _("bureau"), max_length=60, blank=True, help_text=_("Affiché à l'appel, par exemple « Bureau 3 ».")
    )
    language = models.CharField(
        _("langue"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("La langue des pages du personnel pour cette personne (vide : celle du navigateur)."),
    )

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")

    @cached_property
    def cite_ids(self) -> list[int]:
        return sorted(self.cites.through.objects.filter(user_id=self.pk).values_list("cite_id", flat=True))

    @property
    def is_network_wide(self) -> bool:
        """Sees every Cité: the coordinator, and an observer attached to no Cité."""
        if self.is_superuser or self.role == Role.COORDINATOR:
            return True
        return self.role == Role.OBSERVER and not self.cite_ids


class ApiToken(models.Model):
    """A device's token, bound to one user (so to their Cités and role). Only a hash is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("compte")
    )
    name = models.CharField(_("nom"), max_length=100, blank=True)
    prefix = models.CharField(_("préfixe"), max_length=12, unique=True)
    digest = models.CharField(_("empreinte"), max_length=64)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("dernier usage"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expire le"), null=True, blank=True, help_text=_("Vide : jusqu'à sa révocation.")
    )

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
