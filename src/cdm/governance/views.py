"""The coordination's pages on the network's life: lists, detail pages, forms, private files.

One set of views serves every kind of record (``KINDS``). Each asks the one rule: may the user
read this kind at all (403), does the object exist in their scope (404), may they read or change
this object (403).
"""

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cdm.accounts.permissions import Action, may, require

from . import models as m
from . import selectors, services
from .files import CONTENT_TYPES
from .forms import DecisionFormSet, form_for


@dataclass
class Kind:
    slug: str
    model: type
    title: str
    columns: list[str] = field(default_factory=list)
    date_field: str | None = None
    filters: list[str] = field(default_factory=list)
    formsets: list = field(default_factory=list)
    group: str = ""


GOVERNANCE, MEMBERS, REPRESENTATION, PROFESSIONALISATION, PROJECTS, CONTACTS = (
    _("Gouvernance"),
    _("Vie des membres"),
    _("Représentation"),
    _("Professionnalisation"),
    _("Projets"),
    _("Contacts"),
)

KINDS = {
    k.slug: k
    for k in [
        Kind("bodies", m.Body, _("Instances"), ["kind", "open_to_managers"], group=GOVERNANCE),
        Kind(
            "mandates",
            m.Mandate,
            _("Mandats"),
            ["body", "office", "from_cite", "started_on", "ended_on"],
            "started_on",
            ["body"],
            group=GOVERNANCE,
        ),
        Kind(
            "meetings",
            m.Meeting,
            _("Réunions"),
            ["body", "date", "place", "online"],
            "date",
            ["body"],
            [DecisionFormSet],
            group=GOVERNANCE,
        ),
        Kind(
            "documents",
            m.AssemblyDocument,
            _("Documents d'assemblée"),
            ["meeting", "kind", "status"],
            "meeting__date",
            ["kind", "status"],
            group=GOVERNANCE,
        ),
        Kind(
            "milestones",
            m.Milestone,
            _("Événements de la vie des membres"),
            ["cite", "kind", "date"],
            "date",
            ["cite", "kind"],
            group=MEMBERS,
        ),
        Kind(
            "events",
            m.RepresentationEvent,
            _("Événements"),
            ["role", "starts_on", "place"],
            "starts_on",
            ["role"],
            group=REPRESENTATION,
        ),
        Kind(
            "delegations",
            m.Delegation,
            _("Délégations reçues"),
            ["date", "country", "online"],
            "date",
            ["country"],
            group=REPRESENTATION,
        ),
        Kind(
            "interventions",
            m.Intervention,
            _("Interventions"),
            ["date", "place", "online"],
            "date",
            group=REPRESENTATION,
        ),
        Kind(
            "memberships",
            m.NetworkMembership,
            _("Réseaux européens"),
            ["since", "until"],
            group=REPRESENTATION,
        ),
        Kind(
            "seminars",
            m.NetworkSeminar,
            _("Séminaires du réseau"),
            ["kind", "starts_on", "host", "participants"],
            "starts_on",
            ["kind"],
            group=PROFESSIONALISATION,
        ),
        Kind(
            "accreditations",
            m.Accreditation,
            _("Habilitations"),
            ["title", "cite", "awarded_on", "valid_until"],
            "awarded_on",
            ["title", "cite"],
            group=PROFESSIONALISATION,
        ),
        Kind(
            "projects",
            m.Project,
            _("Projets"),
            ["programme", "role", "started_on", "ended_on"],
            "started_on",
            group=PROJECTS,
        ),
        Kind(
            "project-partners",
            m.ProjectPartner,
            _("Partenaires de projets"),
            ["project", "country", "role"],
            filters=["project"],
            group=PROJECTS,
        ),
        Kind(
            "project-milestones",
            m.ProjectMilestone,
            _("Temps forts de projets"),
            ["project", "date", "place"],
            "date",
            ["project", "kind"],
            group=PROJECTS,
        ),
        Kind(
            "deliverables",
            m.Deliverable,
            _("Livrables"),
            ["project", "kind", "date"],
            "date",
            ["project"],
            group=PROJECTS,
        ),
        Kind("network-contact", m.NetworkContact, _("Contact du réseau"), ["email", "phone"], group=CONTACTS),
        Kind(
            "contacts",
            m.CiteContact,
            _("Contacts des Cités"),
            ["email", "phone", "website"],
            filters=["cite"],
            group=CONTACTS,
        ),
    ]
}


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def _object(request, kind: Kind, pk: int, action=Action.VIEW):
    require(request.user, Action.VIEW, kind.model)
    obj = selectors.visible(request.user, kind.model.objects.all()).filter(pk=pk).first()
    if obj is None:
        if kind.model.objects.filter(pk=pk).exists():
            raise PermissionDenied  # it exists in the user's scope, but is not theirs to read
        raise Http404
    require(request.user, action, obj)
    return obj


def _cell(obj, name):
    value = getattr(obj, f"get_{name}_display", None)
    value = value() if value else getattr(obj, name)
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime.date):
        return value
    if hasattr(value, "name") and name == "country":
        return value.name
    return value if value not in (None, "") else "—"


@login_required
def home(request):
    groups: dict[str, list] = {}
    for kind in KINDS.values():
        if may(request.user, Action.VIEW, kind.model):
            count = selectors.visible(request.user, kind.model.objects.all()).count()
            groups.setdefault(str(kind.group), []).append((kind, count))
    if not groups:
        raise PermissionDenied
    return render(request, "governance/home.html", {"groups": groups, "page_title": _("La vie du réseau")})


@login_required
def record_list(request, kind: str):
    kind = _kind(kind)
    require(request.user, Action.VIEW, kind.model)
    rows = selectors.visible(request.user, kind.model.objects.all())
    years = []
    year = request.GET.get("year", "")
    if kind.date_field:
        years = sorted({d.year for d in rows.values_list(kind.date_field, flat=True) if d}, reverse=True)
        if year.isdigit():
            rows = rows.filter(**{f"{kind.date_field}__year": int(year)})
    chosen = {}
    filters = []
    for name in kind.filters:
        model_field = kind.model._meta.get_field(name)
        options = (
            [(str(o.pk), str(o)) for o in _options(request.user, model_field.related_model)]
            if model_field.is_relation
            else [(str(v), str(label)) for v, label in model_field.flatchoices]
        )
        value = request.GET.get(name, "")
        if value and value in dict(options):
            rows = rows.filter(**{f"{name}_id" if model_field.is_relation else name: value})
            chosen[name] = value
        filters.append({"name": name, "label": model_field.verbose_name, "options": options, "value": value})
    columns = [kind.model._meta.get_field(c).verbose_name for c in kind.columns]
    table = [(obj, [_cell(obj, c) for c in kind.columns]) for obj in rows]
    return render(
        request,
        "governance/list.html",
        {
            "kind": kind,
            "columns": columns,
            "table": table,
            "years": years,
            "year": year,
            "filters": filters,
            "may_add": may(request.user, Action.ADD, kind.model),
            "page_title": kind.title,
        },
    )


def _options(user, model):
    if model._meta.app_label == "governance":
        return selectors.visible(user, model.objects.all())
    return [o for o in model.objects.all() if may(user, Action.VIEW, o)]  # the Cités the user reaches


def _details(obj) -> list[tuple[str, object]]:
    rows = []
    for f in obj._meta.get_fields():
        if f.auto_created or f.name in ("id", "demo") or f.one_to_many:
            continue
        if f.many_to_many:
            value = ", ".join(str(o) for o in getattr(obj, f.name).all()) or "—"
        elif isinstance(f, m.models.FileField):
            continue
        else:
            value = _cell(obj, f.name)
        rows.append((f.verbose_name, value))
    return rows


@login_required
def record_detail(request, kind: str, pk: int):
    kind = _kind(kind)
    obj = _object(request, kind, pk)
    context = {
        "kind": kind,
        "obj": obj,
        "details": _details(obj),
        "may_change": may(request.user, Action.CHANGE, obj),
        "paper": m.PAPER_MODELS.get(obj._meta.model_name)
        and getattr(obj, m.PAPER_MODELS[obj._meta.model_name]),
        "page_title": str(obj),
    }
    if isinstance(obj, m.Meeting):
        context["decisions"] = list(obj.decisions.all())
        context["documents"] = list(obj.documents.all())
    if isinstance(obj, m.Body):
        context["mandates"] = list(obj.mandates.select_related("from_cite"))
        context["meetings"] = list(obj.meetings.all())
    if isinstance(obj, m.Project):
        context |= selectors.project_context(obj)
    return render(request, "governance/detail.html", context)


def _edit(request, kind: Kind, obj=None):
    form_class = form_for(kind.model)
    initial = {k: v for k, v in request.GET.items() if k in form_class.base_fields}
    form = form_class(
        request.POST or None, request.FILES or None, instance=obj, initial=initial, user=request.user
    )
    formsets = [
        fs(request.POST or None, instance=obj or kind.model(), prefix=fs.model._meta.model_name)
        for fs in kind.formsets
    ]
    for formset in formsets:
        formset.legend = formset.model._meta.verbose_name_plural
    if request.method == "POST" and form.is_valid() and all(fs.is_valid() for fs in formsets):
        saved = services.record_save(user=request.user, form=form, formsets=formsets)
        return redirect("governance:life_detail", kind=kind.slug, pk=saved.pk)
    return render(
        request,
        "governance/form.html",
        {
            "kind": kind,
            "obj": obj,
            "form": form,
            "formsets": formsets,
            "page_title": str(obj)
            if obj
            else _("Nouveau : %(kind)s") % {"kind": kind.model._meta.verbose_name},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def record_add(request, kind: str):
    kind = _kind(kind)
    require(request.user, Action.ADD, kind.model)
    return _edit(request, kind)


@login_required
def record_edit(request, kind: str, pk: int):
    kind = _kind(kind)
    return _edit(request, kind, _object(request, kind, pk, Action.CHANGE))


@login_required
def file_download(request, kind: str, pk: int):
    """A private paper, to whoever may read its record; never from a public URL."""
    kind = _kind(kind)
    field_name = m.PAPER_MODELS.get(kind.model._meta.model_name)
    if field_name is None:
        raise Http404
    obj = _object(request, kind, pk)
    paper = getattr(obj, field_name)
    if not paper:
        raise Http404
    suffix = Path(paper.name).suffix.lower()
    return FileResponse(
        paper.open("rb"),
        as_attachment=True,
        filename=f"{slugify(str(obj))[:80] or 'document'}{suffix}",
        content_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
    )


def project_page(request, pk: int):
    """Public: a project of the network, its partners, its timeline, its deliverables (links only)."""
    project = m.Project.objects.filter(pk=pk).first()
    if project is None:
        raise Http404
    return render(
        request,
        "governance/project_page.html",
        selectors.project_context(project) | {"page_title": project.title},
    )


def contacts(request):
    """Public: the network's coordination and every Cité's public contacts."""
    return render(
        request,
        "governance/contacts.html",
        {"contacts": selectors.report_sections_contacts(), "page_title": _("Contacts")},
    )
