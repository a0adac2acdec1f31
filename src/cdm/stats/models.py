from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The network's own language: its texts are written in French first.
FALLBACK = "fr"


class ReportNarrative(models.Model):
    """The network's own words in the annual report, per year and per language."""

    year = models.PositiveSmallIntegerField(_("année"))
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES)
    editorial = models.TextField(_("éditorial"), blank=True)
    highlights = models.TextField(_("faits marquants de l'année"), blank=True)
    signed_by = models.CharField(_("signé par"), max_length=200, blank=True)
    # Each part of the report opens with a short text: the network's own words when written here,
    # else a sentence drawn from the figures (``report._intros``).
    intro_network = models.TextField(
        _("ouverture : le réseau"), blank=True, help_text=_("Vide : une phrase tirée des chiffres.")
    )
    intro_beneficiaries = models.TextField(
        _("ouverture : les bénéficiaires"), blank=True, help_text=_("Vide : une phrase tirée des chiffres.")
    )
    intro_profiles = models.TextField(
        _("ouverture : le profil des visiteurs"),
        blank=True,
        help_text=_("Vide : une phrase tirée des chiffres."),
    )
    intro_offer = models.TextField(
        _("ouverture : l'offre de service"), blank=True, help_text=_("Vide : une phrase tirée des chiffres.")
    )
    intro_partners = models.TextField(
        _("ouverture : les partenaires"), blank=True, help_text=_("Vide : une phrase tirée des chiffres.")
    )

    INTRO_PARTS = ("network", "beneficiaries", "profiles", "offer", "partners")

    class Meta:
        verbose_name = _("texte du rapport annuel")
        verbose_name_plural = _("textes du rapport annuel")
        ordering = ["-year", "language"]
        constraints = [models.UniqueConstraint(fields=["year", "language"], name="narrative_unique")]

    def __str__(self) -> str:
        return f"{self.year} ({self.language})"

    @classmethod
    def for_language(cls, year: int, language: str) -> "ReportNarrative | None":
        """The year's text in ``language``, or else the French one (the page then says so)."""
        found = {n.language: n for n in cls.objects.filter(year=year, language__in=[language, FALLBACK])}
        return found.get(language) or found.get(FALLBACK)


class MonthRevision(models.Model):
    """A number per calendar month, changed whenever a visit of that month is corrected or deleted,
    or an interview of that month is written (``cdm.stats.months``); ``month`` 1900-01 stands for
    every month (an import). The report's monthly breakdowns are cached under it."""

    month = models.DateField(_("mois"), unique=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("révision d'un mois")
        verbose_name_plural = _("révisions des mois")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
