"""The 2024 annual report as a reader opens it: the PDF rasterised page by page (poppler's
``pdftoppm``), its text (``pdftotext``), and the HTML report under axe-core in every language."""

import re
import shutil
import subprocess

import pytest
from django.utils import translation

from cdm.exchange.importer import import_package
from cdm.stats import report
from cdm.stats.figures import Period
from cdm.stats.models import ReportNarrative

from .conftest import SAMPLE, axe_violations

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftoppm"), reason="poppler-utils is missing: `make browser-deps` installs it"
)
# A page is "empty" where a pixel is near white; the cover's tint counts as ink.
EMPTY_LIMIT = 0.60


@pytest.fixture
def year_2024(db, settings, tmp_path):
    from django.core.cache import caches

    from cdm.governance.demo import load_governance_demo

    assert import_package(SAMPLE).ok
    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    load_governance_demo()
    ReportNarrative.objects.create(
        year=2024,
        language="fr",
        editorial="Une année de transitions.\n\n" + "Les Cités des métiers accueillent tout public. " * 30,
        highlights="Saint-Omer rejoint le réseau.",
        signed_by="La présidence",
    )
    caches["default"].clear()


def render(tmp_path, language: str):
    with translation.override(language):
        pdf = report.render_pdf(Period.year(2024))
    path = tmp_path / f"report-{language}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return path, text.stdout


def empty_shares(path, tmp_path) -> list[float]:
    """Each page's share of near-white pixels, at 24 dpi."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "24", "-gray", "-png", str(path), str(tmp_path / "page")], check=True)
    shares = []
    for png in sorted(tmp_path.glob("page-*.png"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1])):
        image = Image.open(png).convert("L")
        # Margins are part of a page: a page is judged on its printable area (A4 less 16 mm each side).
        w, h = image.size
        box = image.crop((int(w * 0.076), int(h * 0.06), int(w * 0.924), int(h * 0.93)))
        pixels = list(box.get_flattened_data() if hasattr(box, "get_flattened_data") else box.getdata())
        # A row is used when it holds ink (anything darker than near-white, tints included) or lies
        # within half a line of ink: the gaps between the lines of a paragraph are part of it.
        rows = [pixels[i : i + box.size[0]] for i in range(0, len(pixels), box.size[0])]
        ink = [min(row) < 235 for row in rows]
        reach = 3  # pixels at 24 dpi: half a line of 10 pt text
        used = sum(1 for i in range(len(ink)) if any(ink[max(0, i - reach) : i + reach + 1]))
        shares.append(1 - used / len(rows))
    return shares


def test_the_2024_pdf_reads_like_an_annual_report(year_2024, tmp_path):
    path, text = render(tmp_path, "fr")
    shares = empty_shares(path, tmp_path)
    assert 12 <= len(shares) <= 30, len(shares)
    # The last page ends the appendix, wherever its tables stop.
    too_empty = [(n + 1, round(s, 2)) for n, s in enumerate(shares[:-1]) if s > EMPTY_LIMIT]
    assert too_empty == [], too_empty
    # The key figures set large, in French: "1 774" with a narrow no-break space.
    flat = " ".join(text.split())
    assert "1\u202f774" in flat or "1 774" in flat
    assert "L'année 2024 en chiffres" in flat
    assert "bénéficiaires accueillis en 2024" in flat
    # Pages are numbered "p. N / M", and the running header names the section.
    assert re.search(r"p\. 3 / \d+", text)
    # Age bands in their natural order, "not stated" last.
    at = [
        flat.index(band)
        for band in ("Moins de 18 ans", "18–25 ans", "26–44 ans", "45–54 ans", "55 ans et plus")
    ]
    assert at == sorted(at)
    # The contents list the network's life as well as the activity.
    contents = flat[flat.index("Sommaire") : flat.index("Annexe : les tableaux")]
    for title in (
        "Les instances et la gouvernance",
        "Représentation",
        "Le projet Desk Reset",
        "Les partenaires",
    ):
        assert title in contents, title


def test_the_english_pdf_writes_numbers_as_english_readers_do(year_2024, tmp_path):
    _path, text = render(tmp_path, "en")
    flat = " ".join(text.split())
    assert "1,774" in flat
    assert "1\u202f774" not in flat


@pytest.mark.parametrize("language", ["fr", "en", "nl", "es", "ca", "pt", "it"])
def test_the_html_report_passes_axe_in_every_language(page, live_server, transactional_db, language):
    assert import_package(SAMPLE).ok
    page.goto(f"{live_server.url}/{language}/report/2024/")
    assert page.locator("#sec-figures").is_visible()
    assert axe_violations(page) == []


@pytest.fixture
def featured(year_2024, settings, tmp_path):
    """A featured event of 2024 with its picture, and a session of it with its seats."""
    import datetime
    import io

    from django.core.files.base import ContentFile
    from django_scopes import scopes_disabled
    from PIL import Image

    from cdm.network.models import Cite
    from cdm.programme.models import Event, Session

    settings.VAR_DIR = tmp_path / "var"
    picture = io.BytesIO()
    Image.new("RGB", (120, 80), (31, 95, 153)).save(picture, "PNG")
    with scopes_disabled():
        cite = Cite.objects.get(slug="porto")
        starts = datetime.datetime(2024, 5, 14, 9, 0, tzinfo=datetime.UTC)
        event = Event(
            cite=cite,
            format="forum",
            title={"fr": "Forum de l'emploi des femmes", "en": "Women's job fair"},
            theme="job",
            starts_at=starts,
            duration_minutes=240,
            featured=True,
        )
        event.picture.save("forum.png", ContentFile(picture.getvalue()), save=False)
        event.save()
        Session.objects.create(
            event=event,
            cite=cite,
            occurrence=starts,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=4),
            capacity=40,
            seats_taken=30,
        )
    return event


def test_featured_events_and_the_offer_by_theme_appear_in_the_report(featured, client, tmp_path):
    body = client.get("/en/report/2024/").content.decode()
    assert 'alt="Women&#x27;s job fair, Cidade das Profissões"' in body
    assert 'id="sec-needs"' in body and "75%" in body  # 30 of 40 seats
    path, text = render(tmp_path, "fr")
    flat = " ".join(text.split())
    assert "Forum de l'emploi des femmes" in flat
    # The picture is drawn in the PDF: the page that names the event holds an image.
    from pypdf import PdfReader

    pages = PdfReader(str(path)).pages
    page = next(p for p in pages if "Forum de l'emploi des femmes" in p.extract_text())
    assert list(page.images)


def test_without_programme_data_the_needs_section_is_left_out(year_2024, client):
    body = client.get("/fr/report/2024/").content.decode()
    assert 'id="sec-needs"' not in body and "Les besoins et l'offre" not in body
