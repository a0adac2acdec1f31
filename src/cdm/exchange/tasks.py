"""Long work off the request: an upload's import, and the report's figures after it.

The upload view stores the file under ``VAR_DIR/private/imports/<job id>/`` (never served: only the
static files are) and enqueues ``run_import`` with the job's id alone. The worker (``cdm db_worker``,
django-tasks' database backend) runs the import exactly as ``cdm import`` does — everything checked,
then everything written in one transaction, or nothing — writes the result into the job's row and
deletes the job's folder, whatever happened. A successful import enqueues ``compute_reports``: the
report's figures of the years it brought are computed by the worker, never in a request.

Progress: the importer calls ``progress(label, n)`` as it goes (checking, then writing each table).
The job's folder gets a small ``progress.json`` that the job page reads. It is a file, not the row:
the import writes in one transaction, and on SQLite that transaction holds the database's only write
lock for its whole length, so no other write (a progress row) could land before it ends. The web
server and the worker must therefore share ``VAR_DIR``, as they already do for the uploaded file.
"""

import datetime
import json
import logging
import os
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from . import schema
from .importer import ImportResult, PackageImport
from .models import ImportJob
from .package import Package

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 0.5  # seconds between two writes of progress.json


def imports_dir() -> Path:
    return Path(settings.VAR_DIR) / "private" / "imports"


def job_folder(job_id) -> Path:
    return imports_dir() / str(job_id)


def _stored_package(job_id) -> Path | None:
    return next(iter(sorted(job_folder(job_id).glob("package.*"))), None)


# -- in the request ---------------------------------------------------------------------------


def start_import(upload, *, user, dry_run: bool, language: str) -> ImportJob:
    """Store the uploaded file privately, record the job, enqueue its import; the job is returned."""
    job = ImportJob.objects.create(
        user=user, name=Path(upload.name).name[:200], dry_run=dry_run, language=language or "fr"
    )
    folder = job_folder(job.pk)
    try:
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        target = folder / ("package" + Path(upload.name).suffix.lower())
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
        run_import.enqueue(str(job.pk))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        job.delete()
        raise
    return job


def read_progress(job_id) -> dict:
    """What the worker last wrote of a running job's progress ({} before its first word)."""
    try:
        return json.loads((job_folder(job_id) / "progress.json").read_text())
    except (OSError, ValueError):
        return {}


# -- jobs a worker left behind ------------------------------------------------------------------

# A running job that has written no progress for this long has lost its worker (killed, the
# machine restarted): nothing of it was written, since the package is written in one transaction.
STALE_SECONDS = 30 * 60
# Finished jobs (their page, their result) and the task queue's finished rows are kept this long.
KEEP_DAYS = 90


def last_sign_of_life(job: ImportJob) -> float:
    """When the job last said something: its progress file's time, else its creation."""
    try:
        return (job_folder(job.pk) / "progress.json").stat().st_mtime
    except OSError:
        return job.created_at.timestamp()


def fail_if_abandoned(job: ImportJob, *, now: float | None = None) -> bool:
    """A running job whose worker is gone is marked failed (its page then says so), once."""
    now = time.time() if now is None else now
    if job.status != ImportJob.Status.RUNNING or now - last_sign_of_life(job) < STALE_SECONDS:
        return False
    changed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.FAILED, finished_at=timezone.now()
    )
    if changed:
        logger.error("import job %s abandoned by its worker: marked failed", job.pk)
        shutil.rmtree(job_folder(job.pk), ignore_errors=True)
        job.refresh_from_db()
    return bool(changed)


def sweep_jobs(*, now=None) -> dict[str, int]:
    """Abandoned jobs failed; finished jobs and finished task rows older than ``KEEP_DAYS`` deleted."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    abandoned = sum(
        fail_if_abandoned(job, now=now.timestamp())
        for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING)
    )
    before = now - datetime.timedelta(days=KEEP_DAYS)
    old_jobs = ImportJob.objects.filter(finished_at__lt=before)
    for job_id in old_jobs.values_list("pk", flat=True):
        shutil.rmtree(job_folder(job_id), ignore_errors=True)
    jobs, _ = old_jobs.delete()
    tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
    return {"abandoned": abandoned, "jobs": jobs, "tasks": tasks}


# -- in the worker ----------------------------------------------------------------------------


def estimate_rows(path: Path) -> dict[str, int] | None:
    """Rows per table of a zipped package, counted from its line ends (a quoted field that spans lines
    counts twice: an estimate for the progress bar, nothing more). None for a spreadsheet or a file
    that is not a readable package: the bar is then indeterminate, and the import says why."""
    if path.suffix.lower() != ".zip":
        return None
    try:
        with Package(path) as package:
            counts = {}
            for table in schema.TABLES:
                if package.has(table.filename):
                    lines = 0
                    with package.open(table.filename) as f:
                        while chunk := f.read(1 << 20):
                            lines += chunk.count("\n")
                    counts[table.name] = max(lines - 1, 1)
            return counts or None
    except Exception:  # noqa: BLE001 - the import itself reports what is wrong with the file
        return None


class Progress:
    """The importer's ``progress(label, n)`` callback, written to the job's ``progress.json``.

    The importer names a table alone while writing it, and ``"<table> (<translated word>)"`` while
    checking it; only the table's name (the first word, never translated) is read here."""

    def __init__(self, target: Path, estimate: dict[str, int] | None):
        self.target = target
        self.estimate = estimate or {}
        self.order = [t.name for t in schema.TABLES if t.name in self.estimate]
        self.total = 2 * sum(self.estimate.values())
        self.last_write = 0.0
        self.last_stage = None

    def fraction(self, table: str, writing: bool, n: int | None) -> float | None:
        if not self.total or table not in self.estimate:
            return None
        done = sum(self.estimate[t] for t in self.order[: self.order.index(table)])
        done += min(n or 0, self.estimate[table]) + (self.total // 2 if writing else 0)
        return round(min(done / self.total, 0.99), 3)

    def __call__(self, label, n: int | None) -> None:
        table, _, rest = str(label).partition(" ")
        if table not in {t.name for t in schema.TABLES}:
            return  # a stage that is not a table's (the report's figures): not shown as a table
        writing = not rest
        stage = (table, writing)
        now = time.monotonic()
        if stage == self.last_stage and now - self.last_write < PROGRESS_EVERY:
            return
        self.last_stage, self.last_write = stage, now
        self.write(
            {
                "phase": "writing" if writing else "checking",
                "table": table,
                "rows": n,
                "fraction": self.fraction(table, writing, n),
            }
        )

    def write(self, state: dict) -> None:
        partial = self.target.with_suffix(".tmp")
        try:
            partial.write_text(json.dumps(state))
            os.replace(partial, self.target)
        except OSError:
            pass  # progress is a courtesy: the import goes on


class JobImport(PackageImport):
    """The import as ``import_package`` runs it, except for the report's figures after it: those are
    the task ``compute_reports``, enqueued once the import has ended well."""

    def compute_reports(self) -> None:
        pass


def result_data(result: ImportResult) -> dict:
    return {
        "ok": result.ok,
        "written": result.written,
        "problem_count": result.problem_count,
        "problems": [
            {"file": p.file, "row": p.row, "field": p.field, "reason": str(p.reason)} for p in result.problems
        ],
        "rows": dict(result.rows),
    }


@task()
def run_import(job_id: str) -> None:
    """Import the job's stored file as the job's user; the result goes to the job's row."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.QUEUED:
        return  # gone, or run already: a job runs once
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    folder = job_folder(job.pk)
    years: list[int] = []
    try:
        path = _stored_package(job.pk)
        if path is None:
            raise FileNotFoundError("the job's file is missing")
        progress = Progress(folder / "progress.json", estimate_rows(path))
        progress.write(
            {"phase": "checking", "table": None, "rows": None, "fraction": 0 if progress.total else None}
        )
        with translation.override(job.language):
            importer = JobImport(path, user=job.user, name=job.name, progress=progress)
            result = importer.run(dry_run=job.dry_run)
        job.result = result_data(result)
        job.status = ImportJob.Status.DONE
        if result.written:
            years = sorted(getattr(importer, "visit_years", ()))
    except BaseException as exc:
        # The job says it failed; the log names the error's type alone (its text may quote a row).
        logger.error("import job %s failed: %s", job.pk, type(exc).__name__)
        job.status = ImportJob.Status.FAILED
        if not isinstance(exc, Exception):
            raise  # the worker is being stopped: the job's row is saved below all the same
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "result", "finished_at"])
    if years:
        compute_reports.enqueue(years)


@task()
def compute_reports(years: list[int]) -> None:
    """The network report of each year, computed and cached now (after an import changed them)."""
    from cdm.stats import cache

    cache.compute_reports(years)
