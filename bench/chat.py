"""`make bench-chat`: 200 visitors and 20 counsellors chatting at once on 127.0.0.1, beside a bare
Channels echo consumer measured in the same run, on the same daphne server.

Each counsellor leads 10 conversations; each visitor sends --messages messages, one every --interval
seconds (5 s by default: a brisk live chat; 200 visitors make 40 messages a second, and as many
answers), and the counsellor answers each one at once. Latency is from the send
to the display on the other side (the message arriving on the other party's socket, after it was
stored and sent through the channel layer). The echo: 220 sockets, the same number of messages at
the same pace, each sent back by a consumer that does nothing else (send → its echo back).
Every message is counted at its recipient: lost and duplicated ones are reported.

Targets (issue #16): the chat's p99 ≤ 2 × the echo's, and under 200 ms. Prints; asserts nothing.

    python bench/chat.py [--visitors 200] [--counsellors 20] [--messages 6] [--interval 5] [--redis]

Also the ASGI application daphne serves here (``bench.chat:application``): CDM's, plus the echo.
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

SETUP = """
import django, json, sys; django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_scopes import scopes_disabled
from cdm.accounts.models import Role, User
from cdm.counselling import services
from cdm.network.models import Cite, Partner
visitors, counsellors = int(sys.argv[1]), int(sys.argv[2])
with scopes_disabled():
    cite = Cite.objects.create(slug="bench", name="Cité bench", country="FR", city="Paris", status="labelled",
                               languages=["fr"])
    partner = Partner.objects.create(slug="bench-partner", name="Partenaire", kind="association")
users = []
for i in range(counsellors):
    user = User.objects.create_user(f"counsellor-{i}", role=Role.COUNSELLOR, partner=partner)
    user.cites.add(cite)
    services.presence_touch(user=user)
    users.append(user)
started = [services.conversation_start(theme="job", language="fr") for _ in range(visitors)]
plan = {"visitors": [], "counsellors": []}
for i, user in enumerate(users):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    mine = started[i::counsellors]
    for s in mine:
        services.conversation_take(user=user, conversation=s.conversation)
    plan["counsellors"].append({"session": session.session_key, "conversations": [s.conversation.pk for s in mine]})
plan["visitors"] = [{"key": s.key, "conversation": s.conversation.pk} for s in started]
print(json.dumps(plan))
"""


# -- the ASGI application daphne serves (imported by daphne as bench.chat:application) ------------


def __getattr__(name):
    if name != "application":
        raise AttributeError(name)
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter

    from cdm.asgi import application as cdm_application

    class Echo(AsyncWebsocketConsumer):
        async def receive(self, text_data=None, bytes_data=None):
            await self.send(text_data=text_data)

    echo = Echo.as_asgi()
    cdm_websocket = cdm_application.application_mapping["websocket"]

    async def websocket(scope, receive, send):
        app = echo if scope["path"] == "/ws/bench/echo/" else cdm_websocket
        return await app(scope, receive, send)

    return ProtocolTypeRouter({"http": cdm_application.application_mapping["http"], "websocket": websocket})


# -- the load ----------------------------------------------------------------------------------------


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(name, latencies):
    ms = [x * 1000 for x in latencies]
    return (
        f"{name:<8} n={len(ms):>6}  p50={percentile(ms, 50):7.2f} ms  p95={percentile(ms, 95):7.2f} ms  "
        f"p99={percentile(ms, 99):7.2f} ms  max={max(ms) if ms else float('nan'):7.2f} ms"
    )


async def echo_phase(base, origin, sockets, messages, interval):
    import websockets

    latencies, lost, duplicated = [], 0, 0

    async def one(i):
        nonlocal lost, duplicated
        async with websockets.connect(f"{base}/ws/bench/echo/", origin=origin, max_queue=None) as ws:
            await asyncio.sleep(random.random() * interval)
            seen = set()
            for n in range(messages):
                sent = time.perf_counter()
                await ws.send(json.dumps({"id": f"{i}-{n}"}))
                data = json.loads(await asyncio.wait_for(ws.recv(), 10))
                latencies.append(time.perf_counter() - sent)
                duplicated += data["id"] in seen
                seen.add(data["id"])
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - sent)))
            lost += messages - len(seen)

    await asyncio.gather(*(one(i) for i in range(sockets)))
    return latencies, lost, duplicated


async def chat_phase(base, origin, plan, messages, interval):
    import websockets

    sent_at = {}  # text → when it was sent
    latencies = []
    received = {"visitor": {}, "counsellor": {}}  # (conversation, seq) → count, per recipient side
    done = asyncio.Event()
    replies = 0

    due = 4 * len(plan["visitors"]) * messages  # each message, and each reply, displayed on both sides
    unique = 0

    def arrive(side, data):
        nonlocal unique
        key = (data["conversation"], data["seq"])
        received[side][key] = received[side].get(key, 0) + 1
        if received[side][key] == 1:
            unique += 1
            if unique >= due:
                done.set()
        if received[side][key] == 1 and data["text"] in sent_at and data["author"] != side:
            latencies.append(time.perf_counter() - sent_at[data["text"]])

    async def counsellor(c):
        nonlocal replies
        cookie = f"sessionid={c['session']}"
        async with websockets.connect(
            f"{base}/ws/counselling/counsellor/",
            origin=origin,
            additional_headers=[("Cookie", cookie)],
            max_queue=None,
        ) as ws:
            for conversation in c["conversations"]:
                await ws.send(json.dumps({"type": "join", "conversation": conversation, "after": 10**6}))
            states = 0
            while states < len(c["conversations"]):  # each join answered: in the group from now on
                states += json.loads(await ws.recv()).get("type") == "state"
            joined.append(1)
            while not done.is_set():
                try:
                    data = json.loads(await asyncio.wait_for(ws.recv(), 1))
                except TimeoutError:
                    continue
                if data.get("type") != "message":
                    continue
                arrive("counsellor", data)
                if (
                    data["author"] == "visitor"
                    and received["counsellor"][(data["conversation"], data["seq"])] == 1
                ):
                    text = "re:" + data["text"]
                    sent_at[text] = time.perf_counter()
                    await ws.send(
                        json.dumps({"type": "message", "conversation": data["conversation"], "text": text})
                    )
                    replies += 1

    async def visitor(v, i):
        async with websockets.connect(f"{base}/ws/counselling/visitor/", origin=origin, max_queue=None) as ws:
            await ws.send(json.dumps({"type": "hello", "key": v["key"], "after": 10**6}))

            async def reader():
                while not done.is_set():
                    try:
                        data = json.loads(await asyncio.wait_for(ws.recv(), 1))
                    except TimeoutError:
                        continue
                    if data.get("type") == "message":
                        arrive("visitor", data)

            task = asyncio.create_task(reader())
            while len(joined) < len(plan["counsellors"]):
                await asyncio.sleep(0.05)
            await asyncio.sleep(random.random() * interval)
            for n in range(messages):
                text = f"v{i}-{n}"
                start = time.perf_counter()
                sent_at[text] = start
                await ws.send(json.dumps({"type": "message", "text": text, "client_id": text}))
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - start)))
            try:
                await asyncio.wait_for(done.wait(), 30)
            except TimeoutError:
                done.set()
            await task

    joined = []
    await asyncio.gather(
        *(counsellor(c) for c in plan["counsellors"]),
        *(visitor(v, i) for i, v in enumerate(plan["visitors"])),
    )
    got = sum(len(side) for side in received.values())
    duplicated = sum(count - 1 for side in received.values() for count in side.values())
    return latencies, due - got, duplicated


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--counsellors", type=int, default=20)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between a visitor's messages")
    parser.add_argument("--redis", action="store_true", help="the Redis channel layer (127.0.0.1:6379)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cdm-bench-chat-"))
    env = {
        **os.environ,
        # As in production: DEBUG off (on, Django keeps and formats every query for the debug page).
        "CDM_DEBUG": "0",
        "CDM_SECRET_KEY": secrets.token_urlsafe(40),
        "CDM_ALLOWED_HOSTS": "127.0.0.1",
        "CDM_HTTPS": "0",
        "DATABASE_URL": f"sqlite:///{tmp / 'chat.sqlite3'}",
        "CDM_VAR_DIR": str(tmp),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "cdm.settings",
    }
    env.pop("CDM_REDIS_URL", None)
    if args.redis:
        env["CDM_REDIS_URL"] = "redis://127.0.0.1:6379/7"
    subprocess.run([str(BIN / "cdm"), "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    out = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.visitors), str(args.counsellors)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    plan = json.loads(out.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "--access-log",
            os.devnull,
            "bench.chat:application",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "daphne.log", "w"),  # noqa: SIM115
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("daphne did not start") from None
                time.sleep(0.1)
        base, origin = f"ws://127.0.0.1:{port}", f"http://127.0.0.1:{port}"
        sockets = args.visitors + args.counsellors
        print(
            f"== bench-chat: {args.visitors} visitors, {args.counsellors} counsellors, {args.messages} messages "
            f"each, one every {args.interval} s, layer: {'redis' if args.redis else 'in-memory'}, daphne on 127.0.0.1"
        )
        echo, echo_lost, echo_dup = asyncio.run(
            echo_phase(base, origin, sockets, args.messages, args.interval)
        )
        started = time.perf_counter()
        chat, lost, duplicated = asyncio.run(chat_phase(base, origin, plan, args.messages, args.interval))
        seconds = time.perf_counter() - started
        print(summary("echo", echo) + f"  lost={echo_lost} duplicated={echo_dup}")
        print(
            summary("chat", chat)
            + f"  lost={lost} duplicated={duplicated}  ({len(chat) / seconds:.0f} msg/s)"
        )
        p99_echo, p99_chat = percentile(echo, 99) * 1000, percentile(chat, 99) * 1000
        ratio = p99_chat / p99_echo if p99_echo else float("nan")
        print(
            f"p99 chat / echo = {ratio:.2f} (target ≤ 2), chat p99 {p99_chat:.1f} ms (target < 200 ms), "
            f"lost {lost}, duplicated {duplicated} (target 0, 0)"
        )
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
