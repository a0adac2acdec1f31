"""Shared pieces of the benchmarks: databases, the demo year, timing. Figures are printed, never asserted."""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / "var" / "bench"
PG_BASE = os.environ.get("CDM_BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_BASE}/postgres", connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means: no server
        return False


def recreate_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_BASE}/{name}"


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_BASE}/postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def env_for(database_url: str) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        CDM_DEBUG="0",
        CDM_SECRET_KEY="bench-secret-key",
        CDM_VAR_DIR=str(WORK),
        CDM_ALLOWED_HOSTS="127.0.0.1,localhost",
        CDM_HTTPS="0",  # gunicorn on plain HTTP, no proxy
    )


def cdm(args: list[str], database_url: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "cdm"), *args], env=env_for(database_url), check=True, **kw)


def demo_database(kind: str, *, scale: float = 1.0) -> str:
    """A database holding the demo network at ``scale`` (built once, then reused)."""
    WORK.mkdir(parents=True, exist_ok=True)
    tag = str(scale).replace(".", "_")
    if kind == "sqlite":
        path = WORK / f"demo-{tag}.sqlite3"
        url = f"sqlite:///{path}"
        if not path.exists():
            print(f"  building the demo year at scale {scale} on SQLite (once)…", flush=True)
            cdm(["migrate", "-v0"], url)
            cdm(["demo", "--scale", str(scale), "--seed", "1", "-v0"], url, stdout=subprocess.DEVNULL)
        else:
            cdm(["migrate", "-v0"], url)  # a database kept from an earlier version of the code
        return url
    name = f"cdm_bench_demo_{tag}"
    url = f"{PG_BASE}/{name}"
    if not pg_exists(name):
        print(f"  building the demo year at scale {scale} on PostgreSQL (once)…", flush=True)
        recreate_pg(name)
        cdm(["migrate", "-v0"], url)
        cdm(["demo", "--scale", str(scale), "--seed", "1", "-v0"], url, stdout=subprocess.DEVNULL)
    else:
        cdm(["migrate", "-v0"], url)
    return url


def timed(fn, *, repeat: int = 5) -> tuple[float, object]:
    """The median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "MISSES the target"
