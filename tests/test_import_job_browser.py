"""A manager uploads a package in Chromium: the job's page shows it waiting, then — once the worker
runs — its result, without a reload by hand; no Content-Security-Policy violation on the way.

The web server (daphne, the ASGI application) and the worker (`cdm db_worker`) run as the demo runs
them, as separate processes on one SQLite file: the worker is a process of its own, so it cannot
share pytest-django's in-memory test database.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import SAMPLE, axe_violations
from .test_csp_browser import WATCH

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="separate processes on one SQLite file; the jobs on PostgreSQL: tests/test_import_job.py",
    ),
]

BIN = Path(sys.executable).parent
PASSWORD = "Mot-de-passe-du-test-42"
SETUP = f"""
from django_scopes import scopes_disabled
from cdm.accounts.models import Role, User
from cdm.network.models import Cite
with scopes_disabled():
    user = User.objects.create_user("manager-bruxelles", password={PASSWORD!r}, role=Role.MANAGER)
    user.cites.add(Cite.objects.get(slug="bruxelles"))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def site(tmp_path):
    """The sample network in a SQLite file, a manager of Bruxelles, their Cité's package (exported
    from it), and daphne serving it; the worker is started by the test."""
    env = {
        **os.environ,
        "CDM_DEBUG": "1",
        "CDM_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "cdm.settings",
    }

    def cdm(*args):
        subprocess.run(
            [BIN / "cdm", *args], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=300
        )

    cdm("migrate", "-v0")
    cdm("import", str(SAMPLE))
    cdm("export", "--year", "2024", "--cite", "bruxelles", str(tmp_path / "bruxelles-2024.zip"))
    cdm("shell", "-c", SETUP)
    port = free_port()
    log = open(tmp_path / "daphne.log", "w")  # noqa: SIM115 - closed below
    web = subprocess.Popen(
        [BIN / "daphne", "-b", "127.0.0.1", "-p", str(port), "cdm.asgi:application"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/fr/", timeout=5).close()
            break
        except OSError:
            assert web.poll() is None and time.monotonic() < deadline, (tmp_path / "daphne.log").read_text()
            time.sleep(0.3)

    def start_worker():
        return subprocess.Popen(
            [BIN / "cdm", "db_worker", "--no-reload", "--interval", "0.2", "-v0"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
        )

    yield {"url": url, "package": tmp_path / "bruxelles-2024.zip", "start_worker": start_worker}
    stop(web)
    log.close()


def test_a_manager_uploads_a_package_and_follows_its_job_to_the_result(browser, site):
    url = site["url"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A failed load is told by its response, with its address (the admin's sign-in page names no icon).
    page.on(
        "console",
        lambda m: m.type == "error" and "Failed to load resource" not in m.text and errors.append(m.text),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and not r.url.endswith("/favicon.ico") and errors.append(f"{r.status} {r.url}")
        ),
    )
    worker = None
    try:
        page.goto(f"{url}/fr/admin/login/")
        page.fill("#id_username", "manager-bruxelles")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{url}/fr/admin/")

        page.goto(f"{url}/fr/exchange/import/")
        page.set_input_files("#id_package", str(site["package"]))
        page.click("#upload-form button[type=submit]")
        # The upload lands on the job's own page, at a random address: no worker yet, so it waits.
        page.wait_for_url(re.compile(r"/fr/exchange/import/[0-9a-f-]{36}/$"))
        job_url = page.url
        assert page.locator("progress#job-progress").count() == 1
        status = page.locator("#job-status")
        assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
        page.wait_for_timeout(1500)  # a poll or two: still waiting, and said so
        assert "En attente" in status.inner_text()
        assert axe_violations(page) == []

        worker = site["start_worker"]()
        # The page asks every second; once the job has ended it shows the result by itself.
        page.wait_for_selector(".result.ok", timeout=60_000)
        assert page.url == job_url
        result = page.locator(".result.ok").inner_text()
        assert "Import terminé." in result
        assert "visits : 128" in result and "interviews : 31" in result and "cites : 1" in result
        assert page.locator("progress#job-progress").count() == 0
        assert axe_violations(page) == []
        assert page.evaluate("() => window.__csp") == []
        assert errors == []
        # Back on the upload page, the job is listed with its state.
        page.goto(f"{url}/fr/exchange/import/")
        assert "bruxelles-2024.zip" in page.locator("ul.jobs").inner_text()
    finally:
        context.close()
        if worker is not None:
            stop(worker)
