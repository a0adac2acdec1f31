"""In the browser: a coordinator records the network's life through the staff pages, and the annual
report shows it. Every page passes axe-core (serious and critical) under the enforced CSP."""

import datetime

import pytest
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.exchange.importer import import_package
from cdm.governance import models as m
from cdm.network.models import Cite

from .conftest import SAMPLE, axe_violations

pytestmark = [pytest.mark.browser]

PASSWORD = "Mot-de-passe-du-test-42"


@pytest.fixture
def network(live_server, transactional_db, settings, tmp_path):
    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    assert import_package(SAMPLE).ok
    user = User.objects.create_user("coord", role=Role.COORDINATOR)
    user.set_password(PASSWORD)
    user.save()
    m.Body.objects.create(kind=m.BodyKind.EXECUTIVE_COMMITTEE, position=1)
    project = m.Project.objects.create(
        title="Desk Reset", programme="Erasmus+", role="coordinator", started_on=datetime.date(2021, 11, 1)
    )
    with scopes_disabled():
        cite = (
            Cite.objects.get(slug="liege")
            if Cite.objects.filter(slug="liege").exists()
            else Cite.objects.first()
        )
    return live_server.url, project, cite


def _sign_in(page, url):
    page.goto(f"{url}/fr/admin/login/")
    page.fill("#id_username", "coord")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/fr/admin/")


def _submit(page):
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("load")


def test_a_coordinator_records_the_networks_life_and_the_report_shows_it(page, network):
    url, project, cite = network
    problems = []
    # A failed load is reported with its address; the admin's login page names no icon (/favicon.ico).
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    _sign_in(page, url)

    page.goto(f"{url}/fr/network-life/")
    assert axe_violations(page) == []

    # A meeting of the Executive Committee, with two decisions and their votes.
    page.goto(f"{url}/fr/network-life/meetings/add/")
    assert axe_violations(page) == []
    page.select_option("#id_body", label="Comité Exécutif")
    page.fill("#id_date", "2024-05-14")
    page.check("#id_online")
    page.fill("#id_agenda", "Budget\nAutumn School")
    page.fill("#id_decision-0-text", "Vote du budget rectificatif 2024")
    page.fill("#id_decision-0-votes_for", "5")
    page.fill("#id_decision-0-votes_against", "0")
    page.fill("#id_decision-0-abstentions", "0")
    page.fill("#id_decision-1-text", "Lancement de l'Autumn School à Bruxelles")
    _submit(page)
    assert "/fr/network-life/meetings/" in page.url
    assert "Vote du budget rectificatif 2024" in page.content()
    assert axe_violations(page) == []

    # A delegation received.
    page.goto(f"{url}/fr/network-life/delegations/add/")
    page.fill("#id_date", "2024-06-05")
    page.fill("#id_organisation", "Services andalous de l'emploi")
    page.select_option("#id_country", "ES")
    _submit(page)
    assert "Services andalous de l&#x27;emploi" in page.content() or "Services andalous" in page.content()

    # A project milestone, from the project's page (the project is chosen already).
    page.goto(f"{url}/fr/network-life/projects/{project.pk}/")
    assert axe_violations(page) == []
    page.click("text=Ajouter un temps fort")
    page.select_option("#id_kind", "final_conference")
    page.fill("#id_title", "Conférence finale")
    page.fill("#id_place", "Roissy")
    page.fill("#id_date", "2024-09-12")
    _submit(page)
    page.goto(f"{url}/fr/network-life/projects/{project.pk}/")
    assert page.locator("svg.timeline text", has_text="Conférence finale").count() == 1

    # A member's inauguration.
    page.goto(f"{url}/fr/network-life/milestones/add/")
    page.select_option("#id_cite", str(cite.pk))
    page.select_option("#id_kind", "inaugurated")
    page.fill("#id_date", "2024-06-04")
    page.fill("#id_text", f"{cite.name} a officiellement inauguré ses locaux le 4 juin 2024.")
    _submit(page)
    assert axe_violations(page) == []

    # The annual report (HTML) has them, each in its section.
    page.goto(f"{url}/fr/report/2024/")
    governance = page.locator("#sec-governance").inner_text()
    assert "Comité Exécutif" in governance and "1 fois" in governance
    state = page.locator("#sec-state").inner_text()
    assert "a officiellement inauguré ses locaux le 4 juin 2024" in state
    representation = page.locator("#sec-representation").inner_text()
    assert "Services andalous de l'emploi" in representation and "Espagne" in representation
    projects = page.locator("section[id^=sec-project-]").inner_text()
    assert "Conférence finale" in projects and "Roissy" in projects
    assert axe_violations(page) == []

    # The Cité's public page shows its timeline.
    page.goto(f"{url}/fr/cites/{cite.slug}/")
    assert "Notre histoire" in page.content() and "Inauguration" in page.content()
    assert axe_violations(page) == []
    assert problems == []


def test_the_public_pages_of_the_networks_life_pass_axe(page, network):
    url, project, _cite = network
    m.NetworkContact.objects.create(
        email="info@example.org", address="30 avenue Corentin Cariou\n75019 Paris"
    )
    for path in [f"/fr/projects/{project.pk}/", "/fr/contacts/", "/en/contacts/"]:
        response = page.goto(f"{url}{path}")
        assert response.status == 200, path
        assert axe_violations(page) == [], path
