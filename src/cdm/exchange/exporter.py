"""Writing a year of activity as a network activity data package (folder or .zip).

The output is what ``cdm import`` reads back, and what ``frictionless validate`` accepts
against the ``datapackage.json`` written beside the CSV files.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.db.models import Q
from django.utils import timezone

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.governance.models import Delegation, Intervention, Milestone, NetworkMembership, RepresentationEvent
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site
from cdm.programme.models import Attendance, Event, Session

from . import schema
from .cells import formula_safe
from .schema import Table, datapackage

FREE_TEXT = frozenset({"text", "id", "url"})
"""Column types whose cells are written safe to open in a spreadsheet (``cells.formula_safe``)."""


def _cell(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if hasattr(value, "strftime") and hasattr(value, "hour") and not hasattr(value, "year"):
        return value.strftime("%H:%M")
    if hasattr(value, "hour") and hasattr(value, "tzinfo"):  # an instant, with its offset (``rows``)
        return value.isoformat(timespec="minutes")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _paths(table: Table) -> list[str]:
    """What the export reads from the model for each column of ``table``, in the schema's order:
    the model field, or for a reference the referenced row's id (``cite`` → ``cite__slug``).
    A list of ids (``ids``, a many-to-many) is read apart: its place holds the row's pk; a text per
    language or a count of a tally (``key``) is read from the model's JSON field and picked out by
    ``rows``."""
    paths = []
    for f in table.fields:
        if f.type == "ids":
            paths.append("pk")
        elif f.references:
            paths.append(f"{f.model_field}__{schema.table(f.references).field('id').model_field}")
        else:
            paths.append(f.model_field)
    return paths


def export_rows(*, year: int, cite: str | None = None) -> dict[str, Iterable[list]]:
    """Each table's rows (generators: the visits stream), in the standard's column order.

    Which rows: below, per table; which columns: the schema's (``_paths``)."""
    cite_q = Q(slug=cite) if cite else Q()
    cite_ids = list(Cite.objects.filter(cite_q).values_list("pk", flat=True))
    zones = {c.slug: c.tz for c in Cite.objects.filter(pk__in=cite_ids).only("slug", "timezone")}
    sessions = Session.objects.filter(cite__in=cite_ids, starts_at__year=year)
    partner_ids = (
        set(Partnership.objects.filter(cite__in=cite_ids).values_list("partner", flat=True))
        | set(
            Interview.objects.filter(
                visit__cite__in=cite_ids, visit__date__year=year, partner__isnull=False
            ).values_list("partner", flat=True)
        )
        | set(
            Activity.partners.through.objects.filter(
                activity__cite__in=cite_ids, activity__date__year=year
            ).values_list("partner", flat=True)
        )
        | set(
            Event.partners.through.objects.filter(event__sessions__in=sessions).values_list(
                "partner", flat=True
            )
        )
    )
    # The network's own records (representation) only in the whole network's package.
    network = cite is None
    selected = {
        "cites": Cite.objects.filter(pk__in=cite_ids).order_by("slug"),
        "sites": Site.objects.filter(cite__in=cite_ids).order_by("slug"),
        "partners": Partner.objects.filter(pk__in=partner_ids).order_by("slug"),
        "partnerships": Partnership.objects.filter(cite__in=cite_ids).order_by("cite__slug", "partner__slug"),
        "contributions": Contribution.objects.filter(cite__in=cite_ids, year=year).order_by(
            "cite__slug", "pk"
        ),
        "visits": Visit.objects.filter(cite__in=cite_ids, date__year=year).order_by("date", "uid"),
        "interviews": Interview.objects.filter(visit__cite__in=cite_ids, visit__date__year=year).order_by(
            "visit__date", "visit__uid"
        ),
        "activities": Activity.objects.filter(cite__in=cite_ids, date__year=year).order_by("date", "uid"),
        "equipment": Equipment.objects.filter(cite__in=cite_ids, year=year).order_by("cite__slug"),
        "milestones": Milestone.objects.filter(cite__in=cite_ids, date__year=year).order_by("date", "uid"),
        "programme_events": Event.objects.filter(pk__in=sessions.values("event")).order_by(
            "starts_at", "uid"
        ),
        "sessions": sessions.order_by("starts_at", "uid"),
        # An attendance travels with its session, and only when an activity counts it (its count).
        "attendances": Attendance.objects.filter(
            session__in=sessions, session__activity__isnull=False
        ).order_by("session__starts_at", "session__uid"),
        "representation_events": RepresentationEvent.objects.filter(starts_on__year=year).order_by(
            "starts_on", "uid"
        ),
        "delegations": Delegation.objects.filter(date__year=year).order_by("date", "uid"),
        "interventions": Intervention.objects.filter(date__year=year).order_by("date", "uid"),
        "memberships": NetworkMembership.objects.filter(
            Q(since__isnull=True) | Q(since__year__lte=year), Q(until__isnull=True) | Q(until__year__gte=year)
        ).order_by("name", "uid"),
    }
    for table in schema.TABLES:
        if table.network and not network:
            selected[table.name] = selected[table.name].none()

    def rows(table: Table) -> Iterator[list]:
        queryset = selected[table.name]
        lists = [(i, _links(queryset, f.model_field)) for i, f in enumerate(table.fields) if f.type == "ids"]
        texts = [(i, f.key) for i, f in enumerate(table.fields) if f.key]
        # An instant in the local time of the row's Cité (or of the network), with its offset.
        instants = [i for i, f in enumerate(table.fields) if f.type == "datetime"]
        cite_at = table.field_names.index("cite") if "cite" in table.field_names else None
        for row in queryset.values_list(*_paths(table)).iterator(chunk_size=5000):
            if lists or texts or instants:
                row = list(row)
                for i, links in lists:
                    row[i] = sorted(links.get(row[i], [])) or None
                for i, key in texts:
                    row[i] = _pick(row[i], key)
                zone = zones.get(row[cite_at]) if cite_at is not None else None
                for i in instants:
                    if row[i] is not None:
                        row[i] = timezone.localtime(row[i], zone)
            yield row

    return {table.name: rows(table) for table in schema.TABLES}


def _pick(value, key: str):
    """The value kept under ``key`` in a JSON field's value (``fr``, or a path ``age_band/18_25``);
    an empty text or a zero count is an empty cell."""
    for part in key.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value or None


def _links(queryset, name: str) -> dict[int, list[str]]:
    """{pk: [ids]} of the many-to-many ``name`` of the rows of ``queryset``."""
    field = queryset.model._meta.get_field(name)
    target = next(t for t in schema.TABLES if t.model is field.related_model).field("id").model_field
    links: dict[int, list[str]] = {}
    for pk, value in queryset.order_by().values_list("pk", f"{name}__{target}"):
        if value is not None:
            links.setdefault(pk, []).append(value)
    return links


def export_package(path: str | Path, *, year: int, cite: str | None = None) -> dict[str, int]:
    """Write the package to ``path`` (a folder, or a .zip when the name ends so). Returns rows per table."""
    path = Path(path)
    counts: dict[str, int] = {}
    files: dict[str, str | bytes] = {}
    with network_scope():
        rows = export_rows(year=year, cite=cite)
        as_zip = path.suffix.lower() == ".zip"
        if not as_zip:
            path.mkdir(parents=True, exist_ok=True)
        archive = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) if as_zip else None
        try:
            for table in schema.TABLES:
                buffer = io.StringIO(newline="")
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerow(table.field_names)
                n = 0
                # Free text is written safe to open in a spreadsheet; the import takes the quote off.
                free = [i for i, f in enumerate(table.fields) if f.type in FREE_TEXT]
                target = None if as_zip else open(path / table.filename, "w", encoding="utf-8", newline="")
                for row in rows[table.name]:
                    cells = [_cell(v) for v in row]
                    for i in free:
                        cells[i] = formula_safe(cells[i])
                    writer.writerow(cells)
                    n += 1
                    if target is not None and n % 5000 == 0:
                        target.write(buffer.getvalue())
                        buffer.seek(0)
                        buffer.truncate()
                if target is not None:
                    target.write(buffer.getvalue())
                    target.close()
                else:
                    files[table.filename] = buffer.getvalue()
                counts[table.name] = n
            title = f"Network activity {year}" + (f" — {cite}" if cite else "")
            descriptor = json.dumps(
                datapackage([t.name for t in schema.TABLES], title=title), indent=2, ensure_ascii=False
            )
            if archive is not None:
                archive.writestr("datapackage.json", descriptor)
                for name, content in files.items():
                    archive.writestr(name, content)
            else:
                (path / "datapackage.json").write_text(descriptor, encoding="utf-8")
        finally:
            if archive is not None:
                archive.close()
    return counts
