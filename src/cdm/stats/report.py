"""The annual activity report and the Cité dashboards: presentation only.

``figures.compute`` computes; this module turns figures into sections, tables and
charts, and renders them as HTML, PDF (WeasyPrint), JSON or CSV.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from numbers import Number

from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
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

from . import charts, parts
from .cache import cached_compute
from .charts import format_number, format_percent
from .figures import Period
from .models import ReportNarrative
from .protection import hidden, protect_breakdown, protect_published, published_hidden, scope_of, threshold

FORMATS = ("json", "html", "pdf", "csv")


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list]
    chart: str = ""
    key: str = ""  # the table's anchor in the appendix ("t-3"), given by ``build``
    number: int = 0
    extra: dict = field(default_factory=dict)


# Categories a reader expects last, whatever their size.
LAST = ("other", "not_stated", "unknown")


def natural(mapping: dict, order) -> list[tuple]:
    """``mapping``'s pairs in the vocabulary's order (age bands ascending, themes as the standard lists
    them), "other" / "not stated" / "unknown" last; keys outside the vocabulary after it."""
    order = list(order)
    rank = {key: i for i, key in enumerate(order)}

    def key(kv):
        k = kv[0]
        return (k in LAST, LAST.index(k) if k in LAST else 0, rank.get(k, len(order)), str(k))

    return sorted(mapping.items(), key=key)


def by_size(mapping: dict) -> list[tuple]:
    """Shares of one breakdown, largest first; a hidden count ("< 5") after the shown ones; "other",
    "not stated" and "unknown" last."""

    def key(kv):
        k, v = kv
        if k in LAST:
            return (2, LAST.index(k), 0)
        if not isinstance(v, Number):
            return (1, 0, 0)
        return (0, 0, -v)

    return sorted(mapping.items(), key=key)


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


def _table(caption, headers, pairs, *, names=None, chart="bar", total=False, **chart_options) -> Table:
    """A table and its chart: "bar" (in the order given), "shares" (bars with each share), "trend"."""
    names = names or {}
    pairs = list(pairs)
    rows = [[names.get(k, k), v] for k, v in pairs]
    items = [(str(r[0]), r[1]) for r in rows]
    if total and rows and not any(isinstance(v, str) for _k, v in pairs):
        # With a hidden cell the sum of the shown ones would only mislead: the total is published apart.
        rows.append([_("Total"), sum(v for _, v in pairs)])
    drawn = {
        "bar": lambda: charts.bar_chart(items, title=caption),
        "shares": lambda: charts.bar_chart(items, title=caption, shares=True),
        "trend": lambda: charts.trend_chart(items, title=caption, **chart_options),
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


def _change_text(now, before, year) -> dict | None:
    """The change from last year as a reader sees it: "▲ 4 % vs 2023", with words for screen readers."""
    if not isinstance(now, Number) or not isinstance(before, Number) or not before:
        return None
    change = round(100 * (now - before) / before)
    values = {"change": format_percent(abs(change), 0), "year": year}
    if change > 0:
        return {
            "text": _("▲ %(change)s vs %(year)s") % values,
            "words": _("en hausse de %(change)s par rapport à %(year)s") % values,
            "trend": "up",
        }
    if change < 0:
        return {
            "text": _("▼ %(change)s vs %(year)s") % values,
            "words": _("en baisse de %(change)s par rapport à %(year)s") % values,
            "trend": "down",
        }
    return {
        "text": _("= stable vs %(year)s") % values,
        "words": _("stable par rapport à %(year)s") % values,
        "trend": "same",
    }


def _key(value, sentence, change=None) -> dict:
    return {"value": value, "sentence": sentence, "change": change}


def _count(n) -> int:
    return int(n) if isinstance(n, Number) else 2


def year_in_figures(figures: dict, *, year: int, is_network: bool = True) -> list[dict]:
    """The report's spread of key numbers, each with one sentence (and last year's change): also the
    public "network in figures" page's."""
    previous = figures.get("previous_year") or {}
    p_year = previous.get("year")

    def change(now, key):
        return _change_text(now, previous.get(key), p_year) if previous else None

    b = figures["beneficiaries"]["total"]
    interviews = figures["interviews"]["total"]
    workshops = figures["workshops"]
    sessions = sum(w["sessions"] for w in workshops.values())
    participants = sum(w["participants"] for w in workshops.values())
    events = figures["events"]
    network = figures["network"]
    resources = figures["resources"]
    countries = len(network["countries"])
    computers = resources["computer_stations"] + resources["tablets"]
    out = [
        _key(
            format_number(b),
            ngettext("bénéficiaire accueilli en %(year)s", "bénéficiaires accueillis en %(year)s", _count(b))
            % {"year": year},
            change(b, "beneficiaries"),
        ),
        _key(
            format_number(interviews),
            ngettext(
                "entretien individuel, sur place, au téléphone ou en ligne",
                "entretiens individuels, sur place, au téléphone ou en ligne",
                _count(interviews),
            ),
            change(interviews, "interviews"),
        ),
        _key(
            format_number(sessions),
            ngettext(
                "atelier organisé, pour %(n)s participant",
                "ateliers organisés, pour %(n)s participants",
                sessions,
            )
            % {"n": format_number(participants)},
            change(sessions, "workshop_sessions"),
        ),
        _key(
            format_number(events["organized"]),
            # Translators: two halves of one sentence, joined as the language punctuates.
            _("%(organised)s ; %(participated)s")
            % {
                "organised": ngettext("événement organisé", "événements organisés", events["organized"]),
                "participated": ngettext(
                    "les Cités ont aussi participé à %(n)s événement de leurs partenaires",
                    "les Cités ont aussi participé à %(n)s événements de leurs partenaires",
                    events["participated"],
                )
                % {"n": format_number(events["participated"])},
            },
            change(events["organized"], "events_organized"),
        ),
    ]
    if is_network:
        out.append(
            _key(
                format_number(network["members"]),
                ngettext(
                    "Cité des métiers membre, dans %(n)s pays",
                    "Cités des métiers membres, dans %(n)s pays",
                    network["members"],
                )
                % {"n": format_number(countries)},
                change(network["members"], "members"),
            )
        )
    out.append(
        _key(
            format_number(figures["partners"]["active"]),
            ngettext(
                "partenaire actif aux côtés des Cités",
                "partenaires actifs aux côtés des Cités",
                figures["partners"]["active"],
            ),
            change(figures["partners"]["active"], "partners"),
        )
    )
    if computers:
        out.append(
            _key(
                format_number(computers),
                ngettext(
                    "poste informatique ou tablette à disposition des publics",
                    "postes informatiques et tablettes à disposition des publics",
                    computers,
                ),
            )
        )
    if is_network and resources["members_with_vr_share"]:
        out.append(
            _key(
                format_percent(round(100 * resources["members_with_vr_share"])),
                _("des Cités sont équipées de casques de réalité virtuelle (%(n)s casques)")
                % {"n": format_number(resources["vr_headsets"])},
            )
        )
    return out


def partner_rows(period: Period, figures: dict, *, protected: bool) -> list[list]:
    """Each partner organisation: the interviews its counsellors held in the period, and its
    contributions (count, and valued amounts). Interviews by partner are a breakdown of the
    interviews, protected like every other one when the report is public: in a published year, as
    part of the year's cells (``protection.year_cells``), so no other table gives back a hidden one."""
    from django.db.models import Count, Sum

    from cdm.network.models import Contribution, Partner

    from . import months
    from .figures import SCAN_PART, members, visit_scan

    with network_scope():
        member_ids = list(members(period).values_list("pk", flat=True))
        # The month scans the figures read (cached): interviews by partner, per Cité.
        by_partner: dict[int, int] = {}
        scan = months.breakdowns(period, member_ids, lambda sub: visit_scan(sub, member_ids), SCAN_PART)
        for family, _cite, value, n in scan.get("cells", []):
            if family == "partner" and value:
                by_partner[int(value)] = by_partner.get(int(value), 0) + n
        contributions = {}
        for partner, n, amount in (
            Contribution.objects.filter(
                cite__in=member_ids, year__gte=period.start.year, year__lte=period.end.year
            )
            .values_list("partner")
            .annotate(n=Count("pk"), amount=Sum("amount"))
            .order_by()
        ):
            contributions[partner] = (n, amount)
        names = dict(
            Partner.objects.filter(pk__in=set(by_partner) | set(contributions)).values_list("pk", "name")
        )
    if protected:
        scope = scope_of(period)
        if scope is not None:
            # A published year: the year-wide pattern, tied to the interviews of every other table.
            hidden_cells = published_hidden(period.label_year)
            by_partner = {
                pk: hidden(threshold()) if ("partner", scope, str(pk)) in hidden_cells else n
                for pk, n in by_partner.items()
            }
        else:
            total_hidden = not isinstance(figures["interviews"]["total"], Number)
            by_partner = protect_breakdown(by_partner, threshold(), total_hidden=total_hidden)
    rows = []
    for pk, name in names.items():
        n, amount = contributions.get(pk, (0, None))
        rows.append([name, by_partner.get(pk, 0), n, float(amount) if amount is not None else ""])
    rows.sort(key=lambda r: (-r[1] if isinstance(r[1], Number) else 0, -r[2], r[0]))
    return rows


def _previous_months(previous: dict | None, protected: bool) -> list | None:
    if not previous or not previous.get("monthly"):
        return None
    months = previous["monthly"]
    key = "visits"
    return [
        (months.get(f"{m:02d}") or {}).get(key, 0)
        if protected
        else (lambda row: row["visits"] + row["participants"])(
            months.get(f"{m:02d}") or {"visits": 0, "participants": 0}
        )
        for m in range(1, 13)
    ]


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
    if period.is_calendar_year:
        # Every month of the year, in calendar order, a month without activity at 0.
        zero = {"visits": 0, "participants": 0}
        monthly = {
            f"{period.label_year}-{m:02d}": monthly.get(f"{period.label_year}-{m:02d}", zero)
            for m in range(1, 13)
        }
    previous = published.get("previous_year")
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
    trend_options = {}
    before = _previous_months(previous, protected) if period.is_calendar_year else None
    if before and len(months) == 12:
        trend_options = {
            "previous": before,
            "legend": (str(period.label_year), str(previous["year"])),
        }
    interviews = published["interviews"]
    workshops = published["workshops"]
    resources = published["resources"]

    months_table = _table(months_caption, [_("Mois"), months_header], months, chart="trend", **trend_options)
    if trend_options:
        months_table.headers.append(str(previous["year"]))
        for row, value in zip(months_table.rows, before, strict=False):
            row.append(value)
    sections = {
        "members": [
            _table(
                _("Sites ouverts pendant la période, par type"),
                [_("Type de site"), _("Nombre")],
                by_size(published["network"]["sites_by_kind"]),
                names=names["site_kind"],
                chart="shares",
            ),
        ],
        "beneficiaries": [
            _table(
                _("Bénéficiaires par pays"),
                [_("Pays"), _("Bénéficiaires")],
                by_size(b["by_country"]),
                names=country_names,
                chart="shares",
                total=True,
            ),
            _table(
                _("Bénéficiaires par activité"),
                [_("Activité"), _("Bénéficiaires")],
                by_size(b["by_activity"]),
                names=names["outcome"],
                chart="shares",
                total=True,
            ),
            months_table,
            _table(
                _("Visites par thème"),
                [_("Thème"), _("Visites")],
                natural(published["themes"], Theme.values),
                names=names["theme"],
            ),
        ],
        "profiles": [
            _table(
                _("Visites par âge"),
                [_("Âge"), _("Visites")],
                natural(profiles.get("age_band", {}), AgeBand.values),
                names=names["age_band"],
            ),
            _table(
                _("Visites par genre"),
                [_("Genre"), _("Visites")],
                by_size(profiles.get("gender", {})),
                names=names["gender"],
                chart="shares",
            ),
            _table(
                _("Visites par situation"),
                [_("Situation"), _("Visites")],
                by_size(profiles.get("status", {})),
                names=names["status"],
                chart="shares",
            ),
            _table(
                _("Première visite ou non"),
                [_("Visite"), _("Visites")],
                by_size(published["first_visits"]),
                names=names["first_visits"],
                chart="shares",
            ),
        ],
        "offer": [
            _table(
                _("Entretiens individuels par canal"),
                [_("Canal"), _("Entretiens")],
                by_size(interviews["by_channel"]),
                names=names["channel"],
                chart="shares",
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
                by_size(published["partners"]["contributions_by_type"]),
                names=names["contribution"],
                chart="shares",
            ),
        ],
    }
    workshop_table = sections["offer"][1]
    ordered_workshops = sorted(workshops.items(), key=lambda kw: -kw[1]["sessions"])
    workshop_table.rows = [
        [names["activity_kind"][kind], w["sessions"], w["participants"]] for kind, w in ordered_workshops
    ]
    workshop_table.chart = charts.bar_chart(
        [(names["activity_kind"][k], w["sessions"]) for k, w in ordered_workshops],
        title=_("Séances d'ateliers organisées, par format"),
    )
    valued_rows = []
    for type_, units in published["contributions_valued"].items():
        for unit, amount in units.items():
            if unit != "count":
                valued_rows.append([names["contribution"].get(type_, type_), unit, amount])
    partners_table = Table(
        _("Les partenaires : entretiens tenus par leurs conseillers et contributions"),
        [_("Partenaire"), _("Entretiens"), _("Contributions"), _("Montant valorisé")],
        partner_rows(period, published, protected=protected),
    )
    if partners_table.rows:
        top = [r for r in partners_table.rows if isinstance(r[1], Number) and r[1]][:10]
        if top:
            partners_table.chart = charts.bar_chart(
                [(r[0], r[1]) for r in top],
                title=_("Entretiens tenus par les conseillers des partenaires"),
                colour=2,
            )
        sections["partners"].append(partners_table)
    if valued_rows:
        sections["partners"].append(
            Table(_("Contributions valorisées"), [_("Type"), _("Unité"), _("Montant")], valued_rows)
        )
    number = 0
    for tables in sections.values():
        for table in tables:
            number += 1
            table.number, table.key = number, f"t-{number}"
    key_figures = year_in_figures(published, year=period.label_year, is_network=not period.cites)
    supplied = parts.collect(period)
    return {
        "featured_events": supplied.get("featured_events", []),
        "needs": needs_table(published.get("themes", {}), supplied.get("offer_by_theme") or {}, number + 1),
        "figures": published,
        "period": period,
        "period_lines": describe_period(period),
        "labels": names,
        "sections": sections,
        "tables": [table for tables in sections.values() for table in tables],
        "valued_rows": valued_rows,
        "key_figures": key_figures,
        "intros": _intros(published, period, is_network=not period.cites)
        | _written_intros(narrative, language),
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
        "changes": {
            "beneficiaries": key_figures[0]["change"],
            "interviews": key_figures[1]["change"],
            "workshops": key_figures[2]["change"],
            "events": key_figures[3]["change"],
        },
        "narrative": narrative,
        # The French text stands in for a missing translation, marked as such (never silently).
        "narrative_fallback": narrative is not None and narrative.language != language[:2],
        "network": Network.current(),
        "is_network": not period.cites,
        "concept_sites": concept_sites(published),
        "network_life": report_sections(period.label_year, language) if not period.cites else None,
        "protected": protected,
        "hidden_mark": hidden(threshold()),
    }


def concept_sites(figures: dict) -> list[dict]:
    """The ways a Cité reaches its territory (the seed's "maillage territorial"), each with how many
    of the members' places of that kind were open in the period."""
    from cdm.network.vocabularies import SiteKind

    by_kind = figures["network"]["sites_by_kind"]
    descriptions = {
        SiteKind.MAIN: _("toute l'offre de la Cité, porte d'entrée des habitants du territoire"),
        SiteKind.ASSOCIATED_CENTRE: _("une structure tierce où la Cité reprend tout ou partie de son offre"),
        SiteKind.RELAY_POINT: _("une structure tierce où la Cité reprend tout ou partie de son offre"),
        SiteKind.MOBILE_UNIT: _("l'offre qui se déplace, pour l'équité entre territoires (bus, caravane…)"),
        SiteKind.EPHEMERAL_ACTION: _("des actions ponctuelles pour un territoire ou un public particulier"),
    }
    return [
        {"count": by_kind.get(kind.value, 0), "label": kind.label, "description": descriptions[kind]}
        for kind in SiteKind
    ]


def needs_table(asked: dict, offered: dict, number: int) -> Table | None:
    """Themes asked at the desk (visits, protected as published) against sessions offered by the
    programme, and the seats they filled; None without programme data."""
    if not offered:
        return None
    themes = [t for t in Theme.values if t in offered or (asked.get(t) and asked.get(t) != 0)]
    shown = sum(v for v in asked.values() if isinstance(v, Number)) or 1
    sessions = sum(o["sessions"] for o in offered.values()) or 1
    rows, bars = [], []
    for theme in themes:
        visits = asked.get(theme, 0)
        offer = offered.get(theme) or {"sessions": 0, "seats": 0, "used": 0}
        fill = round(100 * offer["used"] / offer["seats"]) if offer["seats"] else ""
        rows.append(
            [Theme(theme).label, visits, offer["sessions"], format_percent(fill, 0) if fill != "" else "—"]
        )
        bars.append(
            (
                Theme(theme).label,
                round(100 * visits / shown) if isinstance(visits, Number) else visits,
                round(100 * offer["sessions"] / sessions),
            )
        )
    table = Table(
        _("Thèmes demandés à l'accueil et séances proposées"),
        [_("Thème"), _("Visites"), _("Séances proposées"), _("Places occupées")],
        rows,
        key=f"t-{number}",
        number=number,
    )
    table.chart = charts.grouped_bar_chart(
        bars,
        title=_("Part de chaque thème dans les visites et dans les séances proposées"),
        legend=(_("Part des visites"), _("Part des séances")),
        percent=True,
    )
    return table


def _written_intros(narrative: ReportNarrative | None, language: str) -> dict[str, str]:
    """The parts' openings the network wrote in the reader's language (a French text does not stand
    in for a missing one here: the sentence drawn from the figures is in the reader's language)."""
    if narrative is None or narrative.language != language[:2]:
        return {}
    written = {part: getattr(narrative, f"intro_{part}").strip() for part in ReportNarrative.INTRO_PARTS}
    return {part: text for part, text in written.items() if text}


def _intros(figures: dict, period: Period, *, is_network: bool) -> dict[str, str]:
    """Each part's opening sentence, drawn from its figures."""
    b = figures["beneficiaries"]
    top_country = next((c for c, v in by_size(b["by_country"]) if isinstance(v, Number)), None)
    themes = [(t, v) for t, v in by_size(figures.get("themes", {})) if isinstance(v, Number) and v]
    intros = {
        "network": (
            _("En %(year)s, le réseau réunit %(members)s Cités des métiers dans %(countries)s pays.")
            % {
                "year": period.label_year,
                "members": format_number(figures["network"]["members"]),
                "countries": format_number(len(figures["network"]["countries"])),
            }
            if is_network
            else ""
        ),
        "beneficiaries": (
            _("Les Cités des métiers accueillent tout public, quels que soient l'âge, le genre ou le statut.")
            + (
                " "
                + _("%(country)s compte le plus de bénéficiaires.") % {"country": countries.name(top_country)}
                if top_country and is_network and len(b["by_country"]) > 1
                else ""
            )
        ),
        "profiles": (
            _("Le thème le plus demandé est « %(theme)s ».") % {"theme": Theme(themes[0][0]).label}
            if themes and themes[0][0] in Theme.values
            else ""
        ),
        "offer": _(
            "En présentiel ou en ligne, de vive voix, par courriel ou par tchat, les Cités proposent un "
            "conseil sur tous les pans de la vie professionnelle, des ateliers et des événements."
        ),
        "partners": _(
            "Les partenaires tiennent les entretiens aux côtés des Cités et apportent leurs contributions : "
            "personnel, locaux, financement."
        ),
    }
    return intros


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
    writer.writerow([_("section"), _("tableau"), _("libellé"), _("valeur"), _("valeur 2"), _("valeur 3")])
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
