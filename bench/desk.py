"""`make bench-desk`: recording visits through the API with 50 concurrent clients against gunicorn
on 127.0.0.1, beside the ceiling — a minimal Django view inserting one row into the same database.

Targets (issue #11): at a desk's pace — 50 desks, open loop, 100 visits/s in all — p99 under 50 ms;
at saturation, the stock Django path at least 0.5 × the ceiling's throughput. (The former target,
p99 < 50 ms at saturation, is out of reach of any code here: with 50 closed-loop clients on two
cores the latency is clients ÷ throughput, and the ceiling itself measures above it.) Prints;
asserts nothing.

The machine is shared and its speed drifts, so the ceiling and the API are measured side by side in
interleaved rounds and the figures are the rounds' medians; the ceiling's table is first filled
with as many rows as the visits' table, so that both inserts meet indexes of the same size.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

CLIENTS = 50
ROUNDS = 5
DESKS = """
from cdm.accounts.models import Role, User
from cdm.accounts.scoping import network_scope
from cdm.accounts.tokens import token_create
from cdm.network.models import Cite

with network_scope():
    cite = Cite.objects.get(slug="bruxelles")
    for i in range(%(n)d):
        user = User.objects.create_user(f"bench-desk-{i}", role=Role.AGENT)
        user.cites.add(cite)
        print(token_create(user=user)[1])
"""
SCRIPT = Path(__file__).resolve().parent / "desk.lua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str, headers: dict, body: dict, seconds: float, tokens: list[str]) -> dict:
    """wrk (C, Debian's package) holds CLIENTS connections open, each sending as soon as answered.

    ``body`` is the JSON body with ``"%s"`` where each request puts a fresh UUID; each request goes
    out under the next of ``tokens`` (one per desk). Returns requests per second, latency
    percentiles in ms and errors (any non-2xx answer counts as one).
    """
    command = ["wrk", "-t2", f"-c{CLIENTS}", f"-d{int(seconds)}s", "--timeout", "10s", "-s", str(SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [f"http://127.0.0.1:{port}{path}", "--", json.dumps(body), ",".join(tokens)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    seconds_taken = result["duration_us"] / 1e6
    return {
        "rps": (result["requests"] - result["errors"]) / seconds_taken,
        "p50": result["p50_us"] / 1000,
        "p90": result["p90_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "errors": result["errors"],
    }


def median_of(measures: list[dict]) -> dict:
    """Each figure's median over rounds."""
    return {key: statistics.median(m[key] for m in measures) for key in measures[0]}


def paced(
    port: int, path: str, headers: dict, body: dict, seconds: float, mean_pause: float, tokens: list[str]
) -> dict:
    """CLIENTS desks in an open loop: each sends on its own schedule (one visit every ``mean_pause`` s
    on average, exponential gaps), whether or not its previous answer came back late.

    Latency is counted from the scheduled send, so a slow server is not hidden by the client waiting
    for it (coordinated omission). At this low rate a Python client measures exactly.
    """
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    template = json.dumps(body)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine_headers = headers | {"Authorization": f"Bearer {tokens[seed % len(tokens)]}"}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        due = time.perf_counter() + rng.uniform(0, mean_pause)
        while due < stop:
            time.sleep(max(0.0, due - time.perf_counter()))
            start = due
            due += rng.expovariate(1 / mean_pause)
            try:
                conn.request("POST", path, template % uuid.uuid4(), mine_headers)
                response = conn.getresponse()
                response.read()
                ok = response.status in (200, 201)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
            if ok:
                mine.append((time.perf_counter() - start) * 1000)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "rps": len(latencies) / (time.perf_counter() - began),
        "p50": cuts[49],
        "p90": cuts[89],
        "p99": cuts[98],
        "errors": errors[0],
    }


def run(kind: str, seconds: float, workers: int, threads: int = 0) -> None:
    if kind == "sqlite":
        path = common.WORK / "desk.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = common.recreate_pg("cdm_bench_desk")
    common.cdm(["migrate", "-v0"], url)
    common.cdm(["demo", "--scale", "0.002", "--seed", "1", "-v0"], url, stdout=subprocess.DEVNULL)
    # One account and one token per desk, as in a Cité: each client records as its own agent.
    shell = common.cdm(["shell", "-v0", "-c", DESKS % {"n": CLIENTS}], url, capture_output=True, text=True)
    tokens = [word for word in shell.stdout.split() if word.startswith("cdm_")]
    assert len(tokens) == CLIENTS, tokens
    bench_dir = str(Path(__file__).resolve().parent)
    env = common.env_for(url) | {"PYTHONPATH": bench_dir, "DJANGO_SETTINGS_MODULE": "bench_settings"}
    subprocess.run(
        [str(common.BIN / "cdm"), "shell", "-c", "from ceiling import prepare; print(prepare())"],
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(common.BIN / "gunicorn"),
            "cdm.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
            *(["--worker-class", "gthread", "--threads", str(threads)] if threads >= 1 else []),
            "--keep-alive",
            "5",
        ],
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        headers = {"Content-Type": "application/json"}
        visit = {
            "uid": "%s",
            "pole": "job",
            "outcome": "information",
            "age_band": "26_44",
            "gender": "female",
            "status": "employed",
        }
        ceiling = {"uid": "%s"}
        for path, body in (
            ("/bench/ceiling", ceiling),
            ("/bench/ceiling-sql", ceiling),
            ("/api/visits", visit),
        ):
            load(port, path, headers, body, 2, tokens)  # warm up every worker on each path
        # Interleaved rounds: the machine's speed drifts (it is shared), so each round measures the
        # ceiling and the API side by side, and the figures are the rounds' medians.
        rounds = [
            [
                load(port, "/bench/ceiling", headers, ceiling, seconds, tokens),
                load(port, "/bench/ceiling-sql", headers, ceiling, seconds, tokens),
                load(port, "/api/visits", headers, visit, seconds, tokens),
            ]
            for _ in range(ROUNDS)
        ]
        c, r, a = (median_of([rnd[i] for rnd in rounds]) for i in range(3))
        # A round whose ceiling answered nothing (every request an error) has no ratio.
        ratios = [rnd[2]["rps"] / rnd[0]["rps"] if rnd[0]["rps"] else float("nan") for rnd in rounds]
        # The same 50 clients as desks at a brisk pace, in an open loop: each records a visit every
        # 0.5 s on average (about 100 visits a second in all, far above the network's busiest hour).
        d = paced(port, "/api/visits", headers, visit, max(seconds, 10), mean_pause=0.5, tokens=tokens)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    ratio = statistics.median(ratios)
    per_round = ", ".join(f"{rnd[2]['rps']:.0f}/{rnd[0]['rps']:.0f}" for rnd in rounds)
    for label, m in (
        ("ceiling: minimal Django view, Model.objects.create", c),
        ("(for reference: the same with a raw cursor INSERT)", r),
        ("POST /api/visits", a),
        ("POST /api/visits, 50 desks in an open loop, ~100 visits/s in all", d),
    ):
        print(
            f"[{kind}] {label}: {m['rps']:.0f} req/s, p50 {m['p50']:.1f} ms, p90 {m['p90']:.1f} ms, "
            f"p99 {m['p99']:.1f} ms, {m['errors']} errors"
        )
    print(
        f"[{kind}] throughput ratio {ratio:.2f}, median of {ROUNDS} rounds "
        f"({', '.join(f'{x:.2f}' for x in ratios)}; API / ceiling req/s per round: "
        f"{per_round}) (target ≥ 0.50: {common.verdict(ratio >= 0.5)}; "
        f"{a['rps'] / r['rps']:.2f} of the raw-cursor view); "
        f"p99 at a desk's pace {d['p99']:.1f} ms (target < 50 ms: {common.verdict(d['p99'] < 50)}; "
        f"at saturation: {a['p99']:.1f} ms, the ceiling's own {c['p99']:.1f} ms)",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4, help="per measure, in each round")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=0, help="≥ 1: gthread workers with keep-alive")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    args = parser.parse_args()
    common.WORK.mkdir(parents=True, exist_ok=True)
    kinds = [args.only] if args.only else ["sqlite"] + (["postgresql"] if common.pg_available() else [])
    for kind in kinds:
        print(
            f"== bench-desk on {kind}: {CLIENTS} concurrent clients, gunicorn -w {args.workers} ==",
            flush=True,
        )
        run(kind, args.seconds, args.workers, args.threads)
    if "postgresql" not in kinds and not args.only:
        print("== PostgreSQL leg skipped: no server ==")
    return 0


if __name__ == "__main__":
    sys.exit(main())
