"""The audit log: every back-office write, who made it, when, on what, and what changed."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Création")
        CHANGE = "change", _("Modification")
        DELETE = "delete", _("Suppression")
        IMPORT = "import", _("Import")

    at = models.DateTimeField(_("le"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("par")
    )
    username = models.CharField(_("identifiant"), max_length=150, blank=True)
    cite = models.ForeignKey(
        "network.Cite",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Cité"),
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("type d'objet"))
    object_id = models.CharField(_("objet"), max_length=64)
    object_repr = models.CharField(_("description"), max_length=200)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changes = models.JSONField(_("changements"), default=dict, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des modifications")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.username or '—'} {self.get_action_display()} {self.object_repr}"
        )
