"""Where a desk's visit goes, in-process: `python bench/desk_profile.py [--pg] [--profile]`.

Sends visits through Django's test client (the whole middleware stack, the ninja authentication
class, the model's rules, the ORM), one thread, and prints the mean time per visit, the SQL
statements of one visit, and with ``--profile`` the cProfile functions that take the most time.
Prints; asserts nothing. Builds its own small database under ``var/bench/`` (``profile.sqlite3``,
or ``cdm_bench_profile`` on PostgreSQL).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DESK = """
from cdm.accounts.models import Role, User
from cdm.accounts.scoping import network_scope
from cdm.accounts.tokens import token_create
from cdm.network.models import Cite

with network_scope():
    user = User.objects.create_user("bench-profile", role=Role.AGENT)
    user.cites.add(Cite.objects.get(slug="bruxelles"))
    print(token_create(user=user)[1])
"""


def database(pg: bool) -> tuple[str, str]:
    if pg:
        url = common.recreate_pg("cdm_bench_profile")
    else:
        path = common.WORK / "profile.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    common.cdm(["migrate", "-v0"], url)
    common.cdm(["demo", "--scale", "0.002", "--seed", "1", "-v0"], url, stdout=subprocess.DEVNULL)
    out = common.cdm(["shell", "-v0", "-c", DESK], url, capture_output=True, text=True).stdout
    token = next(word for word in out.split() if word.startswith("cdm_"))
    return url, token


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--visits", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the visits, print the top")
    args = parser.parse_args()
    common.WORK.mkdir(parents=True, exist_ok=True)
    url, token = database(args.pg)

    import django

    os.environ.update(common.env_for(url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"  # CDM's URLs and the ceiling's beside them
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    body = '{"uid": "%s", "pole": "job", "outcome": "information", "age_band": "26_44", "gender": "female"}'

    def visit() -> None:
        response = client.post("/api/visits", body % uuid.uuid4(), content_type="application/json")
        assert response.status_code == 201, response.content

    for _ in range(200):  # warm up: templates, statements, the token's last use
        visit()
    with CaptureQueriesContext(connection) as queries:
        visit()
    print(f"{len(queries)} SQL statements for one visit:")
    for q in queries.captured_queries:
        print(f"  {q['sql']}")
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.visits):
        visit()
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"{args.visits} visits in {took:.2f} s: {took / args.visits * 1000:.2f} ms per visit, in-process "
        f"({cpu / args.visits * 1000:.2f} ms of this process's CPU per visit; the rest is the "
        "database's, or the machine's other work)"
    )
    # The ceiling (bench/ceiling.py: the minimal Django view, Model.objects.create) against the API in
    # this process's CPU time, in interleaved rounds: a ratio that the machine's other work moves
    # less than wall-clock throughput (on PostgreSQL it leaves out the server's own CPU).
    from ceiling import prepare

    prepare()

    def ceiling() -> None:
        response = client.post(
            "/bench/ceiling", json.dumps({"uid": str(uuid.uuid4())}), content_type="application/json"
        )
        assert response.status_code == 201, response.content

    for _ in range(200):
        ceiling()
    ratios = []
    for _ in range(5):
        costs = []
        for fn in (ceiling, visit):
            cpu = time.process_time()
            for _ in range(args.visits // 5):
                fn()
            costs.append((time.process_time() - cpu) / (args.visits // 5) * 1000)
        ratios.append(costs[0] / costs[1])
        print(f"  round: ceiling {costs[0]:.2f} ms, visit {costs[1]:.2f} ms of CPU → {ratios[-1]:.2f}")
    ratios.sort()
    print(f"throughput ratio in this process's CPU time (ceiling's cost / visit's): median {ratios[2]:.2f}")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
        profiler.enable()
        for _ in range(args.visits):
            visit()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.dump_stats(str(common.WORK / "desk.prof"))
        stats.sort_stats("cumulative").print_stats(45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
