"""Open data: aggregated tables of a year, never a row per visit, small counts protected.

Each table has a code column and a label column in the chosen language, and the
package's ``datapackage.json`` describes every column.
"""

import csv
import io
import json
import zipfile
from pathlib import Path

from django.db.models import Count, Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Activity, Equipment
from cdm.network.models import Cite, Contribution, Site
from cdm.network.vocabularies import (
    EVENT_KINDS,
    WORKSHOP_KINDS,
    ActivityKind,
    ActivityRole,
    AgeBand,
    Channel,
    ContributionType,
    Gender,
    Outcome,
    SiteKind,
    Status,
)
from cdm.stats.protection import DIMENSIONS, PROTECTED, hidden, published_hidden, year_cells

from .cells import formula_safe

STRING, INTEGER = "string", "integer"


def _members(year: int):
    return Cite.objects.filter(Q(member_since__isnull=True) | Q(member_since__year__lte=year))


def build_tables(year: int, *, k: int) -> dict[str, tuple[list[tuple[str, str, str]], list[list]]]:
    """{table: (columns [(name, type, description)], rows)}."""
    cites = {c.pk: c for c in _members(year)}
    ids = list(cites)

    def cite_cols(pk):
        c = cites[pk]
        return [formula_safe(c.slug), formula_safe(c.name), str(c.country), countries.name(c.country)]

    # The counts of visits: the year's published cells, hidden exactly as in every other output.
    cells, _lines = year_cells(year)
    hide = published_hidden(year, k)
    mark = hidden(k)

    def cell(family: str, pk: int, value: str) -> int | str:
        key = (family, f"cite:{cites[pk].slug}", value)
        return mark if key in hide else cells.get(key, 0)

    cite_columns = [
        ("cite", STRING, _("identifiant de la Cité")),
        ("cite_name", STRING, _("nom de la Cité")),
        ("country", STRING, _("code du pays")),
        ("country_name", STRING, _("pays")),
    ]
    activities = Activity.objects.filter(cite__in=ids, date__year=year)
    outcome_label = {**dict(Outcome.choices), "workshop": _("Ateliers"), "event": _("Événements")}

    beneficiaries = []
    for pk in sorted(cites, key=lambda pk: cites[pk].slug):
        for outcome in Outcome.values:
            n = cell("activity", pk, outcome)
            beneficiaries.append([*cite_cols(pk), outcome, outcome_label[outcome], *_shown(n)])
    per_kind = activities.values_list("cite", "kind", "role").annotate(n=Count("pk"), p=Sum("participants"))
    grouped: dict[tuple, int] = {}
    workshops: dict[tuple, list[int]] = {}
    events: dict[tuple, list[int]] = {}
    for pk, kind, role, n, p in per_kind.order_by():
        family = "workshop" if kind in WORKSHOP_KINDS else "event"
        grouped[(pk, family)] = grouped.get((pk, family), 0) + (p or 0)
        if kind in WORKSHOP_KINDS and role == ActivityRole.ORGANIZED:
            workshops[(pk, kind)] = [n, p or 0]
        elif kind in EVENT_KINDS:
            entry = events.setdefault((pk, role), [0, 0])
            entry[0] += n
            entry[1] += p or 0
    for (pk, family), p in sorted(grouped.items()):
        beneficiaries.append([*cite_cols(pk), family, outcome_label[family], p, None])

    channel_label = dict(Channel.choices)
    interviews = [
        [*cite_cols(pk), ch, channel_label[ch], *_shown(cell("ichannel", pk, ch))]
        for pk in sorted(cites, key=lambda pk: cites[pk].slug)
        for ch in Channel.values
    ]

    profile_labels = {
        "age_band": dict(AgeBand.choices),
        "gender": dict(Gender.choices),
        "status": dict(Status.choices),
    }
    dimension_label = {"age_band": _("âge"), "gender": _("genre"), "status": _("situation")}
    profiles = []
    for dimension in PROTECTED:
        for pk in sorted(cites, key=lambda pk: cites[pk].slug):
            for value in sorted(DIMENSIONS[dimension]):
                profiles.append(
                    [
                        *cite_cols(pk),
                        dimension,
                        dimension_label[dimension],
                        value,
                        profile_labels[dimension][value],
                        *_shown(cell(dimension, pk, value)),
                    ]
                )

    kind_label = dict(ActivityKind.choices)
    workshop_rows = [
        [*cite_cols(pk), kind, kind_label[kind], n, p] for (pk, kind), (n, p) in sorted(workshops.items())
    ]
    role_label = dict(ActivityRole.choices)
    event_rows = [
        [*cite_cols(pk), role, role_label[role], n, p] for (pk, role), (n, p) in sorted(events.items())
    ]

    resources = [
        [
            *cite_cols(e.cite_id),
            e.paper_references,
            e.paper_copies,
            e.computer_stations,
            e.tablets,
            e.vr_headsets,
        ]
        for e in Equipment.objects.filter(cite__in=ids, year=year).order_by("cite__slug")
    ]
    site_label = dict(SiteKind.choices)
    sites = [
        [*cite_cols(pk), kind, site_label[kind], n]
        for pk, kind, n in Site.objects.filter(cite__in=ids)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__year__lte=year))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__year__gte=year))
        .values_list("cite", "kind")
        .annotate(n=Count("pk"))
        .order_by("cite", "kind")
    ]
    type_label = dict(ContributionType.choices)
    contributions = [
        [*cite_cols(pk), type_, type_label[type_], n]
        for pk, type_, n in Contribution.objects.filter(cite__in=ids, year=year)
        .values_list("cite", "type")
        .annotate(n=Count("partner", distinct=True))
        .order_by("cite", "type")
    ]
    count = _("nombre")
    return {
        "beneficiaries": (
            cite_columns
            + [
                ("activity", STRING, _("code de l'activité")),
                ("activity_label", STRING, _("activité")),
                ("beneficiaries", INTEGER, _("bénéficiaires ; vide si masqué")),
                ("hidden", STRING, _("« < k » quand le nombre est masqué")),
            ],
            beneficiaries,
        ),
        "interviews_by_channel": (
            cite_columns
            + [
                ("channel", STRING, _("code du canal")),
                ("channel_label", STRING, _("canal")),
                ("interviews", INTEGER, _("entretiens ; vide si masqué")),
                ("hidden", STRING, _("« < k » quand le nombre est masqué")),
            ],
            interviews,
        ),
        "visits_by_profile": (
            cite_columns
            + [
                ("dimension", STRING, _("code de la dimension")),
                ("dimension_label", STRING, _("dimension")),
                ("value", STRING, _("code de la valeur")),
                ("value_label", STRING, _("valeur")),
                ("visits", INTEGER, _("visites ; vide si masqué")),
                ("hidden", STRING, _("« < k » quand le nombre est masqué")),
            ],
            profiles,
        ),
        "workshops": (
            cite_columns
            + [
                ("kind", STRING, _("code du format")),
                ("kind_label", STRING, _("format")),
                ("sessions", INTEGER, _("séances organisées")),
                ("participants", INTEGER, _("participants")),
            ],
            workshop_rows,
        ),
        "events": (
            cite_columns
            + [
                ("role", STRING, _("code du rôle")),
                ("role_label", STRING, _("rôle")),
                ("events", INTEGER, _("événements")),
                ("participants", INTEGER, _("participants")),
            ],
            event_rows,
        ),
        "resources": (
            cite_columns
            + [
                (n, INTEGER, str(Equipment._meta.get_field(n).verbose_name))
                for n in ["paper_references", "paper_copies", "computer_stations", "tablets", "vr_headsets"]
            ],
            resources,
        ),
        "sites_by_kind": (
            cite_columns
            + [
                ("kind", STRING, _("code du type")),
                ("kind_label", STRING, _("type")),
                ("sites", INTEGER, count),
            ],
            sites,
        ),
        "contributions": (
            cite_columns
            + [
                ("type", STRING, _("code du type")),
                ("type_label", STRING, _("type")),
                ("partners", INTEGER, _("partenaires contributeurs")),
            ],
            contributions,
        ),
    }


def _shown(n: int | str) -> list:
    """A count as two columns: the number, or empty and the "< k" mark when it is hidden."""
    return [None, n] if isinstance(n, str) else [n, None]


def opendata_files(year: int, *, language: str = "fr", k: int | None = None) -> dict[str, str]:
    from django.conf import settings

    k = settings.SMALL_COUNT_THRESHOLD if k is None else k
    with translation.override(language), network_scope():
        tables = build_tables(year, k=k)
        files: dict[str, str] = {}
        resources = []
        for name, (columns, rows) in tables.items():
            out = io.StringIO(newline="")
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([c[0] for c in columns])
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
            files[f"{name}.csv"] = out.getvalue()
            resources.append(
                {
                    "name": name.replace("_", "-"),
                    "path": f"{name}.csv",
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "encoding": "utf-8",
                    "schema": {
                        "fields": [{"name": n, "type": t, "description": d} for n, t, d in columns],
                        "missingValues": [""],
                    },
                }
            )
        files["datapackage.json"] = json.dumps(
            {
                "name": f"cdm-open-data-{year}",
                "title": _("Activité du réseau des Cités des métiers, %(year)s (données agrégées)")
                % {"year": year},
                "description": _(
                    "Tableaux agrégés par Cité, jamais une ligne par visite. Les nombres de visites "
                    "inférieurs à %(k)d sont masqués, avec d'autres cases choisies pour qu'aucun ne se "
                    "déduise des totaux ; les mêmes cases sont masquées dans le rapport publié."
                )
                % {"k": k},
                "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence 2.0"}],
                "profile": "tabular-data-package",
                "resources": resources,
            },
            indent=2,
            ensure_ascii=False,
        )
    return files


def write_opendata(path: str | Path, *, year: int, language: str = "fr") -> list[str]:
    files = opendata_files(year, language=language)
    path = Path(path)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (path / name).write_text(content, encoding="utf-8")
    return list(files)


def opendata_zip(year: int, *, language: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in opendata_files(year, language=language).items():
            archive.writestr(name, content)
    return out.getvalue()
