"""The figures' cache lives in Django's cache framework, shared by every process on one database:
a report computed by one server process is served by another without being computed again."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CDM = Path(sys.executable).parent / "cdm"

SCRIPT = """
import time
from django.core.cache import caches
from cdm.accounts.scoping import network_scope
from cdm.stats import cache, figures
from cdm.stats.period_args import period_from
calls = []
real = cache.compute
def counted(*args, **kwargs):
    calls.append(1)
    return real(*args, **kwargs)
cache.compute = counted
with network_scope():
    result = cache.cached_compute(period_from(year=2024))
print("computed", len(calls), "beneficiaries", result["beneficiaries"])
"""


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="one SQLite file is enough"
)
def test_two_processes_share_the_figures_cache(tmp_path):
    env = {
        **os.environ,
        "CDM_DEBUG": "1",
        "CDM_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "cdm.settings",
    }
    run = lambda *args: subprocess.run(  # noqa: E731
        [str(CDM), *args], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    run("migrate", "-v0")
    run("import", str(ROOT / "tests" / "data" / "sample"))
    run("shell", "-c", "from django.core.cache import caches; caches['figures'].clear()")
    first = run("shell", "--no-imports", "-c", SCRIPT).stdout.split()
    second = run("shell", "--no-imports", "-c", SCRIPT).stdout.split()
    assert first[:2] == ["computed", "1"]
    assert second[:2] == ["computed", "0"], "the second process computed the figures again"
    assert first[3:] == second[3:]
