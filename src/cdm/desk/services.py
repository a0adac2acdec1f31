"""The reception desk's operations: recording visits and running the walk-in queue.

Every function takes the acting user; queries go through the scoped managers, so a user
can only reach their own Cités' visits and tickets. Calling a visitor is a conditional
UPDATE (waiting → called): whichever counsellor's update lands first gets the visitor,
the other moves on to the next — on SQLite and PostgreSQL alike, without locks.
"""

import datetime
import math
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cdm.accounts.models import Role, User
from cdm.activity.models import Interview, Visit
from cdm.lib import lookups
from cdm.network.models import Cite, Pole, Site
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
    """The Cité a desk user works for: the one named, if it is theirs, or their only one."""
    if user.is_network_wide:
        cites = Cite.objects.all()
        mine = list(cites.filter(slug=slug)) if slug else list(cites[:2])
    else:
        # Every visit of a device asks this: plain lookups on the user's own Cités.
        ids = user.cite_ids
        if slug:
            cite = lookups.fetch_one(Cite, cached=True, slug=slug)
            mine = [cite] if cite is not None and cite.pk in ids else []
        else:
            mine = [lookups.fetch_one(Cite, cached=True, id=ids[0])] if len(ids) == 1 else ids[:2]
    if slug and not mine:
        raise DeskError("cite", _("« %(v)s » n'est pas une Cité où vous travaillez") % {"v": slug[:64]}, 404)
    if len(mine) != 1 or mine[0] is None:
        raise DeskError("cite", _("précisez la Cité"))
    return mine[0]


# Each field with choices, and what it allows: read off the model, so they cannot drift apart.
_VOCABULARIES = {
    f.name: frozenset(value for value, _label in f.flatchoices)
    for f in Visit._meta.concrete_fields
    if f.choices
}


def _may_record(user: User) -> bool:
    return user.is_superuser or user.role in {Role.AGENT, Role.MANAGER, Role.COORDINATOR}


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
    if not _may_record(user):
        raise DeskError("", _("votre rôle ne permet pas d'enregistrer des visites"), 403)
    uid = uid or str(uuid.uuid4())
    now = timezone.localtime()
    pole_obj = None
    if pole:
        pole_obj = lookups.fetch_one(Pole, cached=True, cite_id=cite.pk, code=pole)
        if pole_obj is None:
            raise DeskError("pole", _("« %(v)s » n'est pas un pôle de cette Cité") % {"v": pole[:64]})
        if theme and theme != pole_obj.theme:
            raise DeskError("theme", _("le thème doit être celui du pôle"))
        theme = pole_obj.theme
    if not theme:
        raise DeskError("theme", _("un thème ou un pôle est obligatoire"))
    site_obj = None
    if site:
        site_obj = lookups.fetch_one(Site, cached=True, cite_id=cite.pk, slug=site)
        if site_obj is None:
            raise DeskError("site", _("« %(v)s » n'est pas un site de cette Cité") % {"v": site[:64]})
    day = date or now.date()
    if day > now.date() + datetime.timedelta(days=1):
        raise DeskError("date", _("une visite ne peut pas être dans le futur"))
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
    # The model's rules: its vocabularies (as its choices and CHECK constraints say) and ``clean()``
    # — what ``full_clean`` checks here, without its field-by-field machinery (a tenth of a visit's
    # cost); the pôle and the site were fetched above, inside the user's scope and Cité.
    for field, allowed in _VOCABULARIES.items():
        if getattr(visit, field) not in allowed:
            raise DeskError(
                field, _("valeur non permise ; valeurs permises : %(v)s") % {"v": ", ".join(sorted(allowed))}
            )
    try:
        visit.clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DeskError("" if field == "__all__" else field, " ".join(messages)) from None
    queued = outcome == Outcome.INTERVIEW and day == now.date()
    # A visit alone is one INSERT, committed by itself: the shortest hold of SQLite's write lock.
    # With its ticket, both go in one transaction (a savepoint, inside a caller's transaction).
    together = queued or connection.in_atomic_block
    try:
        with transaction.atomic() if together else nullcontext():
            lookups.insert(visit)
            ticket = _ticket_issue(visit=visit, arrived_at=timezone.now()) if queued else None
    except IntegrityError:
        # This uid is stored already (a resend after a flaky network, an offline outbox sent twice):
        # the visit already stored is the answer, once — and only to its own Cité.
        existing = Visit.objects.filter(uid=uid).select_related("ticket").first()
        if existing is None or existing.cite_id != cite.pk:
            raise DeskError("uid", _("cet identifiant est déjà utilisé"), 409) from None
        return Recorded(existing, False, getattr(existing, "ticket", None))
    return Recorded(visit, True, ticket)


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


def _editable(user: User, visit: Visit) -> None:
    today = timezone.localdate()
    if user.role == Role.MANAGER or user.is_network_wide:
        return
    if visit.recorded_by_id != user.pk or visit.date != today or visit.recorded_at.date() != today:
        raise DeskError("", _("seul l'agent qui l'a enregistrée corrige une visite, le jour même"), 403)


def visit_update(*, user: User, visit: Visit, **changes) -> Visit:
    _editable(user, visit)
    for field in ("channel", "theme", "outcome", "age_band", "gender", "status", "first_visit"):
        if field in changes and changes[field] is not None:
            setattr(visit, field, changes[field])
    if visit.pole_id and visit.pole.theme != visit.theme:
        visit.pole = None
    visit.save()
    return visit


def visit_delete(*, user: User, visit: Visit) -> None:
    _editable(user, visit)
    visit.delete()


# -- the queue ------------------------------------------------------------------------------


def _counsellor_filter(user: User) -> Q:
    q = Q(reserved_for__isnull=True) | Q(reserved_for=user)
    if user.themes:
        q &= Q(theme__in=user.themes) | Q(reserved_for=user)
    return q


def waiting(*, cite_ids, day=None):
    day = day or timezone.localdate()
    return QueueTicket.objects.filter(cite__in=cite_ids, day=day, status=TicketStatus.WAITING)


def _may_counsel(user: User) -> bool:
    return user.is_superuser or user.role in {Role.COUNSELLOR, Role.MANAGER, Role.COORDINATOR}


def _claim(ticket_id: int, user: User) -> bool:
    return bool(
        QueueTicket.objects.filter(pk=ticket_id, status=TicketStatus.WAITING)
        .filter(Q(reserved_for__isnull=True) | Q(reserved_for=user))
        .update(status=TicketStatus.CALLED, called_at=timezone.now(), counsellor=user, place=user.desk_place)
    )


def ticket_call_next(*, user: User, cite: Cite, theme: str | None = None) -> QueueTicket | None:
    """The longest-waiting visitor among the themes this counsellor covers (or ``theme``)."""
    if not _may_counsel(user):
        raise DeskError("", _("seul un conseiller appelle un visiteur"), 403)
    candidates = waiting(cite_ids=[cite.pk]).filter(_counsellor_filter(user))
    if theme:
        candidates = candidates.filter(theme=theme)
    # Those reserved for this counsellor first, then by arrival.
    for ticket_id in candidates.order_by("reserved_for", "arrived_at", "number").values_list("pk", flat=True)[
        :20
    ]:
        if _claim(ticket_id, user):
            return QueueTicket.objects.get(pk=ticket_id)
    return None


def ticket_call(*, user: User, ticket: QueueTicket) -> QueueTicket:
    if not _may_counsel(user):
        raise DeskError("", _("seul un conseiller appelle un visiteur"), 403)
    if not _claim(ticket.pk, user):
        raise DeskError("ticket", _("ce visiteur n'attend plus : un autre conseiller l'a appelé"), 409)
    ticket.refresh_from_db()
    return ticket


def ticket_transfer(
    *, user: User, ticket: QueueTicket, theme: str | None = None, counsellor: User | None = None
) -> QueueTicket:
    """Back to the waiting list, under another theme or reserved for another counsellor."""
    if not _may_counsel(user) and user.role != Role.AGENT:
        raise DeskError("", _("votre rôle ne permet pas de transférer"), 403)
    if ticket.status not in (TicketStatus.WAITING, TicketStatus.CALLED):
        raise DeskError("ticket", _("ce ticket est clos"), 409)
    if theme is None and counsellor is None:
        raise DeskError("theme", _("un thème ou un conseiller est obligatoire"))
    if counsellor is not None and ticket.cite_id not in counsellor.cite_ids:
        raise DeskError("counsellor", _("ce conseiller ne travaille pas dans cette Cité"))
    if theme is not None:
        ticket.theme = theme
        ticket.code = f"{THEME_LETTER[Theme(theme)]}-{ticket.number}"
    ticket.reserved_for = counsellor
    ticket.status, ticket.called_at, ticket.counsellor, ticket.place = TicketStatus.WAITING, None, None, ""
    ticket.save()
    return ticket


def ticket_close(*, user: User, ticket: QueueTicket) -> Interview:
    """End the interview: its details are recorded by themselves."""
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
    return interview


def ticket_left(*, user: User, ticket: QueueTicket) -> QueueTicket:
    """The visitor left before being called: counted (the visit stays), not lost."""
    if ticket.status != TicketStatus.WAITING:
        raise DeskError("ticket", _("seul un visiteur en attente peut être marqué parti"), 409)
    ticket.status, ticket.closed_at = TicketStatus.LEFT, timezone.now()
    ticket.save()
    return ticket
