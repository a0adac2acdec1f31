"""Online counselling's operations: routing, the conversations' life, e-mail questions, retention.

Every operation of a counsellor takes the acting user and asks the one rule
(``cdm.accounts.permissions``); queries go through the scoped managers, so a counsellor only
reaches their own Cités' conversations (one transferred to another Cité leaves theirs). A visitor
has no account: the random key their browser holds is what lets them into their conversation.

Closing a conversation or a question records the interview as the desk records a walk-in one:
a ``Visit`` (channel chat or e-mail, outcome interview) and its ``Interview`` (partner, duration,
wait), through the desk's ``interview_write``.
"""

import datetime
import email
import email.policy
import functools
import logging
import math
import re
import secrets
import uuid
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from cdm.accounts.models import User
from cdm.accounts.permissions import Action, may, require
from cdm.accounts.scoping import network_scope, user_scope
from cdm.activity.models import Interview, Visit
from cdm.audit.models import AuditEntry
from cdm.audit.services import audit_record
from cdm.desk.services import interview_write
from cdm.network.models import Cite, Pole
from cdm.network.vocabularies import AgeBand, Channel, Gender, Outcome, Status

from .models import (
    Author,
    Conversation,
    ConversationStatus,
    CounsellingSettings,
    Message,
    Presence,
    Question,
    QuestionMessage,
    QuestionStatus,
    key_digest,
    new_key,
)

log = logging.getLogger(__name__)

PRESENCE_SECONDS = 90  # a counsellor whose queue screen has not said so for this long is away
DEFAULT_CHAT_MINUTES = 10  # the estimate of a conversation's length before any was measured
MAX_TEXT = 2000


def in_user_scope(function):
    """A counsellor's operation runs in their scope, wherever it is called from (a request, a test, a command)."""

    @functools.wraps(function)
    def scoped(*args, user, **kwargs):
        with user_scope(user):
            return function(*args, user=user, **kwargs)

    return scoped


class CounsellingError(Exception):
    """A refused operation: ``field`` names what is wrong, ``message`` says why (translated)."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


# -- who is there, and where a visitor goes ---------------------------------------------------------


def presence_touch(*, user: User) -> None:
    Presence.objects.update_or_create(user=user, defaults={"seen_at": timezone.now()})


def presence_leave(*, user: User) -> None:
    Presence.objects.filter(user=user).delete()


def available_counsellors(cite: Cite) -> list[User]:
    """The counsellors of ``cite`` whose queue screen is open now (and who may counsel there)."""
    since = timezone.now() - datetime.timedelta(seconds=PRESENCE_SECONDS)
    users = User.objects.filter(
        is_active=True, cites=cite, pk__in=Presence.objects.filter(seen_at__gte=since).values("user_id")
    )
    return [u for u in users if may(u, Action.COUNSEL, cite)]


def covers(cite: Cite, *, theme: str, language: str) -> bool:
    """Does the Cité counsel on this theme (one of its pôles, or it has none) in this language?"""
    if cite.languages and language not in cite.languages:
        return False
    poles = Pole.objects.filter(cite=cite)
    return not poles.exists() or poles.filter(theme=theme).exists()


def settings_of(cite_id: int) -> CounsellingSettings:
    return CounsellingSettings.objects.filter(cite_id=cite_id).first() or CounsellingSettings(cite_id=cite_id)


def _waiting_in(cite_id: int) -> int:
    return Conversation.objects.filter(cite_id=cite_id, status=ConversationStatus.WAITING).count()


def route_chat(*, theme: str, language: str, cite_slug: str | None = None) -> Cite | None:
    """The Cité a new conversation goes to: the one chosen, or one covering the theme and language
    with a counsellor there now (the shortest queue per counsellor first). None: nobody is available."""
    with network_scope():
        if cite_slug:
            cite = Cite.objects.filter(slug=cite_slug).first()
            if cite is None:
                raise CounsellingError("cite", _("cette Cité n'existe pas"), 404)
            return cite if available_counsellors(cite) else None
        best, best_load = None, None
        for cite in Cite.objects.order_by("pk"):
            if not covers(cite, theme=theme, language=language):
                continue
            counsellors = len(available_counsellors(cite))
            if not counsellors:
                continue
            load = _waiting_in(cite.pk) / counsellors
            if best_load is None or load < best_load:
                best, best_load = cite, load
        return best


def route_question(*, theme: str, language: str, cite_slug: str | None = None) -> Cite:
    """The Cité a question goes to: the one chosen, or one covering the theme and language."""
    with network_scope():
        if cite_slug:
            cite = Cite.objects.filter(slug=cite_slug).first()
            if cite is None:
                raise CounsellingError("cite", _("cette Cité n'existe pas"), 404)
            return cite
        cites = list(Cite.objects.order_by("pk"))
        for accept in (
            lambda c: covers(c, theme=theme, language=language),
            lambda c: not c.languages or language in c.languages,
            lambda c: True,
        ):
            matching = [c for c in cites if accept(c)]
            if matching:
                # The one with the fewest open questions.
                return min(
                    matching,
                    key=lambda c: Question.objects.filter(cite=c, status=QuestionStatus.OPEN).count(),
                )
    raise CounsellingError("cite", _("aucune Cité ne reçoit de questions pour l'instant"), 409)


# -- the visitor's side -----------------------------------------------------------------------------


@dataclass
class Started:
    conversation: Conversation
    key: str


def _next_number(model, cite_id: int) -> int:
    return (model.objects.filter(cite_id=cite_id).aggregate(n=Max("number"))["n"] or 0) + 1


def conversation_start(*, theme: str, language: str, cite_slug: str | None = None) -> Started:
    """A visitor asks to talk: a place in a Cité's queue, or ``CounsellingError`` (409) when nobody is there."""
    cite = route_chat(theme=theme, language=language, cite_slug=cite_slug)
    if cite is None:
        raise CounsellingError("", _("Aucun conseiller n'est disponible pour l'instant."), 409)
    key = new_key()
    with network_scope(), transaction.atomic():
        conversation = Conversation.objects.create(
            cite=cite,
            key_digest=key_digest(key),
            number=_next_number(Conversation, cite.pk),
            theme=theme,
            language=language,
            arrived_at=timezone.now(),
        )
    notify_queue(conversation.cite_id)
    return Started(conversation, key)


def conversation_by_key(key: str) -> Conversation | None:
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    with network_scope():
        return Conversation.objects.select_related("cite").filter(key_digest=key_digest(key)).first()


def queue_position(conversation: Conversation) -> dict:
    """Place in the queue (1 = next) and the estimated wait in minutes, for a waiting conversation."""
    if conversation.status != ConversationStatus.WAITING:
        return {"position": 0, "wait_minutes": 0}
    with network_scope():
        ahead = Conversation.objects.filter(
            cite_id=conversation.cite_id,
            status=ConversationStatus.WAITING,
            arrived_at__lt=conversation.arrived_at,
        ).count()
        since = timezone.now() - datetime.timedelta(days=30)
        done = Conversation.objects.filter(
            cite_id=conversation.cite_id, status=ConversationStatus.CLOSED, closed_at__gte=since
        ).exclude(taken_at=None)
        average = done.aggregate(d=Avg(F("closed_at") - F("taken_at")))["d"]
        minutes = (
            average.total_seconds() / 60 if isinstance(average, datetime.timedelta) else DEFAULT_CHAT_MINUTES
        )
        counsellors = max(1, len(available_counsellors(conversation.cite)))
    return {"position": ahead + 1, "wait_minutes": math.ceil((ahead + 1) * minutes / counsellors)}


def message_post(
    *, conversation: Conversation, author: str, text: str, client_id: str = "", counsellor: User | None = None
) -> tuple[Message, bool]:
    """Store one message, numbered after the last; the same ``client_id`` again returns the stored one.

    ``counsellor``: the message is theirs, and is stored only while they lead the conversation (one
    conditional UPDATE decides, so a transfer that just happened cannot be written through)."""
    text = (text or "").strip()
    if not text:
        raise CounsellingError("text", _("le message est vide"))
    if len(text) > MAX_TEXT:
        raise CounsellingError("text", _("le message est trop long"))
    client_id = str(client_id or "")[:40]
    table = connection.ops.quote_name(Conversation._meta.db_table)
    if counsellor is not None:
        condition, params = "status = %s AND counsellor_id = %s", [ConversationStatus.ACTIVE, counsellor.pk]
    else:
        condition, params = "status IN (%s, %s)", [ConversationStatus.WAITING, ConversationStatus.ACTIVE]
    try:
        with network_scope(), transaction.atomic():
            # The next number, taken in the same statement (RETURNING: SQLite ≥ 3.35 and PostgreSQL).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET last_seq = last_seq + 1, message_count = message_count + 1 "
                    f"WHERE id = %s AND {condition} RETURNING last_seq",
                    [conversation.pk, *params],
                )
                row = cursor.fetchone()
            if row is None:
                raise CounsellingError("conversation", _("cette conversation est terminée"), 409)
            message = Message.objects.create(
                conversation=conversation, seq=row[0], client_id=client_id, author=author, text=text
            )
    except IntegrityError:
        # Sent again (a resend after a dropped socket): the stored one, once.
        with network_scope():
            stored = Message.objects.filter(conversation=conversation, client_id=client_id).first()
        if stored is None or not client_id:
            raise
        return stored, False
    return message, True


def system_message(conversation: Conversation, text: str) -> Message | None:
    """A line of the service in the thread (taken, transferred, ended), sent to both sides."""
    with network_scope(), transaction.atomic():
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") + 1)
        seq = Conversation.objects.filter(pk=conversation.pk).values_list("last_seq", flat=True).get()
        message = Message.objects.create(conversation=conversation, seq=seq, author=Author.SYSTEM, text=text)
    send_to_conversation(conversation.pk, {"type": "chat.message", "message": message_json(message)})
    return message


def mark_read(*, conversation: Conversation, reader: str, seq: int) -> int:
    field = "visitor_read" if reader == Author.VISITOR else "counsellor_read"
    with network_scope():
        Conversation.objects.filter(pk=conversation.pk, **{f"{field}__lt": seq}, last_seq__gte=seq).update(
            **{field: seq}
        )
        return Conversation.objects.filter(pk=conversation.pk).values_list(field, flat=True).get()


def conversation_feedback(*, conversation: Conversation, helped: bool) -> None:
    with network_scope():
        Conversation.objects.filter(pk=conversation.pk).update(helped=bool(helped))


def conversation_leave(*, conversation: Conversation) -> None:
    """The visitor ends it: gone from the queue if still waiting; the counsellor closes a taken one."""
    with network_scope():
        conversation.refresh_from_db()
        left = Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.WAITING).update(
            status=ConversationStatus.LEFT, closed_at=timezone.now()
        )
    if left:
        notify_queue(conversation.cite_id)
    elif conversation.status == ConversationStatus.ACTIVE:
        with override(conversation.language):
            system_message(conversation, _("La personne a quitté la conversation."))
    notify_state(conversation.pk)


def conversation_delete(*, conversation: Conversation) -> None:
    """The visitor deletes the conversation now: every message goes; the count stays (and a taken
    conversation is still counted as an interview, closed on the counsellor's behalf)."""
    with network_scope():
        conversation.refresh_from_db()
        if conversation.status == ConversationStatus.ACTIVE and conversation.counsellor is not None:
            _close(conversation.counsellor, conversation)
        elif conversation.status == ConversationStatus.WAITING:
            Conversation.objects.filter(pk=conversation.pk).update(
                status=ConversationStatus.LEFT, closed_at=timezone.now()
            )
        Message.objects.filter(conversation=conversation).delete()
        Conversation.objects.filter(pk=conversation.pk).update(purged_at=timezone.now())
    notify_queue(conversation.cite_id)
    notify_state(conversation.pk)
    send_to_conversation(conversation.pk, {"type": "chat.deleted"})


# -- the counsellors' side --------------------------------------------------------------------------


def _audit(conversation: Conversation, what: str, **details) -> None:
    """The audit log: the conversation's code and state, never a word of it."""
    audit_record(
        obj=conversation,
        action=AuditEntry.Action.CHANGE,
        changes={"chat": what, "code": conversation.code, "status": conversation.status, **details},
    )


@in_user_scope
def conversations_for(*, user: User, cite: Cite):
    """What a counsellor's queue screen lists: the waiting conversations they may take, and theirs."""
    require(user, Action.TRANSFER, cite)
    waiting = Conversation.objects.filter(cite=cite, status=ConversationStatus.WAITING).filter(
        Q(reserved_for__isnull=True) | Q(reserved_for=user)
    )
    mine = Conversation.objects.filter(status=ConversationStatus.ACTIVE, counsellor=user)
    return list(waiting.order_by("reserved_for", "arrived_at")), list(mine.order_by("taken_at"))


@in_user_scope
def conversation_take(*, user: User, conversation: Conversation) -> Conversation:
    require(user, Action.COUNSEL, conversation)
    taken = (
        Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.WAITING)
        .filter(Q(reserved_for__isnull=True) | Q(reserved_for=user))
        .update(status=ConversationStatus.ACTIVE, counsellor=user, taken_at=timezone.now(), reserved_for=None)
    )
    if not taken:
        raise CounsellingError(
            "conversation", _("cette conversation n'attend plus : un autre conseiller l'a prise"), 409
        )
    conversation.refresh_from_db()
    _audit(conversation, "take")
    with override(conversation.language):
        system_message(conversation, _("Un conseiller vous répond."))
    notify_queue(conversation.cite_id)
    notify_state(conversation.pk)
    return conversation


@in_user_scope
def conversation_transfer(
    *, user: User, conversation: Conversation, counsellor: User | None = None, cite: Cite | None = None
) -> Conversation:
    """Back to a queue: reserved for a colleague of the same Cité, or into another Cité's queue."""
    require(user, Action.TRANSFER, conversation)
    if not conversation.is_open:
        raise CounsellingError("conversation", _("cette conversation est terminée"), 409)
    if conversation.status == ConversationStatus.ACTIVE and conversation.counsellor_id != user.pk:
        raise CounsellingError(
            "conversation", _("seul le conseiller qui la mène transfère cette conversation"), 409
        )
    if (counsellor is None) == (cite is None):
        raise CounsellingError("counsellor", _("un conseiller ou une Cité est obligatoire"))
    if counsellor is not None and not (
        conversation.cite_id in counsellor.cite_ids and may(counsellor, Action.COUNSEL, conversation)
    ):
        raise CounsellingError("counsellor", _("ce conseiller ne travaille pas dans cette Cité"))
    before = conversation.cite_id
    if cite is not None:
        conversation.cite = cite
    conversation.reserved_for = counsellor
    conversation.status, conversation.counsellor = ConversationStatus.WAITING, None
    with network_scope():
        # Only these: the instance's counters (last_seq, message_count) may be stale.
        conversation.save(update_fields=["cite", "reserved_for", "status", "counsellor"])
    _audit(
        conversation,
        "transfer",
        to_cite=conversation.cite_id,
        reserved_for=getattr(counsellor, "username", None),
    )
    with override(conversation.language):
        system_message(
            conversation, _("Votre conversation est transmise à un autre conseiller : merci de patienter.")
        )
    notify_queue(before)
    notify_queue(conversation.cite_id)
    notify_state(conversation.pk)
    return conversation


def _close(user: User, conversation: Conversation) -> Interview:
    """Record the interview of a conversation (its Visit and Interview), as the desk does for a walk-in one."""
    now = timezone.now()
    local = timezone.localtime(now)
    with transaction.atomic():
        closed = Conversation.objects.filter(pk=conversation.pk, status=ConversationStatus.ACTIVE).update(
            status=ConversationStatus.CLOSED, closed_at=now
        )
        if not closed:
            raise CounsellingError("conversation", _("cette conversation est déjà terminée"), 409)
        conversation.refresh_from_db()
        interview = record_interview(
            user=user,
            cite=conversation.cite,
            channel=Channel.CHAT,
            theme=conversation.theme,
            day=local.date(),
            time=local.time().replace(microsecond=0),
            duration=max(1, math.ceil((now - conversation.taken_at).total_seconds() / 60)),
            waited=max(0, int((conversation.taken_at - conversation.arrived_at).total_seconds() // 60)),
        )
        Conversation.objects.filter(pk=conversation.pk).update(visit=interview.visit)
        conversation.visit = interview.visit
    _audit(conversation, "close")
    return interview


# The optional profile questions: the desk's own vocabularies, "not stated" unless answered.
PROFILE = {"age_band": AgeBand, "gender": Gender, "status": Status}
PROFILE_DAYS = 2  # a closed conversation's profile may be answered this long after it closed


def profile_clean(values: dict | None) -> dict[str, str]:
    """Each answer if it is one of the vocabulary's, else ``not_stated`` (skipped, or unknown)."""
    values = values or {}
    return {
        field: values.get(field) if values.get(field) in vocabulary.values else vocabulary.NOT_STATED
        for field, vocabulary in PROFILE.items()
    }


def record_interview(
    *, user: User, cite: Cite, channel: str, theme: str, day, time, duration, waited, profile=None
) -> Interview:
    """A remote interview counted exactly like a walk-in one: its Visit, then its Interview."""
    require(user, Action.COUNSEL, cite)
    visit = Visit(
        uid=str(uuid.uuid4()),
        cite=cite,
        date=day,
        time=time,
        channel=channel,
        theme=theme,
        outcome=Outcome.INTERVIEW,
        recorded_by=user,
        **profile_clean(profile),
    )
    try:
        visit.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise CounsellingError("visit", " ".join(exc.messages)) from None
    visit.save()
    interview = interview_write(
        user=user,
        visit=visit,
        partner=user.partner.slug if user.partner_id else None,
        duration_minutes=duration,
    )
    if waited is not None:
        Interview.objects.filter(pk=interview.pk).update(waited_minutes=waited)
        interview.waited_minutes = waited
    return interview


@in_user_scope
def conversation_close(*, user: User, conversation: Conversation) -> Interview:
    require(user, Action.COUNSEL, conversation)
    if conversation.status != ConversationStatus.ACTIVE or conversation.counsellor_id != user.pk:
        raise CounsellingError(
            "conversation", _("seul le conseiller qui la mène clôt cette conversation"), 409
        )
    interview = _close(user, conversation)
    with override(conversation.language):
        system_message(conversation, _("La conversation est terminée. Merci !"))
    notify_state(conversation.pk)
    return interview


def conversation_profile(*, conversation: Conversation, answers: dict | None) -> bool:
    """The visitor's answers to the optional profile questions, after the counsellor closed the
    conversation: written on its recorded interview (``not_stated`` for each one skipped), once.
    False: nothing to answer (not closed, already answered, or closed too long ago)."""
    values = profile_clean(answers)
    now = timezone.now()
    with network_scope(), transaction.atomic():
        claimed = Conversation.objects.filter(
            pk=conversation.pk,
            status=ConversationStatus.CLOSED,
            visit__isnull=False,
            profile_at__isnull=True,
            closed_at__gte=now - datetime.timedelta(days=PROFILE_DAYS),
        ).update(profile_at=now)
        if not claimed:
            return False
        conversation.refresh_from_db()
        visit = Visit.objects.get(pk=conversation.visit_id)
        for field, value in values.items():
            setattr(visit, field, value)
        visit.save()  # save(), not update(): the figures' caches hear of it
    return True


def profile_pending(conversation: Conversation) -> bool:
    return (
        conversation.status == ConversationStatus.CLOSED
        and conversation.visit_id is not None
        and conversation.profile_at is None
        and conversation.closed_at is not None
        and conversation.closed_at >= timezone.now() - datetime.timedelta(days=PROFILE_DAYS)
    )


@in_user_scope
def conversation_block(*, user: User, conversation: Conversation) -> Conversation:
    """End an abusive session at once: the visitor's key opens nothing any more, nothing is counted."""
    require(user, Action.COUNSEL, conversation)
    if not conversation.is_open:
        raise CounsellingError("conversation", _("cette conversation est terminée"), 409)
    if conversation.status == ConversationStatus.ACTIVE and conversation.counsellor_id != user.pk:
        raise CounsellingError(
            "conversation", _("seul le conseiller qui la mène clôt cette conversation"), 409
        )
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.BLOCKED, closed_at=timezone.now()
    )
    conversation.refresh_from_db()
    _audit(conversation, "block")
    notify_queue(conversation.cite_id)
    send_to_conversation(conversation.pk, {"type": "chat.blocked"})
    return conversation


# -- the channel layer ---------------------------------------------------------------------------


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


def cite_group(cite_id: int) -> str:
    return f"chat.cite.{cite_id}"


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # the layer down must not lose the write already made: clients poll and resume
        log.warning("channel layer: could not reach %s", group)


def send_to_conversation(conversation_id: int, event: dict) -> None:
    _send(conversation_group(conversation_id), event)


def notify_state(conversation_id: int) -> None:
    send_to_conversation(conversation_id, {"type": "chat.state", "conversation": conversation_id})


def notify_queue(cite_id: int) -> None:
    _send(cite_group(cite_id), {"type": "queue.changed"})


def message_json(message: Message) -> dict:
    return {
        "seq": message.seq,
        "author": message.author,
        "text": message.text,
        "client_id": message.client_id,
        "sent_at": message.sent_at.isoformat(),
        "conversation": message.conversation_id,
    }


def conversation_state(conversation: Conversation) -> dict:
    with network_scope():
        conversation.refresh_from_db()
    state = {
        "type": "state",
        "conversation": conversation.pk,
        "code": conversation.code,
        "status": conversation.status,
        "theme": conversation.theme,
        "visitor_read": conversation.visitor_read,
        "counsellor_read": conversation.counsellor_read,
        "last_seq": conversation.last_seq,
        "deleted": conversation.purged_at is not None,
        "profile": profile_pending(conversation),
    }
    state.update(queue_position(conversation))
    return state


def transcript(conversation: Conversation) -> str:
    """The conversation as plain text, for the visitor to keep."""
    with override(conversation.language), network_scope():
        names = {
            Author.VISITOR: _("Vous"),
            Author.COUNSELLOR: _("Conseiller"),
            Author.SYSTEM: _("Cités des métiers"),
        }
        lines = [
            _("Conversation %(code)s — %(cite)s")
            % {"code": conversation.code, "cite": conversation.cite.name},
            "",
        ]
        for m in Message.objects.filter(conversation=conversation).order_by("seq"):
            lines.append(f"[{timezone.localtime(m.sent_at):%Y-%m-%d %H:%M}] {names[m.author]} : {m.text}")
    return "\n".join(lines) + "\n"


# -- questions by e-mail --------------------------------------------------------------------------

TOKEN_RE = re.compile(r"\[CDM-([A-Za-z0-9_-]{16,40})\]")


def question_submit(
    *, theme: str, language: str, text: str, address: str, cite_slug: str | None = None
) -> Question:
    text = (text or "").strip()
    if not text:
        raise CounsellingError("question", _("la question est vide"))
    cite = route_question(theme=theme, language=language, cite_slug=cite_slug)
    now = timezone.now()
    with network_scope(), transaction.atomic():
        question = Question.objects.create(
            cite=cite,
            number=_next_number(Question, cite.pk),
            theme=theme,
            language=language,
            email=address,
            reply_token=secrets.token_urlsafe(18),
            received_at=now,
            message_count=1,
        )
        QuestionMessage.objects.create(
            question=question, author=Author.VISITOR, text=text[:10000], sent_at=now
        )
    return question


def reply_address(question: Question) -> str:
    local, _sep, domain = settings.DEFAULT_FROM_EMAIL.partition("@")
    return f"{local}+{question.reply_token}@{domain}"


@in_user_scope
def question_answer(*, user: User, question: Question, text: str) -> QuestionMessage:
    """Answer by e-mail (Django's SMTP backend); the answer joins the thread."""
    require(user, Action.COUNSEL, question)
    text = (text or "").strip()
    if not text:
        raise CounsellingError("text", _("la réponse est vide"))
    if question.status == QuestionStatus.CLOSED or not question.email:
        raise CounsellingError("question", _("cette question est close"), 409)
    now = timezone.now()
    with override(question.language):
        subject = _("Votre question à la Cité des métiers") + f" [CDM-{question.reply_token}]"
        body = (
            text
            + "\n\n-- \n"
            + _("Répondez à ce message pour poursuivre l'échange. %(cite)s") % {"cite": question.cite.name}
        )
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[question.email],
        reply_to=[reply_address(question)],
        headers={"Message-ID": make_msgid(domain="cites-des-metiers.invalid")},
    )
    message.send(fail_silently=False)
    with transaction.atomic():
        entry = QuestionMessage.objects.create(
            question=question, author=Author.COUNSELLOR, text=text, sent_at=now
        )
        Question.objects.filter(pk=question.pk).update(
            status=QuestionStatus.ANSWERED,
            counsellor=user,
            answered_at=question.answered_at or now,
            message_count=F("message_count") + 1,
        )
    question.refresh_from_db()
    return entry


def _reply_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    text = part.get_content() if part is not None else ""
    kept = []
    for line in str(text).splitlines():
        if line.startswith(">") or line.strip() == "--":
            if line.strip() == "--":
                break
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def question_ingest(raw: bytes) -> Question | None:
    """A visitor's reply (a whole e-mail): joins its question's thread, found by the reply token in
    the recipient address or the subject. The sender's address is never stored from it."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    token = None
    for header in ("To", "Delivered-To", "X-Original-To"):
        for value in msg.get_all(header, []):
            local = parseaddr(str(value))[1].partition("@")[0]
            if "+" in local:
                token = local.partition("+")[2]
                break
        if token:
            break
    if not token:
        found = TOKEN_RE.search(str(msg.get("Subject", "")))
        token = found.group(1) if found else None
    if not token:
        return None
    with network_scope():
        question = Question.objects.filter(reply_token=token).first()
        if question is None or question.status == QuestionStatus.CLOSED:
            return None
        text = _reply_text(msg)[:10000]
        if not text:
            return None
        QuestionMessage.objects.create(
            question=question, author=Author.VISITOR, text=text, sent_at=timezone.now()
        )
        Question.objects.filter(pk=question.pk).update(
            status=QuestionStatus.OPEN, message_count=F("message_count") + 1
        )
        question.refresh_from_db()
    return question


@in_user_scope
def question_close(*, user: User, question: Question, profile: dict | None = None) -> Interview:
    """The thread is over: counted as an e-mail interview; the address goes after the Cité's period.

    ``profile``: the visitor's answers to the optional questions (age band, gender, status), as the
    counsellor asked them in the thread; each one not given is recorded ``not_stated``."""
    require(user, Action.COUNSEL, question)
    now = timezone.now()
    local = timezone.localtime(now)
    with transaction.atomic():
        closed = (
            Question.objects.filter(pk=question.pk)
            .exclude(status=QuestionStatus.CLOSED)
            .update(status=QuestionStatus.CLOSED, closed_at=now)
        )
        if not closed:
            raise CounsellingError("question", _("cette question est déjà close"), 409)
        question.refresh_from_db()
        waited = (
            int((question.answered_at - question.received_at).total_seconds() // 60)
            if question.answered_at
            else None
        )
        interview = record_interview(
            user=user,
            cite=question.cite,
            channel=Channel.EMAIL,
            theme=question.theme,
            day=local.date(),
            time=local.time().replace(microsecond=0),
            duration=None,
            waited=waited,
            profile=profile,
        )
        Question.objects.filter(pk=question.pk).update(visit=interview.visit)
    audit_record(
        obj=question, action=AuditEntry.Action.CHANGE, changes={"question": "close", "code": question.code}
    )
    return interview


# -- retention -------------------------------------------------------------------------------------


@dataclass
class Purged:
    conversations: int = 0
    messages: int = 0
    questions: int = 0
    addresses: int = 0


def purge(*, now: datetime.datetime | None = None) -> Purged:
    """Delete what has been kept long enough (each Cité's periods): messages after ``retention_days``,
    e-mail addresses ``address_days`` after the question closed. Counts stay."""
    now = now or timezone.now()
    done = Purged()
    ended = [ConversationStatus.CLOSED, ConversationStatus.LEFT, ConversationStatus.BLOCKED]
    with network_scope():
        custom = {s.cite_id: s for s in CounsellingSettings.objects.all()}
        default = CounsellingSettings()
        for cite_id in Cite.objects.values_list("pk", flat=True):
            rules = custom.get(cite_id, default)
            before = now - datetime.timedelta(days=rules.retention_days)
            old = Conversation.objects.filter(
                cite_id=cite_id, status__in=ended, closed_at__lt=before, purged_at__isnull=True
            )
            ids = list(old.values_list("pk", flat=True))
            if ids:
                done.messages += Message.objects.filter(conversation_id__in=ids).delete()[0]
                done.conversations += Conversation.objects.filter(pk__in=ids).update(purged_at=now)
            old_q = Question.objects.filter(
                cite_id=cite_id, status=QuestionStatus.CLOSED, closed_at__lt=before, purged_at__isnull=True
            )
            ids = list(old_q.values_list("pk", flat=True))
            if ids:
                done.messages += QuestionMessage.objects.filter(question_id__in=ids).delete()[0]
                done.questions += Question.objects.filter(pk__in=ids).update(purged_at=now)
            addresses = Question.objects.filter(
                cite_id=cite_id,
                status=QuestionStatus.CLOSED,
                closed_at__lt=now - datetime.timedelta(days=rules.address_days),
            ).exclude(email="")
            done.addresses += addresses.update(email="", address_deleted_at=now)
    return done
