"""In Debian's Chromium: the public pages in each of the seven languages pass axe-core, and the
language switcher (a form, no script) keeps the page."""

import pytest

from cdm.exchange.importer import import_package
from cdm.network.models import Network

from .conftest import SAMPLE, axe_violations

pytestmark = [pytest.mark.browser]

LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]


@pytest.fixture
def site(live_server, transactional_db):
    assert import_package(SAMPLE).ok
    Network.objects.create(demo=True)
    return live_server.url


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", ["", "cites/", "cites/porto/", "report/2024/", "opendata/"])
def test_public_pages_pass_axe_in_every_language(page, site, language, path):
    response = page.goto(f"{site}/{language}/{path}")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page) == []


def test_switching_from_portuguese_to_italian_stays_on_the_page(page, site):
    page.goto(f"{site}/pt/cites/porto/?from=map")
    page.get_by_role("navigation", name="Língua").get_by_role("button", name="Italiano").click()
    page.wait_for_url(f"{site}/it/cites/porto/?from=map")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.locator("h2").first.inner_text() == "Dove incontrarci"
    # The choice is kept: the site's root now opens in Italian.
    page.goto(f"{site}/")
    assert page.url == f"{site}/it/"
