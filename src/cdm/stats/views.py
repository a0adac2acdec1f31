"""The figures on the web: the network's annual report (public), each Cité's dashboard (its staff)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext as _

from cdm.accounts.models import Role
from cdm.accounts.scoping import network_scope
from cdm.network.models import Cite

from . import report
from .period_args import PeriodError, period_from

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


def _period(request, **fixed):
    q = request.GET
    return period_from(
        year=fixed.get("year") if not (q.get("from") and q.get("to")) else None,
        start=q.get("from"),
        end=q.get("to"),
        cite=fixed.get("cite") or q.get("cite"),
        country=q.get("country"),
        site=q.get("site"),
        theme=q.get("theme"),
        channel=q.get("channel"),
    )


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


def network_report(request, year: int, fmt: str = "html"):
    """The annual report: published, so small counts are always protected.

    It exists in the languages whose catalogue is complete; another language is sent to English.
    """
    language = translation.get_language()
    if language not in settings.COMPLETE_LANGUAGES:
        return redirect(translate_url(request.get_full_path(), "en"))
    try:
        period = _period(request, year=year)
    except PeriodError as exc:
        return HttpResponseBadRequest(str(exc))
    if period.cites:
        raise Http404
    return _respond(
        request,
        period,
        fmt,
        protected=True,
        filename=f"cdm-report-{year}",
        template_context={
            "page_title": _("Rapport d'activité %(year)s") % {"year": year},
            "download_base": request.path.rsplit("/", 2)[0],
        },
    )


@login_required
def cite_dashboard(request, slug: str, year: int, fmt: str = "html"):
    """A Cité's activity dashboard, the one its label renewal asks for."""
    user = request.user
    with network_scope():
        cite = Cite.objects.filter(slug=slug).first()
    if cite is None or not (user.is_network_wide or cite.pk in user.cite_ids):
        raise Http404
    try:
        period = _period(request, year=year, cite=slug)
    except PeriodError as exc:
        return HttpResponseBadRequest(str(exc))
    # Small counts are shown as they are only to the Cité's manager and the coordinator.
    unprotected = (
        user.is_superuser
        or user.role == Role.COORDINATOR
        or (user.role == Role.MANAGER and cite.pk in user.cite_ids)
    )
    return _respond(
        request,
        period,
        fmt,
        protected=not unprotected,
        filename=f"cdm-{slug}-{year}",
        template_context={
            "page_title": _("Tableau de bord %(name)s %(year)s") % {"name": cite.name, "year": year},
            "cite": cite,
        },
    )
