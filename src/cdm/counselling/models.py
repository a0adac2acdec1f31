"""Online anonymous counselling: live conversations (chat) and questions by e-mail.

Nothing here names a visitor: no account, no IP address, no user agent. A conversation is reached by
a random key the visitor's browser holds (only its SHA-256 is stored); an e-mail question keeps the
address it must be answered to until the thread closes plus a short period (``docs/personal-data.md``).
Messages are deleted after the Cité's retention period; the counts stay (``message_count``).
"""

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from cdm.network.models import choices_check
from cdm.network.vocabularies import Theme


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def origins_parse(text: str) -> list[str]:
    """The origins written one a line (``https://www.example.org``), normalised; ``ValidationError``
    names the first one that is not an origin (a scheme, a host, perhaps a port: no path)."""
    origins = []
    for line in (text or "").split():
        parts = urlsplit(line.strip())
        try:
            port = parts.port
        except ValueError:
            port = None
            parts = parts._replace(netloc="")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise ValidationError(
                _("« %(origin)s » n'est pas une origine (https://exemple.org)"), params={"origin": line}
            )
        if parts.query or parts.fragment or parts.username or "*" in line:
            raise ValidationError(
                _("« %(origin)s » n'est pas une origine (https://exemple.org)"), params={"origin": line}
            )
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
        if origin not in origins:
            origins.append(origin)
    return origins


def validate_origins(text: str) -> None:
    origins_parse(text)


class CounsellingSettings(models.Model):
    """A Cité's own settings for online counselling."""

    cite = models.OneToOneField(
        "network.Cite", on_delete=models.CASCADE, related_name="counselling", verbose_name=_("Cité")
    )
    retention_days = models.PositiveSmallIntegerField(
        _("conservation des messages (jours)"),
        default=30,
        help_text=_(
            "Les messages sont effacés ce nombre de jours après la fin de l'échange ; les comptes restent."
        ),
    )
    address_days = models.PositiveSmallIntegerField(
        _("conservation des adresses électroniques (jours)"),
        default=7,
        help_text=_("L'adresse d'une question par courriel est effacée ce nombre de jours après sa clôture."),
    )
    widget_origins = models.TextField(
        _("sites autorisés à afficher le widget"),
        blank=True,
        validators=[validate_origins],
        help_text=_(
            "Une origine par ligne (https://www.votre-site.fr) : seuls ces sites peuvent afficher le widget "
            "« Parler à un conseiller » de la Cité. Vide : aucun."
        ),
    )

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("réglages du conseil en ligne")
        verbose_name_plural = _("réglages du conseil en ligne")

    def __str__(self) -> str:
        return str(self.cite)

    @property
    def widget_origin_list(self) -> list[str]:
        try:
            return origins_parse(self.widget_origins)
        except ValidationError:
            return []


class ConversationStatus(models.TextChoices):
    WAITING = "waiting", _("En attente")
    ACTIVE = "active", _("En cours")
    CLOSED = "closed", _("Terminée")
    LEFT = "left", _("Partie sans attendre")
    BLOCKED = "blocked", _("Bloquée")


class Conversation(models.Model):
    """A live chat between an anonymous visitor and a counsellor."""

    cite = models.ForeignKey(
        "network.Cite", on_delete=models.CASCADE, related_name="+", verbose_name=_("Cité")
    )
    key_digest = models.CharField(_("empreinte de la clé"), max_length=64, unique=True, editable=False)
    number = models.PositiveIntegerField(_("numéro"))
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    language = models.CharField(_("langue"), max_length=8)
    status = models.CharField(
        _("état"), max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.WAITING
    )
    arrived_at = models.DateTimeField(_("arrivée à"))
    taken_at = models.DateTimeField(_("prise à"), null=True, blank=True)
    closed_at = models.DateTimeField(_("terminée à"), null=True, blank=True)
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
        verbose_name=_("réservée à"),
    )
    visit = models.OneToOneField(
        "activity.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visite"),
    )
    message_count = models.PositiveIntegerField(_("messages échangés"), default=0)
    last_seq = models.PositiveIntegerField(_("dernier message"), default=0)
    visitor_read = models.PositiveIntegerField(_("lu par le visiteur jusqu'au message"), default=0)
    counsellor_read = models.PositiveIntegerField(_("lu par le conseiller jusqu'au message"), default=0)
    helped = models.BooleanField(_("cela a aidé"), null=True, blank=True)
    profile_at = models.DateTimeField(_("profil répondu le"), null=True, blank=True)
    purged_at = models.DateTimeField(_("messages effacés le"), null=True, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("conversation en ligne")
        verbose_name_plural = _("conversations en ligne")
        ordering = ["arrived_at", "pk"]
        constraints = [
            choices_check("status", ConversationStatus, "conversation_status_valid"),
            choices_check("theme", Theme, "conversation_theme_valid"),
        ]
        indexes = [models.Index(fields=["cite", "status"], name="conversation_queue")]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"W-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in (ConversationStatus.WAITING, ConversationStatus.ACTIVE)


class Author(models.TextChoices):
    VISITOR = "visitor", _("Visiteur")
    COUNSELLOR = "counsellor", _("Conseiller")
    SYSTEM = "system", _("Système")


class Message(models.Model):
    """One message of a conversation, numbered from 1 (``seq``): the order both sides display."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    seq = models.PositiveIntegerField(_("numéro"))
    client_id = models.CharField(_("identifiant d'envoi"), max_length=40, blank=True)
    author = models.CharField(_("auteur"), max_length=12, choices=Author.choices)
    text = models.TextField(_("texte"), max_length=4000)
    sent_at = models.DateTimeField(_("envoyé à"), auto_now_add=True)

    objects = ScopedManager(cite="conversation__cite")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=~models.Q(client_id=""),
                name="message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


class Presence(models.Model):
    """A counsellor available for online conversations: refreshed while their queue screen is open."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("conseiller")
    )
    seen_at = models.DateTimeField(_("vu à"))

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")

    def __str__(self) -> str:
        return str(self.user)


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("À répondre")
    ANSWERED = "answered", _("Répondue")
    CLOSED = "closed", _("Close")


class Question(models.Model):
    """A question sent by e-mail from the public site: an anonymous ticket with its thread."""

    cite = models.ForeignKey(
        "network.Cite", on_delete=models.CASCADE, related_name="+", verbose_name=_("Cité")
    )
    number = models.PositiveIntegerField(_("numéro"))
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    language = models.CharField(_("langue"), max_length=8)
    email = models.EmailField(_("adresse de réponse"), blank=True)
    reply_token = models.CharField(_("jeton de réponse"), max_length=40, unique=True, editable=False)
    status = models.CharField(
        _("état"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.OPEN
    )
    received_at = models.DateTimeField(_("reçue le"))
    answered_at = models.DateTimeField(_("première réponse le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    address_deleted_at = models.DateTimeField(_("adresse effacée le"), null=True, blank=True)
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conseiller"),
    )
    visit = models.OneToOneField(
        "activity.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("visite"),
    )
    message_count = models.PositiveIntegerField(_("messages échangés"), default=0)
    purged_at = models.DateTimeField(_("messages effacés le"), null=True, blank=True)

    objects = ScopedManager(cite="cite")

    class Meta:
        verbose_name = _("question par courriel")
        verbose_name_plural = _("questions par courriel")
        ordering = ["received_at", "pk"]
        constraints = [
            choices_check("status", QuestionStatus, "question_status_valid"),
            choices_check("theme", Theme, "question_theme_valid"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        return f"Q-{self.number}"


class QuestionMessage(models.Model):
    """One message of a question's thread: the question, an answer, a reply."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="messages", verbose_name=_("question")
    )
    author = models.CharField(_("auteur"), max_length=12, choices=Author.choices)
    text = models.TextField(_("texte"))
    sent_at = models.DateTimeField(_("envoyé à"))

    objects = ScopedManager(cite="question__cite")

    class Meta:
        verbose_name = _("message d'une question")
        verbose_name_plural = _("messages des questions")
        ordering = ["question", "sent_at", "pk"]

    def __str__(self) -> str:
        return f"{self.question_id}@{self.sent_at:%Y-%m-%d %H:%M}"
