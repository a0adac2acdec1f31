"""Data exchange on the web: upload a package or a filled template, download exports, open data."""

import tempfile
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.functions import ExtractYear
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cdm.accounts.permissions import NETWORK, Action, may
from cdm.accounts.scoping import network_scope
from cdm.activity.models import Visit
from cdm.network.models import Cite
from cdm.stats.publication import is_published

from .exporter import export_package
from .models import ImportJob
from .opendata import opendata_zip
from .package import PackageTooLarge, check_upload_size
from .spreadsheet import template_workbook
from .tasks import fail_if_abandoned, read_progress, start_import

ZIP = "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    package = forms.FileField(
        label=_("Paquet de données (.zip) ou modèle rempli (.xlsx)"),
        help_text=_(
            "Tout est vérifié avant d'écrire quoi que ce soit : au moindre défaut, rien n'est importé."
        ),
    )
    dry_run = forms.BooleanField(label=_("Vérifier seulement, sans importer"), required=False)

    def clean_package(self):
        upload = self.cleaned_data["package"]
        if Path(upload.name).suffix.lower() not in {".zip", ".xlsx"}:
            raise forms.ValidationError(_("Un fichier .zip ou .xlsx est attendu."))
        try:
            check_upload_size(Path(upload.name).name, upload.size)
        except PackageTooLarge as exc:
            raise forms.ValidationError(
                "%(file)s : %(reason)s", params={"file": exc.file, "reason": exc.reason}
            ) from None
        return upload


@login_required
def upload(request):
    # Which Cités the user may import into is asked row by row by the import itself.
    if not may(request.user, Action.IMPORT):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # The import runs in the worker (cdm.exchange.tasks): the job's page follows it.
        job = start_import(
            form.cleaned_data["package"],
            user=request.user,
            dry_run=form.cleaned_data["dry_run"],
            language=translation.get_language(),
        )
        return redirect("exchange:job", job_id=job.pk)
    jobs = ImportJob.objects.filter(user=request.user)[:5]
    return render(
        request,
        "exchange/upload.html",
        {"form": form, "jobs": jobs},
        status=400 if form.is_bound else 200,
    )


def _job(request, job_id) -> ImportJob:
    """The job, for the user who started it (while they may import) or whoever imports for the whole
    network; for anyone else, as absent as a job that does not exist."""
    user = request.user
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not may(user, Action.IMPORT):
        raise Http404
    if job.user_id != user.pk and not may(user, Action.IMPORT, NETWORK):
        raise Http404
    fail_if_abandoned(job)
    return job


@login_required
def job(request, job_id):
    job = _job(request, job_id)
    return render(request, "exchange/job.html", {"job": job, "result": job.result})


@login_required
def job_status(request, job_id):
    job = _job(request, job_id)
    data = {"status": job.status, "finished": job.finished}
    if job.status == ImportJob.Status.RUNNING:
        data.update(read_progress(job.pk))
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def template(request):
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="cdm-template-{translation.get_language()}.xlsx"'
    return response


@login_required
def export(request, year: int):
    user = request.user
    if not may(user, Action.EXPORT):
        raise PermissionDenied
    if not 1990 <= year <= timezone.localdate().year:
        raise Http404(_("aucune année %(year)d à exporter") % {"year": year})
    slug = request.GET.get("cite") or None
    if slug is None and not may(user, Action.EXPORT, NETWORK):
        own = Cite.objects.filter(pk__in=user.cite_ids).values_list("slug", flat=True)
        if len(own) != 1:
            raise Http404
        slug = own[0]
    if slug is not None:
        with network_scope():
            cite = Cite.objects.filter(slug=slug).first()
        # A Cité the user may not export is as absent as one that does not exist.
        if cite is None or not may(user, Action.EXPORT, cite):
            raise Http404
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "package.zip"
        export_package(target, year=year, cite=slug)
        body = target.read_bytes()
    response = HttpResponse(body, content_type=ZIP)
    response["Content-Disposition"] = f'attachment; filename="cdm-{slug or "network"}-{year}.zip"'
    return response


def _published_years() -> list[int]:
    """Years that have ended and have visits: a running year's open data would change under readers."""
    with network_scope():
        return sorted(
            {
                y
                for y in Visit.objects.annotate(y=ExtractYear("date")).values_list("y", flat=True).distinct()
                if is_published(y)
            },
            reverse=True,
        )


def opendata_index(request):
    return render(request, "exchange/opendata.html", {"years": _published_years()})


def opendata_download(request, year: int):
    if year not in _published_years():
        raise Http404
    language = translation.get_language() or "fr"
    response = HttpResponse(opendata_zip(year, language=language), content_type=ZIP)
    response["Content-Disposition"] = f'attachment; filename="cdm-open-data-{year}-{language}.zip"'
    return response
