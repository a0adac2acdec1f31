"""Anonymous activity, exactly as the network's counting standard defines it.

A visit is one person welcomed, on site or at a distance. No field here can identify
a person: no name, no contact, no birth date, no free text about the visitor.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from cdm.network.models import Cite, Partner, Pole, Site, choices_check
from cdm.network.vocabularies import (
    ActivityKind,
    ActivityRole,
    AgeBand,
    Channel,
    Gender,
    Outcome,
    Status,
    Theme,
)

YEAR = [MinValueValidator(1990), MaxValueValidator(2100)]


def validate_uid(value) -> None:
    """A visit's identifier is a UUID, written canonically: nothing about a person fits in it."""
    try:
        canonical = str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        canonical = None
    if canonical != str(value).lower():
        raise ValidationError(_("un UUID est attendu (8-4-4-4-12 chiffres hexadécimaux)"), code="uid")


def visit_date_bounds(cite, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The dates a visit of ``cite`` may carry: from the Cité's opening to today.

    The opening is the first known of: opened to the public, joined the network, labelled; a
    Cité with none of them accepts visits from the 1st of January of the previous year.
    """
    from django.utils import timezone

    today = today or timezone.localdate()
    start = cite.opened_on or cite.member_since or cite.labelled_on or datetime.date(today.year - 1, 1, 1)
    return start, today


def validate_visit_date(cite, day: datetime.date, today: datetime.date | None = None) -> None:
    start, end = visit_date_bounds(cite, today)
    if day > end:
        raise ValidationError({"date": _("une visite ne peut pas être dans le futur")})
    if day < start:
        raise ValidationError(
            {"date": _("une visite ne peut pas précéder l'ouverture de la Cité (%(d)s)") % {"d": start}}
        )


def _related(obj, name: str, model):
    """The related object already attached to ``obj`` (no query), or fetched by its id."""
    if type(obj)._meta.get_field(name).is_cached(obj):
        return getattr(obj, name)
    return model._base_manager.get(pk=getattr(obj, f"{name}_id"))


def site_belongs_to_cite(obj) -> None:
    if obj.site_id and obj.cite_id and _related(obj, "site", Site).cite_id != obj.cite_id:
        raise ValidationError({"site": _("Ce site n'appartient pas à cette Cité.")})


class Visit(models.Model):
    # Unique by a constraint (below), not ``unique=True``: PostgreSQL would add a LIKE index to it.
    uid = models.CharField(
        _("identifiant"), max_length=36, default=uuid.uuid4, editable=False, validators=[validate_uid]
    )
    # No index of its own: ``visit_figures`` begins with the Cité.
    cite = models.ForeignKey(
        Cite, on_delete=models.PROTECT, related_name="visits", verbose_name=_("Cité"), db_index=False
    )
    # The visit table is the desk's hot write path: every index is one more page written per visit.
    # Site, pôle and author are never searched by; only deleting one of them scans the visits.
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("site"),
        db_index=False,
    )
    date = models.DateField(_("date"))
    time = models.TimeField(_("heure"), null=True, blank=True)
    channel = models.CharField(_("canal"), max_length=20, choices=Channel.choices, default=Channel.IN_PERSON)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    pole = models.ForeignKey(
        Pole,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("pôle"),
        db_index=False,
    )
    outcome = models.CharField(_("suite donnée"), max_length=20, choices=Outcome.choices)
    age_band = models.CharField(_("âge"), max_length=20, choices=AgeBand.choices, default=AgeBand.NOT_STATED)
    gender = models.CharField(_("genre"), max_length=20, choices=Gender.choices, default=Gender.NOT_STATED)
    status = models.CharField(
        _("situation"), max_length=20, choices=Status.choices, default=Status.NOT_STATED
    )
    first_visit = models.BooleanField(_("première visite"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("saisi par"),
        db_index=False,
    )
    recorded_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("visite")
        verbose_name_plural = _("visites")
        ordering = ["-date", "-time", "-id"]
        indexes = [
            models.Index(fields=["date", "cite"], name="visit_date_cite"),
            # The figures count visits by (Cité, outcome, channel) over a date range.
            models.Index(fields=["cite", "outcome", "channel", "date"], name="visit_figures"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["uid"], name="visit_uid_unique"),
            choices_check("channel", Channel, "visit_channel_valid"),
            choices_check("theme", Theme, "visit_theme_valid"),
            choices_check("outcome", Outcome, "visit_outcome_valid"),
            choices_check("age_band", AgeBand, "visit_age_band_valid"),
            choices_check("gender", Gender, "visit_gender_valid"),
            choices_check("status", Status, "visit_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_theme_display()} — {self.get_outcome_display()}"

    def clean(self):
        site_belongs_to_cite(self)
        if self.cite_id and self.date:
            validate_visit_date(_related(self, "cite", Cite), self.date)
        if self.pole_id and self.cite_id:
            pole = _related(self, "pole", Pole)
            if pole.cite_id != self.cite_id:
                raise ValidationError({"pole": _("Ce pôle n'appartient pas à cette Cité.")})
            if pole.theme != self.theme:
                raise ValidationError({"theme": _("Le thème doit être celui du pôle.")})


class Interview(models.Model):
    """The details of a visit whose outcome is an interview with a partner's counsellor."""

    visit = models.OneToOneField(
        Visit, on_delete=models.CASCADE, primary_key=True, related_name="interview", verbose_name=_("visite")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interviews",
        verbose_name=_("partenaire"),
    )
    duration_minutes = models.PositiveIntegerField(
        _("durée (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    waited_minutes = models.PositiveIntegerField(
        _("attente (minutes)"),
        null=True,
        blank=True,
        help_text=_("De l'arrivée à l'appel par le conseiller."),
    )

    objects = ScopedManager(cite="visit__cite")

    class Meta:
        verbose_name = _("entretien")
        verbose_name_plural = _("entretiens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__isnull=True) | models.Q(duration_minutes__gt=0),
                name="interview_duration_positive",
            )
        ]

    def __str__(self) -> str:
        return str(self.visit)

    def clean(self):
        if (
            self.visit_id
            and Visit.objects.with_scopes_disabled().get(pk=self.visit_id).outcome != Outcome.INTERVIEW
        ):
            raise ValidationError({"visit": _("Seule une visite orientée vers un entretien a un entretien.")})


class Activity(models.Model):
    """A collective activity: a workshop (three kinds) or an event (three kinds)."""

    uid = models.CharField(_("identifiant"), max_length=64, unique=True, default=uuid.uuid4, editable=False)
    cite = models.ForeignKey(
        Cite, on_delete=models.PROTECT, related_name="activities", verbose_name=_("Cité")
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("site"),
    )
    kind = models.CharField(_("type"), max_length=30, choices=ActivityKind.choices)
    role = models.CharField(
        _("rôle"), max_length=20, choices=ActivityRole.choices, default=ActivityRole.ORGANIZED
    )
    title = models.CharField(_("titre"), max_length=200)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices, blank=True)
    date = models.DateField(_("date"))
    duration_minutes = models.PositiveIntegerField(
        _("durée (minutes)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="activities", verbose_name=_("co-organisateurs")
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("activité collective")
        verbose_name_plural = _("activités collectives")
        ordering = ["-date", "title"]
        indexes = [models.Index(fields=["date", "cite"], name="activity_date_cite")]
        constraints = [
            choices_check("kind", ActivityKind, "activity_kind_valid"),
            choices_check("role", ActivityRole, "activity_role_valid"),
            models.CheckConstraint(
                condition=models.Q(theme="") | models.Q(theme__in=Theme.values), name="activity_theme_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(participants__gte=0), name="activity_participants_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__isnull=True) | models.Q(duration_minutes__gt=0),
                name="activity_duration_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    def clean(self):
        site_belongs_to_cite(self)


class Equipment(models.Model):
    """A Cité's self-service resources at the end of a year."""

    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="equipment", verbose_name=_("Cité"))
    year = models.PositiveSmallIntegerField(_("année"), validators=YEAR)
    paper_references = models.PositiveIntegerField(_("références papier"), null=True, blank=True)
    paper_copies = models.PositiveIntegerField(_("exemplaires papier"), null=True, blank=True)
    computer_stations = models.PositiveIntegerField(_("postes informatiques"), null=True, blank=True)
    tablets = models.PositiveIntegerField(_("tablettes"), null=True, blank=True)
    vr_headsets = models.PositiveIntegerField(_("casques de réalité virtuelle"), null=True, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("équipement")
        verbose_name_plural = _("équipements")
        ordering = ["-year", "cite"]
        constraints = [models.UniqueConstraint(fields=["cite", "year"], name="equipment_unique_per_year")]

    def __str__(self) -> str:
        return f"{self.cite} {self.year}"
