"""Reading the network's life: what a user may see, a Cité's public timeline, the report's sections.

Every permission question is asked of the one rule (``cdm.accounts.permissions.may``). Public
readers (the Cité's page, the report) open the network scope explicitly: milestones and contacts
are Cité-owned rows.
"""

import datetime
from collections import Counter, OrderedDict

from django.db.models import Count, Q
from django.utils import translation
from django_countries import countries

from cdm.accounts.permissions import NETWORK, Action, may
from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite

from .models import (
    Accreditation,
    AccreditationTitle,
    Body,
    BodyKind,
    CiteContact,
    Delegation,
    Intervention,
    Mandate,
    Meeting,
    Milestone,
    MilestoneKind,
    NetworkContact,
    NetworkMembership,
    NetworkSeminar,
    Project,
    RepresentationEvent,
)
from .timeline import project_timeline_svg


def visible(user, queryset):
    """The rows of ``queryset`` the user may read: all of them for the coordination; without the
    papers of coordination-only bodies for everybody else (the rule's ``coordination_only``)."""
    if not may(user, Action.VIEW, queryset.model):
        return queryset.none()
    if may(user, Action.ADMINISTER, NETWORK):
        return queryset
    body_path = {
        "body": "",
        "meeting": "body__",
        "decision": "meeting__body__",
        "assemblydocument": "meeting__body__",
    }.get(queryset.model._meta.model_name)
    if body_path is None:
        return queryset
    return queryset.filter(**{f"{body_path}open_to_managers": True})


def cite_timeline(cite: Cite) -> list[Milestone]:
    """A Cité's public milestones, oldest first (its public page)."""
    with network_scope():
        return list(
            Milestone.objects.filter(cite=cite, public=True).select_related("cite").order_by("date", "pk")
        )


def cite_contact(cite: Cite):
    """A Cité's public contacts, or None."""
    with network_scope():
        return CiteContact.objects.filter(cite=cite).first()


def network_contact() -> NetworkContact | None:
    return NetworkContact.objects.first()


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def governance_section(year: int) -> dict | None:
    """Bodies, their officers in the year, how many times each met; the year's General Assembly."""
    start, end = _year_range(year)
    bodies = []
    for body in Body.objects.annotate(
        meetings_in_year=Count("meetings", filter=Q(meetings__date__range=(start, end)))
    ).order_by("position", "pk"):
        officers = [
            m
            for m in Mandate.objects.filter(body=body)
            .select_related("from_cite")
            .order_by("office", "started_on")
            if m.active_in(year)
        ]
        if not body.meetings_in_year and not officers:
            continue
        assemblies = []
        if body.kind == BodyKind.GENERAL_ASSEMBLY:
            assemblies = list(
                Meeting.objects.filter(body=body, date__range=(start, end))
                .prefetch_related("documents", "decisions")
                .order_by("date")
            )
        bodies.append(
            {"body": body, "meetings": body.meetings_in_year, "officers": officers, "assemblies": assemblies}
        )
    if not bodies:
        return None
    return {"bodies": bodies}


def state_section(year: int) -> dict | None:
    """The members' milestones of the year, and what they count: new members, labels."""
    start, end = _year_range(year)
    milestones = list(
        Milestone.objects.filter(date__range=(start, end)).select_related("cite").order_by("date", "pk")
    )
    if not milestones:
        return None
    kinds = Counter(m.kind for m in milestones)
    labelled = {
        m.cite_id
        for m in milestones
        if m.kind in (MilestoneKind.LABEL_OPERATING, MilestoneKind.LABEL_PROJECT)
    }
    # One sentence per Cité, in the order of its first milestone of the year.
    by_cite: OrderedDict[int, list[Milestone]] = OrderedDict()
    for m in milestones:
        by_cite.setdefault(m.cite_id, []).append(m)
    return {
        "milestones": milestones,
        "by_cite": list(by_cite.values()),
        "new_members": kinds[MilestoneKind.JOINED],
        "labelled": len(labelled),
        "renewed": kinds[MilestoneKind.LABEL_RENEWED],
        "inaugurated": kinds[MilestoneKind.INAUGURATED],
        "highlights": [m.sentence for m in milestones],
    }


def representation_section(year: int) -> dict | None:
    start, end = _year_range(year)
    events = list(
        RepresentationEvent.objects.filter(starts_on__range=(start, end))
        .prefetch_related("cites_present")
        .order_by("starts_on", "pk")
    )
    delegations = list(Delegation.objects.filter(date__range=(start, end)).order_by("date", "pk"))
    interventions = list(Intervention.objects.filter(date__range=(start, end)).order_by("date", "pk"))
    memberships = [
        m
        for m in NetworkMembership.objects.order_by("name")
        if (m.since is None or m.since <= end) and (m.until is None or m.until >= start)
    ]
    if not (events or delegations or interventions):
        return None
    return {
        "events": events,
        "delegations": delegations,
        "interventions": interventions,
        "memberships": memberships,
    }


def seminars_section(year: int) -> list[NetworkSeminar] | None:
    """The network's seminars of the year (the Autumn School): dates, host, participants, Cités present."""
    start, end = _year_range(year)
    seminars = list(
        NetworkSeminar.objects.filter(starts_on__range=(start, end))
        .select_related("host")
        .prefetch_related("cites_present")
        .order_by("starts_on", "pk")
    )
    return seminars or None


def professionalisation_section(year: int) -> dict | None:
    """The titles awarded in the year (Master Trainer, Conseiller-Formateur): counted by title, and listed."""
    start, end = _year_range(year)
    awarded = list(
        Accreditation.objects.filter(awarded_on__range=(start, end))
        .select_related("cite", "seminar")
        .order_by("awarded_on", "person", "pk")
    )
    if not awarded:
        return None
    counts = Counter(a.title for a in awarded)
    return {
        "accreditations": awarded,
        "by_title": [
            {"title": title, "label": title.label, "count": counts[title]}
            for title in AccreditationTitle
            if counts[title]
        ],
    }


def projects_section(year: int) -> list[dict] | None:
    projects = [
        p
        for p in Project.objects.prefetch_related("partners", "milestones", "deliverables")
        if p.runs_in(year)
    ]
    if not projects:
        return None
    return [project_context(p) for p in projects]


def project_context(project: Project) -> dict:
    partners = list(project.partners.all())
    country_codes = sorted({str(p.country) for p in partners})
    return {
        "project": project,
        "partners": partners,
        "countries": [countries.name(c) for c in country_codes],
        "milestones": list(project.milestones.order_by("date", "pk")),
        "deliverables": list(project.deliverables.order_by("date", "pk")),
        "timeline_svg": project_timeline_svg(project),
        "closed_in": project.ended_on.year if project.ended_on else None,
    }


def contacts_section() -> dict | None:
    network = network_contact()
    cites = list(CiteContact.objects.select_related("cite").order_by("cite__name"))
    if network is None and not cites:
        return None
    return {"network": network, "cites": cites}


def report_sections_contacts() -> dict | None:
    with network_scope():
        return contacts_section()


def report_sections(year: int, language: str | None = None) -> dict:
    """The annual report's sections on the network's life, in ``language``; a section without data is None."""
    with translation.override(language or translation.get_language() or "fr"), network_scope():
        return {
            "governance": governance_section(year),
            "state": state_section(year),
            "representation": representation_section(year),
            "seminars": seminars_section(year),
            "professionalisation": professionalisation_section(year),
            "projects": projects_section(year),
            "contacts": contacts_section(),
            "year": year,
        }


def summary_line(state: dict | None, year: int) -> str:
    """« 1 nouvelle Cité labellisée en 2024 »."""
    n = state["labelled"] if state else 0
    return translation.ngettext(
        "%(n)d nouvelle Cité labellisée en %(year)d", "%(n)d nouvelles Cités labellisées en %(year)d", n
    ) % {"n": n, "year": year}
