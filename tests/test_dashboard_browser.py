"""The dashboards in Debian's Chromium: a manager's fits a 1280×800 screen (two at most) with its key
figures above the fold, both pass axe-core in every language CDM offers, and the network's table of
Cités sorts by a click on a column's header or from the keyboard."""

import datetime

import pytest
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Visit
from cdm.network.models import Network
from cdm.stats import dashboard

from .conftest import axe_violations, make_cite_world

pytestmark = [pytest.mark.browser]

LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]
TODAY = datetime.date(2024, 6, 12)
PASSWORD = "Mot-de-passe-du-test-42"


@pytest.fixture
def site(live_server, transactional_db, monkeypatch):
    monkeypatch.setattr(dashboard, "today", lambda: TODAY)
    Network.objects.create(demo=True)
    worlds = [
        make_cite_world(slug, country) for slug, country in (("alpha", "FR"), ("beta", "BE"), ("gamma", "PT"))
    ]
    with scopes_disabled():
        for i, w in enumerate(worlds):
            Visit.objects.bulk_create(
                [
                    Visit(
                        cite=w["cite"], date=datetime.date(2024, m, 5 - i), theme=theme, outcome="information"
                    )
                    for m in range(1, 7)
                    for theme in ("job", "training", "orientation")[: i + 1]
                    for _ in range(3 + 4 * i)
                ]
            )
    users = {"manager": worlds[0]["users"]["manager"]}
    users["coordinator"] = User.objects.create_user("coord", role=Role.COORDINATOR)
    for user in users.values():
        user.set_password(PASSWORD)
        user.save()
    return live_server.url, users


def sign_in(page, url, username):
    page.goto(f"{url}/fr/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/fr/admin/")


@pytest.fixture
def screen(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def test_a_managers_dashboard_fits_a_screen_with_its_key_figures_above_the_fold(screen, site):
    url, users = site
    sign_in(screen, url, users["manager"].username)
    assert screen.goto(f"{url}/fr/dashboard/alpha/2024/").status == 200
    for key in ("week", "month", "year"):
        box = screen.locator(f".dash-card.key-{key}").bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800, (key, box)
        assert screen.locator(f".dash-card.key-{key} .dash-value").inner_text().strip().endswith("visites")
    height = screen.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * 800, height
    # The renewal and the comparison are on the page; the month trend has its text alternative.
    assert screen.get_by_role("img", name="Visites par mois, 2024 et 2023").count() == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_both_dashboards_pass_axe_in_every_language(page, site, language):
    url, users = site
    sign_in(page, url, users["coordinator"].username)
    for path in ("dashboard/alpha/2024/", "dashboard/2024/"):
        response = page.goto(f"{url}/{language}/{path}")
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == language
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], (language, path)


def _column(page, index):
    return [
        cell.strip()
        for cell in page.locator(f"table.sortable tbody tr > :nth-child({index})").all_inner_texts()
    ]


def test_the_table_of_cites_sorts_by_click_and_by_keyboard(screen, site):
    url, users = site
    sign_in(screen, url, users["coordinator"].username)
    screen.goto(f"{url}/fr/dashboard/2024/")
    table = screen.locator("table.sortable")
    assert _column(screen, 1) == ["Cité gamma", "Cité beta", "Cité alpha"]  # the oldest data first
    visits_header = table.locator("th", has_text="Visites depuis le 1er janvier")
    visits_header.get_by_role("button").click()
    assert visits_header.get_attribute("aria-sort") == "ascending"
    assert _column(screen, 1) == [
        "Cité alpha",
        "Cité beta",
        "Cité gamma",
    ]  # 19, 85, 199 visits; unsorted: oldest data first
    visits_header.get_by_role("button").click()
    assert visits_header.get_attribute("aria-sort") == "descending"
    assert _column(screen, 1) == ["Cité gamma", "Cité beta", "Cité alpha"]
    # From the keyboard: the Cité's header is a button reached by Tab, sorted with Enter, then Space.
    name_header = table.locator("th", has_text="Cité").first
    name_header.get_by_role("button").focus()
    screen.keyboard.press("Enter")
    assert name_header.get_attribute("aria-sort") == "ascending"
    assert visits_header.get_attribute("aria-sort") is None
    assert _column(screen, 1) == ["Cité alpha", "Cité beta", "Cité gamma"]
    screen.keyboard.press("Space")
    assert name_header.get_attribute("aria-sort") == "descending"
    assert _column(screen, 1) == ["Cité gamma", "Cité beta", "Cité alpha"]
