"""The walk-in queue: no appointment, an anonymous ticket, a partner's counsellor calls it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from cdm.network.models import choices_check
from cdm.network.vocabularies import Theme

THEME_LETTER = {
    Theme.ORIENTATION: "O",
    Theme.TRAINING: "T",
    Theme.JOB: "J",
    Theme.CAREER_CHANGE: "C",
    Theme.BUSINESS: "B",
    Theme.INTERNATIONAL: "I",
    Theme.OTHER: "X",
}


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    CALLED = "called", _("Appelé")
    CLOSED = "closed", _("Entretien terminé")
    LEFT = "left", _("Parti sans attendre")


class QueueTicket(models.Model):
    """A visitor waiting for an interview, known only by a short ticket such as "J-12"."""

    cite = models.ForeignKey(
        "network.Cite", on_delete=models.CASCADE, related_name="+", verbose_name=_("Cité")
    )
    visit = models.OneToOneField(
        "activity.Visit", on_delete=models.CASCADE, related_name="ticket", verbose_name=_("visite")
    )
    day = models.DateField(_("jour"))
    number = models.PositiveIntegerField(_("numéro"))
    code = models.CharField(_("ticket"), max_length=12)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    arrived_at = models.DateTimeField(_("arrivé à"))
    called_at = models.DateTimeField(_("appelé à"), null=True, blank=True)
    closed_at = models.DateTimeField(_("terminé à"), null=True, blank=True)
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conseiller"),
    )
    reserved_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réservé à"),
        help_text=_("Après un transfert vers un conseiller : lui seul l'appelle."),
    )
    place = models.CharField(_("lieu de l'entretien"), max_length=60, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("file d'attente")
        ordering = ["arrived_at", "number"]
        constraints = [
            models.UniqueConstraint(fields=["cite", "day", "number"], name="ticket_number_unique_per_day"),
            choices_check("status", TicketStatus, "ticket_status_valid"),
            choices_check("theme", Theme, "ticket_theme_valid"),
        ]
        indexes = [models.Index(fields=["cite", "status", "day"], name="ticket_queue")]

    def __str__(self) -> str:
        return self.code
