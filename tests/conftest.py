import datetime
import os
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.network.models import Cite, Contribution, Partner, Partnership, Pole, Site, SiteStop

SAMPLE = Path(__file__).parent / "data" / "sample"
SAMPLE_FIGURES = Path(__file__).parent / "data" / "sample-figures-2024.json"


def make_cite_world(slug: str, country: str = "FR") -> dict:
    """One Cité with one object of every Cité-owned model."""
    with scopes_disabled():
        cite = Cite.objects.create(
            slug=slug,
            name=f"Cité {slug}",
            country=country,
            city=slug.title(),
            status="labelled",
            latitude=48.0,
            longitude=2.0,
            opened_on=datetime.date(2001, 1, 1),
        )
        site = Site.objects.create(cite=cite, slug=f"{slug}-main", name=f"Site {slug}", kind="main")
        stop = SiteStop.objects.create(
            site=site, weekday=1, place="Place", starts_at=datetime.time(9), ends_at=datetime.time(12)
        )
        pole = Pole.objects.create(cite=cite, code="emploi", theme="job", labels={"fr": "Emploi"})
        partner = Partner.objects.create(
            slug=f"{slug}-partner", name=f"Partenaire {slug}", kind="association"
        )
        partnership = Partnership.objects.create(cite=cite, partner=partner)
        contribution = Contribution.objects.create(cite=cite, partner=partner, year=2024, type="expertise")
        visit = Visit.objects.create(
            cite=cite, site=site, date=datetime.date(2024, 5, 6), theme="job", outcome="interview"
        )
        interview = Interview.objects.create(visit=visit, partner=partner, duration_minutes=30)
        activity = Activity.objects.create(
            cite=cite, kind="forum", title="Forum", date=datetime.date(2024, 5, 7), participants=40
        )
        equipment = Equipment.objects.create(cite=cite, year=2024, vr_headsets=2)
    users = {}
    for role in [Role.MANAGER, Role.AGENT, Role.COUNSELLOR, Role.OBSERVER]:
        user = User.objects.create_user(
            f"{role}-{slug}", password="pw", role=role, partner=partner if role == Role.COUNSELLOR else None
        )
        user.cites.add(cite)
        users[role.value] = user
    return {
        "cite": cite,
        "site": site,
        "sitestop": stop,
        "pole": pole,
        "partner": partner,
        "partnership": partnership,
        "contribution": contribution,
        "visit": visit,
        "interview": interview,
        "activity": activity,
        "equipment": equipment,
        "users": users,
    }


@pytest.fixture
def two_cites(db):
    return make_cite_world("alpha"), make_cite_world("beta", "BE")


@pytest.fixture
def coordinator(db):
    return User.objects.create_user("coord", password="pw", role=Role.COORDINATOR)


# -- the real browser, one per test process -------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent.parent / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make browser-deps` installs it")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def axe_violations(page):
    """axe-core's violations of serious or critical impact on the page."""
    assert AXE.exists(), "axe-core is missing: `make browser-deps` installs it"
    # Run by the browser's debugger, not as an inline <script>: the pages' Content-Security-Policy forbids those.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def pytest_collection_modifyitems(config, items):
    """Tests that drive the browser run last in each process.

    Playwright's sync API keeps an event loop running in the test thread once the session's browser
    is up, and asgiref then refuses ``async_to_sync`` in that thread (the chat's tests use it): every
    other test runs before the first browser test starts.
    """
    uses_browser = [item for item in items if {"browser", "page"} & set(getattr(item, "fixturenames", ()))]
    others = [item for item in items if item not in set(uses_browser)]
    items[:] = others + uses_browser


@pytest.fixture(autouse=True)
def _fresh_language_and_caches():
    """Every test starts in French, the source language, with empty caches.

    A request leaves its language active in its thread (Django's LocaleMiddleware never deactivates
    it), and the anonymous report's answers are cached: neither may carry from one test to the next.
    """
    from django.core.cache import caches
    from django.utils import translation

    translation.activate("fr")
    for alias in ("default", "figures"):
        caches[alias].clear()
    yield
    translation.activate("fr")
