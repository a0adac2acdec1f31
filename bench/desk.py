"""`make bench-desk`: recording visits through the API with 50 concurrent clients against gunicorn
on 127.0.0.1, beside the ceiling — a minimal Django view inserting one row into the same database.

Targets: throughput ≥ 70 % of the ceiling's, p99 under 50 ms. Prints; asserts nothing.
"""

import argparse
import http.client
import json
import os
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(port: int, path: str, headers: dict, body_fn, seconds: float) -> tuple[float, list[float], int]:
    """CLIENTS threads sending for ``seconds``: (requests per second, latencies in ms, errors)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client():
        mine = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop:
            body = json.dumps(body_fn())
            start = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                response.read()
                ok = response.status in (200, 201)
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            if ok:
                mine.append(elapsed)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - began), latencies, errors[0]


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else float("nan")


def run(kind: str, seconds: float, workers: int) -> None:
    if kind == "sqlite":
        path = common.WORK / "desk.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = common.recreate_pg("cdm_bench_desk")
    common.cdm(["migrate", "-v0"], url)
    common.cdm(["demo", "--scale", "0.002", "--seed", "1", "-v0"], url, stdout=subprocess.DEVNULL)
    token = common.cdm(
        ["token", "create", "--user", "agent-bruxelles"], url, capture_output=True, text=True
    ).stdout.strip()
    env = common.env_for(url) | {"CDM_BENCH_CEILING": "1"}
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
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

        def visit():
            return {
                "uid": str(uuid.uuid4()),
                "pole": "job",
                "outcome": "information",
                "age_band": "26_44",
                "gender": "female",
                "status": "employed",
            }

        def ceiling():
            return {"uid": str(uuid.uuid4())}

        load(port, "/bench/ceiling", headers, ceiling, 1.5)  # warm up both
        load(port, "/api/visits", headers, visit, 1.5)
        c_rps, c_lat, c_err = load(port, "/bench/ceiling", headers, ceiling, seconds)
        a_rps, a_lat, a_err = load(port, "/api/visits", headers, visit, seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    ratio = a_rps / c_rps if c_rps else float("nan")
    print(
        f"[{kind}] ceiling (minimal insert view): {c_rps:.0f} req/s, p50 {p(c_lat, 50):.1f} ms, "
        f"p99 {p(c_lat, 99):.1f} ms, {c_err} errors"
    )
    print(
        f"[{kind}] POST /api/visits: {a_rps:.0f} req/s, p50 {p(a_lat, 50):.1f} ms, p99 {p(a_lat, 99):.1f} ms, "
        f"{a_err} errors"
    )
    print(
        f"[{kind}] throughput ratio {ratio:.2f} (target ≥ 0.70: {common.verdict(ratio >= 0.7)}); "
        f"p99 {p(a_lat, 99):.1f} ms (target < 50 ms: {common.verdict(p(a_lat, 99) < 50)})",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    common.WORK.mkdir(parents=True, exist_ok=True)
    kinds = ["sqlite"] + (["postgresql"] if common.pg_available() else [])
    for kind in kinds:
        print(
            f"== bench-desk on {kind}: {CLIENTS} concurrent clients, gunicorn -w {args.workers} ==",
            flush=True,
        )
        run(kind, args.seconds, args.workers)
    if "postgresql" not in kinds:
        print("== PostgreSQL leg skipped: no server ==")
    return 0


if __name__ == "__main__":
    sys.exit(main())
