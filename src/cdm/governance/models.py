"""The network's own life: its bodies and meetings, its members' milestones, its representation,
its projects and its contacts.

Everything here is the network's (the coordination writes it) except a Cité's milestones and public
contacts, which belong to that Cité (``ScopedManager``). Names of officers and of the coordination's
team are personal data: purpose and retention in ``docs/personal-data.md``.
"""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from django_scopes import ScopedManager

from .files import private_storage, upload_to, validate_paper


def choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


def _ends_after(start: str, end: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{end}__isnull": True}) | models.Q(**{f"{end}__gte": models.F(start)}),
        name=name,
    )


class Record(models.Model):
    """What every record of the network's life carries: whether it is demo content."""

    demo = models.BooleanField(
        _("contenu de démonstration"), default=False, help_text=_("Créé par « cdm demo » : fictif.")
    )

    class Meta:
        abstract = True


def new_uid() -> str:
    return str(uuid.uuid4())


def uid_field():
    """The record's id in the data package (``cdm.exchange``): kept across databases, so that
    importing a corrected package updates the record instead of adding a second one."""
    return models.CharField(_("identifiant"), max_length=64, unique=True, default=new_uid, editable=False)


def paper_field(verbose_name):
    return models.FileField(
        verbose_name,
        upload_to=upload_to,
        storage=private_storage,
        blank=True,
        max_length=200,
        validators=[validate_paper],
        help_text=_("PDF, ODT ou DOCX, 20 Mo au plus. Lu seulement par qui peut lire la fiche."),
    )


# -- governance -----------------------------------------------------------------------------------
class BodyKind(models.TextChoices):
    EXECUTIVE_COMMITTEE = "executive_committee", _("Comité Exécutif")
    MANAGERS_ASSEMBLY = "managers_assembly", _("Assemblée Permanente des Managers")
    GENERAL_ASSEMBLY = "general_assembly", _("Assemblée Générale")
    OTHER = "other", _("Autre instance")


class Body(Record):
    """A body of the association: the Executive Committee, the APM, the General Assembly, others."""

    kind = models.CharField(_("type"), max_length=30, choices=BodyKind.choices)
    name = models.CharField(
        _("nom"), max_length=200, blank=True, help_text=_("Vide : le nom du type (« Comité Exécutif »…).")
    )
    role = models.TextField(_("rôle"), blank=True, help_text=_("Ce que fait cette instance, en une phrase."))
    open_to_managers = models.BooleanField(
        _("papiers lus par les managers"),
        default=False,
        help_text=_("Les responsables de toutes les Cités lisent ses réunions et documents."),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("instance")
        verbose_name_plural = _("instances")
        ordering = ["position", "pk"]
        constraints = [choices_check("kind", BodyKind, "body_kind_valid")]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    @property
    def coordination_only(self) -> bool:
        """Read by the coordination alone (the one rule asks this: ``permissions.may``)."""
        return not self.open_to_managers


class Office(models.TextChoices):
    PRESIDENT = "president", _("Président·e")
    SECRETARY_GENERAL = "secretary_general", _("Secrétaire général·e")
    TREASURER = "treasurer", _("Trésorier·ère")
    VICE_PRESIDENT = "vice_president", _("Vice-président·e")
    MEMBER = "member", _("Membre")


class Mandate(Record):
    """A person's office in a body, from a date to a date. The person's name is personal data."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="mandates", verbose_name=_("instance")
    )
    person = models.CharField(
        _("personne"), max_length=200, help_text=_("Prénom et nom, tels que publiés dans le rapport.")
    )
    office = models.CharField(_("fonction"), max_length=30, choices=Office.choices)
    delegation = models.CharField(
        _("délégation"),
        max_length=200,
        blank=True,
        help_text=_("Par exemple « déléguée à la professionnalisation »."),
    )
    from_cite = models.ForeignKey(
        "network.Cite",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Cité d'origine"),
    )
    started_on = models.DateField(_("du"))
    ended_on = models.DateField(_("au"), null=True, blank=True, help_text=_("Vide : en cours."))

    class Meta:
        verbose_name = _("mandat")
        verbose_name_plural = _("mandats")
        ordering = ["body__position", "office", "started_on"]
        constraints = [
            choices_check("office", Office, "mandate_office_valid"),
            _ends_after("started_on", "ended_on", "mandate_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.person}, {self.office_label}"

    @property
    def office_label(self) -> str:
        label = str(self.get_office_display())
        return f"{label} {self.delegation}" if self.delegation else label

    def clean(self):
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": _("La fin précède le début.")})

    def active_in(self, year: int) -> bool:
        return self.started_on <= datetime.date(year, 12, 31) and (
            self.ended_on is None or self.ended_on >= datetime.date(year, 1, 1)
        )


class Meeting(Record):
    """A meeting of a body: when, where, what was on the agenda, who came, the minutes, the decisions."""

    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("instance")
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    online = models.BooleanField(_("en ligne"), default=False)
    agenda = models.TextField(_("ordre du jour"), blank=True, help_text=_("Un point par ligne."))
    attendees = models.ManyToManyField(
        Mandate, blank=True, related_name="meetings", verbose_name=_("membres présents")
    )
    participants = models.PositiveIntegerField(
        _("participants"), null=True, blank=True, help_text=_("Nombre de personnes présentes, si connu.")
    )
    minutes = paper_field(_("compte rendu"))

    class Meta:
        verbose_name = _("réunion")
        verbose_name_plural = _("réunions")
        ordering = ["-date", "pk"]

    def __str__(self) -> str:
        return f"{self.body} — {formats.date_format(self.date)}"

    @property
    def coordination_only(self) -> bool:
        return self.body.coordination_only

    @property
    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.agenda.splitlines() if line.strip()]


class Outcome(models.TextChoices):
    ADOPTED = "adopted", _("Adoptée")
    REJECTED = "rejected", _("Rejetée")
    NOTED = "noted", _("Prise d'acte")
    POSTPONED = "postponed", _("Reportée")


class Decision(models.Model):
    """A decision of a meeting, with its vote."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("réunion")
    )
    text = models.CharField(_("décision"), max_length=500)
    outcome = models.CharField(_("résultat"), max_length=20, choices=Outcome.choices, default=Outcome.ADOPTED)
    votes_for = models.PositiveIntegerField(_("pour"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("contre"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)

    class Meta:
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        ordering = ["meeting", "pk"]
        constraints = [choices_check("outcome", Outcome, "decision_outcome_valid")]

    def __str__(self) -> str:
        return self.text

    @property
    def coordination_only(self) -> bool:
        return self.meeting.coordination_only

    @property
    def vote(self) -> str:
        if self.votes_for is None and self.votes_against is None and self.abstentions is None:
            return ""
        return _("%(for)s pour, %(against)s contre, %(abst)s abstention(s)") % {
            "for": self.votes_for or 0,
            "against": self.votes_against or 0,
            "abst": self.abstentions or 0,
        }


class DocumentKind(models.TextChoices):
    MORAL_REPORT = "moral_report", _("Rapport moral et d'activité")
    ACCOUNTS = "accounts", _("Bilan financier")
    BUDGET = "budget", _("Budget")
    STRATEGIC_FRAMEWORK = "strategic_framework", _("Cadre stratégique")
    OTHER = "other", _("Autre document")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("En préparation")
    SUBMITTED = "submitted", _("Soumis au vote")
    ADOPTED = "adopted", _("Adopté")
    REJECTED = "rejected", _("Rejeté")


class AssemblyDocument(Record):
    """A paper a General Assembly votes: moral and activity report, accounts, budget, strategic framework."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="documents", verbose_name=_("réunion")
    )
    kind = models.CharField(_("type"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("titre"), max_length=200, blank=True)
    status = models.CharField(
        _("statut"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT
    )
    file = paper_field(_("fichier"))

    class Meta:
        verbose_name = _("document d'assemblée")
        verbose_name_plural = _("documents d'assemblée")
        ordering = ["meeting", "kind"]
        constraints = [
            choices_check("kind", DocumentKind, "document_kind_valid"),
            choices_check("status", DocumentStatus, "document_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title or str(self.get_kind_display())

    @property
    def coordination_only(self) -> bool:
        return self.meeting.coordination_only


# -- members' milestones --------------------------------------------------------------------------
class MilestoneKind(models.TextChoices):
    JOINED = "joined", _("Adhésion au réseau")
    LABEL_PROJECT = "label_project", _("Label projet obtenu")
    LABEL_OPERATING = "label_operating", _("Label fonctionnement obtenu")
    LABEL_RENEWED = "label_renewed", _("Label renouvelé")
    OPENED = "opened", _("Ouverture au public")
    INAUGURATED = "inaugurated", _("Inauguration")
    MOVED = "moved", _("Nouveaux locaux")
    CLOSED = "closed", _("Fermeture")
    SITE_STARTED = "site_started", _("Nouveau site")
    MOBILE_UNIT_STARTED = "mobile_unit_started", _("Démarrage d'un dispositif mobile")


LABELLING = (MilestoneKind.LABEL_PROJECT, MilestoneKind.LABEL_OPERATING, MilestoneKind.LABEL_RENEWED)


class Precision(models.TextChoices):
    DAY = "day", _("au jour près")
    MONTH = "month", _("au mois près")


class Milestone(Record):
    """A dated event in a member's life, shown on its public page and counted in the report."""

    uid = uid_field()
    cite = models.ForeignKey(
        "network.Cite", on_delete=models.CASCADE, related_name="milestones", verbose_name=_("Cité")
    )
    kind = models.CharField(_("type"), max_length=30, choices=MilestoneKind.choices)
    date = models.DateField(_("date"))
    precision = models.CharField(
        _("précision"), max_length=10, choices=Precision.choices, default=Precision.DAY
    )
    text = models.TextField(
        _("en mots"),
        blank=True,
        help_text=_("La phrase du rapport ; vide : une phrase écrite à partir du type et de la date."),
    )
    renewal_due_on = models.DateField(
        _("renouvellement du label dû le"),
        null=True,
        blank=True,
        help_text=_("Pour un label : sa prochaine échéance."),
    )
    public = models.BooleanField(
        _("public"), default=True, help_text=_("Affiché sur la page publique de la Cité.")
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("événement de la vie d'un membre")
        verbose_name_plural = _("événements de la vie des membres")
        ordering = ["-date", "pk"]
        constraints = [
            choices_check("kind", MilestoneKind, "milestone_kind_valid"),
            choices_check("precision", Precision, "milestone_precision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.cite} — {self.get_kind_display()} ({self.when})"

    @property
    def when(self) -> str:
        if self.precision == Precision.MONTH:
            return formats.date_format(self.date, "YEAR_MONTH_FORMAT")
        return formats.date_format(self.date)

    @property
    def sentence(self) -> str:
        """The report's sentence: the words written, or one made of the type and the date."""
        if self.text.strip():
            return self.text.strip()
        return _("%(cite)s : %(kind)s (%(when)s).") % {
            "cite": self.cite.name,
            "kind": str(self.get_kind_display()).lower(),
            "when": self.when,
        }


# -- representation -------------------------------------------------------------------------------
class EventRole(models.TextChoices):
    ATTENDED = "attended", _("Participation")
    CO_ORGANISED = "co_organised", _("Co-organisation")
    CONTRIBUTED = "contributed", _("Contribution")


class RepresentationEvent(Record):
    """An event where the network (and its members) showed the concept: stand, workshops, round tables."""

    uid = uid_field()
    title = models.CharField(_("titre"), max_length=200)
    role = models.CharField(_("rôle du réseau"), max_length=20, choices=EventRole.choices)
    organiser = models.CharField(_("organisé par"), max_length=200, blank=True)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    country = CountryField(_("pays"), blank=True)
    online = models.BooleanField(_("en ligne"), default=False)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"), null=True, blank=True)
    cites_present = models.ManyToManyField(
        "network.Cite", blank=True, related_name="+", verbose_name=_("Cités présentes")
    )
    stand = models.BooleanField(_("stand tenu par le réseau"), default=False)
    workshops = models.PositiveSmallIntegerField(_("ateliers proposés"), default=0)
    round_tables = models.PositiveSmallIntegerField(_("tables rondes animées"), default=0)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("lien"), blank=True)

    class Meta:
        verbose_name = _("événement de représentation")
        verbose_name_plural = _("événements de représentation")
        ordering = ["-starts_on", "pk"]
        constraints = [
            choices_check("role", EventRole, "event_role_valid"),
            _ends_after("starts_on", "ends_on", "event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title


class Delegation(Record):
    """A delegation received by the network (on site or online)."""

    uid = uid_field()
    date = models.DateField(_("du"))
    end_date = models.DateField(_("au"), null=True, blank=True)
    organisation = models.CharField(_("organisation"), max_length=300)
    country = CountryField(_("pays"), blank=True)
    online = models.BooleanField(_("en ligne"), default=False)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("délégation reçue")
        verbose_name_plural = _("délégations reçues")
        ordering = ["-date", "pk"]
        constraints = [_ends_after("date", "end_date", "delegation_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.organisation} ({formats.date_format(self.date)})"


class Intervention(Record):
    """A talk or a contribution of the network elsewhere: where, theme, audience."""

    uid = uid_field()
    date = models.DateField(_("date"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    country = CountryField(_("pays"), blank=True)
    online = models.BooleanField(_("en ligne"), default=False)
    theme = models.CharField(_("thème"), max_length=300)
    organiser = models.CharField(_("organisé par"), max_length=300, blank=True)
    audience = models.CharField(_("public"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["-date", "pk"]

    def __str__(self) -> str:
        return self.theme


class NetworkMembership(Record):
    """The network's membership of another network (LLLP and the like)."""

    uid = uid_field()
    name = models.CharField(_("réseau"), max_length=200)
    acronym = models.CharField(_("sigle"), max_length=30, blank=True)
    since = models.DateField(_("depuis"), null=True, blank=True)
    until = models.DateField(_("jusqu'au"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("lien"), blank=True)

    class Meta:
        verbose_name = _("adhésion à un réseau européen")
        verbose_name_plural = _("adhésions à des réseaux européens")
        ordering = ["name"]
        constraints = [_ends_after("since", "until", "membership_ends_after_start")]

    def __str__(self) -> str:
        return self.acronym or self.name


# -- the Autumn School and the professionalisation of counsellors -----------------------------------
class SeminarKind(models.TextChoices):
    AUTUMN_SCHOOL = "autumn_school", _("Autumn School")
    OTHER = "other", _("Autre séminaire")


class NetworkSeminar(Record):
    """A seminar of the network: the yearly Autumn School (workshops, talks, the strategy's review), or another."""

    uid = uid_field()
    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=20, choices=SeminarKind.choices, default=SeminarKind.AUTUMN_SCHOOL
    )
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"), null=True, blank=True)
    host = models.ForeignKey(
        "network.Cite",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Cité hôte"),
        help_text=_("La Cité qui accueille et co-organise le séminaire."),
    )
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    country = CountryField(_("pays"), blank=True)
    online = models.BooleanField(_("en ligne"), default=False)
    participants = models.PositiveIntegerField(
        _("participants"), null=True, blank=True, help_text=_("Nombre de personnes présentes, si connu.")
    )
    workshops = models.PositiveSmallIntegerField(_("ateliers organisés"), default=0)
    cites_present = models.ManyToManyField(
        "network.Cite", blank=True, related_name="+", verbose_name=_("Cités présentes")
    )
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("lien"), blank=True)

    class Meta:
        verbose_name = _("séminaire du réseau")
        verbose_name_plural = _("séminaires du réseau")
        ordering = ["-starts_on", "pk"]
        constraints = [
            choices_check("kind", SeminarKind, "seminar_kind_valid"),
            _ends_after("starts_on", "ends_on", "seminar_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("La fin précède le début.")})


class AccreditationTitle(models.TextChoices):
    MASTER_TRAINER = "master_trainer", _("Master Trainer")
    TRAINER_COUNSELLOR = "trainer_counsellor", _("Conseiller-Formateur")


class Accreditation(Record):
    """A title awarded to a counsellor of a Cité (professionalisation): who may train counsellors.

    The person's name is personal data: purpose and retention in ``docs/personal-data.md``.
    """

    uid = uid_field()
    title = models.CharField(_("titre décerné"), max_length=30, choices=AccreditationTitle.choices)
    person = models.CharField(
        _("personne"), max_length=200, help_text=_("Prénom et nom, tels que publiés dans le rapport.")
    )
    cite = models.ForeignKey(
        "network.Cite", on_delete=models.CASCADE, related_name="accreditations", verbose_name=_("Cité")
    )
    awarded_on = models.DateField(_("décerné le"))
    valid_until = models.DateField(
        _("valable jusqu'au"), null=True, blank=True, help_text=_("Vide : sans échéance.")
    )
    seminar = models.ForeignKey(
        NetworkSeminar,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accreditations",
        verbose_name=_("décerné lors du séminaire"),
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("habilitation")
        verbose_name_plural = _("habilitations")
        ordering = ["-awarded_on", "pk"]
        constraints = [
            choices_check("title", AccreditationTitle, "accreditation_title_valid"),
            _ends_after("awarded_on", "valid_until", "accreditation_valid_after_award"),
        ]

    def __str__(self) -> str:
        return f"{self.person}, {self.get_title_display()}"

    def clean(self):
        if self.awarded_on and self.valid_until and self.valid_until < self.awarded_on:
            raise ValidationError({"valid_until": _("La fin précède le début.")})


# -- projects -------------------------------------------------------------------------------------
class ProjectRole(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinateur")
    PARTNER = "partner", _("Partenaire")
    ASSOCIATED = "associated", _("Partenaire associé")


class Project(Record):
    """A European (or other) project the network coordinates or takes part in."""

    title = models.CharField(_("titre"), max_length=200)
    programme = models.CharField(
        _("programme"), max_length=100, blank=True, help_text=_("Par exemple Erasmus+.")
    )
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    role = models.CharField(_("rôle du réseau"), max_length=20, choices=ProjectRole.choices)
    started_on = models.DateField(_("début"))
    ended_on = models.DateField(_("fin"), null=True, blank=True)
    summary = models.TextField(_("présentation"), blank=True)
    objectives = models.TextField(_("objectifs"), blank=True, help_text=_("Un objectif par ligne."))
    funding = models.DecimalField(_("financement"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    funder = models.CharField(_("financeur"), max_length=200, blank=True)
    url = models.URLField(_("lien"), blank=True)

    class Meta:
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        ordering = ["-started_on", "pk"]
        constraints = [
            choices_check("role", ProjectRole, "project_role_valid"),
            _ends_after("started_on", "ended_on", "project_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def objective_items(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    def runs_in(self, year: int) -> bool:
        return self.started_on.year <= year and (self.ended_on is None or self.ended_on.year >= year)


class ProjectPartner(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="partners", verbose_name=_("projet")
    )
    organisation = models.CharField(_("organisation"), max_length=300)
    country = CountryField(_("pays"))
    role = models.CharField(
        _("rôle"), max_length=20, choices=ProjectRole.choices, default=ProjectRole.PARTNER
    )

    class Meta:
        verbose_name = _("partenaire du projet")
        verbose_name_plural = _("partenaires du projet")
        ordering = ["project", "role", "organisation"]
        constraints = [choices_check("role", ProjectRole, "project_partner_role_valid")]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.country.name})"


class ProjectMilestoneKind(models.TextChoices):
    KICK_OFF = "kick_off", _("Lancement")
    PARTNER_MEETING = "partner_meeting", _("Réunion partenariale")
    TRAINING = "training", _("Session de formation")
    DISSEMINATION = "dissemination", _("Événement de dissémination")
    FINAL_CONFERENCE = "final_conference", _("Conférence finale")
    OTHER = "other", _("Autre étape")


class ProjectMilestone(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("projet")
    )
    kind = models.CharField(_("type"), max_length=30, choices=ProjectMilestoneKind.choices)
    title = models.CharField(_("titre"), max_length=200, blank=True)
    place = models.CharField(_("lieu"), max_length=200)
    date = models.DateField(_("date"))
    precision = models.CharField(
        _("précision"), max_length=10, choices=Precision.choices, default=Precision.DAY
    )

    class Meta:
        verbose_name = _("temps fort du projet")
        verbose_name_plural = _("temps forts du projet")
        ordering = ["project", "date", "pk"]
        constraints = [choices_check("kind", ProjectMilestoneKind, "project_milestone_kind_valid")]

    def __str__(self) -> str:
        return f"{self.label} — {self.place}"

    @property
    def label(self) -> str:
        return self.title or str(self.get_kind_display())

    @property
    def when(self) -> str:
        fmt = "YEAR_MONTH_FORMAT" if self.precision == Precision.MONTH else "DATE_FORMAT"
        return formats.date_format(self.date, fmt)


class DeliverableKind(models.TextChoices):
    PORTFOLIO = "portfolio", _("Portfolio")
    GUIDE = "guide", _("Guide")
    FRAMEWORK = "framework", _("Référentiel")
    TRAINING_PROGRAMME = "training_programme", _("Programme de formation")
    REPORT = "report", _("Rapport")
    OTHER = "other", _("Autre")


class Deliverable(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="deliverables", verbose_name=_("projet")
    )
    title = models.CharField(_("titre"), max_length=300)
    kind = models.CharField(_("type"), max_length=30, choices=DeliverableKind.choices)
    date = models.DateField(_("date"), null=True, blank=True)
    link = models.URLField(_("lien"), blank=True)
    file = paper_field(_("fichier"))

    class Meta:
        verbose_name = _("livrable")
        verbose_name_plural = _("livrables")
        ordering = ["project", "date", "pk"]
        constraints = [choices_check("kind", DeliverableKind, "deliverable_kind_valid")]

    def __str__(self) -> str:
        return self.title


# -- contacts -------------------------------------------------------------------------------------
class NetworkContact(models.Model):
    """The network's coordination: where to write, call, visit. One row."""

    name = models.CharField(_("nom"), max_length=200, default="Réseau international des Cités des métiers")
    address = models.TextField(_("adresse"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    team = models.TextField(
        _("l'équipe"),
        blank=True,
        help_text=_("Une personne par ligne : « Prénom Nom, fonction ». Données personnelles : publiées."),
    )
    report_author = models.CharField(_("rapport rédigé par"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("contact du réseau")
        verbose_name_plural = _("contact du réseau")

    def __str__(self) -> str:
        return self.name

    @property
    def team_members(self) -> list[str]:
        return [line.strip() for line in self.team.splitlines() if line.strip()]


class CiteContact(models.Model):
    """A Cité's public contacts, shown on its page and in the report's closing page."""

    cite = models.OneToOneField(
        "network.Cite", on_delete=models.CASCADE, related_name="contact", verbose_name=_("Cité")
    )
    address = models.TextField(_("adresse"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel"), blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("contact d'une Cité")
        verbose_name_plural = _("contacts des Cités")
        ordering = ["cite__name"]

    def __str__(self) -> str:
        return str(self.cite)


PAPER_MODELS = {"meeting": "minutes", "assemblydocument": "file", "deliverable": "file"}
