"""Run schemathesis against the real API: gunicorn on 127.0.0.1, a small demo network, a token.

    python tools/api_fuzz.py [--database-url URL] [--max-examples N]

Every operation of /api/openapi.json is exercised, authenticated as a Cité manager. The
process exits with schemathesis' status; the server is always stopped.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_database(url: str) -> None:
    """A fresh PostgreSQL database for the run, created through the server's maintenance database."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-examples", type=int, default=40)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cdm-fuzz-"))
    env = dict(
        os.environ,
        CDM_DEBUG="0",
        CDM_SECRET_KEY="fuzz-" + os.urandom(8).hex(),
        CDM_VAR_DIR=str(workdir),
        CDM_ALLOWED_HOSTS="127.0.0.1,localhost",
        CDM_HTTPS="0",  # gunicorn on plain HTTP, no proxy
    )
    env["DATABASE_URL"] = args.database_url or f"sqlite:///{workdir / 'fuzz.sqlite3'}"
    label = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
    cdm = [str(BIN / "cdm")]
    if env["DATABASE_URL"].startswith("postgres"):
        recreate_database(env["DATABASE_URL"])
    subprocess.run(cdm + ["migrate", "-v0"], env=env, check=True)
    subprocess.run(
        cdm + ["demo", "--scale", "0.002", "--seed", "3", "-v0"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    token = subprocess.run(
        cdm + ["token", "create", "--user", "manager-bruxelles", "--name", "fuzz"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "cdm.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--log-level",
            "warning",
            # The API itself must refuse over-long values: no front server cuts them first here.
            "--limit-request-line",
            "0",
            "--limit-request-field_size",
            "0",
        ],
        env=env,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        print(f"== schemathesis against the API on {label} ({base}) ==", flush=True)
        result = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "run",
                f"{base}/api/openapi.json",
                "-H",
                f"Authorization: Bearer {token}",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,"
                "response_schema_conformance,negative_data_rejection",
                "--max-examples",
                str(args.max_examples),
                # One worker: CPython 3.11.7's AST validator is not thread-safe ("AST constructor
                # recursion depth mismatch"), and hypothesis parses lambdas while it generates.
                "--workers",
                "1",
                "--no-color",
                "--suppress-health-check",
                "all",
                "--seed",
                "1",
            ],
            env=env,
        )
        return result.returncode
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
