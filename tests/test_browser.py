"""End-to-end, in Debian's Chromium driven by Playwright: the public pages, a language switch, the admin.

axe-core (from npm) checks every public page: no violation of serious or critical impact.
"""

import pytest

from cdm.exchange.importer import import_package
from cdm.network.models import Network

from .conftest import SAMPLE, axe_violations, make_cite_world

pytestmark = [pytest.mark.browser]


@pytest.fixture
def site(live_server, transactional_db):
    assert import_package(SAMPLE).ok
    Network.objects.create(demo=True)
    return live_server.url


@pytest.mark.parametrize("language", ["fr", "en", "nl"])
@pytest.mark.parametrize(
    "path",
    [
        "",
        "cites/",
        "cites/bruxelles/",
        "cites/la-reunion/",
        "report/2024/",
        "opendata/",
        "cites/porto/now-calling/",
    ],
)
def test_public_pages_have_no_serious_accessibility_violation(page, site, language, path):
    response = page.goto(f"{site}/{language}/{path}")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert axe_violations(page) == []


def test_a_visitor_switches_language_and_stays_on_the_page(page, site):
    page.goto(f"{site}/fr/cites/porto/")
    assert page.locator("h2").first.inner_text() == "Où nous rencontrer"
    page.get_by_role("navigation", name="Langue").get_by_role("button", name="English").click()
    page.wait_for_url(f"{site}/en/cites/porto/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h2").first.inner_text() == "Where to meet us"
    page.get_by_role("navigation", name="Language").get_by_role("button", name="Italiano").click()
    page.wait_for_url(f"{site}/it/cites/porto/")
    assert page.locator("h2").first.inner_text() == "Dove incontrarci"


def test_a_visitor_finds_a_cite_from_the_map(page, site):
    page.goto(f"{site}/fr/cites/")
    page.locator('svg.member-map a[aria-label^="Cité des métiers de Mayotte"]').click()
    page.wait_for_url(f"{site}/fr/cites/mayotte/")
    assert "Mayotte" in page.locator("h1").inner_text()


def test_the_skip_link_leads_to_the_content_by_keyboard(page, site):
    page.goto(f"{site}/fr/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"


def test_a_manager_signs_in_and_sees_only_their_cite(page, live_server, transactional_db):
    alpha = make_cite_world("alpha")
    make_cite_world("beta")
    alpha["users"]["manager"].set_password("secret-pw")
    alpha["users"]["manager"].save()
    page.goto(f"{live_server.url}/en/admin/")
    page.get_by_label("Username").fill("manager-alpha")
    page.get_by_label("Password").fill("secret-pw")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/en/admin/")
    assert "CDM — back office" in page.content()
    page.goto(f"{live_server.url}/en/admin/network/site/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Site alpha" in rows.first.inner_text()
    page.goto(f"{live_server.url}/fr/admin/network/site/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Site beta" not in page.content()
