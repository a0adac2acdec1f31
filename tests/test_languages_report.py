"""The annual report in each language of the network, with that language's numbers, dates and plurals;
the network's own texts (``ReportNarrative``) per language, the French one standing in visibly."""

import csv
import io
import json
import re

import pytest
from django.core.cache import caches
from django.utils import translation
from pypdf import PdfReader

from cdm.exchange.importer import import_package
from cdm.stats import charts, report
from cdm.stats.figures import Period
from cdm.stats.models import ReportNarrative

from .conftest import SAMPLE

LANGUAGES = ["fr", "en", "nl", "es", "ca", "pt", "it"]
# The sample's beneficiaries in 2024 (1774), as a reader of each language writes them.
BENEFICIARIES = {
    "fr": "1\u202f774",
    "en": "1,774",
    "nl": "1.774",
    "es": "1774",  # Spanish (and European Portuguese) group only from five digits
    "ca": "1.774",
    "pt": "1774",
    "it": "1.774",
}
BIG = {
    "fr": "110\u202f968",
    "en": "110,968",
    "nl": "110.968",
    "es": "110.968",
    "ca": "110.968",
    "pt": "110.968",
    "it": "110.968",
}


@pytest.fixture
def sample(db):
    caches["default"].clear()  # the public report is cached per language
    assert import_package(SAMPLE).ok


def pdf_text(content: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_are_written_as_each_language_writes_them(language):
    assert charts.format_number(110968, language=language) == BIG[language]
    assert charts.format_number(1774, language=language) == BENEFICIARIES[language]
    decimal = "." if language == "en" else ","
    assert charts.format_number(12.5, language=language) == f"12{decimal}5"
    assert charts.format_number("< 5", language=language) == "< 5"
    assert charts.format_percent(12.5, language=language).startswith(f"12{decimal}5")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_has_the_languages_heading_and_numbers_in_html_and_pdf(client, sample, language):
    with translation.override(language):
        heading = translation.gettext("Les bénéficiaires")
    if language != "fr":
        assert heading != "Les bénéficiaires"
    body = client.get(f"/{language}/report/2024/").content.decode()
    assert heading in body
    assert f"<strong>{BENEFICIARIES[language]}</strong>" in body
    # The tables and the charts write a number alike.
    pdf = client.get(f"/{language}/report/2024/pdf/")
    text = pdf_text(pdf.content)
    assert heading in text
    assert BENEFICIARIES[language] in text.replace("\u00a0", "\u202f" if language == "fr" else "\u00a0")


def test_tables_and_charts_write_the_same_number(sample):
    with translation.override("fr"):
        html = report.render_html(Period.year(2024))
    cells = set(re.findall(r'<td class="num">([^<]+)</td>', html))
    grouped = {c for c in cells if "\u202f" in c}
    assert grouped, "a table cell of four digits or more"
    chart_texts = set(re.findall(r"<text[^>]*>([^<]+)</text>", html))
    assert any(number in text for number in grouped for text in chart_texts), "the same number in a chart"
    assert not re.search(r'<td class="num">\d{4,}</td>', html)


def test_dates_follow_the_languages_order(sample):
    with translation.override("en"):
        en = report.describe_period(Period.year(2024))[0]
    with translation.override("pt"):
        pt = report.describe_period(Period.year(2024))[0]
    assert "Jan. 1, 2024" in en
    assert re.search(r"1 de [Jj]aneiro de 2024", pt)


def test_a_count_takes_the_plural_it_needs(client, sample):
    body = client.get("/en/report/2024/").content.decode()
    assert re.search(r"<strong>\d+</strong> member Cités des métiers", body) or "member" in body
    with translation.override("en"):
        one = translation.ngettext("partenaire actif", "partenaires actifs", 1)
        many = translation.ngettext("partenaire actif", "partenaires actifs", 3)
    assert one != many


def test_json_and_csv_keep_numbers_and_translate_labels(client, sample):
    data = json.loads(client.get("/pt/report/2024/json/").content)
    assert data["beneficiaries"]["total"] == 1774
    rows = list(csv.reader(io.StringIO(client.get("/pt/report/2024/csv/").content.decode())))
    with translation.override("pt"):
        assert rows[0][2] == translation.gettext("libellé") != "libellé"
        caption = translation.gettext("Bénéficiaires par activité")
    totals = [r for r in rows if r[1] == caption and r[3].isdigit()]
    assert totals and all(re.fullmatch(r"\d+", r[3]) for r in totals)


def test_the_narrative_is_written_per_language(client, sample):
    ReportNarrative.objects.create(year=2024, language="fr", editorial="Une année de croissance.")
    ReportNarrative.objects.create(year=2024, language="pt", editorial="Um ano de crescimento.")
    body = client.get("/pt/report/2024/").content.decode()
    assert "Um ano de crescimento." in body
    assert "Une année de croissance." not in body
    assert "fallback-note" not in body


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_missing_translation_shows_the_french_text_marked(client, sample, language):
    ReportNarrative.objects.create(
        year=2024, language="fr", editorial="Une année de croissance.", highlights="Trois ouvertures."
    )
    body = client.get(f"/{language}/report/2024/").content.decode()
    with translation.override(language):
        note = translation.gettext("Texte en français : il n'est pas encore traduit dans cette langue.")
    assert note != "Texte en français : il n'est pas encore traduit dans cette langue."
    assert body.count(note) == 2  # the editorial and the highlights
    assert re.search(r'<div class="narrative" lang="fr"><p>Une année de croissance.</p>', body)
    assert re.search(r'<div class="narrative" lang="fr"><p>Trois ouvertures.</p>', body)
    pdf = pdf_text(client.get(f"/{language}/report/2024/pdf/").content)
    assert "Une année de croissance." in pdf


def test_french_readers_get_no_note(client, sample):
    ReportNarrative.objects.create(year=2024, language="fr", editorial="Une année de croissance.")
    body = client.get("/fr/report/2024/").content.decode()
    assert "Une année de croissance." in body and "fallback-note" not in body


def test_each_part_opens_with_the_networks_words_in_the_readers_language(client, sample):
    ReportNarrative.objects.create(
        year=2024, language="fr", intro_beneficiaries="Des publics venus de partout.", intro_partners=""
    )
    ReportNarrative.objects.create(year=2024, language="pt", intro_beneficiaries="Públicos de toda a parte.")
    french = client.get("/fr/report/2024/").content.decode()
    assert '<p class="intro">Des publics venus de partout.</p>' in french
    with translation.override("fr"):
        drawn = translation.gettext(
            "Les partenaires tiennent les entretiens aux côtés des Cités et apportent leurs contributions : "
            "personnel, locaux, financement."
        )
    assert drawn in french  # left empty: the sentence drawn from the figures
    assert '<p class="intro">Públicos de toda a parte.</p>' in client.get("/pt/report/2024/").content.decode()
    # No Italian text: the Italian reader gets the sentence in Italian, not the French words.
    italian = client.get("/it/report/2024/").content.decode()
    assert "Des publics venus de partout." not in italian
    with translation.override("it"):
        assert (
            translation.gettext(
                "Les Cités des métiers accueillent tout public, quels que soient l'âge, le genre ou le statut."
            )
            in italian
        )
