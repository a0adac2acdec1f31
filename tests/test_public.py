"""The public pages: the network in figures, the list and map of Cités, a page per Cité, every language."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from cdm.exchange.importer import import_package
from cdm.network.models import Network

from .conftest import SAMPLE

LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]


@pytest.fixture
def sample(db):
    assert import_package(SAMPLE).ok


def test_the_home_page_shows_the_network_in_figures(client, sample):
    body = client.get("/fr/").content.decode()
    assert "Le réseau en chiffres, 2024" in body
    assert "1\u202f774" in body  # the sample's beneficiaries
    assert "<svg" in body and 'aria-labelledby="map-title"' in body


def test_the_root_redirects_to_a_language(client, sample):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/en/"


def test_the_list_groups_cites_by_country_and_links_each(client, sample):
    body = client.get("/fr/cites/").content.decode()
    assert "Belgique" in body and "Suisse" in body
    assert 'href="/fr/cites/porto/"' in body
    # The map draws each Cité with a point and its name, the overseas ones in their insets.
    assert body.count("<circle") == 24
    for inset in ["Guadeloupe", "Mayotte", "La Réunion"]:
        assert inset in body


def test_a_cite_page_lists_its_sites_poles_and_partners(client, sample):
    body = client.get("/fr/cites/porto/").content.decode()
    assert "Cidade das Profissões" in body
    assert "Main porto" in body
    assert "Partenaire" in body


def test_an_unknown_cite_is_a_404(client, sample):
    assert client.get("/fr/cites/atlantis/").status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_serves_the_public_pages_translated(client, sample, language):
    for path in ["", "cites/", "cites/bruxelles/"]:
        response = client.get(f"/{language}/{path}")
        assert response.status_code == 200
        body = response.content.decode()
        assert f'<html lang="{language}">' in body
    if language != "fr":
        assert "Le réseau en chiffres</a>" not in client.get(f"/{language}/cites/").content.decode()


def test_the_english_pages_are_in_english(client, sample):
    body = client.get("/en/").content.decode()
    assert "The network in figures" in body
    assert "Where to find us" in body


def test_the_language_switcher_keeps_the_page(client, sample):
    body = client.get("/fr/cites/porto/").content.decode()
    for language in LANGUAGES:
        assert f'hreflang="{language}" href="http://testserver/{language}/cites/porto/"' in body


def test_demo_figures_say_they_are_fictitious(client, sample):
    Network.objects.create(demo=True)
    for path in ["/fr/", "/en/", "/fr/cites/"]:
        body = client.get(path).content.decode()
        assert 'class="demo-banner"' in body


@pytest.mark.django_db(transaction=True)
def test_the_demo_is_deterministic_for_a_seed(client):
    call_command("demo", scale=0.002, seed=7, verbosity=0)
    first = client.get("/en/").content.decode()
    call_command("demo", scale=0.002, seed=7, verbosity=0)
    assert client.get("/en/").content.decode() == first
    call_command("demo", scale=0.002, seed=8, verbosity=0)
    assert client.get("/en/").content.decode() != first


@pytest.mark.django_db(transaction=True)
def test_the_demo_creates_the_accounts(client):
    call_command("demo", scale=0.002, seed=1, verbosity=0)
    assert client.login(username="coordinator", password="demo")
    for prefix in ["manager", "agent", "counsellor"]:
        assert client.login(username=f"{prefix}-bruxelles", password="demo")
    assert client.get("/fr/admin/").status_code == 200


@override_settings(DEBUG=False)
def test_a_visitor_never_reaches_the_back_office(client, sample):
    response = client.get("/fr/admin/activity/visit/")
    assert response.status_code == 302 and "/login/" in response["Location"]
