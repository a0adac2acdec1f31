"""The controlled vocabularies of the network's counting standard.

One place for every code of ``activity-data-package.md``: models, forms, the API,
the import and the exports all take their choices from here. Codes are the
standard's (English, stable); labels are French, the source language.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LabelStatus(models.TextChoices):
    PREPARATION = "preparation", _("Label projet")
    LABELLED = "labelled", _("Label fonctionnement")


class SiteKind(models.TextChoices):
    MAIN = "main", _("Site principal")
    ASSOCIATED_CENTRE = "associated_centre", _("Centre associé")
    RELAY_POINT = "relay_point", _("Point relais")
    MOBILE_UNIT = "mobile_unit", _("Dispositif mobile")
    EPHEMERAL_ACTION = "ephemeral_action", _("Action éphémère")


class PartnerKind(models.TextChoices):
    PUBLIC_EMPLOYMENT_SERVICE = "public_employment_service", _("Service public de l'emploi")
    EDUCATION = "education", _("Éducation")
    TRAINING = "training", _("Formation")
    BUSINESS = "business", _("Entreprise")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Autre")


class ContributionType(models.TextChoices):
    HUMAN_RESOURCES = "human_resources", _("Ressources humaines")
    FINANCIAL = "financial", _("Financière")
    EXPERTISE = "expertise", _("Expertise")
    MATERIAL = "material", _("Matérielle")


class Theme(models.TextChoices):
    """The network's seven standard themes; each Cité's pôles map onto one."""

    ORIENTATION = "orientation", _("S'orienter")
    TRAINING = "training", _("Se former")
    JOB = "job", _("Trouver un emploi")
    CAREER_CHANGE = "career_change", _("Changer sa vie professionnelle")
    BUSINESS = "business", _("Créer son activité")
    INTERNATIONAL = "international", _("Travailler à l'international")
    OTHER = "other", _("Autre")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("Sur place")
    PHONE = "phone", _("Téléphone")
    VIDEO = "video", _("Visioconférence")
    EMAIL = "email", _("Courriel")
    CHAT = "chat", _("Messagerie instantanée")


class Outcome(models.TextChoices):
    INFORMATION = "information", _("Information")
    SELF_SERVICE = "self_service", _("Libre consultation")
    INTERVIEW = "interview", _("Entretien")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Moins de 18 ans")
    FROM_18_TO_25 = "18_25", _("18–25 ans")
    FROM_26_TO_44 = "26_44", _("26–44 ans")
    FROM_45_TO_54 = "45_54", _("45–54 ans")
    FROM_55 = "55_plus", _("55 ans et plus")
    NOT_STATED = "not_stated", _("Non renseigné")


class Gender(models.TextChoices):
    FEMALE = "female", _("Femme")
    MALE = "male", _("Homme")
    OTHER = "other", _("Autre")
    NOT_STATED = "not_stated", _("Non renseigné")


class Status(models.TextChoices):
    JOB_SEEKER = "job_seeker", _("Demandeur d'emploi")
    EMPLOYED = "employed", _("En emploi")
    STUDENT = "student", _("Élève ou étudiant")
    INACTIVE = "inactive", _("Inactif")
    RETIRED = "retired", _("Retraité")
    OTHER = "other", _("Autre")
    NOT_STATED = "not_stated", _("Non renseigné")


class ActivityKind(models.TextChoices):
    INFORMATION_SESSION = "information_session", _("Information collective")
    PARTICIPATORY_WORKSHOP = "participatory_workshop", _("Atelier participatif")
    PEER_GROUP = "peer_group", _("Groupe d'échange entre pairs")
    FORUM = "forum", _("Forum")
    CONFERENCE = "conference", _("Conférence")
    OTHER_EVENT = "other_event", _("Autre événement")


WORKSHOP_KINDS = (
    ActivityKind.INFORMATION_SESSION,
    ActivityKind.PARTICIPATORY_WORKSHOP,
    ActivityKind.PEER_GROUP,
)
EVENT_KINDS = (ActivityKind.FORUM, ActivityKind.CONFERENCE, ActivityKind.OTHER_EVENT)


class ActivityRole(models.TextChoices):
    ORGANIZED = "organized", _("Organisé")
    PARTICIPATED = "participated", _("Participation")
