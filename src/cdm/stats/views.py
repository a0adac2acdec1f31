"""The figures on the web: the network's annual report (public), each Cité's dashboard (its staff).

Who gets what (``cdm.accounts.permissions`` decides):

- Everybody: the published figures — a calendar year of the network, of a country (``?country=``)
  or of a Cité (``?cite=``), small counts protected (``protection.protect_published``). Anonymous
  answers are cached (``PUBLIC_REPORT_SECONDS``, default 300 s) per language, year, scope and
  format: what an anonymous visitor can make the server compute is finite (years × scopes).
- Signed-in staff whose role may read figures (``Action.FIGURES``) on the target (their Cité, or
  the whole network): date ranges (``from``/``to``, at most ``FIGURES_MAX_DAYS`` days) and filters
  (``site``, ``theme``, ``channel``). Exact small counts only for ``Action.EXACT_COUNTS``.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext as _

from cdm.accounts.permissions import NETWORK, Action, may
from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite, Site

from . import report
from .period_args import PeriodError, period_from
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
    """A Cité's activity dashboard, the one its label renewal asks for: its staff's."""
    user = request.user
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
    if cite is None or not may(user, Action.FIGURES, cite):
        raise Http404
    try:
        period = _period(request, year=year, cite=slug)
    except PeriodError as exc:
        return _bad(exc)
    return _respond(
        request,
        period,
        fmt,
        # Small counts are shown as they are only to those the rule allows (the Cité's manager, the coordinator).
        protected=not may(user, Action.EXACT_COUNTS, cite),
        filename=f"cdm-{slug}-{year}",
        template_context={
            "page_title": _("Tableau de bord %(name)s %(year)s") % {"name": cite.name, "year": year},
            "cite": cite,
        },
    )
