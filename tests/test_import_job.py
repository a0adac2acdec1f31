"""An upload's import as a background job: the worker runs it, all or nothing, the job's page shows its
progress and result to the one who started it (or the coordinator), the report's figures follow in
a task of their own; `make demo`'s tools/serve.py runs the web server and the worker together."""

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from cdm.exchange import tasks
from cdm.exchange.models import ImportJob

from .conftest import SAMPLE
from .test_import import snapshot

ROOT = Path(__file__).resolve().parent.parent
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def zipped(tmp_path, folder=SAMPLE, name="package.zip"):
    target = tmp_path / name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.iterdir()):
            zf.write(file, file.name)
    return target


def upload(client, path, dry_run=False, language="en"):
    data = {"package": SimpleUploadedFile(path.name, path.read_bytes())}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(f"/{language}/exchange/import/", data)


def job_of(response) -> ImportJob:
    assert response.status_code == 302, response.status_code
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])


def run_worker():
    """django-tasks' own worker command, in this process: every pending task, then it returns.
    It closes the connection between tasks: the test may not hold it in a transaction
    (``django_db(transaction=True)``)."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", verbosity=0
        )
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)


def broken(tmp_path):
    """The sample, with one visit's channel that does not exist."""
    folder = tmp_path / "broken"
    folder.mkdir()
    for file in SAMPLE.iterdir():
        (folder / file.name).write_bytes(file.read_bytes())
    text = (folder / "visits.csv").read_text()
    assert text.count(",chat,") > 1
    (folder / "visits.csv").write_text(text.replace(",chat,", ",fax,", 1))
    return zipped(tmp_path, folder)


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_a_job_that_the_worker_runs_then_the_reports_follow(
    client, coordinator, tmp_path, var_dir, monkeypatch
):
    computed = []
    monkeypatch.setattr(
        "cdm.stats.cache.compute_reports", lambda years, progress=None: computed.append(years)
    )
    client.force_login(coordinator)
    response = upload(client, zipped(tmp_path))
    job = job_of(response)
    assert response["Location"] == f"/en/exchange/import/{job.pk}/"
    assert uuid.UUID(str(job.pk)).version == 4  # random, not a counter
    # Nothing imported in the request: the file waits, private, for the worker.
    assert snapshot()["Visit"] == [] and job.status == ImportJob.Status.QUEUED
    stored = var_dir / "private" / "imports" / str(job.pk) / "package.zip"
    assert stored.exists() and stored.stat().st_mode & 0o777 == 0o600
    assert client.get(f"/en/exchange/import/{job.pk}/status.json").json() == {
        "status": "queued",
        "finished": False,
    }
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert 'id="job-progress"' in page and "exchange/job.js" in page and 'aria-live="polite"' in page

    run_worker()  # the import, then the report's task it enqueued

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.result["ok"] and job.finished_at
    assert len(snapshot()["Visit"]) == 1284
    assert not stored.parent.exists()  # the uploaded file is gone with its job
    assert computed == [[2024]]  # in the worker, by a task of its own
    ran = {r.task_path.rsplit(".", 1)[1]: r.status for r in DBTaskResult.objects.all()}
    assert ran == {"run_import": "SUCCESSFUL", "compute_reports": "SUCCESSFUL"}
    assert client.get(f"/en/exchange/import/{job.pk}/status.json").json() == {
        "status": "done",
        "finished": True,
    }
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert "Import complete." in page and "visits : 1284" in page and "job.js" not in page


def test_a_package_with_one_bad_row_imports_nothing_and_the_job_lists_the_error(
    client, coordinator, tmp_path, settings
):
    settings.TASKS = IMMEDIATE
    client.force_login(coordinator)
    job = job_of(upload(client, broken(tmp_path)))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and not job.result["ok"] and not job.result["written"]
    assert snapshot()["Visit"] == [] and snapshot()["Cite"] == []
    (problem,) = job.result["problems"]
    assert problem["file"] == "visits.csv" and problem["field"] == "channel" and problem["row"] > 1
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert "1 error: nothing was imported." in page
    assert (
        "<td>visits.csv</td>" in page
        and "<td>channel</td>" in page
        and "“fax” is not an allowed value" in page
    )
    assert f"<td>{problem['row']}</td>" in page


def test_a_dry_run_writes_nothing_and_says_so(client, coordinator, tmp_path, settings):
    settings.TASKS = IMMEDIATE
    client.force_login(coordinator)
    job = job_of(upload(client, zipped(tmp_path), dry_run=True))
    assert snapshot()["Visit"] == []
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert "The package is valid. Nothing was written." in page and "visits : 1284" in page


@pytest.mark.django_db(transaction=True)
def test_the_job_speaks_the_language_of_its_upload(client, coordinator, tmp_path):
    client.force_login(coordinator)
    job = job_of(upload(client, broken(tmp_path), language="en"))
    with translation.override("fr"):  # the worker's own language: the site's default
        run_worker()
    job.refresh_from_db()
    assert job.language == "en"
    assert "“fax” is not an allowed value" in job.result["problems"][0]["reason"]


def test_only_its_user_and_the_coordinator_see_a_job(client, two_cites, coordinator):
    alpha, beta = two_cites
    job = ImportJob.objects.create(user=alpha["users"]["manager"], name="package.zip")
    urls = [f"/en/exchange/import/{job.pk}/", f"/en/exchange/import/{job.pk}/status.json"]
    for user, status in [
        (alpha["users"]["manager"], 200),
        (coordinator, 200),
        (beta["users"]["manager"], 404),  # another Cité's manager
        (alpha["users"]["agent"], 404),  # of the same Cité, but not one who imports
        (alpha["users"]["observer"], 404),
    ]:
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [status, status], user
    client.force_login(alpha["users"]["manager"])
    assert client.get(f"/en/exchange/import/{uuid.uuid4()}/").status_code == 404
    client.logout()
    assert client.get(urls[1]).status_code == 302  # to the sign-in page


def test_a_manager_only_brings_their_own_cites_rows(client, two_cites, tmp_path, settings):
    settings.TASKS = IMMEDIATE
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    job = job_of(upload(client, zipped(tmp_path)))
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert "is not a Cité you are in charge of" in page


def test_a_failed_import_says_so_deletes_the_file_and_logs_no_data(
    client, coordinator, tmp_path, settings, monkeypatch, caplog
):
    settings.TASKS = IMMEDIATE

    def explode(self, *, dry_run=False):
        raise ValueError("a row's text: Jeanne, 1984-02-03")

    monkeypatch.setattr(tasks.JobImport, "run", explode)
    client.force_login(coordinator)
    with caplog.at_level(logging.INFO):
        job = job_of(upload(client, zipped(tmp_path)))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.result is None
    assert not tasks.job_folder(job.pk).exists()
    assert "ValueError" in caplog.text and "Jeanne" not in caplog.text
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert 'role="alert"' in page and "job.js" not in page


def test_the_running_jobs_progress_is_read_from_what_the_worker_wrote(client, coordinator, var_dir):
    job = ImportJob.objects.create(user=coordinator, name="p.zip", status=ImportJob.Status.RUNNING)
    folder = tasks.job_folder(job.pk)
    folder.mkdir(parents=True)
    progress = tasks.Progress(folder / "progress.json", {"cites": 10, "visits": 990})
    progress("visits (vérification)", 500)
    client.force_login(coordinator)
    state = client.get(f"/en/exchange/import/{job.pk}/status.json").json()
    assert state == {
        "status": "running",
        "finished": False,
        "phase": "checking",
        "table": "visits",
        "rows": 500,
        "fraction": 0.255,
    }
    progress("visits", 990)  # writing, the last table: almost there, never 100 % before the end
    assert client.get(f"/en/exchange/import/{job.pk}/status.json").json()["fraction"] == 0.99
    progress("chiffres du rapport 2024", None)  # not a table's stage: ignored
    assert tasks.read_progress(job.pk)["table"] == "visits"


def test_the_rows_are_estimated_from_a_zips_lines_and_not_from_a_spreadsheet(tmp_path):
    estimate = tasks.estimate_rows(zipped(tmp_path))
    assert estimate["visits"] == 1284 and estimate["cites"] > 0
    assert tasks.estimate_rows(tmp_path / "template.xlsx") is None
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert tasks.estimate_rows(tmp_path / "junk.zip") is None


def test_an_upload_that_cannot_be_enqueued_leaves_nothing_behind(client, coordinator, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("no queue")

    monkeypatch.setattr("django_tasks_db.backend.DatabaseBackend.enqueue", refuse)
    client.force_login(coordinator)
    client.raise_request_exception = False
    assert upload(client, zipped(tmp_path)).status_code == 500
    assert not ImportJob.objects.exists()
    assert list(tasks.imports_dir().iterdir()) == []


# -- make demo: the web server and the worker together -------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout
    return bool(state.strip()) and not state.strip().startswith("Z")


def test_serve_runs_the_web_server_and_the_worker_and_stops_both_on_ctrl_c(tmp_path):
    env = {
        **os.environ,
        "CDM_DEBUG": "1",
        "CDM_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "cdm.settings",
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "cdm", "migrate", "-v0"], env=env, check=True, cwd=tmp_path)
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, ROOT / "tools" / "serve.py", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/fr/", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert serve.poll() is None, "tools/serve.py stopped"
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/exchange/job.js", timeout=5) as response:
            assert response.status == 200  # WhiteNoise, under daphne
        children = children_of(serve.pid)
        commands = [
            subprocess.run(["ps", "-o", "args=", "-p", str(c)], capture_output=True, text=True).stdout
            for c in children
        ]
        assert any("daphne" in c for c in commands) and any("db_worker" in c for c in commands), commands
        serve.send_signal(signal.SIGINT)
        assert serve.wait(timeout=15) == 0
        deadline = time.monotonic() + 5
        while any(alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [c for c in children if alive(c)]
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_serve_stops_the_other_when_one_dies(tmp_path):
    env = {
        **os.environ,
        "CDM_DEBUG": "1",
        "CDM_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cdm.settings",
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    serve = subprocess.Popen(
        [sys.executable, ROOT / "tools" / "serve.py", "--port", str(free_port())],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(children_of(serve.pid)) < 2:
            assert time.monotonic() < deadline and serve.poll() is None
            time.sleep(0.2)
        children = children_of(serve.pid)
        os.kill(children[0], signal.SIGKILL)
        assert serve.wait(timeout=15) != 0
        time.sleep(0.2)
        assert not [c for c in children if alive(c)]
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_says_it_failed_and_old_jobs_go(client, coordinator, tmp_path, var_dir):
    import datetime

    from django.utils import timezone

    client.force_login(coordinator)
    job = job_of(upload(client, zipped(tmp_path)))
    # The worker took it, wrote its first progress, and was killed (SIGKILL: no word since).
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    progress = tasks.job_folder(job.pk) / "progress.json"
    progress.write_text('{"phase": "writing", "table": "visits", "rows": 1000, "fraction": 0.4}')
    assert client.get(f"/en/exchange/import/{job.pk}/status.json").json()["status"] == "running"
    half_an_hour_ago = time.time() - tasks.STALE_SECONDS - 1
    os.utime(progress, (half_an_hour_ago, half_an_hour_ago))
    assert client.get(f"/en/exchange/import/{job.pk}/status.json").json() == {
        "status": "failed",
        "finished": True,
    }
    page = client.get(f"/en/exchange/import/{job.pk}/").content.decode()
    assert 'role="alert"' in page and "job.js" not in page
    assert snapshot()["Visit"] == [] and not progress.parent.exists()
    # Ninety days on, the sweep deletes the finished job and the queue's finished task rows.
    run_worker()  # the job's task finds it failed already: it runs nothing
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED
    assert DBTaskResult.objects.finished().count() == 1
    assert tasks.sweep_jobs() == {"abandoned": 0, "jobs": 0, "tasks": 0}  # too recent
    later = timezone.now() + datetime.timedelta(days=tasks.KEEP_DAYS + 1)
    assert tasks.sweep_jobs(now=later) == {"abandoned": 0, "jobs": 1, "tasks": 1}
    assert client.get(f"/en/exchange/import/{job.pk}/").status_code == 404


def test_an_upload_beyond_the_limit_is_refused_before_it_is_received(live_server, coordinator):
    """300 MB announced, a few bytes sent: the answer comes at once, naming the field and the limit."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    connection.putrequest("POST", "/fr/exchange/import/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(300 * 1024 * 1024))
    connection.endheaders()
    connection.send(b"--x\r\n")
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    assert response.status == 413
    assert body == "package : le fichier pèse 300 Mo, au-delà de la limite de 200 Mo"
