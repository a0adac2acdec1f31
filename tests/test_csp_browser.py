"""Every page under its Content-Security-Policy, enforced by Chromium: no violation, no console error.

Each role signs in through the login page and opens its pages; the public pages are opened by nobody.
A name such as ``</script><script>…`` reaches the desk's and the queue's scripts as data, never as code.
"""

import pytest
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.exchange.importer import import_package
from cdm.network.models import Cite, Network, Pole, Site

from .conftest import SAMPLE

pytestmark = [pytest.mark.browser]

PASSWORD = "Mot-de-passe-du-test-42"
PAYLOAD = "</script><script>window.__pwned=1</script>"

# Pushes every violation the page sees to window.__csp, before any of the page's own scripts runs.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push([e.effectiveDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(" "));
});
"""

PUBLIC = [
    "/fr/",
    "/en/",
    "/fr/cites/",
    "/fr/cites/bruxelles/",
    "/fr/report/2024/",
    "/en/report/2024/",
    "/nl/report/2024/",  # the English report
    "/fr/opendata/",
    "/fr/contacts/",
    "/fr/cites/bruxelles/now-calling/",
    "/fr/counselling/",
    "/fr/counselling/?cite=bruxelles",
    "/fr/counselling/ask/",
    "/fr/counselling/ask/sent/",
    "/fr/counselling/widget/bruxelles/",
    "/fr/agenda/",
    "/fr/agenda/?view=month",
    "/fr/cites/bruxelles/agenda/",
    "/fr/cites/bruxelles/agenda/embed/",
    "/fr/admin/login/",
    "/api/docs",
]


@pytest.fixture
def network(live_server, transactional_db):
    assert import_package(SAMPLE).ok
    Network.objects.create(demo=True)
    with scopes_disabled():
        bruxelles = Cite.objects.get(slug="bruxelles")
        users = {"coordinator": User.objects.create_user("coord", role=Role.COORDINATOR)}
        for role in (Role.MANAGER, Role.AGENT, Role.COUNSELLOR):
            users[role.value] = User.objects.create_user(f"{role}-bruxelles", role=role)
            users[role.value].cites.add(bruxelles)
        for user in users.values():
            user.set_password(PASSWORD)
            user.save()
        site = Site.objects.filter(cite=bruxelles).order_by("pk").first()
    return live_server.url, users, site


class Watched:
    """A signed-in (or anonymous) browser context whose pages report violations and console errors."""

    def __init__(self, browser, url):
        self.url = url
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def _console(self, message):
        # A failed load is reported by _response, with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response):
        # The browser asks for /favicon.ico on the pages that name no icon (the admin's): not the site's.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"{response.status}: {response.url}")

    def sign_in(self, username):
        self.page.goto(f"{self.url}/fr/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("input[type=submit]")
        self.page.wait_for_url(f"{self.url}/fr/admin/")
        return self

    def problems(self, path):
        """Open a page, let its scripts run, and return what the browser refused or reported."""
        self.errors.clear()
        response = self.page.goto(f"{self.url}{path}")
        assert response.status == 200, (path, response.status)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (path, policy)
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(300)
        return self.page.evaluate("() => window.__csp") + self.errors

    def close(self):
        self.context.close()


def check(browser, url, paths, username=None):
    watched = Watched(browser, url)
    try:
        if username:
            watched.sign_in(username)
        found = {path: watched.problems(path) for path in paths}
    finally:
        watched.close()
    assert {path: p for path, p in found.items() if p} == {}


def test_public_pages_run_under_the_policy(browser, network):
    url, _, _ = network
    check(browser, url, PUBLIC)


def test_the_desk_pages_run_under_the_policy(browser, network):
    url, _, _ = network
    check(browser, url, ["/fr/desk/", "/fr/desk/today/"], "agent-bruxelles")
    check(browser, url, ["/fr/desk/queue/"], "counsellor-bruxelles")


def test_a_managers_pages_run_under_the_policy(browser, network):
    url, users, site = network
    from cdm.exchange.models import ImportJob

    # An import waiting for the worker (its page polls), and one that ended with an error listed.
    waiting = ImportJob.objects.create(user=users["manager"], name="a.zip")
    problem = {"file": "visits.csv", "row": 2, "field": "channel", "reason": PAYLOAD}
    result = {"ok": False, "written": False, "problem_count": 1, "problems": [problem], "rows": {}}
    ended = ImportJob.objects.create(user=users["manager"], name=PAYLOAD, status="done", result=result)
    paths = [
        f"/fr/exchange/import/{waiting.pk}/",
        f"/fr/exchange/import/{ended.pk}/",
        "/fr/admin/",
        "/fr/dashboard/bruxelles/2024/",
        "/fr/dashboard/bruxelles/2024/?on=2024-06-12",
        "/fr/dashboard/",
        "/fr/exchange/import/",
        "/fr/admin/network/site/",
        f"/fr/admin/network/site/{site.pk}/change/",
        "/fr/admin/network/site/add/",
        "/fr/admin/activity/visit/",
        "/fr/programme/",
        "/fr/programme/new/",
        "/fr/programme/needs/",
        "/fr/network-life/",
        "/fr/network-life/meetings/",
        "/fr/admin/audit/auditentry/",
        "/fr/desk/",
        "/fr/desk/queue/",
        "/api/docs",
    ]
    check(browser, url, paths, "manager-bruxelles")


# The network's life: its staff pages (lists, forms with inline rows and file inputs), the back office's.
NETWORK_LIFE = [
    "/fr/network-life/",
    "/fr/network-life/meetings/",
    "/fr/network-life/meetings/add/",
    "/fr/network-life/milestones/add/",
    "/fr/network-life/projects/add/",
    "/fr/network-life/events/add/",
    "/fr/admin/governance/meeting/add/",
]


def test_the_coordinators_pages_run_under_the_policy(browser, network):
    url, users, _ = network
    paths = [
        "/fr/admin/",
        "/en/admin/",
        "/fr/admin/accounts/user/",
        f"/fr/admin/accounts/user/{users['agent'].pk}/change/",
        "/fr/admin/accounts/user/add/",
        "/fr/admin/network/cite/",
        f"/fr/admin/network/cite/{users['manager'].cites.get().pk}/change/",
        "/fr/dashboard/bruxelles/2024/",
        "/fr/dashboard/2024/",
        "/fr/dashboard/",
        "/fr/exchange/import/",
        "/fr/desk/today/?cite=bruxelles",
        *NETWORK_LIFE,
    ]
    check(browser, url, paths, "coord")


def test_a_name_shown_on_the_desk_never_runs(browser, network):
    url, users, site = network
    with scopes_disabled():
        Site.objects.filter(pk=site.pk).update(name=PAYLOAD)
        pole = Pole.objects.filter(cite__slug="bruxelles").order_by("position", "code").first()
        if pole is not None:
            pole.labels = {"fr": PAYLOAD}
            pole.save()
        colleague = User.objects.create_user("colleague", role=Role.COUNSELLOR, first_name=PAYLOAD)
        colleague.cites.add(site.cite)
    for username, path in [("agent-bruxelles", "/fr/desk/"), ("counsellor-bruxelles", "/fr/desk/queue/")]:
        watched = Watched(browser, url).sign_in(username)
        try:
            watched.page.goto(f"{url}{path}")
            watched.page.wait_for_load_state("networkidle")
            assert watched.page.evaluate("() => window.__pwned") is None
            assert watched.page.evaluate("() => window.__csp") == []  # not even an attempt to run
            if path == "/fr/desk/":
                watched.page.wait_for_selector("#desk[data-ready=true]")
                assert PAYLOAD in watched.page.locator("#site").inner_text()
        finally:
            watched.close()
