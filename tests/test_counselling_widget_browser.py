"""In Chromium, served by daphne: the widget a Cité embeds, framed by a page of another origin (a
second local server, on another port) — it works there, and an undeclared origin cannot frame it;
the optional profile questions once the counsellor closes; and axe-core on every public counselling
page (chat start, waiting, conversation, end, e-mail form, widget) in every language CDM offers."""

import http.server
import json
import sys
import threading

import pytest

from .conftest import axe_violations
from .test_counselling_browser import Server, signed_in, wait_count

pytestmark = [pytest.mark.browser]

LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]

PROFILE_QUERY = """
import django, json; django.setup()
from django_scopes import scopes_disabled
from cdm.activity.models import Visit
with scopes_disabled():
    print(json.dumps(list(Visit.objects.filter(channel="chat").order_by("pk").values("age_band", "gender", "status"))))
"""


class HostPage:
    """Another website (another origin: another port), whose page frames the widget."""

    def __init__(self, widget_url: str):
        body = (
            "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>Site de la Cité</title></head>"
            f"<body><h1>Site de la Cité</h1><iframe id='cdm' src='{widget_url}' title='Parler à un conseiller' "
            "width='420' height='800'></iframe></body></html>"
        ).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("widget"), redis=False)
    yield server
    server.stop()


def _declare(server, origins: str):
    server.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from django_scopes import scopes_disabled\n"
            "from cdm.counselling.models import CounsellingSettings\n"
            "from cdm.network.models import Cite\n"
            "with scopes_disabled():\n"
            "    CounsellingSettings.objects.update_or_create(cite=Cite.objects.get(slug='alpha'),"
            f" defaults={{'widget_origins': {origins!r}}})\n",
        ]
    )


def _visits(server) -> list[dict]:
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", PROFILE_QUERY],
        env=server.env,
        cwd=server.env["PYTHONPATH"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_widget_works_framed_by_a_declared_site_and_asks_the_profile_at_the_end(browser, server):
    widget = f"{server.url}/fr/counselling/widget/alpha/"
    declared, other = HostPage(widget), HostPage(widget)
    _declare(server, declared.origin)
    c1, counsellor = signed_in(browser, server.url, "counsellor-alpha")
    context = browser.new_context(viewport={"width": 1000, "height": 1000})
    page = context.new_page()
    try:
        # An undeclared site: Chromium refuses to show it in the frame.
        page.goto(other.origin)
        page.wait_for_load_state("load")
        page.wait_for_timeout(1000)
        frame = page.frame_locator("#cdm")
        assert frame.locator("#talk-app").count() == 0  # the same check finds it on the declared site below
        # The Cité's declared site: the chat works inside the frame.
        page.goto(declared.origin)
        frame = page.frame_locator("#cdm")
        frame.locator("#talk-app[data-ready=true]").wait_for()
        assert frame.locator("#chat-cite").get_attribute("value") == "alpha"
        frame.locator("#chat-theme").select_option("job")
        frame.locator("#chat-start").click()
        frame.locator("#talk-app[data-status=waiting]").wait_for()
        counsellor.wait_for_selector("#chat-waiting li[data-conversation] button.take")
        counsellor.click("#chat-waiting li[data-conversation] button.take")
        frame.locator("#talk-app[data-status=active]").wait_for()
        frame.locator("#chat-text").fill("Bonjour depuis le site de la Cité")
        frame.locator("#chat-send button[type=submit]").click()
        wait_count(counsellor, ".chat-panel li.from-visitor", 1)
        panel = counsellor.locator(".chat-panel").first
        panel.locator("textarea").fill("Bonjour !")
        panel.locator("button[type=submit]").click()
        frame.locator("#chat-log li.from-counsellor").wait_for()
        # The counsellor closes: the optional questions, "not stated" by default.
        panel.locator("button.close").click()
        frame.locator("#chat-profile:not([hidden])").wait_for()
        assert frame.locator("#profile-age").input_value() == "not_stated"
        frame.locator("#profile-age").select_option("26_44")
        frame.locator("#profile-status").select_option("employed")
        frame.locator("#profile-send").click()
        frame.locator("#chat-profile[hidden]").wait_for(state="attached")
        page.wait_for_timeout(300)
    finally:
        context.close()
        c1.close()
        declared.stop()
        other.stop()
    assert _visits(server)[-1] == {"age_band": "26_44", "gender": "not_stated", "status": "employed"}


def test_the_profile_questions_are_skipped_in_one_click(browser, server):
    c1, counsellor = signed_in(browser, server.url, "counsellor-alpha")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server.url}/fr/counselling/?cite=alpha")
        page.wait_for_selector("#talk-app[data-ready=true]")
        page.click("#chat-start")
        page.wait_for_selector("#talk-app[data-status=waiting]")
        counsellor.wait_for_selector("#chat-waiting li[data-conversation] button.take")
        counsellor.click("#chat-waiting li[data-conversation] button.take")
        page.wait_for_selector("#talk-app[data-status=active]")
        counsellor.locator(".chat-panel button.close").first.click()
        page.wait_for_selector("#chat-profile:not([hidden])")
        page.click("#profile-skip")
        page.wait_for_selector("#chat-profile", state="hidden")
        # Not asked again on coming back.
        page.reload()
        page.wait_for_selector("#talk-app[data-state=ended]")
        page.wait_for_timeout(300)
        assert page.locator("#chat-profile").is_hidden()
    finally:
        context.close()
        c1.close()
    assert _visits(server)[-1] == {"age_band": "not_stated", "gender": "not_stated", "status": "not_stated"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_counselling_page_passes_axe(browser, server, language):
    c1, counsellor = signed_in(browser, server.url, "counsellor-alpha")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    base = f"{server.url}/{language}/counselling"
    try:
        checked = {}
        page.goto(f"{base}/?cite=alpha")
        page.wait_for_selector("#talk-app[data-ready=true]")
        assert page.locator("html").get_attribute("lang") == language
        checked["start"] = axe_violations(page)
        page.click("#chat-start")
        page.wait_for_selector("#talk-app[data-status=waiting]")
        checked["waiting"] = axe_violations(page)
        counsellor.wait_for_selector("#chat-waiting li[data-conversation] button.take")
        counsellor.click("#chat-waiting li[data-conversation] button.take")
        page.wait_for_selector("#talk-app[data-status=active]")
        page.fill("#chat-text", "Bonjour")
        page.click("#chat-send button[type=submit]")
        panel = counsellor.locator(".chat-panel").first
        wait_count(counsellor, ".chat-panel li.from-visitor", 1)
        panel.locator("textarea").fill("Bonjour, que cherchez-vous ?")
        panel.locator("button[type=submit]").click()
        wait_count(page, "#chat-log li.from-counsellor", 1)
        checked["conversation"] = axe_violations(page)
        panel.locator("button.close").click()
        page.wait_for_selector("#chat-profile:not([hidden])")
        checked["ended, profile questions"] = axe_violations(page)
        page.goto(f"{base}/ask/")
        checked["e-mail form"] = axe_violations(page)
        page.goto(f"{base}/ask/sent/")
        checked["e-mail sent"] = axe_violations(page)
        page.goto(f"{base}/widget/alpha/")
        page.wait_for_selector("#talk-app[data-ready=true]")
        assert page.locator("html").get_attribute("lang") == language
        checked["widget"] = axe_violations(page)
    finally:
        context.close()
        c1.close()
    assert checked == dict.fromkeys(checked, [])
