"""The network: member Cités, their sites and pôles, partner organisations and what they bring."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from .translations import Text, TranslatedField, pick
from .vocabularies import ContributionType, LabelStatus, PartnerKind, SiteKind, Theme

slug_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*\Z", _("Un identifiant ne contient que des minuscules, chiffres et tirets.")
)
LATITUDE = [MinValueValidator(-90), MaxValueValidator(90)]
LONGITUDE = [MinValueValidator(-180), MaxValueValidator(180)]


def validate_timezone(value: str) -> None:
    """An IANA time zone name that this system knows (``zoneinfo``)."""
    try:
        if not value or value != value.strip():
            raise ValueError
        zoneinfo.ZoneInfo(value)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise ValidationError(
            _("Fuseau horaire inconnu : %(value)s (un nom IANA, comme Europe/Paris)."),
            params={"value": value[:64]},
        ) from None


def choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """A database constraint that keeps a column inside its vocabulary."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class Cite(models.Model):
    """A member Cité des métiers: the tenant of every piece of activity data."""

    slug = models.CharField(_("identifiant"), max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(_("nom"), max_length=200)
    country = CountryField(_("pays"))
    region = models.CharField(_("région"), max_length=100, blank=True)
    city = models.CharField(_("ville"), max_length=100)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LATITUDE)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LONGITUDE)
    languages = models.JSONField(_("langues"), default=list, blank=True, help_text=_("Codes ISO 639-1."))
    status = models.CharField(_("label"), max_length=20, choices=LabelStatus.choices)
    member_since = models.DateField(_("membre depuis"), null=True, blank=True)
    labelled_on = models.DateField(_("labellisée le"), null=True, blank=True)
    opened_on = models.DateField(_("ouverte au public le"), null=True, blank=True)
    inaugurated_on = models.DateField(_("inaugurée le"), null=True, blank=True)
    # Where the Cité's sessions happen in time: shown and entered in this zone (the programme).
    timezone = models.CharField(
        _("fuseau horaire"),
        max_length=64,
        default="Europe/Paris",
        validators=[validate_timezone],
        help_text=_("Nom IANA, par exemple Europe/Paris, Indian/Reunion, America/Martinique."),
    )

    class Meta:
        verbose_name = _("Cité des métiers")
        verbose_name_plural = _("Cités des métiers")
        ordering = ["name"]
        constraints = [choices_check("status", LabelStatus, "cite_status_valid")]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The Cité's time zone (the server's if the stored name is unknown here)."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class Site(models.Model):
    """Where a Cité delivers its offer: main site, associated centre, relay point, bus, ephemeral action."""

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="sites", verbose_name=_("Cité"))
    slug = models.CharField(_("identifiant"), max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=SiteKind.choices)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True, validators=LATITUDE)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, validators=LONGITUDE)
    opened_on = models.DateField(_("ouvert le"), null=True, blank=True)
    closed_on = models.DateField(_("fermé le"), null=True, blank=True)
    target_public = models.CharField(
        _("public visé"),
        max_length=200,
        blank=True,
        help_text=_("Pour une action éphémère : prison, écoles…"),
    )
    public_description = TranslatedField(
        _("description publique"),
        blank=True,
        textarea=True,
        max_length=2000,
        help_text=_("Ce que le public lit sur la page de la Cité, dans chaque langue où la Cité l'écrit."),
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["cite__name", "kind", "name"]
        constraints = [
            choices_check("kind", SiteKind, "site_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(opened_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="site_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def description(self, language: str | None = None) -> Text:
        """The public description in ``language``, else in the Cité's languages, French, any."""
        return pick(self.public_description, language, self.cite.languages if self.cite_id else ())

    def clean(self):
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": _("La fermeture précède l'ouverture.")})


class SiteStop(models.Model):
    """One stop of a mobile unit's weekly timetable."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, _("lundi")
        TUESDAY = 2, _("mardi")
        WEDNESDAY = 3, _("mercredi")
        THURSDAY = 4, _("jeudi")
        FRIDAY = 5, _("vendredi")
        SATURDAY = 6, _("samedi")
        SUNDAY = 7, _("dimanche")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="stops", verbose_name=_("site"))
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday.choices)
    place = models.CharField(_("lieu"), max_length=200)
    starts_at = models.TimeField(_("de"))
    ends_at = models.TimeField(_("à"))

    objects = ScopedManager(cite="site__cite")

    class Meta:
        verbose_name = _("arrêt")
        verbose_name_plural = _("arrêts")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="stop_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.place}"


class Pole(models.Model):
    """A Cité's own theme ("pôle"), labelled in its languages, mapped onto one standard theme."""

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="poles", verbose_name=_("Cité"))
    code = models.CharField(_("code"), max_length=64, validators=[slug_validator])
    theme = models.CharField(_("thème du réseau"), max_length=20, choices=Theme.choices)
    labels = TranslatedField(
        _("libellés"), max_length=200, help_text=_("Un libellé par langue où la Cité le donne ; au moins un.")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("pôle")
        verbose_name_plural = _("pôles")
        ordering = ["cite", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cite", "code"], name="pole_code_unique_per_cite"),
            choices_check("theme", Theme, "pole_theme_valid"),
        ]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        return str(self.label_text(language)) or self.code

    def label_text(self, language: str | None = None) -> Text:
        """The label in ``language``, else in the Cité's own languages, then French, then any."""
        language = (language or get_language() or "fr")[:2]
        if self.labels.get(language):
            return Text(self.labels[language], language)  # the usual case: no need to read the Cité
        return pick(self.labels, language, self.cite.languages if self.cite_id else ())

    def clean(self):
        if not isinstance(self.labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in self.labels.items()
        ):
            raise ValidationError({"labels": _("Un objet langue → libellé non vide est attendu.")})


class Partner(models.Model):
    """A partner organisation. Shared by the network: one organisation may work with several Cités."""

    slug = models.CharField(_("identifiant"), max_length=64, unique=True, validators=[slug_validator])
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=40, choices=PartnerKind.choices)
    country = CountryField(_("pays"), blank=True)

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["name"]
        constraints = [choices_check("kind", PartnerKind, "partner_kind_valid")]

    def __str__(self) -> str:
        return self.name


class Partnership(models.Model):
    cite = models.ForeignKey(
        Cite, on_delete=models.CASCADE, related_name="partnerships", verbose_name=_("Cité")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="partnerships", verbose_name=_("partenaire")
    )
    since = models.DateField(_("depuis"), null=True, blank=True)
    until = models.DateField(_("jusqu'au"), null=True, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("partenariat")
        verbose_name_plural = _("partenariats")
        ordering = ["cite", "partner__name"]
        constraints = [models.UniqueConstraint(fields=["cite", "partner"], name="partnership_unique")]

    def __str__(self) -> str:
        return f"{self.cite} — {self.partner}"

    def clean(self):
        if self.since and self.until and self.until < self.since:
            raise ValidationError({"until": _("La fin précède le début.")})


class Contribution(models.Model):
    """What a partner brings to a Cité in a year: staff, money, expertise or material."""

    cite = models.ForeignKey(
        Cite, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("Cité")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("partenaire")
    )
    year = models.PositiveSmallIntegerField(
        _("année"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    type = models.CharField(_("type"), max_length=20, choices=ContributionType.choices)
    amount = models.DecimalField(_("montant"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(
        _("unité"), max_length=20, blank=True, help_text=_("Par exemple fte, hours, EUR, CHF.")
    )
    description = models.CharField(_("description"), max_length=500, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-year", "cite", "partner__name"]
        constraints = [choices_check("type", ContributionType, "contribution_type_valid")]

    def __str__(self) -> str:
        return f"{self.partner} → {self.cite} ({self.year}, {self.get_type_display()})"

    def clean(self):
        if self.cite_id and self.partner_id:
            if (
                not Partnership.objects.with_scopes_disabled()
                .filter(cite_id=self.cite_id, partner_id=self.partner_id)
                .exists()
            ):
                raise ValidationError({"partner": _("Ce partenaire n'a pas de partenariat avec cette Cité.")})


class Network(models.Model):
    """The network itself (one row): its name, and whether its activity data is fictitious demo data."""

    name = models.CharField(_("nom"), max_length=200, default="Réseau international des Cités des métiers")
    demo = models.BooleanField(
        _("données de démonstration"),
        default=False,
        help_text=_("Les chiffres affichés sont fictifs : chaque page qui les montre le dit."),
    )

    class Meta:
        verbose_name = _("réseau")
        verbose_name_plural = _("réseau")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Network":
        return cls.objects.first() or cls()
