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

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.network.models import Cite, Contribution, Partner, Partnership, Site

from .cells import formula_safe
from .schema import TABLES, datapackage


def _cell(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if hasattr(value, "strftime") and hasattr(value, "hour") and not hasattr(value, "year"):
        return value.strftime("%H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def export_rows(*, year: int, cite: str | None = None) -> dict[str, Iterable[list]]:
    """Each table's rows (generators: the visits stream), in the standard's column order."""
    cite_q = Q(slug=cite) if cite else Q()
    cites = list(Cite.objects.filter(cite_q).order_by("slug"))
    cite_ids = [c.pk for c in cites]
    slug = {c.pk: c.slug for c in cites}
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
    )
    partner_slug = dict(Partner.objects.filter(pk__in=partner_ids).values_list("pk", "slug"))
    site_slug = dict(Site.objects.filter(cite__in=cite_ids).values_list("pk", "slug"))

    def visits() -> Iterator[list]:
        qs = (
            Visit.objects.filter(cite__in=cite_ids, date__year=year)
            .order_by("date", "uid")
            .values_list(
                "uid",
                "cite",
                "site",
                "date",
                "time",
                "channel",
                "theme",
                "outcome",
                "age_band",
                "gender",
                "status",
                "first_visit",
            )
        )
        for uid, c, s, *rest in qs.iterator(chunk_size=5000):
            yield [uid, slug[c], site_slug.get(s), *rest]

    def interviews() -> Iterator[list]:
        qs = (
            Interview.objects.filter(visit__cite__in=cite_ids, visit__date__year=year)
            .order_by("visit__date", "visit__uid")
            .values_list("visit__uid", "partner", "duration_minutes")
        )
        for uid, p, d in qs.iterator(chunk_size=5000):
            yield [uid, partner_slug.get(p), d]

    def activities() -> Iterator[list]:
        links: dict[int, list[str]] = {}
        for a, p in Activity.partners.through.objects.filter(
            activity__cite__in=cite_ids, activity__date__year=year
        ).values_list("activity", "partner"):
            links.setdefault(a, []).append(partner_slug[p])
        qs = Activity.objects.filter(cite__in=cite_ids, date__year=year).order_by("date", "uid")
        for a in qs.iterator(chunk_size=2000):
            yield [
                a.uid,
                slug[a.cite_id],
                site_slug.get(a.site_id),
                a.kind,
                a.role,
                a.title,
                a.theme or None,
                a.date,
                a.duration_minutes,
                a.participants,
                sorted(links.get(a.pk, [])) or None,
            ]

    return {
        "cites": (
            [
                c.slug,
                c.name,
                str(c.country),
                c.region or None,
                c.city,
                c.latitude,
                c.longitude,
                c.languages or None,
                c.status,
                c.member_since,
                c.labelled_on,
                c.opened_on,
            ]
            for c in cites
        ),
        "sites": (
            [
                s.slug,
                slug[s.cite_id],
                s.name,
                s.kind,
                s.city or None,
                s.latitude,
                s.longitude,
                s.opened_on,
                s.closed_on,
            ]
            for s in Site.objects.filter(cite__in=cite_ids).order_by("slug")
        ),
        "partners": (
            [p.slug, p.name, p.kind, str(p.country) or None]
            for p in Partner.objects.filter(pk__in=partner_ids).order_by("slug")
        ),
        "partnerships": (
            [slug[p.cite_id], partner_slug[p.partner_id], p.since, p.until]
            for p in Partnership.objects.filter(cite__in=cite_ids).order_by("cite__slug", "partner__slug")
        ),
        "contributions": (
            [
                slug[c.cite_id],
                partner_slug[c.partner_id],
                c.year,
                c.type,
                c.amount,
                c.unit or None,
                c.description or None,
            ]
            for c in Contribution.objects.filter(cite__in=cite_ids, year=year).order_by("cite__slug", "pk")
        ),
        "visits": visits(),
        "interviews": interviews(),
        "activities": activities(),
        "equipment": (
            [
                slug[e.cite_id],
                e.year,
                e.paper_references,
                e.paper_copies,
                e.computer_stations,
                e.tablets,
                e.vr_headsets,
            ]
            for e in Equipment.objects.filter(cite__in=cite_ids, year=year).order_by("cite__slug")
        ),
    }


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
            for table in TABLES:
                buffer = io.StringIO(newline="")
                writer = csv.writer(buffer, lineterminator="\r\n")
                writer.writerow(table.field_names)
                n = 0
                # Free text is written safe to open in a spreadsheet; the import takes the quote off.
                free = [i for i, f in enumerate(table.fields) if f.type in {"text", "id"}]
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
                datapackage([t.name for t in TABLES], title=title), indent=2, ensure_ascii=False
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
