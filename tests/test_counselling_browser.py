"""The chat in Chromium, two browsers (a visitor, counsellors), served by daphne (the ASGI server of
`make demo`) in a subprocess against its own SQLite file: the visitor chats with a counsellor who
transfers to a colleague, who closes; the interview is counted with channel chat. A dropped network
resumes without loss. Run on the in-memory channel layer and on Redis (127.0.0.1:6379)."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import axe_violations

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "pw-Chat-2024"
REDIS_URL = "redis://127.0.0.1:6379/6"

SETUP = (
    """
import django; django.setup()
from django_scopes import scopes_disabled
from cdm.accounts.models import Role, User
from tests.conftest import make_cite_world
alpha, beta = make_cite_world("alpha"), make_cite_world("beta", "BE")
with scopes_disabled():
    for w in (alpha, beta):
        w["cite"].languages = ["fr", "en"]
        w["cite"].save()
colleague = User.objects.create_user("colleague-alpha", role=Role.COUNSELLOR, partner=alpha["partner"])
colleague.cites.add(alpha["cite"])
for user in User.objects.all():
    user.set_password(PASSWORD)
    user.save()
"""
).replace("PASSWORD", repr(PASSWORD))

QUERY = """
import django, json; django.setup()
from django_scopes import scopes_disabled
from cdm.activity.models import Interview, Visit
from cdm.counselling.models import Conversation, Message
with scopes_disabled():
    print(json.dumps({
        "conversations": list(Conversation.objects.values("status", "helped", "message_count", "cite__slug", "visit_id")),
        "chat_visits": list(Visit.objects.filter(channel="chat").values("cite__slug", "theme", "outcome", "recorded_by__username")),
        "interviews": list(Interview.objects.filter(visit__channel="chat").values("partner__slug", "duration_minutes", "waited_minutes")),
        "messages": list(Message.objects.order_by("seq").values_list("author", "text")),
    }))
"""


def _redis_up() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, redis: bool):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cdm.test_settings",
            "DATABASE_URL": f"sqlite:///{tmp / 'chat.sqlite3'}",
            "CDM_VAR_DIR": str(tmp),
            "PYTHONPATH": str(ROOT),
        }
        self.env.pop("CDM_REDIS_URL", None)
        if redis:
            self.env["CDM_REDIS_URL"] = REDIS_URL
            # Its own prefix: the other xdist worker's server (or another checkout's suite) may be
            # on the same Redis at the same time, with the same conversation numbers.
            self.env["CDM_REDIS_PREFIX"] = self.prefix = f"cdm-test-{uuid.uuid4().hex[:12]}"
        self.run([str(BIN / "cdm"), "migrate", "-v0"])
        self.run([sys.executable, "-c", SETUP])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                str(BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "--access-log",
                os.devnull,
                "cdm.asgi:application",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(tmp / "daphne.log", "w"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start")

    def run(self, argv):
        subprocess.run(argv, env=self.env, cwd=ROOT, check=True)

    def query(self) -> dict:
        out = subprocess.run(
            [sys.executable, "-c", QUERY], env=self.env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if "CDM_REDIS_PREFIX" in self.env:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(match=f"{self.prefix}*"):
                client.delete(key)


@pytest.fixture(params=["memory", "redis"])
def server(request, tmp_path):
    if request.param == "redis" and not _redis_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379: CI needs it")
        pytest.skip("no Redis on 127.0.0.1:6379")
    server = Server(tmp_path, redis=request.param == "redis")
    yield server
    server.stop()


def signed_in(browser, url, username):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/fr/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/fr/admin/")
    page.goto(f"{url}/fr/desk/queue/?cite=alpha")
    page.wait_for_selector("#online-chats[data-connected=true]")
    return context, page


def visitor_starts(browser, url):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/fr/counselling/")
    page.wait_for_selector("#talk-app[data-ready=true]")
    page.select_option("#chat-theme", "job")
    page.select_option("#chat-language", "fr")
    page.click("#chat-start")
    page.wait_for_selector("#talk-app[data-status=waiting]")
    return context, page


def wait_count(page, selector, n):
    page.wait_for_function(
        "([s, n]) => document.querySelectorAll(s).length >= n", arg=[selector, n], timeout=30_000
    )


def test_a_visitor_chats_with_a_counsellor_who_transfers_to_a_colleague_who_closes(browser, server):
    url = server.url
    c1, counsellor = signed_in(browser, url, "counsellor-alpha")
    v, visitor = visitor_starts(browser, url)
    try:
        assert "1" in visitor.locator("#chat-status").inner_text()  # first in the queue
        assert axe_violations(visitor) == []
        # The counsellor's queue screen shows it beside the walk-in queue; they take it.
        counsellor.wait_for_selector("#chat-waiting li[data-conversation] button.take")
        assert axe_violations(counsellor) == []
        counsellor.click("#chat-waiting li[data-conversation] button.take")
        visitor.wait_for_selector("#talk-app[data-status=active]")
        panel = counsellor.locator(".chat-panel").first
        panel.wait_for()
        # A visitor's text is text, never HTML.
        visitor.fill("#chat-text", "Bonjour <img src=x onerror=window.__pwned=1>")
        visitor.click("#chat-send button[type=submit]")
        wait_count(counsellor, ".chat-panel li.from-visitor", 1)
        assert (
            panel.locator("li.from-visitor .text").inner_text()
            == "Bonjour <img src=x onerror=window.__pwned=1>"
        )
        assert counsellor.evaluate("() => window.__pwned") is None
        # Read state: the counsellor's screen showed it.
        visitor.wait_for_function(
            "() => document.querySelector('#chat-log li.from-visitor .read').textContent.includes('✓')"
        )
        # Typing, then the answer.
        panel.locator("textarea").type("Que cherchez-vous ?")
        visitor.wait_for_function("() => document.getElementById('chat-typing').textContent !== ''")
        panel.locator("button[type=submit]").click()
        wait_count(visitor, "#chat-log li.from-counsellor", 1)
        # Transfer to a colleague: reserved for them, gone from the first counsellor's screen.
        c2, colleague = signed_in(browser, url, "colleague-alpha")
        try:
            panel.locator("select").select_option("user:colleague-alpha")
            counsellor.wait_for_selector(".chat-panel", state="detached")
            colleague.wait_for_selector("#chat-waiting li[data-conversation] button.take")
            colleague.click("#chat-waiting li[data-conversation] button.take")
            mine = colleague.locator(".chat-panel").first
            mine.wait_for()
            # The whole thread so far is there for the colleague.
            wait_count(colleague, ".chat-panel li.from-visitor", 1)
            mine.locator("textarea").fill("Je prends le relais.")
            mine.locator("button[type=submit]").click()
            wait_count(visitor, "#chat-log li.from-counsellor", 2)
            mine.locator("button.close").click()
            visitor.wait_for_selector("#talk-app[data-state=ended]")
            visitor.wait_for_selector("#chat-feedback:not([hidden])")
            visitor.click("#helped-yes")
            visitor.wait_for_function(
                "() => document.getElementById('chat-feedback').textContent.includes('Merci')"
            )
            # The transcript, downloaded before leaving.
            with visitor.expect_download() as download:
                visitor.click("#chat-transcript button[type=submit]")
            text = Path(download.value.path()).read_text()
            assert "Je prends le relais." in text and "Que cherchez-vous ?" in text
        finally:
            c2.close()
    finally:
        c1.close()
        v.close()
    data = server.query()
    [conversation] = data["conversations"]
    assert conversation["status"] == "closed" and conversation["helped"] is True
    [visit] = data["chat_visits"]
    assert visit == {
        "cite__slug": "alpha",
        "theme": "job",
        "outcome": "interview",
        "recorded_by__username": "colleague-alpha",
    }
    [interview] = data["interviews"]
    assert interview["partner__slug"] == "alpha-partner" and interview["duration_minutes"] >= 1


def test_a_dropped_network_resumes_without_loss(browser, server):
    url = server.url
    c1, counsellor = signed_in(browser, url, "counsellor-alpha")
    v, visitor = visitor_starts(browser, url)
    try:
        counsellor.click("#chat-waiting li[data-conversation] button.take")
        visitor.wait_for_selector("#talk-app[data-status=active]")
        panel = counsellor.locator(".chat-panel").first
        panel.wait_for()
        visitor.fill("#chat-text", "avant")
        visitor.click("#chat-send button[type=submit]")
        wait_count(counsellor, ".chat-panel li.from-visitor", 1)
        v.set_offline(True)
        visitor.wait_for_selector("#talk-app[data-connected=false]")
        # While the visitor is cut off: the counsellor writes twice, the visitor once.
        for text in ("pendant 1", "pendant 2"):
            panel.locator("textarea").fill(text)
            panel.locator("button[type=submit]").click()
        wait_count(counsellor, ".chat-panel li.from-counsellor", 2)
        visitor.fill("#chat-text", "hors ligne")
        visitor.click("#chat-send button[type=submit]")
        v.set_offline(False)
        visitor.wait_for_selector("#talk-app[data-connected=true]", timeout=20_000)
        wait_count(visitor, "#chat-log li.from-counsellor", 2)
        wait_count(counsellor, ".chat-panel li.from-visitor", 2)
        wait_count(visitor, "#chat-log li.from-visitor", 2)  # its own, once the server numbered it
        texts = visitor.locator("#chat-log li .text").all_inner_texts()
        assert [t for t in texts if t in ("avant", "pendant 1", "pendant 2", "hors ligne")] == [
            "avant",
            "pendant 1",
            "pendant 2",
            "hors ligne",
        ]
        seqs = [
            int(s) for s in visitor.eval_on_selector_all("#chat-log li", "els => els.map(e => e.dataset.seq)")
        ]
        assert seqs == sorted(set(seqs))  # nothing twice, in order
        assert counsellor.locator(".chat-panel li.from-visitor .text").all_inner_texts() == [
            "avant",
            "hors ligne",
        ]
    finally:
        c1.close()
        v.close()
    stored = [t for a, t in server.query()["messages"] if a != "system"]
    assert stored == ["avant", "pendant 1", "pendant 2", "hors ligne"]


def test_nobody_available_offers_the_email_form_at_once(browser, server):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server.url}/fr/counselling/")
        page.wait_for_selector("#talk-app[data-ready=true]")
        page.click("#chat-start")
        page.wait_for_selector("#chat-unavailable:not([hidden])")
        assert axe_violations(page) == []
        page.click("#chat-unavailable a")
        page.wait_for_selector("form.stacked textarea")
        assert axe_violations(page) == []
    finally:
        context.close()
