"""Language on the page: the switcher keeps the page, hreflang alternates, the browser's language on
the first visit, a staff member's own language on the staff pages; what a Cité writes in several
languages, with its fallback order; the open data's labels in the language asked."""

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.exchange.importer import import_package
from cdm.network.models import Cite, Pole, Site
from cdm.network.translations import TranslationsFormField, fallback_order, pick

from .conftest import SAMPLE

LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]


@pytest.fixture
def sample(db):
    assert import_package(SAMPLE).ok


# -- the switcher, the alternates, the first visit -----------------------------------------------
def test_every_page_has_a_switcher_form_posting_to_set_language(client, sample):
    body = client.get("/pt/cites/porto/?tab=sites").content.decode()
    form = re.search(r'<form action="(?P<action>[^"]+)" method="post">(?P<inside>.*?)</form>', body, re.S)
    assert form and form["action"] == "/pt/language/"
    assert '<input type="hidden" name="next" value="/pt/cites/porto/?tab=sites">' in form["inside"]
    for language in LANGUAGES:
        assert f'name="language" value="{language}" lang="{language}"' in form["inside"]
    assert "<script" not in form["inside"]


def test_switching_from_portuguese_to_italian_keeps_the_page_and_its_query(sample):
    client = Client(enforce_csrf_checks=True)  # as a browser: the switcher needs no token
    response = client.post("/pt/language/", {"language": "it", "next": "/pt/cites/porto/?tab=sites"})
    assert response.status_code == 302
    assert response["Location"] == "/it/cites/porto/?tab=sites"
    assert response.cookies["django_language"].value == "it"
    assert client.get(response["Location"]).content.decode().count('<html lang="it">') == 1
    # The choice is remembered: the root now opens in Italian.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="pt")["Location"] == "/it/"


def test_public_pages_name_their_alternates(client, sample):
    body = client.get("/pt/cites/porto/").content.decode()
    for language in LANGUAGES:
        assert (
            f'<link rel="alternate" hreflang="{language}" href="http://testserver/{language}/cites/porto/">'
            in body
        )
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/cites/porto/">' in body
    # The x-default address sends each visitor to their language.
    assert client.get("/cites/porto/", HTTP_ACCEPT_LANGUAGE="nl")["Location"] == "/nl/cites/porto/"


def test_staff_pages_have_no_alternates(client, sample):
    user = User.objects.create_user("agent", password="pw", role=Role.AGENT)
    client.force_login(user)
    assert 'hreflang="x-default"' not in client.get("/fr/profile/").content.decode()


@pytest.mark.parametrize(
    "accept, expected", [("pt-PT,pt;q=0.9,en;q=0.5", "/pt/"), ("ca", "/ca/"), ("de", "/fr/")]
)
def test_the_first_visit_opens_in_the_browsers_language(client, sample, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302 and response["Location"] == expected
    assert "Accept-Language" in response["Vary"]


# -- a staff member's own language ---------------------------------------------------------------
@pytest.fixture
def porto_agent(sample):
    with scopes_disabled():
        porto = Cite.objects.get(slug="porto")
    user = User.objects.create_user("agent-pt", password="pw", role=Role.AGENT, language="pt")
    user.cites.add(porto)
    return user


def test_a_staff_member_with_portuguese_gets_the_desk_in_portuguese(client, porto_agent):
    client.force_login(porto_agent)
    response = client.get("/fr/desk/")
    assert response.status_code == 302 and response["Location"] == "/pt/desk/"
    assert response.cookies["django_language"].value == "pt"
    body = client.get("/pt/desk/").content.decode()
    assert '<html lang="pt">' in body
    with translation.override("pt"):
        assert translation.gettext("Accueil des visiteurs") in body
    assert "Accueil des visiteurs" not in body


def test_signing_in_opens_the_staff_pages_in_the_staff_members_language(client, porto_agent):
    response = client.post(
        "/fr/admin/login/?next=/fr/admin/", {"username": "agent-pt", "password": "pw"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/pt/admin/"
    assert '<html lang="pt"' in response.content.decode()


def test_public_pages_keep_the_language_of_their_address_for_staff(client, porto_agent):
    client.force_login(porto_agent)
    response = client.get("/it/cites/porto/")
    assert response.status_code == 200 and '<html lang="it">' in response.content.decode()


def test_a_staff_member_chooses_their_language_on_their_profile(client, sample):
    user = User.objects.create_user("manager", password="pw", role=Role.MANAGER)
    client.force_login(user)
    page = client.get("/fr/profile/").content.decode()
    assert 'name="language"' in page and "Português" in page
    response = client.post("/fr/profile/", {"language": "it"})
    assert response.status_code == 302 and response["Location"] == "/it/profile/"
    user.refresh_from_db()
    assert user.language == "it"
    assert client.get("/fr/desk/today/")["Location"] == "/it/desk/today/"
    client.post("/it/profile/", {"language": ""})
    user.refresh_from_db()
    assert user.language == ""
    assert client.get("/fr/desk/today/").status_code == 200


def test_the_profile_is_for_signed_in_staff_only(client, sample):
    assert client.get("/fr/profile/").status_code == 302


# -- what a Cité writes in several languages -----------------------------------------------------
def test_the_fallback_order_is_the_cites_languages_then_french_then_any():
    assert fallback_order("pt", ["ca", "es"]) == ["pt", "ca", "es", "fr"]
    labels = {"es": "Empleo", "ca": "Ocupació", "fr": "Emploi", "en": "Jobs"}
    assert pick(labels, "pt", ["ca", "es"]) == pick(labels, "ca")
    assert pick(labels, "pt", ["ca", "es"]).language == "ca"
    assert pick(labels, "pt", ["es", "ca"]).text == "Empleo"
    assert pick(labels, "pt", ["nl"]).text == "Emploi"
    assert pick({"de": "Arbeit"}, "pt", ["nl"]).text == "Arbeit"
    assert pick({}, "pt").text == ""


def test_a_cites_page_shows_its_texts_in_the_readers_language_or_marks_the_fallback(client, sample):
    with scopes_disabled():
        barcelona = Cite.objects.get(slug="barcelona")
        site = Site.objects.filter(cite=barcelona).first()
        site.public_description = {"ca": "Al costat del mercat.", "es": "Junto al mercado."}
        site.save()
        Pole.objects.create(
            cite=barcelona, code="feina", theme="job", labels={"ca": "Feina", "es": "Trabajo"}
        )
    es = client.get("/es/cites/barcelona/").content.decode()
    assert '<p lang="es">Junto al mercado.</p>' in es and '<span lang="es">Trabajo</span>' in es
    pt = client.get("/pt/cites/barcelona/").content.decode()  # no Portuguese: the Cité's first language
    assert '<p lang="ca">Al costat del mercat.</p>' in pt and '<span lang="ca">Feina</span>' in pt


def test_the_back_office_gives_one_input_per_language(client, sample):
    field = TranslationsFormField(max_length=200)
    html = field.widget.render("labels", {"fr": "Emploi", "nl": "Werk"}, {"id": "id_labels"})
    for language in LANGUAGES:
        assert f'<label for="id_labels_{language}" lang="{language}">' in html
    assert 'name="labels_nl" value="Werk"' in html and 'name="labels_pt"' in html
    data = {f"labels_{language}": "" for language in LANGUAGES} | {
        "labels_fr": " Emploi ",
        "labels_pt": "Emprego",
    }
    assert field.clean(field.widget.value_from_datadict(data, {}, "labels")) == {
        "fr": "Emploi",
        "pt": "Emprego",
    }


def test_a_manager_writes_a_pole_in_each_language_in_the_back_office(client, sample):
    with scopes_disabled():
        porto = Cite.objects.get(slug="porto")
    manager = User.objects.create_user("manager-porto", password="pw", role=Role.MANAGER, is_staff=True)
    manager.cites.add(porto)
    client.force_login(manager)
    page = client.get("/fr/admin/network/pole/add/").content.decode()
    assert 'name="labels_pt"' in page and 'name="labels"' not in page
    data = {
        "cite": porto.pk,
        "code": "emprego",
        "theme": "job",
        "position": 0,
        "labels_pt": "Emprego",
        "labels_en": "Jobs",
    }
    response = client.post("/fr/admin/network/pole/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        assert Pole.objects.get(cite=porto, code="emprego").labels == {"en": "Jobs", "pt": "Emprego"}


# -- the open data's labels ----------------------------------------------------------------------
def test_the_open_data_command_writes_portuguese_labels(sample, tmp_path):
    call_command("opendata", "--year", "2024", "--language", "pt", str(tmp_path), stdout=io.StringIO())
    channels = (tmp_path / "interviews_by_channel.csv").read_text()
    assert "Presencial" in channels and "Sur place" not in channels


def test_the_public_open_data_in_portuguese_has_portuguese_labels(client, sample):
    response = client.get("/pt/opendata/2024.zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        name = next(n for n in archive.namelist() if n.endswith("interviews_by_channel.csv"))
        channels = archive.read(name).decode()
    assert "Presencial" in channels and "Sur place" not in channels
