"""The web server and the tasks worker together (`make demo`): Ctrl-C stops both.

    python tools/serve.py [--host 127.0.0.1] [--port 8000]

Starts daphne on ``cdm.asgi:application`` and ``cdm db_worker`` (django-tasks' database worker,
which runs the uploads' imports), both with this process's environment. SIGINT or SIGTERM is passed
on to both; when either of them stops, the other is stopped too, and this script exits — 0 when it
was asked to stop, 1 when a child died on its own.
"""

import argparse
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
FIRST_WAIT = 3  # seconds after the first SIGINT
SECOND_WAIT = 5  # seconds after the second SIGINT, before SIGKILL


def command(name: str) -> str:
    """A console script of this virtual environment (or, failing that, of the PATH)."""
    local = BIN / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    commands = {
        "web": [command("daphne"), "-b", args.host, "-p", str(args.port), "cdm.asgi:application"],
        # --no-reload: the worker must stop on the first signal, not restart itself.
        "worker": [command("cdm"), "db_worker", "--no-reload"],
    }
    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Imports a killed worker left "running" are failed, and old finished jobs deleted.
    subprocess.run([command("cdm"), "sweep_import_jobs"], check=False)
    try:
        for name, argv in commands.items():
            # Their own process group: a Ctrl-C in the terminal reaches this script alone, which
            # passes it on once (the worker would take a second Ctrl-C as "kill the running task").
            children[name] = subprocess.Popen(argv, start_new_session=True)
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
    finally:
        # A first SIGINT: daphne stops, the worker stops once its running task (if any) has ended.
        # Still there after a moment, a second one: the worker ends its task at once (the import's
        # transaction rolls back, its job says it failed). Then, at last, SIGKILL.
        for wait, last in ((FIRST_WAIT, False), (SECOND_WAIT, False), (5, True)):
            running = [child for child in children.values() if child.poll() is None]
            if not running:
                break
            for child in running:
                if last:
                    child.kill()
                else:
                    child.send_signal(signal.SIGINT)
            deadline = time.monotonic() + wait
            while any(child.poll() is None for child in running) and time.monotonic() < deadline:
                time.sleep(0.1)
    died = [name for name, child in children.items() if child.returncode not in (0, -signal.SIGINT)]
    if not stopping:
        print(
            f"serve.py: {', '.join(died) or 'a child'} stopped; the others were stopped too.", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
