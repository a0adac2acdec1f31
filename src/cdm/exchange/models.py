"""An upload's import, run as a background job (``cdm.exchange.tasks``): who started it, where it
stands, and its result. The job's id is a random UUID: it is the job page's address."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Terminé")
        FAILED = "failed", _("Échoué")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("par")
    )
    name = models.CharField(_("fichier"), max_length=200)
    dry_run = models.BooleanField(_("vérification seulement"), default=False)
    language = models.CharField(_("langue"), max_length=10, default="fr")
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # The import's result: {"ok", "written", "problem_count", "problems": [{file, row, field, reason}], "rows"}.
    result = models.JSONField(_("résultat"), null=True, blank=True)

    class Meta:
        verbose_name = _("import en arrière-plan")
        verbose_name_plural = _("imports en arrière-plan")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
