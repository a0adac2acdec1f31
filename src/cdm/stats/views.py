"""The figures on the web: the network's annual report (public), each Cité's dashboard (its staff),
the network's dashboard (the coordination).

Who gets what (``cdm.accounts.permissions`` decides):

- Everybody: the published figures — a calendar year of the network, of a country (``?country=``)
  or of a Cité (``?cite=``), small counts protected (``protection.protect_published``). Anonymous
  answers are cached (``PUBLIC_REPORT_SECONDS``, default 300 s) per language, year, scope and
  format: what an anonymous visitor can make the server compute is finite (years × scopes).
- Signed-in staff whose role may read figures (``Action.FIGURES``) on the target (their Cité, or
  the whole network): date ranges (``from``/``to``, at most ``FIGURES_MAX_DAYS`` days) and filters
  (``site``, ``theme``, ``channel``). Exact small counts only for ``Action.EXACT_COUNTS``.
"""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import formats, translation
from django.utils.translation import gettext as _

from cdm.accounts.permissions import NETWORK, Action, may
from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite, Site

from . import charts, dashboard, dashboard_charts, report
from .charts import format_number, format_percent
from .period_args import FIRST_YEAR, PeriodError, period_from
from .publication import is_published

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
# Query parameters that narrow the published figures to something unpublished: staff only.
STAFF_PARAMETERS = ("from", "to", "site", "theme", "channel")


def public_seconds() -> int:
    return getattr(settings, "PUBLIC_REPORT_SECONDS", 300)


def _period(request, **fixed):
    q = request.GET
    return period_from(
        year=fixed.get("year") if not (q.get("from") or q.get("to")) else None,
        start=q.get("from"),
        end=q.get("to"),
        cite=fixed.get("cite") or q.get("cite"),
        country=q.get("country"),
        site=q.get("site"),
        theme=q.get("theme"),
        channel=q.get("channel"),
    )


def _target(request, *, cite_slug=None):
    """What the request's figures are about, for the permission: a Cité, or the whole network."""
    q = request.GET
    with network_scope():
        if cite_slug or q.get("cite"):
            return Cite.objects.filter(slug=cite_slug or q.get("cite")).first() or NETWORK
        if q.get("site") and not q.get("country"):
            site = Site.objects.filter(slug=q.get("site")).select_related("cite").first()
            if site is not None:
                return site.cite
    return NETWORK


def _staff_parameter(request) -> str | None:
    return next((name for name in STAFF_PARAMETERS if request.GET.get(name)), None)


def _refusal(name: str) -> HttpResponse:
    return HttpResponseForbidden(
        _(
            "%(field)s : ce filtre est réservé au personnel connecté ; le public lit les chiffres "
            "publiés (une année du réseau, d'un pays ou d'une Cité)"
        )
        % {"field": name},
        content_type="text/plain; charset=utf-8",
    )


def _bad(exc: PeriodError) -> HttpResponse:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


def _respond(request, period, fmt, *, protected, filename, template_context):
    if fmt not in ("html", *CONTENT_TYPES):
        raise Http404
    if fmt == "json":
        body = report.render_json(period, details=True, protected=protected)
    elif fmt == "csv":
        body = report.render_csv(period, protected=protected)
    elif fmt == "pdf":
        body = report.render_pdf(period, protected=protected)
    else:
        context = report.build(period, protected=protected) | template_context
        return render(request, "stats/report_page.html", context)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (
        f'{"inline" if fmt == "pdf" else "attachment"}; filename="{filename}.{fmt}"'
    )
    return response


def _cached_public(request, key_parts, produce) -> HttpResponse:
    """An anonymous answer, from the cache when another visitor asked the same in the last minutes."""
    key = "cdm-public-report:" + ":".join(str(p) for p in key_parts)
    cache = caches["default"]
    found = cache.get(key)
    if found is not None:
        content, headers = found
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        return response
    response = produce()
    if response.status_code == 200:
        headers = {n: response[n] for n in ("Content-Type", "Content-Disposition") if n in response}
        cache.set(key, (response.content, headers), public_seconds())
    return response


def network_report(request, year: int, fmt: str = "html"):
    """The annual report of the network, a country or a Cité: published, so small counts are
    protected for everybody but those who may see exact counts of the target.

    It exists in the languages whose catalogue is complete; another language is sent to English.
    """
    language = translation.get_language()
    if language not in settings.COMPLETE_LANGUAGES:
        return redirect(translate_url(request.get_full_path(), "en"))
    user = request.user
    staff_parameter = _staff_parameter(request)
    if not user.is_authenticated:
        if staff_parameter:
            return _refusal(staff_parameter)
        if not is_published(year):
            raise Http404(_("Le rapport de %(year)d est publié une fois l'année terminée.") % {"year": year})
        cite, country = request.GET.get("cite") or "", (request.GET.get("country") or "").upper()
        return _cached_public(
            request,
            [language, year, fmt, cite, country],
            lambda: _network_report(request, year, fmt, exact=False, public=True),
        )
    target = _target(request)
    if staff_parameter and not may(user, Action.FIGURES, target):
        return _refusal(staff_parameter)
    return _network_report(request, year, fmt, exact=may(user, Action.EXACT_COUNTS, target), public=False)


def _network_report(request, year, fmt, *, exact: bool, public: bool):
    try:
        period = _period(request, year=year)
    except PeriodError as exc:
        return _bad(exc)
    if public and period.country:
        with network_scope():
            if not Cite.objects.filter(country=period.country).exists():
                raise Http404
    return _respond(
        request,
        period,
        fmt,
        protected=not exact,
        filename=f"cdm-report-{year}",
        template_context={
            "page_title": _("Rapport d'activité %(year)s") % {"year": year},
            "download_base": request.path.rsplit("/", 2)[0],
        },
    )


@login_required
def cite_dashboard(request, slug: str, year: int, fmt: str = "html"):
    """A Cité's activity dashboard, the one its label renewal asks for: its staff's.

    HTML: one screen (``dashboard.cite_dashboard``); JSON, CSV and PDF: the Cité's figures of the
    year (or of ``from``/``to``, with the staff filters), as the report gives them.
    """
    user = request.user
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
    if cite is None or not may(user, Action.FIGURES, cite):
        raise Http404
    exact = may(user, Action.EXACT_COUNTS, cite)
    if fmt == "html":
        return _cite_dashboard_page(request, cite, year, exact=exact)
    try:
        period = _period(request, year=year, cite=slug)
    except PeriodError as exc:
        return _bad(exc)
    return _respond(
        request,
        period,
        fmt,
        # Small counts are shown as they are only to those the rule allows (the Cité's manager, the coordinator).
        protected=not exact,
        filename=f"cdm-{slug}-{year}",
        template_context={
            "page_title": _("Tableau de bord %(name)s %(year)s") % {"name": cite.name, "year": year},
            "cite": cite,
        },
    )


def _as_of(request, year: int, clock: datetime.date) -> datetime.date:
    """The day a dashboard is shown for: ``?on=`` (a day of ``year``, not after today), else today or
    the year's last day. A year still to come has no dashboard."""
    if year > clock.year or year < FIRST_YEAR:
        raise Http404
    last = min(clock, datetime.date(year, 12, 31))
    value = request.GET.get("on")
    if not value:
        return last
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            _("on : « %(v)s » n'est pas une date AAAA-MM-JJ") % {"v": value}, field="on"
        ) from None
    if day.year != year or day > clock:
        raise PeriodError(
            _("on : une date de %(year)s, au plus tard aujourd'hui") % {"year": year}, field="on"
        )
    return day


def _signed(value) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + format_percent(value)


def _key_cards(scope) -> list[dict]:
    names = {"week": _("Semaine"), "month": _("Mois"), "year": _("Année")}
    cards = []
    for figure in scope.key_figures():
        c = figure["change"]
        cards.append(
            figure
            | {
                "name": names[figure["key"]],
                "arrow": "▲" if c and c > 0 else "▼" if c and c < 0 else "",
                "direction": "up" if c and c > 0 else "down" if c and c < 0 else "flat",
                "change_text": _signed(c),
            }
        )
    return cards


def _trend(scope, report_url: str, query: dict) -> dict:
    months = scope.months()
    year = scope.as_of.year
    labels = [formats.date_format(m["month"], "M") for m in months]
    words = "; ".join(
        _("%(month)s %(year)s : %(n)s, %(previous_year)s : %(previous)s")
        % {
            "month": label,
            "year": year,
            "n": format_number(m["visits"]) if m["visits"] is not None else "—",
            "previous_year": year - 1,
            "previous": format_number(m["previous"]),
        }
        for label, m in zip(labels, months, strict=True)
    )
    title = _("Visites par mois, %(year)s et %(previous)s") % {"year": year, "previous": year - 1}
    chart = dashboard_charts.month_trend(
        labels,
        [m["visits"] for m in months],
        [m["previous"] for m in months],
        title=title,
        description=words,
        legend=(str(year), str(year - 1)),
    )
    links = []
    for label, m in zip(labels, months, strict=True):
        if m["end"] is None:
            continue
        first = m["month"]
        links.append(
            {
                "label": label,
                "url": _drill(
                    report_url,
                    query,
                    {"from": first.isoformat(), "to": dashboard.month_end(first).isoformat()},
                ),
            }
        )
    return {"title": title, "chart": chart, "links": links}


def _drill(report_url: str, query: dict, extra: dict) -> str:
    return f"{report_url}?{urlencode(query | extra)}"


def _navigation(year: int, as_of: datetime.date, clock: datetime.date, name: str, kwargs: dict) -> dict:
    def url(y, on=None):
        target = reverse(f"stats:{name}", kwargs=kwargs | {"year": y})
        return f"{target}?{urlencode({'on': on.isoformat()})}" if on else target

    week_back = as_of - datetime.timedelta(days=7)
    week_on = as_of + datetime.timedelta(days=7)
    return {
        "previous_year": url(year - 1) if year - 1 >= FIRST_YEAR else None,
        "previous_year_label": year - 1,
        "next_year": url(year + 1) if year + 1 <= clock.year else None,
        "next_year_label": year + 1,
        "previous_week": url(year, week_back) if week_back.year == year else None,
        "next_week": url(year, week_on) if week_on.year == year and week_on <= clock else None,
        "min": datetime.date(year, 1, 1).isoformat(),
        "max": min(clock, datetime.date(year, 12, 31)).isoformat(),
        "action": reverse(f"stats:{name}", kwargs=kwargs | {"year": year}),
    }


def _cite_dashboard_page(request, cite, year: int, *, exact: bool):
    clock = dashboard.today()
    try:
        as_of = _as_of(request, year, clock)
    except PeriodError as exc:
        return _bad(exc)
    with network_scope():
        data = dashboard.cite_dashboard(cite, as_of, exact=exact, clock=clock)
    scope = data["scope"]
    report_url = reverse("stats:report", kwargs={"year": year})
    query = {"cite": cite.slug}
    comparison_names = {
        "visits": _("Visites depuis le 1er janvier"),
        "change": _("Évolution sur un an"),
        "first_share": _("Part des premières visites"),
        "wait_mean": _("Attente moyenne avant un entretien"),
        "wait_p90": _("Attente : 9 visiteurs sur 10 en dessous de"),
    }
    size_names = {0: _("de petite taille"), 1: _("de taille moyenne"), 2: _("de grande taille")}
    comparison = data["comparison"]
    context = {
        "page_title": _("Tableau de bord %(name)s %(year)s") % {"name": cite.name, "year": year},
        "cite": cite,
        "year": year,
        "as_of": as_of,
        "is_today": as_of == clock,
        "cards": _key_cards(scope),
        "scope": scope,
        "trend": _trend(scope, report_url, query),
        "comparison": comparison,
        "comparison_rows": [
            r
            | {
                "name": comparison_names[r["key"]],
                "own_text": _unit(r["own"], r["unit"]),
                "median_text": _unit(r["median"], r["unit"]),
            }
            for r in comparison["rows"]
        ],
        "size_name": size_names.get(comparison["size_class"], ""),
        "themes": [t | {"url": _drill(report_url, query, {"theme": t["theme"]})} for t in scope.themes],
        "needs_chart": _needs_chart(scope.themes),
        "sites": [
            {"name": s.name, "url": _drill(report_url, query, {"site": s.slug})} for s in data["sites"]
        ],
        "channels": [
            {"name": label, "url": _drill(report_url, query, {"channel": c})} for c, label in data["channels"]
        ],
        "report_url": _drill(report_url, query, {}),
        "renewal": data["renewal"],
        "late": data["late"],
        "received": data["own"].last_received,
        "late_days": dashboard.LATE_DAYS,
        "nav": _navigation(year, as_of, clock, "dashboard", {"slug": cite.slug}),
        "first_share": scope.first_share,
        "partners": _partners(as_of, cite=cite, exact=exact),
    }
    return render(request, "stats/dashboard.html", context)


PARTNERS_SHOWN = 5


def _needs_chart(themes: list[dict]) -> str:
    """The themes asked at the desk against the workshops organised on them, as shares."""
    words = "; ".join(
        _("%(theme)s : %(asked)s des visites, %(offered)s des ateliers")
        % {
            "theme": t["label"],
            "asked": "—" if t["share"] is None else format_percent(t["share"], 0),
            "offered": "—" if t["session_share"] is None else format_percent(t["session_share"], 0),
        }
        for t in themes
    )
    return charts.grouped_bar_chart(
        [(str(t["label"]), t["share"], t["session_share"]) for t in themes],
        title=_("Thèmes demandés à l'accueil et ateliers offerts, en part du total"),
        description=words,
        legend=(_("Visites"), _("Ateliers")),
        width=460,
        percent=True,
    )


def _partners(as_of: datetime.date, *, cite: Cite | None, exact: bool) -> list[dict]:
    """The partner organisations credited since 1 January: the interviews their counsellors held (a
    breakdown of the interviews, small counts hidden unless ``exact``), beside their contributions."""
    period = period_from(
        start=datetime.date(as_of.year, 1, 1).isoformat(),
        end=as_of.isoformat(),
        cite=cite.slug if cite else None,
    )
    rows = report.partner_rows(period, {"interviews": {"total": 0}}, protected=not exact)
    return [
        {"name": name, "interviews": interviews, "contributions": contributions, "valued": valued}
        for name, interviews, contributions, valued in rows[:PARTNERS_SHOWN]
    ]


def _unit(value, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "percent":
        return format_percent(value, 0)
    if unit == "change":
        return _signed(value)
    if unit == "minutes":
        return _("%(n)s min") % {"n": format_number(value)}
    return format_number(value)


@login_required
def network_dashboard(request, year: int):
    """The network's dashboard: its key figures and a row per Cité, for whoever may read the
    network's figures (the coordination, a network observer)."""
    user = request.user
    if not may(user, Action.FIGURES, NETWORK):
        raise PermissionDenied
    exact = may(user, Action.EXACT_COUNTS, NETWORK)
    clock = dashboard.today()
    try:
        as_of = _as_of(request, year, clock)
    except PeriodError as exc:
        return _bad(exc)
    with network_scope():
        data = dashboard.network_dashboard(as_of, exact=exact, clock=clock)
    scope = data["scope"]
    report_url = reverse("stats:report", kwargs={"year": year})
    size_names = {0: _("petite"), 1: _("moyenne"), 2: _("grande")}
    rows = []
    for r in data["rows"]:
        months_words = ", ".join(
            _("%(month)s : %(n)s")
            % {"month": formats.date_format(start, "YEAR_MONTH_FORMAT"), "n": format_number(v)}
            for start, v in r["months"]
        )
        rows.append(
            r
            | {
                "size_name": size_names.get(r["size_class"], ""),
                "change_text": _signed(r["change"]),
                "sparkline": dashboard_charts.sparkline(
                    [v for _start, v in r["months"]],
                    title=_("%(cite)s, visites des 12 derniers mois : %(months)s")
                    % {"cite": r["cite"].name, "months": months_words},
                ),
                "sort_year": r["year"] if isinstance(r["year"], int) else -1,
                "sort_rolling": r["rolling"] if isinstance(r["rolling"], int) else -1,
                "url": reverse("stats:dashboard", kwargs={"slug": r["cite"].slug, "year": year}),
            }
        )
    context = {
        "page_title": _("Tableau de bord du réseau %(year)s") % {"year": year},
        "year": year,
        "as_of": as_of,
        "is_today": as_of == clock,
        "cards": _key_cards(scope),
        "scope": scope,
        "trend": _trend(scope, report_url, {}),
        "themes": [t | {"url": _drill(report_url, {}, {"theme": t["theme"]})} for t in scope.themes],
        "needs_chart": _needs_chart(scope.themes),
        "rows": rows,
        "late_count": data["late_count"],
        "late_days": dashboard.LATE_DAYS,
        "report_url": report_url,
        "nav": _navigation(year, as_of, clock, "network_dashboard", {}),
        "first_share": scope.first_share,
        "partners": _partners(as_of, cite=None, exact=exact),
    }
    return render(request, "stats/dashboard_network.html", context)


@login_required
def dashboards(request):
    """The staff menu's "dashboard": the network's for whoever may read it, else the user's Cité's
    (a choice when they have several)."""
    user = request.user
    year = dashboard.today().year
    if may(user, Action.FIGURES, NETWORK):
        return redirect("stats:network_dashboard", year=year)
    with network_scope():
        cites = [
            c
            for c in Cite.objects.filter(pk__in=user.cite_ids).order_by("name")
            if may(user, Action.FIGURES, c)
        ]
    if len(cites) == 1:
        return redirect("stats:dashboard", slug=cites[0].slug, year=year)
    if not cites:
        raise PermissionDenied
    return render(
        request,
        "stats/dashboard_choose.html",
        {"cites": cites, "year": year, "page_title": _("Tableaux de bord")},
    )
