"""The network's own life through the API, read only: bodies and officers, meetings with their
decisions and papers, members' milestones, representation, the network's seminars (the Autumn
School), the titles awarded to counsellors (professionalisation), projects.

Every answer asks the one rule: may the user read this kind of record (403), is the Cité named
theirs (404, like any object of another Cité), may they read this object (a coordination-only
body's meeting: 403). Files are never in the API's answers, only whether one exists: they are
downloaded from the staff pages, by the same rule.
"""

import datetime

from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from pydantic import Field

from cdm.accounts.permissions import Action, may, require
from cdm.accounts.scoping import network_scope
from cdm.governance import models as m
from cdm.governance.selectors import visible
from cdm.network.models import Cite

from . import schemas as s
from .api import scoped

REFUSED = s.REFUSED

life = Router(tags=["network life"])


life.add_decorator(scoped)  # the user's scope and the audit log's actor, as every router of the API


class YearQuery(s.Schema):
    year: int | None = Field(None, ge=1990, le=2100)


class MilestoneQuery(YearQuery):
    cite: s.Slug | None = None


class MandateOut(s.Schema):
    person: str
    office: str
    office_label: str
    from_cite: str | None
    started_on: datetime.date
    ended_on: datetime.date | None


class BodyOut(s.Schema):
    id: int
    kind: str
    name: str
    open_to_managers: bool
    mandates: list[MandateOut]


class DecisionOut(s.Schema):
    text: str
    outcome: str
    votes_for: int | None
    votes_against: int | None
    abstentions: int | None


class DocumentOut(s.Schema):
    id: int
    kind: str
    title: str
    status: str
    has_file: bool


class MeetingOut(s.Schema):
    id: int
    body: int
    body_name: str
    date: datetime.date
    place: str
    online: bool
    participants: int | None
    has_minutes: bool
    demo: bool


class MeetingDetailOut(MeetingOut):
    agenda: list[str]
    decisions: list[DecisionOut]
    documents: list[DocumentOut]


class MilestoneOut(s.Schema):
    cite: str
    kind: str
    date: datetime.date
    precision: str
    text: str
    demo: bool


class EventOut(s.Schema):
    title: str
    role: str
    organiser: str
    place: str
    online: bool
    starts_on: datetime.date
    ends_on: datetime.date | None
    cites_present: list[str]
    stand: bool
    workshops: int
    round_tables: int


class DelegationOut(s.Schema):
    date: datetime.date
    end_date: datetime.date | None
    organisation: str
    country: str
    online: bool


class InterventionOut(s.Schema):
    date: datetime.date
    place: str
    online: bool
    theme: str
    organiser: str
    audience: str


class MembershipOut(s.Schema):
    name: str
    acronym: str
    since: datetime.date | None
    until: datetime.date | None


class RepresentationOut(s.Schema):
    events: list[EventOut]
    delegations: list[DelegationOut]
    interventions: list[InterventionOut]
    memberships: list[MembershipOut]


class SeminarOut(s.Schema):
    id: int
    title: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    host: str | None
    place: str
    country: str
    online: bool
    participants: int | None
    workshops: int
    cites_present: list[str]
    description: str
    url: str
    demo: bool


class AccreditationOut(s.Schema):
    title: str
    person: str
    cite: str
    awarded_on: datetime.date
    valid_until: datetime.date | None
    seminar: int | None
    demo: bool


class PartnerOut(s.Schema):
    organisation: str
    country: str
    role: str


class ProjectMilestoneOut(s.Schema):
    kind: str
    title: str
    place: str
    date: datetime.date


class DeliverableOut(s.Schema):
    title: str
    kind: str
    date: datetime.date | None
    link: str
    has_file: bool


class ProjectOut(s.Schema):
    id: int
    title: str
    programme: str
    role: str
    started_on: datetime.date
    ended_on: datetime.date | None
    objectives: list[str]
    partners: list[PartnerOut]
    milestones: list[ProjectMilestoneOut]
    deliverables: list[DeliverableOut]


def _meeting(meeting: m.Meeting, detail: bool = False) -> dict:
    out = {
        "id": meeting.pk,
        "body": meeting.body_id,
        "body_name": str(meeting.body),
        "date": meeting.date,
        "place": meeting.place,
        "online": meeting.online,
        "participants": meeting.participants,
        "has_minutes": bool(meeting.minutes),
        "demo": meeting.demo,
    }
    if detail:
        out["agenda"] = meeting.agenda_items
        out["decisions"] = [
            {
                "text": d.text,
                "outcome": d.outcome,
                "votes_for": d.votes_for,
                "votes_against": d.votes_against,
                "abstentions": d.abstentions,
            }
            for d in meeting.decisions.all()
        ]
        out["documents"] = [
            {"id": d.pk, "kind": d.kind, "title": str(d), "status": d.status, "has_file": bool(d.file)}
            for d in meeting.documents.all()
        ]
    return out


@life.get("/bodies", response={200: list[BodyOut], **REFUSED}, summary="The bodies and their officers")
def bodies(request):
    user = request.auth
    require(user, Action.VIEW, m.Body)
    return [
        {
            "id": b.pk,
            "kind": b.kind,
            "name": str(b),
            "open_to_managers": b.open_to_managers,
            "mandates": [
                {
                    "person": x.person,
                    "office": x.office,
                    "office_label": x.office_label,
                    "from_cite": x.from_cite.slug if x.from_cite_id else None,
                    "started_on": x.started_on,
                    "ended_on": x.ended_on,
                }
                for x in b.mandates.select_related("from_cite")
            ],
        }
        for b in visible(user, m.Body.objects.all())
    ]


@life.get("/meetings", response={200: list[MeetingOut], **REFUSED}, summary="Meetings of the bodies")
def meetings(request, q: Query[YearQuery]):
    user = request.auth
    require(user, Action.VIEW, m.Meeting)
    rows = visible(user, m.Meeting.objects.select_related("body"))
    if q.year:
        rows = rows.filter(date__year=q.year)
    return [_meeting(x) for x in rows]


@life.get(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, **REFUSED},
    summary="A meeting: agenda, decisions with their vote, papers",
)
def meeting_detail(request, meeting_id: s.Annotated[int, Field(ge=1, le=2**62)]):
    user = request.auth
    require(user, Action.VIEW, m.Meeting)
    meeting = m.Meeting.objects.select_related("body").filter(pk=meeting_id).first()
    if meeting is None:
        raise HttpError(404, _("aucune réunion %(v)s") % {"v": meeting_id})
    require(user, Action.VIEW, meeting)
    return _meeting(meeting, detail=True)


def _of_cite(rows, user, slug: str | None):
    """``rows`` of the Cité ``slug`` when one is asked (404 outside the user's Cités), else all of them."""
    if not slug:
        return rows
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
    if cite is None or not may(user, Action.VIEW, cite.pk):
        raise HttpError(404, _("cite : aucune Cité de votre périmètre"))
    return rows.filter(cite=cite)


@life.get("/milestones", response={200: list[MilestoneOut], **REFUSED}, summary="Members' milestones")
def milestones(request, q: Query[MilestoneQuery]):
    user = request.auth
    require(user, Action.VIEW, m.Milestone)
    rows = m.Milestone.objects.select_related("cite")  # the user's scope: their Cités' rows only
    rows = _of_cite(rows, user, q.cite)
    if q.year:
        rows = rows.filter(date__year=q.year)
    return [
        {
            "cite": x.cite.slug,
            "kind": x.kind,
            "date": x.date,
            "precision": x.precision,
            "text": x.text,
            "demo": x.demo,
        }
        for x in rows
    ]


@life.get(
    "/representation",
    response={200: RepresentationOut, **REFUSED},
    summary="Events, delegations, interventions, memberships of European networks",
)
def representation(request, q: Query[YearQuery]):
    user = request.auth
    require(user, Action.VIEW, m.RepresentationEvent)
    events = m.RepresentationEvent.objects.prefetch_related("cites_present")
    delegations, interventions = m.Delegation.objects.all(), m.Intervention.objects.all()
    if q.year:
        events = events.filter(starts_on__year=q.year)
        delegations = delegations.filter(date__year=q.year)
        interventions = interventions.filter(date__year=q.year)
    return {
        "events": [
            {
                "title": e.title,
                "role": e.role,
                "organiser": e.organiser,
                "place": e.place,
                "online": e.online,
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
                "cites_present": sorted(c.slug for c in e.cites_present.all()),
                "stand": e.stand,
                "workshops": e.workshops,
                "round_tables": e.round_tables,
            }
            for e in events
        ],
        "delegations": [
            {
                "date": d.date,
                "end_date": d.end_date,
                "organisation": d.organisation,
                "country": str(d.country),
                "online": d.online,
            }
            for d in delegations
        ],
        "interventions": [
            {
                "date": i.date,
                "place": i.place,
                "online": i.online,
                "theme": i.theme,
                "organiser": i.organiser,
                "audience": i.audience,
            }
            for i in interventions
        ],
        "memberships": [
            {"name": x.name, "acronym": x.acronym, "since": x.since, "until": x.until}
            for x in m.NetworkMembership.objects.all()
        ],
    }


@life.get(
    "/seminars",
    response={200: list[SeminarOut], **REFUSED},
    summary="The network's seminars (the Autumn School)",
)
def seminars(request, q: Query[YearQuery]):
    user = request.auth
    require(user, Action.VIEW, m.NetworkSeminar)
    rows = m.NetworkSeminar.objects.select_related("host").prefetch_related("cites_present")
    if q.year:
        rows = rows.filter(starts_on__year=q.year)
    return [
        {
            "id": x.pk,
            "title": x.title,
            "kind": x.kind,
            "starts_on": x.starts_on,
            "ends_on": x.ends_on,
            "host": x.host.slug if x.host_id else None,
            "place": x.place,
            "country": str(x.country),
            "online": x.online,
            "participants": x.participants,
            "workshops": x.workshops,
            "cites_present": sorted(c.slug for c in x.cites_present.all()),
            "description": x.description,
            "url": x.url,
            "demo": x.demo,
        }
        for x in rows
    ]


@life.get(
    "/accreditations",
    response={200: list[AccreditationOut], **REFUSED},
    summary="Titles awarded to counsellors (Master Trainer, Conseiller-Formateur)",
)
def accreditations(request, q: Query[MilestoneQuery]):
    user = request.auth
    require(user, Action.VIEW, m.Accreditation)
    rows = m.Accreditation.objects.select_related("cite")  # the user's scope: their Cités' rows only
    rows = _of_cite(rows, user, q.cite)
    if q.year:
        rows = rows.filter(awarded_on__year=q.year)
    return [
        {
            "title": x.title,
            "person": x.person,
            "cite": x.cite.slug,
            "awarded_on": x.awarded_on,
            "valid_until": x.valid_until,
            "seminar": x.seminar_id,
            "demo": x.demo,
        }
        for x in rows
    ]


def _project(p: m.Project) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "programme": p.programme,
        "role": p.role,
        "started_on": p.started_on,
        "ended_on": p.ended_on,
        "objectives": p.objective_items,
        "partners": [
            {"organisation": x.organisation, "country": str(x.country), "role": x.role}
            for x in p.partners.all()
        ],
        "milestones": [
            {"kind": x.kind, "title": x.label, "place": x.place, "date": x.date} for x in p.milestones.all()
        ],
        "deliverables": [
            {"title": x.title, "kind": x.kind, "date": x.date, "link": x.link, "has_file": bool(x.file)}
            for x in p.deliverables.all()
        ],
    }


@life.get("/projects", response={200: list[ProjectOut], **REFUSED}, summary="Projects, partners, milestones")
def projects(request, q: Query[YearQuery]):
    user = request.auth
    require(user, Action.VIEW, m.Project)
    rows = m.Project.objects.prefetch_related("partners", "milestones", "deliverables")
    return [_project(p) for p in rows if not q.year or p.runs_in(q.year)]


@life.get("/projects/{project_id}", response={200: ProjectOut, **REFUSED}, summary="A project")
def project_detail(request, project_id: s.Annotated[int, Field(ge=1, le=2**62)]):
    user = request.auth
    require(user, Action.VIEW, m.Project)
    project = m.Project.objects.filter(pk=project_id).first()
    if project is None:
        raise HttpError(404, _("aucun projet %(v)s") % {"v": project_id})
    require(user, Action.VIEW, project)
    return _project(project)
