"""The reception desk's operations: recording visits and running the walk-in queue.

Every function takes the acting user; queries go through the scoped managers, so a user
can only reach their own Cités' visits and tickets. Calling a visitor is a conditional
UPDATE (waiting → called): whichever counsellor's update lands first gets the visitor,
the other moves on to the next — on SQLite and PostgreSQL alike, without locks.
"""

import datetime
import math
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.models import User
from cdm.accounts.permissions import Action, may, require
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Interview, Visit, validate_uid
from cdm.audit.models import AuditEntry
from cdm.audit.services import audit_record
from cdm.network.models import Cite, Partner, Pole, Site
from cdm.network.vocabularies import Channel, Outcome, Theme

from .models import THEME_LETTER, QueueTicket, TicketStatus


class DeskError(Exception):
    """A refused operation: ``field`` names what is wrong, ``message`` says why (translated)."""

    def __init__(self, field: str, message: str, status: int = 400):
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@dataclass
class Recorded:
    visit: Visit
    created: bool
    ticket: QueueTicket | None


def cite_for(user: User, slug: str | None) -> Cite:
    """The Cité a desk user works for: the one named, if it is theirs, or their only one.

    A user attached to Cités picks among their own (``user.cites``: loaded with a device's token,
    so no query then); a network-wide user among every Cité.
    """
    if user.is_network_wide:
        cites = Cite.objects.all()
        mine = list(cites.filter(slug=slug)) if slug else list(cites[:2])
    else:
        mine = [cite for cite in user.cites.all() if not slug or cite.slug == slug][:2]
    if slug and not mine:
        raise DeskError("cite", _("« %(v)s » n'est pas une Cité où vous travaillez") % {"v": slug[:64]}, 404)
    if len(mine) != 1:
        raise DeskError("cite", _("précisez la Cité"))
    return mine[0]


def visit_record(
    *,
    user: User,
    cite: Cite,
    uid: str | None = None,
    site: str | None = None,
    date: datetime.date | None = None,
    time: datetime.time | None = None,
    channel: str = Channel.IN_PERSON,
    theme: str | None = None,
    pole: str | None = None,
    outcome: str,
    age_band: str = "not_stated",
    gender: str = "not_stated",
    status: str = "not_stated",
    first_visit: bool | None = None,
) -> Recorded:
    """Record one visit. The same ``uid`` sent again returns the visit already stored."""
    require(user, Action.RECORD, cite)
    uid = str(uid or uuid.uuid4()).lower()
    try:
        validate_uid(uid)
    except ValidationError as exc:
        raise DeskError("uid", " ".join(exc.messages), 422) from None
    now = timezone.localtime()
    pole_obj = None
    if pole:
        # Unique in its Cité: no ordering (the model's sorts by the Cité's name, a join).
        pole_obj = Pole.objects.filter(cite=cite, code=pole).order_by().first()
        if pole_obj is None:
            raise DeskError("pole", _("« %(v)s » n'est pas un pôle de cette Cité") % {"v": pole[:64]})
        if theme and theme != pole_obj.theme:
            raise DeskError("theme", _("le thème doit être celui du pôle"))
        theme = pole_obj.theme
    if not theme:
        raise DeskError("theme", _("un thème ou un pôle est obligatoire"))
    site_obj = None
    if site:
        site_obj = Site.objects.filter(cite=cite, slug=site).order_by().first()
        if site_obj is None:
            raise DeskError("site", _("« %(v)s » n'est pas un site de cette Cité") % {"v": site[:64]})
    day = date or now.date()
    visit = Visit(
        uid=uid,
        cite=cite,
        site=site_obj,
        date=day,
        time=time or (now.time().replace(microsecond=0) if date is None else None),
        channel=channel,
        theme=theme,
        pole=pole_obj,
        outcome=outcome,
        age_band=age_band,
        gender=gender,
        status=status,
        first_visit=first_visit,
        recorded_by=user,
    )
    # The site's and the pôle's Cité, the date between the Cité's opening and today, the vocabularies.
    _check(visit)
    queued = outcome == Outcome.INTERVIEW and day == now.date()
    try:
        if queued or transaction.get_connection().in_atomic_block:
            # The visit and its ticket together or neither; inside a caller's transaction, a
            # savepoint, so that a refused insert leaves that transaction usable.
            with transaction.atomic():
                visit.save()
                ticket = _ticket_issue(visit=visit, arrived_at=timezone.now()) if queued else None
        else:
            # One INSERT is atomic by itself: no BEGIN … COMMIT around it, so SQLite's write lock
            # is held for that one statement only (four workers wait on it at a busy desk).
            visit.save()
            ticket = None
    except IntegrityError:
        # Stored meanwhile by a resend that overtook this one (an offline outbox sent twice).
        stored = _stored(uid, cite)
        if stored is None:
            raise
        return stored
    return Recorded(visit, True, ticket)


# Foreign keys that the desk sets only from rows it has just read through the scoped managers (the
# user's Cité, its pôle and site, the user): ``full_clean`` would query each again to see that it
# exists. Their rules beyond existence — a pôle and a site of the visit's Cité — are ``clean()``'s.
_READ_FROM_THE_DATABASE = ["cite", "site", "pole", "recorded_by"]


def _check(visit: Visit) -> None:
    """The model's own rules (``full_clean``), the first one broken as a ``DeskError`` naming its field.

    The uid's uniqueness is the database's; the CHECK constraints repeat the vocabularies checked
    here; the foreign keys' rows exist, since they were read from the database to be set.
    """
    try:
        visit.full_clean(exclude=_READ_FROM_THE_DATABASE, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DeskError("" if field == "__all__" else field, " ".join(messages)) from None


def _stored(uid: str, cite: Cite) -> Recorded | None:
    """The visit already stored under ``uid`` (a resend after a flaky network): the answer, once.

    Only to its own Cité: another Cité's uid is a conflict, and says nothing of that visit.
    """
    with network_scope():
        existing = Visit.objects.filter(uid=uid).select_related("ticket", "cite", "site", "pole").first()
    if existing is None:
        return None
    if existing.cite_id != cite.pk:
        raise DeskError("uid", _("cet identifiant est déjà utilisé"), 409)
    return Recorded(existing, False, getattr(existing, "ticket", None))


def _ticket_issue(*, visit: Visit, arrived_at) -> QueueTicket:
    for _attempt in range(5):
        number = (
            QueueTicket.objects.filter(cite_id=visit.cite_id, day=visit.date).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        try:
            with transaction.atomic():
                return QueueTicket.objects.create(
                    cite_id=visit.cite_id,
                    visit=visit,
                    day=visit.date,
                    number=number,
                    code=f"{THEME_LETTER[visit.theme]}-{number}",
                    theme=visit.theme,
                    arrived_at=arrived_at,
                )
        except IntegrityError:
            continue
    raise DeskError("", _("la file d'attente est très sollicitée : réessayez"), 409)


def visit_update(*, user: User, visit: Visit, **changes) -> Visit:
    require(user, Action.CORRECT, visit)
    for field in ("channel", "theme", "outcome", "age_band", "gender", "status", "first_visit"):
        if field in changes and changes[field] is not None:
            setattr(visit, field, changes[field])
    if visit.pole_id and visit.pole.theme != visit.theme:
        visit.pole = None
    _check(visit)
    visit.save()
    return visit


def visit_delete(*, user: User, visit: Visit) -> None:
    require(user, Action.CORRECT, visit)
    visit.delete()


def interview_write(
    *, user: User, visit: Visit, partner: str | None = None, duration_minutes: int | None = None
) -> Interview:
    """An interview's details written by hand (the queue writes them by itself when it closes one)."""
    require(user, Action.COUNSEL, visit)
    if visit.outcome != Outcome.INTERVIEW:
        raise DeskError("uid", _("cette visite n'a pas pour suite un entretien"), 409)
    partner_obj = None
    if partner:
        # A partner of the visit's Cité (as the back office offers): the network's directory is shared.
        with network_scope():
            partner_obj = Partner.objects.filter(slug=partner, partnerships__cite=visit.cite_id).first()
        if partner_obj is None:
            raise DeskError("partner", _("aucun partenaire « %(v)s »") % {"v": partner[:64]})
    interview, _created = Interview.objects.update_or_create(
        visit=visit, defaults={"partner": partner_obj, "duration_minutes": duration_minutes}
    )
    return interview


# -- the queue ------------------------------------------------------------------------------


def _counsellor_filter(user: User) -> Q:
    q = Q(reserved_for__isnull=True) | Q(reserved_for=user)
    if user.themes:
        q &= Q(theme__in=user.themes) | Q(reserved_for=user)
    return q


def waiting(*, cite_ids, day=None):
    day = day or timezone.localdate()
    return QueueTicket.objects.filter(cite__in=cite_ids, day=day, status=TicketStatus.WAITING)


def _audit(ticket: QueueTicket, what: str, **details) -> None:
    """Queue operations in the audit log: the ticket's code and state, never anything of a visitor."""
    audit_record(
        obj=ticket,
        action=AuditEntry.Action.CHANGE,
        changes={"queue": what, "code": ticket.code, "status": ticket.status, **details},
    )


def _claim(ticket_id: int, user: User) -> bool:
    return bool(
        QueueTicket.objects.filter(pk=ticket_id, status=TicketStatus.WAITING)
        .filter(Q(reserved_for__isnull=True) | Q(reserved_for=user))
        .update(status=TicketStatus.CALLED, called_at=timezone.now(), counsellor=user, place=user.desk_place)
    )


def ticket_call_next(*, user: User, cite: Cite, theme: str | None = None) -> QueueTicket | None:
    """The longest-waiting visitor among the themes this counsellor covers (or ``theme``)."""
    require(user, Action.COUNSEL, cite)
    candidates = waiting(cite_ids=[cite.pk]).filter(_counsellor_filter(user))
    if theme:
        candidates = candidates.filter(theme=theme)
    # Those reserved for this counsellor first, then by arrival.
    for ticket_id in candidates.order_by("reserved_for", "arrived_at", "number").values_list("pk", flat=True)[
        :20
    ]:
        if _claim(ticket_id, user):
            ticket = QueueTicket.objects.get(pk=ticket_id)
            _audit(ticket, "call")
            return ticket
    return None


def ticket_call(*, user: User, ticket: QueueTicket) -> QueueTicket:
    require(user, Action.COUNSEL, ticket)
    if not _claim(ticket.pk, user):
        raise DeskError("ticket", _("ce visiteur n'attend plus : un autre conseiller l'a appelé"), 409)
    ticket.refresh_from_db()
    _audit(ticket, "call")
    return ticket


def ticket_transfer(
    *, user: User, ticket: QueueTicket, theme: str | None = None, counsellor: User | None = None
) -> QueueTicket:
    """Back to the waiting list, under another theme or reserved for another counsellor."""
    require(user, Action.TRANSFER, ticket)
    if ticket.status not in (TicketStatus.WAITING, TicketStatus.CALLED):
        raise DeskError("ticket", _("ce ticket est clos"), 409)
    if theme is None and counsellor is None:
        raise DeskError("theme", _("un thème ou un conseiller est obligatoire"))
    if counsellor is not None and not may(counsellor, Action.COUNSEL, ticket):
        # Someone who may not counsel here, or works elsewhere: said alike, naming nobody's Cité.
        raise DeskError("counsellor", _("aucun conseiller « %(v)s »") % {"v": counsellor.username})
    if theme is not None:
        ticket.theme = theme
        ticket.code = f"{THEME_LETTER[Theme(theme)]}-{ticket.number}"
    ticket.reserved_for = counsellor
    ticket.status, ticket.called_at, ticket.counsellor, ticket.place = TicketStatus.WAITING, None, None, ""
    ticket.save()
    _audit(ticket, "transfer", theme=ticket.theme, reserved_for=counsellor.username if counsellor else None)
    return ticket


def ticket_close(*, user: User, ticket: QueueTicket) -> Interview:
    """End the interview: its details are recorded by themselves."""
    require(user, Action.COUNSEL, ticket)
    if ticket.status != TicketStatus.CALLED or ticket.counsellor_id != user.pk:
        raise DeskError("ticket", _("seul le conseiller qui a appelé ce visiteur clôt l'entretien"), 409)
    now = timezone.now()
    with transaction.atomic():
        updated = QueueTicket.objects.filter(pk=ticket.pk, status=TicketStatus.CALLED).update(
            status=TicketStatus.CLOSED, closed_at=now
        )
        if not updated:
            raise DeskError("ticket", _("ce ticket est déjà clos"), 409)
        ticket.refresh_from_db()
        interview, _created = Interview.objects.update_or_create(
            visit=ticket.visit,
            defaults={
                "partner": user.partner,
                "duration_minutes": max(1, math.ceil((now - ticket.called_at).total_seconds() / 60)),
                "waited_minutes": max(0, int((ticket.called_at - ticket.arrived_at).total_seconds() // 60)),
            },
        )
        _audit(ticket, "close")
    return interview


def ticket_left(*, user: User, ticket: QueueTicket) -> QueueTicket:
    """The visitor left before being called: counted (the visit stays), not lost."""
    require(user, Action.TRANSFER, ticket)
    if ticket.status != TicketStatus.WAITING:
        raise DeskError("ticket", _("seul un visiteur en attente peut être marqué parti"), 409)
    ticket.status, ticket.closed_at = TicketStatus.LEFT, timezone.now()
    ticket.save()
    _audit(ticket, "left")
    return ticket
