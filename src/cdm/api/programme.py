"""The programme through the API: a Cité's sessions, the public agenda, attendance.

Staff operations run in the user's scope (``scoped``): another Cité's sessions do not exist (404);
every decision is the one rule's (``require``). Attendance needs ``record`` (a desk's device token
may enter it too); the agenda is public and reads published events only.
"""

import datetime
import uuid
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from pydantic import Field

from cdm.accounts.permissions import Action, require
from cdm.network.models import Cite
from cdm.network.vocabularies import AgeBand, Gender, Status
from cdm.programme import selectors, services
from cdm.programme.models import Format, Session

from . import schemas as s
from .api import scoped

REFUSED = s.REFUSED
MAX_SESSIONS = 500

programme = Router(tags=["programme"])


class SessionOut(s.Schema):
    id: int
    uid: str
    cite: str
    title: str
    format: str
    kind: str = Field(description="the counting standard's activity kind")
    theme: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    status: Literal["scheduled", "cancelled"]
    site: str | None
    online: bool
    capacity: int | None
    seats_left: int | None
    participants: int | None = Field(None, description="attendance, once entered")


class AgendaQuery(s.Schema):
    cite: s.Slug | None = None
    country: s.Annotated[str, s.StringConstraints(pattern=r"^[A-Za-z]{2}$")] | None = None
    theme: s.ThemeCode | None = None
    format: Literal[tuple(Format.values)] | None = None
    start: s.Day | None = Field(None, alias="from")
    end: s.Day | None = Field(None, alias="to")
    language: s.Annotated[str, s.StringConstraints(pattern=r"^[a-z]{2}$")] | None = None
    online: bool = False
    free: bool = False


class SessionsQuery(s.Schema):
    cite: s.Slug | None = None
    start: s.Day | None = Field(None, alias="from")
    end: s.Day | None = Field(None, alias="to")


class Tally(s.Schema):
    age_band: dict[Literal[tuple(AgeBand.values)], int] | None = None
    gender: dict[Literal[tuple(Gender.values)], int] | None = None
    status: dict[Literal[tuple(Status.values)], int] | None = None


class AttendanceIn(s.Schema):
    participants: int | None = Field(None, ge=0, le=100000)
    tally: Tally | None = None
    entry: uuid.UUID | None = Field(
        None,
        description="the entry's idempotency key (a device's outbox): an entry already applied is not applied again",
    )


class AttendanceOut(s.Schema):
    session: int
    participants: int
    tally: dict
    activity: str = Field(description="the uid of the counting standard's activity row")


def _out(session: Session, *, public: bool = False) -> dict:
    event = session.event
    attendance = None if public or not hasattr(session, "attendance") else session.attendance
    return {
        "id": session.pk,
        "uid": str(session.uid),
        "cite": event.cite.slug,
        "title": event.title_text().text,
        "format": event.format,
        "kind": event.kind,
        "theme": event.theme,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "status": session.status,
        "site": session.site.slug if session.site_id else None,
        "online": bool(event.online_url),
        "capacity": session.capacity,
        "seats_left": session.seats_left,
        "participants": attendance.participants if attendance else None,
    }


def _session(request, session_id: int) -> Session:
    session = Session.objects.select_related("event", "event__cite", "site").filter(pk=session_id).first()
    if session is None:
        raise HttpError(404, _("aucune séance %(v)s") % {"v": session_id})
    require(request.auth, Action.VIEW, session)
    return session


@programme.get("/sessions", response={200: list[SessionOut], **REFUSED}, summary="A Cité's sessions")
@scoped
def sessions_list(request, q: Query[SessionsQuery]):
    user = request.auth
    require(user, Action.VIEW, Session)
    cites = Cite.objects.all() if user.is_network_wide else Cite.objects.filter(pk__in=user.cite_ids)
    if q.cite:
        cite = cites.filter(slug=q.cite).first()
        if cite is None:
            raise HttpError(404, _("cite : aucune Cité de votre périmètre"))
    else:
        found = list(cites[:2])
        if len(found) != 1:
            raise HttpError(400, _("cite : précisez la Cité"))
        cite = found[0]
    require(user, Action.VIEW, Session(cite=cite))
    return [_out(x) for x in selectors.cite_sessions(cite, start=q.start, end=q.end)[:MAX_SESSIONS]]


@programme.get("/sessions/{session_id}", response={200: SessionOut, **REFUSED}, summary="One session")
@scoped
def session_get(request, session_id: int):
    return _out(_session(request, session_id))


@programme.put(
    "/sessions/{session_id}/attendance",
    response={200: AttendanceOut, **REFUSED},
    summary="Who came: a count, or a tally by age band, gender and status",
)
@scoped
def attendance_put(request, session_id: int, payload: AttendanceIn):
    session = _session(request, session_id)
    tally = {k: v for k, v in (payload.tally.model_dump() if payload.tally else {}).items() if v}
    try:
        attendance = services.attendance_record(
            user=request.auth,
            session=session,
            participants=payload.participants,
            tally=tally,
            entry=str(payload.entry) if payload.entry else None,
        )
    except services.ProgrammeError as exc:
        raise HttpError(exc.status if exc.status != 400 else 422, f"{exc.field} : {exc.message}") from None
    session.refresh_from_db()
    return {
        "session": session.pk,
        "participants": attendance.participants,
        "tally": attendance.tally,
        "activity": session.activity.uid,
    }


@programme.get("/agenda", response={200: list[SessionOut], **REFUSED}, auth=None, summary="The public agenda")
def agenda(request, q: Query[AgendaQuery]):
    """Public: published sessions from today (or ``from``), with the agenda's filters."""
    f = selectors.AgendaFilter(
        cite=q.cite or "",
        country=(q.country or "").upper(),
        theme=q.theme or "",
        format=q.format or "",
        start=q.start,
        end=q.end,
        language=q.language or "",
        online=q.online,
        free=q.free,
    )
    sessions = selectors.public_sessions(f, start=q.start or timezone.localdate(), limit=MAX_SESSIONS)
    return [_out(x, public=True) for x in sessions]
