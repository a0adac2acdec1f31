"""A Cité's programme: workshops and events planned, their sessions, registrations and attendance.

An ``Event`` is what a Cité plans once (a workshop, a forum…), possibly as a recurring series (an
iCalendar RRULE with exceptions); each occurrence is a ``Session``. Registrations are the only
personal data here (a first name or pseudonym and an e-mail), kept until the session's retention
runs out (``programme_purge``). Attendance is a count, optionally a tally by age band, gender and
status: a session with attendance is exactly one ``activity.Activity`` row, the counting standard's.
"""

import os
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.templatetags.tz import do_timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from cdm.activity.models import Activity
from cdm.network.models import Cite, Partner, Pole, Site, choices_check
from cdm.network.vocabularies import ActivityKind, ActivityRole, Theme

from .texts import pick

MAX_PICTURE_BYTES = 2 * 1024 * 1024
PICTURE_TYPES = ["jpg", "jpeg", "png", "webp"]


class Format(models.TextChoices):
    """What a Cité plans: the standard's three workshop formats, and the events it names."""

    INFORMATION_SESSION = "information_session", _("Information collective")
    PARTICIPATORY_WORKSHOP = "participatory_workshop", _("Atelier participatif")
    PEER_GROUP = "peer_group", _("Groupe d'échange entre pairs")
    FORUM = "forum", _("Forum")
    JOB_DATING = "job_dating", _("Job dating")
    CONFERENCE = "conference", _("Conférence")
    OPEN_DAY = "open_day", _("Journée portes ouvertes")
    FAIR = "fair", _("Salon")
    VISIT = "visit", _("Visite")
    OTHER = "other", _("Autre événement")


# Each format counts as one of the standard's activity kinds (activity-data-package.md).
FORMAT_KIND = {
    Format.INFORMATION_SESSION: ActivityKind.INFORMATION_SESSION,
    Format.PARTICIPATORY_WORKSHOP: ActivityKind.PARTICIPATORY_WORKSHOP,
    Format.PEER_GROUP: ActivityKind.PEER_GROUP,
    Format.FORUM: ActivityKind.FORUM,
    Format.JOB_DATING: ActivityKind.FORUM,
    Format.FAIR: ActivityKind.FORUM,
    Format.CONFERENCE: ActivityKind.CONFERENCE,
    Format.OPEN_DAY: ActivityKind.OTHER_EVENT,
    Format.VISIT: ActivityKind.OTHER_EVENT,
    Format.OTHER: ActivityKind.OTHER_EVENT,
}


class Role(models.TextChoices):
    ORGANIZED = "organized", _("Organisé")
    CO_ORGANIZED = "co_organized", _("Co-organisé")
    PARTICIPATED = "participated", _("Participation")


# Co-organised counts as organised in the standard (its partners are the co-organisers).
ROLE_ACTIVITY = {
    Role.ORGANIZED: ActivityRole.ORGANIZED,
    Role.CO_ORGANIZED: ActivityRole.ORGANIZED,
    Role.PARTICIPATED: ActivityRole.PARTICIPATED,
}


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Prévue")
    CANCELLED = "cancelled", _("Annulée")


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Inscrit")
    WAITING = "waiting", _("Liste d'attente")
    CANCELLED = "cancelled", _("Annulée")


class PictureStorage(FileSystemStorage):
    """Pictures live beside the database (``CDM_VAR_DIR``/programme), served by the programme's own view.

    The folder is read from the settings at each use, not once at start-up.
    """

    @property
    def base_location(self):
        return str(settings.VAR_DIR / "programme")

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def picture_storage():
    return PictureStorage()


def validate_picture_size(value) -> None:
    if value.size > MAX_PICTURE_BYTES:
        raise ValidationError(_("L'image dépasse 2 Mo."))


def _picture_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"pictures/{uuid.uuid4().hex}.{ext}"


class Event(models.Model):
    """A workshop or an event a Cité plans: once, or as a recurring series."""

    uid = models.UUIDField(_("identifiant"), default=uuid.uuid4, unique=True, editable=False)
    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="events", verbose_name=_("Cité"))
    format = models.CharField(_("format"), max_length=30, choices=Format.choices)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.ORGANIZED)
    # {"fr": "…", "nl": "…"}: one text per language the Cité writes in (see texts.pick).
    title = models.JSONField(_("titre"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    pole = models.ForeignKey(
        Pole, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("pôle")
    )
    target_public = models.CharField(_("public visé"), max_length=200, blank=True)
    # The first session's start, and every session's length; the series' rule, if any.
    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveIntegerField(_("durée (minutes)"), validators=[MinValueValidator(1)])
    rrule = models.CharField(
        _("règle de récurrence"),
        max_length=300,
        blank=True,
        help_text=_("iCalendar RRULE ; vide = une seule séance."),
    )
    exdates = models.JSONField(_("exceptions"), default=list, blank=True, help_text=_("Dates sans séance."))
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    venue_name = models.CharField(_("lieu extérieur"), max_length=200, blank=True)
    venue_address = models.CharField(_("adresse"), max_length=300, blank=True)
    online_url = models.URLField(_("lien en ligne"), blank=True)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="+", verbose_name=_("co-organisateurs")
    )
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("Vide : sans limite, sans inscription.")
    )
    language = models.CharField(_("langue"), max_length=8, default="fr")
    accessibility = models.CharField(_("accessibilité"), max_length=500, blank=True)
    picture = models.ImageField(
        _("image"),
        upload_to=_picture_path,
        storage=picture_storage,
        blank=True,
        validators=[FileExtensionValidator(PICTURE_TYPES), validate_picture_size],
    )
    featured = models.BooleanField(_("à la une"), default=False)
    published = models.BooleanField(_("publié"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("action programmée")
        verbose_name_plural = _("actions programmées")
        ordering = ["starts_at"]
        constraints = [
            choices_check("format", Format, "programme_event_format_valid"),
            choices_check("role", Role, "programme_event_role_valid"),
            choices_check("theme", Theme, "programme_event_theme_valid"),
        ]

    def __str__(self) -> str:
        return self.title_text().text

    def title_text(self, language: str | None = None):
        return pick(self.title, language, self.cite.languages if self.cite_id else ())

    def description_text(self, language: str | None = None):
        return pick(self.description, language, self.cite.languages if self.cite_id else ())

    @property
    def kind(self) -> str:
        return FORMAT_KIND[self.format]

    def clean(self):
        if not isinstance(self.title, dict) or not any(
            isinstance(v, str) and v.strip() for v in self.title.values()
        ):
            raise ValidationError({"title": _("Un titre est obligatoire.")})
        if self.site_id and self.cite_id and self.site.cite_id != self.cite_id:
            raise ValidationError({"site": _("Ce site n'appartient pas à cette Cité.")})
        if self.pole_id and self.cite_id and self.pole.cite_id != self.cite_id:
            raise ValidationError({"pole": _("Ce pôle n'appartient pas à cette Cité.")})


class Session(models.Model):
    """One occurrence of an event: its time, its seats, its fate (scheduled or cancelled)."""

    uid = models.UUIDField(_("identifiant"), default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("action")
    )
    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="+", verbose_name=_("Cité"))
    # The occurrence the series' rule gives (iCalendar RECURRENCE-ID); the session may be moved.
    occurrence = models.DateTimeField(_("occurrence"))
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    status = models.CharField(
        _("statut"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # Changed on its own: the series' later changes leave it as it is.
    detached = models.BooleanField(_("modifiée seule"), default=False)
    site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("site")
    )
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    # Kept by the registrations' conditional UPDATE: never above the capacity.
    seats_taken = models.PositiveIntegerField(_("places prises"), default=0)
    activity = models.OneToOneField(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programme_session",
        verbose_name=_("activité comptée"),
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at", "cite"], name="programme_session_start")]
        constraints = [
            models.UniqueConstraint(fields=["event", "occurrence"], name="programme_session_once"),
            choices_check("status", SessionStatus, "programme_session_status_valid"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="programme_session_ends_after"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(seats_taken__lte=models.F("capacity")),
                name="programme_session_seats_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def tz(self):
        """The Cité's time zone: the session is shown and entered in it."""
        return self.event.cite.tz

    @property
    def local_starts_at(self):
        """The start in the Cité's time zone; templates show it as it is (not in the reader's zone)."""
        return do_timezone(self.starts_at, self.tz)

    @property
    def local_ends_at(self):
        return do_timezone(self.ends_at, self.tz)

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.seats_taken)


def _token() -> str:
    return secrets.token_urlsafe(24)


class Registration(models.Model):
    """A seat asked for a session: the fewest personal fields, purged after the session."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("séance")
    )
    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="+", verbose_name=_("Cité"))
    name = models.CharField(_("prénom ou pseudonyme"), max_length=80)
    email = models.EmailField(_("courriel"))
    status = models.CharField(_("statut"), max_length=20, choices=RegistrationStatus.choices)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    # The language of the page the person registered on: their e-mails are written in it.
    language = models.CharField(_("langue"), max_length=8, blank=True)
    created_at = models.DateTimeField(_("inscrit le"), auto_now_add=True)
    # The reminder the day before is sent once (``cdm programme_reminders``).
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["created_at", "pk"]
        constraints = [choices_check("status", RegistrationStatus, "programme_registration_status_valid")]

    def __str__(self) -> str:
        return f"{self.session} — {self.get_status_display()}"


class Attendance(models.Model):
    """Who came to a session, as counts only: a total, or a tally by age band, gender and status."""

    session = models.OneToOneField(
        Session, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("séance")
    )
    cite = models.ForeignKey(Cite, on_delete=models.CASCADE, related_name="+", verbose_name=_("Cité"))
    participants = models.PositiveIntegerField(_("participants"))
    # {"age_band": {"18_25": 3, "not_stated": 2}, "gender": {...}, "status": {...}}; empty = a count only.
    tally = models.JSONField(_("répartition"), default=dict, blank=True)
    # The idempotency keys of the entries applied (a phone's outbox may send one twice): the latest few.
    entries = models.JSONField(_("saisies reçues"), default=list, blank=True)
    recorded_at = models.DateTimeField(_("saisi le"), auto_now=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")

    def __str__(self) -> str:
        return f"{self.session}: {self.participants}"
