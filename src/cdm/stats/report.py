"""The annual activity report and the Cité dashboards: presentation only.

``figures.compute`` computes; this module turns figures into sections, tables and
charts, and renders them as HTML, PDF (WeasyPrint), JSON or CSV.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django_countries import countries

from cdm.accounts.scoping import network_scope
from cdm.governance.selectors import report_sections
from cdm.lib.maps import member_map_svg
from cdm.network.models import Cite, Network, Site
from cdm.network.vocabularies import (
    ActivityKind,
    AgeBand,
    Channel,
    ContributionType,
    Gender,
    Outcome,
    SiteKind,
    Status,
    Theme,
)

from . import charts
from .cache import cached_compute
from .figures import Period
from .models import ReportNarrative
from .protection import protect_published

FORMATS = ("json", "html", "pdf", "csv")


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list]
    chart: str = ""


def labels() -> dict[str, dict[str, str]]:
    """The vocabularies' labels in the active language."""
    return {
        "outcome": {**dict(Outcome.choices), "workshop": _("Ateliers"), "event": _("Événements")},
        "channel": dict(Channel.choices),
        "theme": dict(Theme.choices),
        "site_kind": dict(SiteKind.choices),
        "activity_kind": dict(ActivityKind.choices),
        "age_band": dict(AgeBand.choices),
        "gender": dict(Gender.choices),
        "status": dict(Status.choices),
        "contribution": dict(ContributionType.choices),
        "first_visits": {
            "first": _("Première visite"),
            "returning": _("Déjà venu"),
            "unknown": _("Non renseigné"),
        },
    }


def _table(caption, headers, pairs, *, names=None, chart="bar", total=False) -> Table:
    names = names or {}
    rows = [[names.get(k, k), v] for k, v in pairs]
    items = [(str(r[0]), r[1]) for r in rows]
    if total and rows and not any(isinstance(v, str) for _k, v in pairs):
        # With a hidden cell the sum of the shown ones would only mislead: the total is published apart.
        rows.append([_("Total"), sum(v for _, v in pairs)])
    drawn = {
        "bar": lambda: charts.bar_chart(items, title=caption),
        "donut": lambda: charts.donut_chart(items, title=caption),
        "trend": lambda: charts.trend_chart(items, title=caption),
        None: lambda: "",
    }[chart]()
    return Table(caption, headers, rows, drawn)


def describe_period(period: Period) -> list[str]:
    """The period and the filters, in words, for the first page."""
    lines = [
        _("Période : du %(start)s au %(end)s")
        % {"start": formats.date_format(period.start), "end": formats.date_format(period.end)}
    ]
    with network_scope():
        if period.cites:
            names = ", ".join(Cite.objects.filter(pk__in=period.cites).values_list("name", flat=True))
            lines.append(_("Cité : %(names)s") % {"names": names})
        if period.sites:
            names = ", ".join(Site.objects.filter(pk__in=period.sites).values_list("name", flat=True))
            lines.append(_("Sites : %(names)s") % {"names": names})
    if period.country:
        lines.append(_("Pays : %(country)s") % {"country": countries.name(period.country)})
    if period.theme:
        lines.append(_("Thème : %(theme)s") % {"theme": Theme(period.theme).label})
    if period.channel:
        lines.append(_("Canal : %(channel)s") % {"channel": Channel(period.channel).label})
    if len(lines) == 1:
        lines.append(_("Tout le réseau, sans filtre"))
    return lines


def build(period: Period, *, protected: bool = True) -> dict:
    """Everything a report or dashboard shows, in the active language."""
    with network_scope():
        figures = cached_compute(period, details=True)
        member_rows = list(
            Cite.objects.filter(slug__in=figures["by_cite"].keys()).order_by("country", "name")
        )
    published = protect_published(figures, period) if protected else figures
    names = labels()
    language = translation.get_language() or "fr"
    narrative = ReportNarrative.for_language(period.label_year, language[:2])
    country_names = {code: countries.name(code) for code in published["beneficiaries"]["by_country"]}

    b = published["beneficiaries"]
    profiles = published.get("profiles", {})
    monthly = published["monthly"]
    if protected:
        # Visits by month, protected like every breakdown (participants are counted by activity).
        months = [(formats.date_format(_month_date(m), "M"), v["visits"]) for m, v in monthly.items()]
        months_caption, months_header = _("Visites par mois"), _("Visites")
    else:
        months = [
            (formats.date_format(_month_date(m), "M"), v["visits"] + v["participants"])
            for m, v in monthly.items()
        ]
        months_caption, months_header = _("Bénéficiaires par mois"), _("Bénéficiaires")
    interviews = published["interviews"]
    workshops = published["workshops"]
    resources = published["resources"]
    previous = published.get("previous_year")

    sections = {
        "members": [
            _table(
                _("Sites ouverts pendant la période, par type"),
                [_("Type de site"), _("Nombre")],
                published["network"]["sites_by_kind"].items(),
                names=names["site_kind"],
            ),
        ],
        "beneficiaries": [
            _table(
                _("Bénéficiaires par pays"),
                [_("Pays"), _("Bénéficiaires")],
                b["by_country"].items(),
                names=country_names,
                chart="donut",
                total=True,
            ),
            _table(
                _("Bénéficiaires par activité"),
                [_("Activité"), _("Bénéficiaires")],
                b["by_activity"].items(),
                names=names["outcome"],
                total=True,
            ),
            _table(months_caption, [_("Mois"), months_header], months, chart="trend"),
            _table(
                _("Visites par thème"),
                [_("Thème"), _("Visites")],
                published["themes"].items(),
                names=names["theme"],
            ),
        ],
        "profiles": [
            _table(
                _("Visites par âge"),
                [_("Âge"), _("Visites")],
                profiles.get("age_band", {}).items(),
                names=names["age_band"],
            ),
            _table(
                _("Visites par genre"),
                [_("Genre"), _("Visites")],
                profiles.get("gender", {}).items(),
                names=names["gender"],
                chart="donut",
            ),
            _table(
                _("Visites par situation"),
                [_("Situation"), _("Visites")],
                profiles.get("status", {}).items(),
                names=names["status"],
            ),
            _table(
                _("Première visite ou non"),
                [_("Visite"), _("Visites")],
                published["first_visits"].items(),
                names=names["first_visits"],
                chart=None,
            ),
        ],
        "offer": [
            _table(
                _("Entretiens individuels par canal"),
                [_("Canal"), _("Entretiens")],
                interviews["by_channel"].items(),
                names=names["channel"],
                total=True,
            ),
            _table(
                _("Ateliers organisés, par format"),
                [_("Format"), _("Séances"), _("Participants")],
                [],
                chart=None,
            ),
            _table(
                _("Ressources en libre accès"),
                [_("Ressource"), _("Nombre")],
                [
                    (_("Références papier"), resources["paper_references"]),
                    (_("Exemplaires papier"), resources["paper_copies"]),
                    (_("Postes informatiques"), resources["computer_stations"]),
                    (_("Tablettes"), resources["tablets"]),
                    (_("Casques de réalité virtuelle"), resources["vr_headsets"]),
                ],
                chart=None,
            ),
        ],
        "partners": [
            _table(
                _("Contributions des partenaires, par type"),
                [_("Type"), _("Couples Cité–partenaire")],
                published["partners"]["contributions_by_type"].items(),
                names=names["contribution"],
            ),
        ],
    }
    workshop_table = sections["offer"][1]
    workshop_table.rows = [
        [names["activity_kind"][kind], w["sessions"], w["participants"]] for kind, w in workshops.items()
    ]
    workshop_table.chart = charts.bar_chart(
        [(names["activity_kind"][k], w["sessions"]) for k, w in workshops.items()],
        title=workshop_table.caption,
    )
    valued_rows = []
    for type_, units in published["contributions_valued"].items():
        for unit, amount in units.items():
            if unit != "count":
                valued_rows.append([names["contribution"].get(type_, type_), unit, amount])
    return {
        "figures": published,
        "period": period,
        "period_lines": describe_period(period),
        "labels": names,
        "sections": sections,
        "valued_rows": valued_rows,
        "members": member_rows,
        "new_members": [
            c for c in member_rows if c.member_since and period.start <= c.member_since <= period.end
        ],
        "labelled": [c for c in member_rows if c.labelled_on and period.start <= c.labelled_on <= period.end],
        "map_svg": member_map_svg(
            [
                {"name": f"{c.name} ({c.city})", "latitude": c.latitude, "longitude": c.longitude}
                for c in member_rows
            ]
        ),
        "vr_share_percent": round(100 * resources["members_with_vr_share"]),
        "previous": previous,
        "change": _change(published, previous),
        "narrative": narrative,
        # The French text stands in for a missing translation, marked as such (never silently).
        "narrative_fallback": narrative is not None and narrative.language != language[:2],
        "network": Network.current(),
        "is_network": not period.cites,
        "network_life": report_sections(period.label_year, language) if not period.cites else None,
        "protected": protected,
    }


def _month_date(month: str) -> datetime.date:
    return datetime.date.fromisoformat(f"{month}-01")


def _change(figures, previous) -> float | None:
    if not previous or not previous["beneficiaries"]:
        return None
    if isinstance(previous["beneficiaries"], str) or isinstance(figures["beneficiaries"]["total"], str):
        return None  # a hidden count: no change that would give it back
    return round(
        100 * (figures["beneficiaries"]["total"] - previous["beneficiaries"]) / previous["beneficiaries"], 1
    )


def render_json(period: Period, *, protected: bool = False, details: bool = False) -> str:
    with network_scope():
        figures = cached_compute(period, details=details)
    if protected:
        figures = protect_published(figures, period)
    if not details:
        figures.pop("period", None)  # exactly the standard's keys
    return json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True, default=str)


def render_csv(period: Period, *, protected: bool = True) -> str:
    """Every table of the report, one after the other: section, table, label, value."""
    context = build(period, protected=protected)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("section"), _("tableau"), _("libellé"), _("valeur"), _("valeur 2")])
    for section, tables in context["sections"].items():
        for table in tables:
            for row in table.rows:
                writer.writerow([section, table.caption, *row])
    return out.getvalue()


def render_html(period: Period, *, protected: bool = True, standalone: bool = True) -> str:
    context = build(period, protected=protected)
    context["standalone"] = standalone
    return render_to_string("stats/report_document.html", context)


def render_pdf(period: Period, *, protected: bool = True) -> bytes:
    from weasyprint import HTML

    html = render_to_string("stats/report_document.html", build(period, protected=protected) | {"pdf": True})
    return HTML(string=html, base_url=".").write_pdf()
