"""`make bench-report`: the figures against DuckDB on the same database, ten years against one,
and the report's rendering times. Prints every figure and its ratio; asserts nothing.

Targets: figures ≤ 1.5 × DuckDB; one year among ten ≤ 2 × one year alone; HTML < 1 s; PDF < 10 s.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DUCKDB_SQL = {
    "members": "SELECT id, country, labelled_on FROM {p}network_cite WHERE member_since IS NULL OR member_since <= DATE '{end}'",
    "sites": "SELECT kind, count(*) FROM {p}network_site WHERE cite_id IN ({ids}) AND (opened_on IS NULL OR opened_on <= DATE '{end}') AND (closed_on IS NULL OR closed_on >= DATE '{start}') GROUP BY kind",
    "visits": "SELECT cite_id, outcome, channel, count(*) FROM {p}activity_visit WHERE cite_id IN ({ids}) AND date BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY ALL",
    "activities": "SELECT cite_id, kind, role, count(*), sum(participants) FROM {p}activity_activity WHERE cite_id IN ({ids}) AND date BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY ALL",
    "equipment": "SELECT sum(paper_references), sum(paper_copies), sum(computer_stations), sum(tablets), sum(vr_headsets), count(DISTINCT CASE WHEN vr_headsets >= 1 THEN cite_id END) FROM {p}activity_equipment WHERE cite_id IN ({ids}) AND year = {year}",
    "partners": "SELECT count(DISTINCT partner_id) FROM {p}network_partnership WHERE cite_id IN ({ids}) AND (since IS NULL OR since <= DATE '{end}') AND (until IS NULL OR until >= DATE '{start}')",
    "contributions": "SELECT type, count(*) FROM (SELECT DISTINCT type, cite_id, partner_id FROM {p}network_contribution WHERE cite_id IN ({ids}) AND year = {year}) GROUP BY type",
}


def duckdb_figures(con, prefix: str, year: int) -> dict:
    start, end = f"{year}-01-01", f"{year}-12-31"
    members = con.execute(DUCKDB_SQL["members"].format(p=prefix, end=end)).fetchall()
    ids = ", ".join(str(m[0]) for m in members) or "NULL"
    out = {"members": len(members)}
    for name in ("sites", "visits", "activities", "equipment", "partners", "contributions"):
        out[name] = con.execute(
            DUCKDB_SQL[name].format(p=prefix, ids=ids, start=start, end=end, year=year)
        ).fetchall()
    return out


def duckdb_connection(url: str):
    import duckdb
    import duckdb_ext

    extensions = Path(duckdb_ext.__path__[0]) / "extensions"
    con = duckdb.connect(
        config={"extension_directory": str(extensions), "autoinstall_known_extensions": False}
    )
    if url.startswith("sqlite"):
        con.execute("LOAD sqlite_scanner")
        con.execute(f"ATTACH '{url.removeprefix('sqlite:///')}' AS cdm (TYPE sqlite, READ_ONLY)")
        con.execute("SET sqlite_all_varchar = false")
    else:
        con.execute("LOAD postgres_scanner")
        dsn = url.replace("postgres://", "postgresql://")
        con.execute(f"ATTACH '{dsn}' AS cdm (TYPE postgres, READ_ONLY)")
    return con


def inner(kind: str, url: str, ten_url: str | None) -> None:
    import django

    os.environ.update(common.env_for(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "cdm.settings"
    django.setup()
    from django.core.cache import caches
    from django.test import Client
    from django.utils import translation

    from cdm.accounts.scoping import network_scope
    from cdm.activity.models import Visit
    from cdm.network.models import Cite
    from cdm.stats import report
    from cdm.stats.figures import Period, compute

    period = Period.year(2024)
    with network_scope():
        ours, figures = common.timed(lambda: compute(period), repeat=5)
    con = duckdb_connection(url)
    duck, _ = common.timed(lambda: duckdb_figures(con, "cdm.", 2024), repeat=5)
    visits = figures["beneficiaries"]["by_activity"]
    n_visits = visits.get("information", 0) + visits.get("self_service", 0) + visits.get("interview", 0)
    print(
        f"[{kind}] figures of 2024 ({n_visits:,} visits): CDM {ours * 1000:.0f} ms, DuckDB {duck * 1000:.0f} ms "
        f"→ ratio {ours / duck:.2f} (target ≤ 1.5: {common.verdict(ours / duck <= 1.5)})",
        flush=True,
    )

    with translation.override("fr"):
        report.render_html(period)  # the process's first page: templates compiled, map outlines read

        def cold_render():
            caches["figures"].clear()
            return report.render_html(period)

        cold, html = common.timed(cold_render, repeat=3)
        warm, _ = common.timed(lambda: report.render_html(period), repeat=3)
        client = Client(HTTP_HOST="127.0.0.1")
        web, page = common.timed(lambda: client.get("/fr/report/2024/"), repeat=3)
        assert page.status_code == 200, page.status_code
        # What a desk does all day: a visit recorded in the period, corrected, then deleted.
        with network_scope():
            visit = Visit.objects.create(
                cite=Cite.objects.order_by("pk").first(),
                date=datetime.date(2024, 12, 30),
                theme="job",
                outcome="interview",
            )
        changed = {}
        start = time.perf_counter()
        report.render_html(period)
        changed["a visit recorded"] = time.perf_counter() - start
        with network_scope():
            visit.age_band = "18_25"
            visit.save()
        start = time.perf_counter()
        report.render_html(period)
        changed["that visit corrected"] = time.perf_counter() - start
        with network_scope():
            visit.delete()
        start = time.perf_counter()
        report.render_html(period)
        changed["that visit deleted"] = time.perf_counter() - start
        start = time.perf_counter()
        pdf = report.render_pdf(period)
        pdf_time = time.perf_counter() - start
    print(
        f"[{kind}] HTML report once computed: {warm * 1000:.0f} ms, {web * 1000:.0f} ms through the web page "
        f"(target < 1 s: {common.verdict(warm < 1)}; {len(html) // 1024} KB)",
        flush=True,
    )
    for what, seconds in changed.items():
        print(
            f"[{kind}] HTML report right after {what}: {seconds * 1000:.0f} ms "
            f"(target < 1 s: {common.verdict(seconds < 1)})",
            flush=True,
        )
    print(
        f"[{kind}] HTML report with the figures cache emptied (every month computed): {cold * 1000:.0f} ms "
        f"(target < 1 s: {common.verdict(cold < 1)})",
        flush=True,
    )
    print(
        f"[{kind}] PDF report: {pdf_time:.1f} s, {len(pdf) // 1024} KB (target < 10 s: "
        f"{common.verdict(pdf_time < 10)})",
        flush=True,
    )

    if ten_url:
        from django.db import connections

        connections.close_all()
        os.environ["DATABASE_URL"] = ten_url
        import dj_database_url
        from django.conf import settings

        settings.DATABASES["default"].update(dj_database_url.parse(ten_url))
        connections["default"].settings_dict.update(dj_database_url.parse(ten_url))
        connections.close_all()
        with network_scope():
            ten, figures10 = common.timed(lambda: compute(period), repeat=5)
        assert figures10["beneficiaries"] == figures["beneficiaries"], (
            "the ten-year database must hold the same 2024"
        )
        print(
            f"[{kind}] 2024 among ten years: {ten * 1000:.0f} ms vs {ours * 1000:.0f} ms alone → ratio "
            f"{ten / ours:.2f} (target ≤ 2: {common.verdict(ten / ours <= 2)})",
            flush=True,
        )


def ten_years(kind: str, one_year_url: str) -> str:
    """A copy of the demo year with nine earlier years of visits (2015–2023) added."""
    if kind == "sqlite":
        source = Path(one_year_url.removeprefix("sqlite:///"))
        target = source.with_name(source.stem + "-ten-years.sqlite3")
        if not target.exists():
            import shutil
            import sqlite3

            print("  building ten years of history on SQLite (once)…", flush=True)
            shutil.copy(source, target)
            db = sqlite3.connect(target)
            cols = "cite_id, site_id, time, channel, theme, pole_id, outcome, age_band, gender, status, first_visit, recorded_at"
            for shift in range(1, 10):
                db.execute(
                    f"INSERT INTO activity_visit (uid, date, {cols}) SELECT uid || '-{shift}', "
                    f"date(date, '-{shift} years'), {cols} FROM activity_visit WHERE date >= '2024-01-01'"
                )
            db.commit()
            db.execute("ANALYZE")
            db.close()
        else:
            common.cdm(["migrate", "-v0"], f"sqlite:///{target}")
        return f"sqlite:///{target}"
    name = "cdm_bench_ten_years"
    if not common.pg_exists(name):
        import psycopg

        print("  building ten years of history on PostgreSQL (once)…", flush=True)
        with psycopg.connect(f"{common.PG_BASE}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{one_year_url.rsplit("/", 1)[1]}"')
        with psycopg.connect(f"{common.PG_BASE}/{name}", autocommit=True) as conn:
            cols = "cite_id, site_id, time, channel, theme, pole_id, outcome, age_band, gender, status, first_visit, recorded_at"
            for shift in range(1, 10):
                conn.execute(
                    # A visit's uid is a canonical UUID of 36 characters: a new one from the old.
                    f"INSERT INTO activity_visit (uid, date, {cols}) SELECT md5(uid || '-{shift}')::uuid::text, "
                    f"date - interval '{shift} years', {cols} FROM activity_visit WHERE date >= '2024-01-01'"
                )
            conn.execute("VACUUM ANALYZE")  # as a bulk load by `cdm import` leaves it
    else:
        common.cdm(["migrate", "-v0"], f"{common.PG_BASE}/{name}")
    return f"{common.PG_BASE}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inner", nargs=3, metavar=("KIND", "URL", "TEN_URL"))
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    if args.inner:
        kind, url, ten = args.inner
        inner(kind, url, None if ten == "-" else ten)
        return 0
    kinds = ["sqlite"] + (["postgresql"] if common.pg_available() else [])
    for kind in kinds:
        print(f"== bench-report on {kind} ==", flush=True)
        url = common.demo_database(kind, scale=args.scale)
        ten = ten_years(kind, url)
        subprocess.run([sys.executable, __file__, "--inner", kind, url, ten], check=True)
    if "postgresql" not in kinds:
        print("== PostgreSQL leg skipped: no server ==")
    return 0


if __name__ == "__main__":
    sys.exit(main())
