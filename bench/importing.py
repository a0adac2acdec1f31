"""`make bench-import`: importing a full network year against a bare bulk insert of the same rows.

Targets (issue #11): at most 2 × the bare insert measured in the same run, under 500 MB resident,
on SQLite and PostgreSQL. Prints; asserts nothing. `PACKAGE=path` imports that package folder
instead of the demo year (members' real packages differ: long ids, empty optional columns…).
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

BARE = r"""
import csv, os, sys, time, uuid
import django
django.setup()
from django.db import connection, transaction
from django.utils import timezone
folder = sys.argv[1]
def rows(name):
    with open(os.path.join(folder, name + ".csv"), encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)
def n(v): return v or None
start = time.perf_counter()
now = timezone.now()
from cdm.network.models import Cite, Site
with transaction.atomic(), connection.cursor() as c:
    # A few dozen rows: through the ORM, so that a column added to these models needs no edit here.
    Cite.objects.bulk_create(
        Cite(slug=r["id"], name=r["name"], country=r["country"], region=r["region"], city=r["city"],
             latitude=n(r["latitude"]), longitude=n(r["longitude"]),
             languages=[x for x in r["languages"].split(";") if x], status=r["status"],
             member_since=n(r["member_since"]), labelled_on=n(r["labelled_on"]), opened_on=n(r["opened_on"]))
        for r in rows("cites"))
    c.execute("SELECT slug, id FROM network_cite"); cite = dict(c.fetchall())
    Site.objects.bulk_create(
        Site(cite_id=cite[r["cite"]], slug=r["id"], name=r["name"], kind=r["kind"], city=r["city"],
             latitude=n(r["latitude"]), longitude=n(r["longitude"]), opened_on=n(r["opened_on"]),
             closed_on=n(r["closed_on"]))
        for r in rows("sites"))
    c.execute("SELECT slug, id FROM network_site"); site = dict(c.fetchall())
    c.executemany("INSERT INTO network_partner (slug, name, kind, country) VALUES (%s,%s,%s,%s)",
                  [[r["id"], r["name"], r["kind"], r["country"]] for r in rows("partners")])
    c.execute("SELECT slug, id FROM network_partner"); partner = dict(c.fetchall())
    c.executemany("INSERT INTO network_partnership (cite_id, partner_id, since, until) VALUES (%s,%s,%s,%s)",
                  [[cite[r["cite"]], partner[r["partner"]], n(r["since"]), n(r["until"])] for r in rows("partnerships")])
    c.executemany("INSERT INTO network_contribution (cite_id, partner_id, year, type, amount, unit, description)"
                  " VALUES (%s,%s,%s,%s,%s,%s,%s)",
                  [[cite[r["cite"]], partner[r["partner"]], r["year"], r["type"], n(r["amount"]), r["unit"],
                    r["description"]] for r in rows("contributions")])
    batch = []
    for r in rows("visits"):
        batch.append([r["id"], cite[r["cite"]], site.get(r["site"]), r["date"], n(r["time"]), r["channel"], r["theme"],
                      r["outcome"], r["age_band"], r["gender"], r["status"],
                      None if r["first_visit"] == "" else r["first_visit"] == "true", now])
        if len(batch) == 5000:
            c.executemany("INSERT INTO activity_visit (uid, cite_id, site_id, date, time, channel, theme, outcome,"
                          " age_band, gender, status, first_visit, recorded_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", batch)
            batch = []
    if batch:
        c.executemany("INSERT INTO activity_visit (uid, cite_id, site_id, date, time, channel, theme, outcome,"
                      " age_band, gender, status, first_visit, recorded_at) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", batch)
    c.execute("SELECT uid, id FROM activity_visit"); visit = dict(c.fetchall())
    c.executemany("INSERT INTO activity_interview (visit_id, partner_id, duration_minutes) VALUES (%s,%s,%s)",
                  [[visit[r["visit"]], partner.get(r["partner"]), n(r["duration_minutes"])] for r in rows("interviews")])
    c.executemany("INSERT INTO activity_activity (uid, cite_id, site_id, kind, role, title, theme, date,"
                  " duration_minutes, participants) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                  [[r["id"], cite[r["cite"]], site.get(r["site"]), r["kind"], r["role"], r["title"], r["theme"],
                    r["date"], n(r["duration_minutes"]), r["participants"]] for r in rows("activities")])
    c.execute("SELECT uid, id FROM activity_activity"); activity = dict(c.fetchall())
    c.executemany("INSERT INTO activity_activity_partners (activity_id, partner_id) VALUES (%s,%s)",
                  [[activity[r["id"]], partner[p]] for r in rows("activities") for p in r["partners"].split(";") if p])
    c.executemany("INSERT INTO activity_equipment (cite_id, year, paper_references, paper_copies, computer_stations,"
                  " tablets, vr_headsets) VALUES (%s,%s,%s,%s,%s,%s,%s)",
                  [[cite[r["cite"]], r["year"], n(r["paper_references"]), n(r["paper_copies"]),
                    n(r["computer_stations"]), n(r["tablets"]), n(r["vr_headsets"])] for r in rows("equipment")])
print(time.perf_counter() - start)
"""


def fresh(kind: str, name: str) -> str:
    if kind == "sqlite":
        path = common.WORK / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = common.recreate_pg(name)
    common.cdm(["migrate", "-v0"], url)
    return url


def package() -> Path:
    if os.environ.get("PACKAGE"):
        return Path(os.environ["PACKAGE"]).resolve()
    folder = common.WORK / "package-2024"
    if not (folder / "datapackage.json").exists():
        source = common.demo_database("sqlite", scale=1.0)
        common.cdm(["export", "--year", "2024", str(folder)], source, stdout=subprocess.DEVNULL)
    return folder


REPORT_AFTER = r"""
import time
import django
django.setup()
from django.utils import translation
from cdm.stats import report
from cdm.stats.figures import Period
with translation.override("fr"):
    start = time.perf_counter()
    report.render_html(Period.year(2024))
print(time.perf_counter() - start)
"""


def main() -> int:
    folder = package()
    with open(folder / "visits.csv", encoding="utf-8") as f:
        visits = sum(1 for _ in csv.reader(f)) - 1
    kinds = ["sqlite"] + (["postgresql"] if common.pg_available() else [])
    for kind in kinds:
        print(f"== bench-import on {kind}: {visits:,} visits ==", flush=True)
        url = fresh(kind, "cdm_bench_import")
        # A fresh process whose only child is the import: its children's peak RSS is the import's.
        probe = (
            "import resource, subprocess, sys, time; s = time.perf_counter(); "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
            "print(time.perf_counter() - s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe, str(common.BIN / "cdm"), "import", str(folder)],
            env=common.env_for(url),
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        ours, rss = float(out[0]), int(out[1]) / 1024
        # The coordinator opens the year's report next: the import left its figures computed.
        after = float(
            subprocess.run(
                [sys.executable, "-c", REPORT_AFTER],
                env=common.env_for(url) | {"DJANGO_SETTINGS_MODULE": "cdm.settings"},
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        url = fresh(kind, "cdm_bench_bare")
        env = common.env_for(url) | {"DJANGO_SETTINGS_MODULE": "cdm.settings"}
        bare = float(
            subprocess.run(
                [sys.executable, "-c", BARE, str(folder)], env=env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        print(
            f"[{kind}] cdm import: {ours:.1f} s; "
            f"bare bulk insert: {bare:.1f} s → ratio {ours / bare:.2f} (target ≤ 2: {common.verdict(ours / bare <= 2)})"
        )
        print(
            f"[{kind}] peak resident memory of the import: {rss:.0f} MB (target < 500 MB: {common.verdict(rss < 500)})",
            flush=True,
        )
        print(
            f"[{kind}] the 2024 HTML report right after the import: {after * 1000:.0f} ms "
            f"(the report's target < 1 s: {common.verdict(after < 1)})",
            flush=True,
        )
        print(
            json.dumps(
                {"kind": kind, "import_s": round(ours, 2), "bare_s": round(bare, 2), "rss_mb": round(rss)}
            )
        )
    if "postgresql" not in kinds:
        print("== PostgreSQL leg skipped: no server ==")
    return 0


if __name__ == "__main__":
    sys.exit(main())
