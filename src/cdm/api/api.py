"""The CDM API (OpenAPI 3 at /api/openapi.json, docs at /api/docs).

Authentication: ``Authorization: Bearer <token>`` for devices (``cdm token create``), or the
staff session (with its CSRF token) for the desk's own pages. Either way the request runs in
its user's Cité scope (``CiteScopeMiddleware``): another Cité's objects do not exist.
"""

import datetime
import functools
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth
from pydantic import Field

from cdm.accounts.models import User
from cdm.accounts.permissions import Action, may, require
from cdm.accounts.scoping import network_scope, user_scope
from cdm.accounts.tokens import token_user
from cdm.activity.models import Interview, Visit
from cdm.desk import selectors, services
from cdm.desk.models import QueueTicket, TicketStatus
from cdm.desk.services import DeskError
from cdm.lib.actor import acting_user
from cdm.network.models import Cite
from cdm.network.vocabularies import Channel
from cdm.stats.period_args import PeriodError

from . import schemas as s

# The largest body an operation reads: a visit or a transfer is a few hundred bytes.
MAX_BODY_BYTES = 64 * 1024


class DeviceToken(HttpBearer):
    """``Authorization: Bearer cdm_…``: the device's account, marked as a device (``user.device_token``)."""

    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


class BodyTooLarge(Exception):
    pass


class ObjectParser(Parser):
    """A request body is one JSON object of at most ``MAX_BODY_BYTES``, never a list or a bare value."""

    def parse_body(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
            raise BodyTooLarge
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("a JSON object is expected")
        return data


api = NinjaAPI(
    parser=ObjectParser(),
    title="CDM API",
    version="1.0",
    description=__doc__,
    auth=[DeviceToken(), django_auth],
    urls_namespace="api",
)


def scoped(view):
    """Every operation runs in its user's Cité scope, with the user as the audit log's actor.

    A session's request is scoped by ``CiteScopeMiddleware`` already; a device's is authenticated
    only here, by its token, so its scope opens here (nested scopes of the same user are the same).
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.auth
        with acting_user(user), user_scope(user):
            return view(request, *args, **kwargs)

    return wrapper


REFUSED = s.REFUSED


def _errors(field: str, reason: str) -> dict:
    return {"errors": [{"field": field, "reason": reason}]}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    problems = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", []) if p not in ("body", "query", "path", "payload", "data")]
        problems.append({"field": ".".join(loc), "reason": _reason(error)})
    return api.create_response(request, {"errors": problems}, status=422)


def _reason(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        return _("valeur non permise ; valeurs permises : %(v)s") % {"v": ctx.get("expected", "")}
    if kind == "string_pattern_mismatch":
        return _("format invalide (caractères ou longueur non permis)")
    if kind == "missing":
        return _("valeur obligatoire manquante")
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("un nombre entier est attendu")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return _("nombre hors des limites permises")
    if kind.startswith("date") or kind.startswith("time"):
        return _("date ou heure invalide (AAAA-MM-JJ, HH:MM)")
    if kind.startswith("bool"):
        return _("true ou false est attendu")
    if kind in {"string_type", "dict_type", "model_type", "list_type"}:
        return _("type de valeur invalide")
    if kind == "value_error":
        return _("valeur invalide : %(m)s") % {"m": str(ctx.get("error", error.get("msg", "")))[:200]}
    return str(error.get("msg", kind))[:200]


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, _errors("", _("authentification requise (jeton ou session)")), status=401
    )


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    reason = str(exc) or _("votre rôle ne permet pas cette action ici")
    return api.create_response(request, _errors("", reason), status=403)


@api.exception_handler(BodyTooLarge)
@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    reason = _("corps de requête trop grand : %(n)d octets au plus") % {"n": MAX_BODY_BYTES}
    return api.create_response(request, _errors("", reason), status=413)


@api.exception_handler(PeriodError)
def on_period_error(request, exc: PeriodError):
    return api.create_response(request, _errors(getattr(exc, "field", ""), str(exc)), status=400)


@api.exception_handler(DeskError)
def on_desk_error(request, exc: DeskError):
    return api.create_response(request, _errors(exc.field, exc.message), status=exc.status)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, BodyTooLarge | RequestDataTooBig):  # ninja wraps the parser's refusal
        return on_body_too_large(request, exc.__cause__)
    message = str(exc)
    if message.startswith("Cannot parse request body"):
        message = _("corps de requête illisible : un objet JSON est attendu")
    return api.create_response(request, _errors("", message), status=exc.status_code)


def _user(request: HttpRequest) -> User:
    return request.auth


def _visit_out(visit: Visit, ticket=...) -> dict:
    if ticket is ...:  # not known by the caller: look it up
        ticket = getattr(visit, "ticket", None) if hasattr(visit, "ticket") else None
    return {
        "uid": visit.uid,
        "cite": visit.cite.slug,
        "site": visit.site.slug if visit.site_id else None,
        "date": visit.date,
        "time": visit.time.strftime("%H:%M") if visit.time else None,
        "channel": visit.channel,
        "theme": visit.theme,
        "pole": visit.pole.code if visit.pole_id else None,
        "outcome": visit.outcome,
        "age_band": visit.age_band,
        "gender": visit.gender,
        "status": visit.status,
        "first_visit": visit.first_visit,
        "ticket": ticket.code if ticket else None,
    }


def _ticket_out(t: QueueTicket) -> dict:
    return {
        "id": t.pk,
        "code": t.code,
        "cite": t.cite.slug,
        "theme": t.theme,
        "status": t.status,
        "arrived_at": t.arrived_at,
        "called_at": t.called_at,
        "counsellor": t.counsellor.username if t.counsellor_id else None,
        "place": t.place,
        "reserved_for": t.reserved_for.username if t.reserved_for_id else None,
    }


def _interview_out(interview: Interview) -> dict:
    return {
        "visit": interview.visit.uid,
        "partner": interview.partner.slug if interview.partner_id else None,
        "duration_minutes": interview.duration_minutes,
        "waited_minutes": interview.waited_minutes,
    }


def _visit(request, uid: str) -> Visit:
    visit = Visit.objects.select_related("cite", "site", "pole").filter(uid=uid).first()
    if visit is None:
        raise HttpError(404, _("aucune visite « %(v)s »") % {"v": uid[:64]})
    require(_user(request), Action.VIEW, visit)
    return visit


def _ticket(request, ticket_id: int) -> QueueTicket:
    ticket = QueueTicket.objects.select_related("cite", "visit").filter(pk=ticket_id).first()
    if ticket is None:
        raise HttpError(404, _("aucun ticket %(v)s") % {"v": ticket_id})
    require(_user(request), Action.VIEW, ticket)
    return ticket


visits = Router(tags=["visits"])
queue = Router(tags=["queue"])
visits.add_decorator(scoped)
queue.add_decorator(scoped)
public = Router(tags=["public"], auth=None)


@visits.post(
    "", response={200: s.VisitOut, 201: s.VisitOut, **REFUSED}, summary="Record a visit (idempotent by uid)"
)
def visit_create(request, payload: s.VisitIn):
    user = _user(request)
    cite = services.cite_for(user, payload.cite)
    data = payload.model_dump(exclude={"cite"})
    if data["time"]:
        data["time"] = datetime.time.fromisoformat(data["time"])
    recorded = services.visit_record(user=user, cite=cite, **data)
    return Status(201 if recorded.created else 200, _visit_out(recorded.visit, recorded.ticket))


class VisitFilter(s.Schema):
    date: s.Day | None = None
    cite: s.Slug | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@visits.get("", response={200: list[s.VisitOut], **REFUSED}, summary="List visits of a day (default today)")
def visit_list(request, filters: Query[VisitFilter]):
    require(_user(request), Action.VIEW, Visit)
    day = filters.date or timezone.localdate()
    qs = (
        Visit.objects.filter(date=day).select_related("cite", "site", "pole", "ticket").order_by("time", "pk")
    )
    if filters.cite:
        qs = qs.filter(cite__slug=filters.cite)
    return [_visit_out(v) for v in qs[filters.offset : filters.offset + filters.limit]]


@visits.get("/{uid}", response={200: s.VisitOut, **REFUSED}, summary="One visit")
def visit_detail(request, uid: s.Uid):
    return _visit_out(_visit(request, uid))


@visits.patch(
    "/{uid}", response={200: s.VisitOut, **REFUSED}, summary="Correct a visit (same day, its agent)"
)
def visit_patch(request, uid: s.Uid, payload: s.VisitPatch):
    visit = services.visit_update(user=_user(request), visit=_visit(request, uid), **payload.model_dump())
    return _visit_out(visit)


@visits.delete("/{uid}", response={204: None, **REFUSED}, summary="Delete a visit (same day, its agent)")
def visit_remove(request, uid: s.Uid):
    services.visit_delete(user=_user(request), visit=_visit(request, uid))
    return Status(204, None)


@visits.put(
    "/{uid}/interview", response={200: s.InterviewOut, **REFUSED}, summary="Add an interview's details"
)
def interview_put(request, uid: s.Uid, payload: s.InterviewIn):
    interview = services.interview_write(
        user=_user(request),
        visit=_visit(request, uid),
        partner=payload.partner,
        duration_minutes=payload.duration_minutes,
    )
    return _interview_out(interview)


class CiteQuery(s.Schema):
    cite: s.Slug | None = None


@queue.get("", response={200: s.QueueOut, **REFUSED}, summary="Today's waiting list and calls")
def queue_list(request, q: Query[CiteQuery]):
    user = _user(request)
    require(user, Action.VIEW, QueueTicket)
    cite_ids = (
        [services.cite_for(user, q.cite).pk]
        if q.cite or not user.is_network_wide
        else list(Cite.objects.values_list("pk", flat=True))
    )
    data = selectors.queue_for(cite_ids=cite_ids)
    return {k: [_ticket_out(t) for t in v] for k, v in data.items()}


@queue.post("/next", response={200: s.TicketOut, 204: None, **REFUSED}, summary="Call the next visitor")
def queue_next(request, payload: s.CallNextIn):
    user = _user(request)
    ticket = services.ticket_call_next(
        user=user, cite=services.cite_for(user, payload.cite), theme=payload.theme
    )
    if ticket is None:
        return Status(204, None)
    return _ticket_out(
        QueueTicket.objects.select_related("cite", "counsellor", "reserved_for").get(pk=ticket.pk)
    )


TicketId = s.Annotated[int, Field(ge=1, le=2**62)]


@queue.post("/{ticket_id}/call", response={200: s.TicketOut, **REFUSED}, summary="Call a chosen visitor")
def queue_call(request, ticket_id: TicketId):
    return _ticket_out(services.ticket_call(user=_user(request), ticket=_ticket(request, ticket_id)))


@queue.post(
    "/{ticket_id}/transfer",
    response={200: s.TicketOut, **REFUSED},
    summary="Transfer to a theme or a counsellor",
)
def queue_transfer(request, ticket_id: TicketId, payload: s.TransferIn):
    ticket = _ticket(request, ticket_id)
    counsellor = None
    if payload.counsellor:
        # Looked up among the ticket's Cité's staff only: another Cité's accounts do not exist here.
        counsellor = User.objects.filter(
            username=payload.counsellor, is_active=True, cites=ticket.cite_id
        ).first()
        if counsellor is None or not may(counsellor, Action.COUNSEL, ticket):
            raise DeskError("counsellor", _("aucun conseiller « %(v)s »") % {"v": payload.counsellor})
    return _ticket_out(
        services.ticket_transfer(
            user=_user(request), ticket=ticket, theme=payload.theme, counsellor=counsellor
        )
    )


@queue.post("/{ticket_id}/close", response={200: s.InterviewOut, **REFUSED}, summary="Close the interview")
def queue_close(request, ticket_id: TicketId):
    return _interview_out(services.ticket_close(user=_user(request), ticket=_ticket(request, ticket_id)))


@queue.post(
    "/{ticket_id}/left",
    response={200: s.TicketOut, **REFUSED},
    summary="The visitor left before being called",
)
def queue_left(request, ticket_id: TicketId):
    return _ticket_out(services.ticket_left(user=_user(request), ticket=_ticket(request, ticket_id)))


@queue.get("/today", response={200: s.TodayOut, **REFUSED}, summary="The Cité's day at a glance")
def today(request, q: Query[CiteQuery]):
    user = _user(request)
    cite = services.cite_for(user, q.cite)
    require(user, Action.VIEW, cite)
    require(user, Action.VIEW, Visit)  # the day's exact counts: for those who read its visits
    return selectors.today_figures(cite=cite)


@public.get(
    "/{cite}/now-calling",
    response={200: list[s.NowCallingOut], 404: s.Errors, 422: s.Errors},
    summary="The waiting room's screen",
)
def now_calling(request, cite: s.Slug):
    """Public: ticket codes and places only — nothing about a visitor."""
    with network_scope():
        target = Cite.objects.filter(slug=cite).first()
        if target is None:
            raise HttpError(404, _("aucune Cité « %(v)s »") % {"v": cite})
        since = timezone.now() - datetime.timedelta(hours=settings.NOW_CALLING_HOURS)
        tickets = QueueTicket.objects.filter(
            cite=target,
            status__in=[TicketStatus.CALLED, TicketStatus.CLOSED],
            called_at__gte=since,
            visit__channel=Channel.IN_PERSON,
        ).order_by("-called_at")[:8]
        return [{"code": t.code, "place": t.place, "called_at": t.called_at} for t in tickets]


api.add_router("/visits", visits)
api.add_router("/queue", queue)
from .figures import figures  # noqa: E402 - the figures' router uses this module's shapes

api.add_router("/figures", figures)
api.add_router("/public", public)
api.add_router("/programme", "cdm.api.programme.programme")
api.add_router("/network-life", "cdm.api.governance.life")
