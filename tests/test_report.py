"""The figures and the annual report: one engine; JSON, HTML, PDF, CSV; small counts protected."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from cdm.accounts.scoping import network_scope
from cdm.exchange.importer import import_package
from cdm.stats.figures import Period, compute
from cdm.stats.models import ReportNarrative
from cdm.stats.protection import protect_breakdown

from .conftest import SAMPLE, SAMPLE_FIGURES, make_cite_world


@pytest.fixture
def sample(db):
    assert import_package(SAMPLE).ok


def run_report(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_json_report_of_the_sample_is_exactly_the_expected_figures(sample):
    assert json.loads(run_report("--year", "2024", "--format", "json")) == json.loads(
        SAMPLE_FIGURES.read_text()
    )


def test_a_year_without_activity_has_zero_figures(sample):
    figures = json.loads(run_report("--year", "2027", "--format", "json"))
    assert figures["beneficiaries"]["total"] == 0 and figures["network"]["members"] == 24


def test_a_cite_and_filters_narrow_the_figures(sample):
    porto = json.loads(run_report("--year", "2024", "--cite", "porto"))
    assert porto["network"]["members"] == 1 and porto["network"]["countries"] == ["PT"]
    assert (
        porto["beneficiaries"]["total"] == porto["beneficiaries"]["by_country"]["PT"] < 93
    )  # PT: Porto + Cascais
    phone = json.loads(run_report("--year", "2024", "--channel", "phone"))
    assert phone["interviews"]["total"] == phone["interviews"]["by_channel"]["phone"] == 42
    main_site = json.loads(run_report("--year", "2024", "--site", "porto-main"))
    with network_scope():
        from cdm.activity.models import Visit

        expected = Visit.objects.filter(site__slug="porto-main", date__year=2024).count()
    visits = sum(
        v for k, v in main_site["beneficiaries"]["by_activity"].items() if k not in ("workshop", "event")
    )
    assert visits == expected > 0
    belgium = json.loads(run_report("--year", "2024", "--country", "BE"))
    assert belgium["beneficiaries"]["by_country"] == {"BE": 268}


def test_a_date_range_counts_only_its_days(sample):
    first_half = json.loads(run_report("--from", "2024-01-01", "--to", "2024-06-30"))
    second_half = json.loads(run_report("--from", "2024-07-01", "--to", "2024-12-31"))
    whole = json.loads(SAMPLE_FIGURES.read_text())
    for outcome in ["information", "self_service", "interview"]:
        assert (
            first_half["beneficiaries"]["by_activity"].get(outcome, 0)
            + second_half["beneficiaries"]["by_activity"].get(outcome, 0)
            == whole["beneficiaries"]["by_activity"][outcome]
        )


@pytest.mark.parametrize(
    "args, field",
    [
        (["--year", "twenty"], "year"),
        (["--year", "2024", "--theme", "cooking"], "theme"),
        (["--year", "2024", "--cite", "atlantis"], "cite"),
        (["--from", "2024-02-30", "--to", "2024-03-01"], "from"),
    ],
)
def test_bad_filters_name_the_field(sample, args, field):
    with pytest.raises(CommandError, match=f"^{field} :"):
        run_report(*args)


def test_details_add_profiles_trend_and_durations(sample):
    with network_scope():
        figures = compute(Period.year(2024), details=True)
    assert sum(figures["profiles"]["gender"].values()) == 1284
    assert sum(m["visits"] for m in figures["monthly"].values()) == 1284
    assert figures["interview_times"]["durations"]["count"] > 0
    assert figures["contributions_valued"]["human_resources"]["fte"] > 0
    assert sum(c["visits"] + c["participants"] for c in figures["by_cite"].values()) == 1774


def test_the_previous_year_gives_the_change(db):
    make_cite_world("alpha")  # one visit and 40 event participants in 2024
    from cdm.activity.models import Visit

    with network_scope():
        Visit.objects.create(
            cite_id=Visit.objects.first().cite_id, date="2023-03-03", theme="job", outcome="information"
        )
        figures = compute(Period.year(2024), details=True)
    assert figures["previous_year"]["beneficiaries"] == 1
    assert figures["beneficiaries"]["total"] == 41


def test_a_single_small_cell_takes_a_second_one_with_it():
    assert protect_breakdown({"a": 100, "b": 3, "c": 40}, 5) == {"a": 100, "b": "< 5", "c": "< 5"}
    assert protect_breakdown({"a": 100, "b": 3, "c": 2}, 5) == {"a": 100, "b": "< 5", "c": "< 5"}
    assert protect_breakdown({"a": 100, "b": 30}, 5) == {"a": 100, "b": 30}


def test_hidden_cells_hold_at_least_k_together():
    # Two hidden cells of 1 and 2: their sum (total minus the shown) would still be a small count.
    assert protect_breakdown({"a": 100, "b": 1, "c": 2, "d": 40}, 5) == {
        "a": 100,
        "b": "< 5",
        "c": "< 5",
        "d": "< 5",
    }
    # A zero stays a zero, and is no complement.
    assert protect_breakdown({"a": 100, "b": 3, "c": 0}, 5) == {"a": "< 5", "b": "< 5", "c": 0}


def test_the_published_report_hides_small_profile_cells(client, sample):
    data = client.get("/fr/report/2024/json/").json()
    assert data["protected"]["threshold"] == 5
    gender = data["profiles"]["gender"]
    assert gender["other"] == "< 5" or gender["other"] >= 5
    hidden = [k for k, v in gender.items() if v == "< 5"]
    assert len(hidden) != 1  # never a single hidden cell that the total gives back


def test_the_html_report_follows_the_annual_report(client, sample):
    ReportNarrative.objects.create(
        year=2024,
        language="fr",
        editorial="Une année de transitions.",
        highlights="Saint-Omer rejoint le réseau.",
    )
    body = client.get("/fr/report/2024/").content.decode()
    for heading in [
        "Édito",
        "Le réseau et ses membres",
        "Les bénéficiaires",
        "L'offre de service",
        "Les partenaires",
        "Faits marquants",
        "Une année de transitions.",
    ]:
        assert heading in body
    # No record of the network's life: its sections are left out, never faked.
    assert "gouvernance" not in body
    assert body.count("<table") >= 10 and body.count('role="img"') >= 8
    assert "Période : du 1 janvier 2024 au 31 décembre 2024" in body


def test_the_report_exists_in_english(client, sample):
    body = client.get("/en/report/2024/").content.decode()
    assert "The beneficiaries" in body and "Service offer" in body


def test_the_pdf_reads_like_a_report(client, sample):
    response = client.get("/fr/report/2024/pdf/")
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) >= 8
    first = pdf.pages[0].extract_text()
    assert "Rapport d'activité" in first and "2024" in first and "Période" in first
    toc = pdf.pages[1].extract_text()
    assert "Sommaire" in toc and "Les bénéficiaires" in toc
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Bénéficiaires par pays" in text and "1\u202f774" in text  # charts and tables keep real text
    assert "2 / " in pdf.pages[1].extract_text()  # page numbers


def test_the_cli_writes_a_pdf(sample, tmp_path):
    target = tmp_path / "report.pdf"
    call_command("report", "--year", "2024", "--format", "pdf", "-o", str(target), stderr=io.StringIO())
    assert target.read_bytes().startswith(b"%PDF")


def test_the_dashboard_is_for_the_cites_staff_only(client, two_cites):
    alpha, beta = two_cites
    client.force_login(alpha["users"]["agent"])
    assert client.get("/fr/dashboard/alpha/2024/").status_code == 200
    assert client.get("/fr/dashboard/beta/2024/").status_code == 404
    client.logout()
    assert client.get("/fr/dashboard/alpha/2024/").status_code == 302


def test_only_the_manager_and_coordinator_see_small_counts(client, two_cites, coordinator):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    assert client.get("/fr/dashboard/alpha/2024/json/").json()["profiles"]["gender"] == {"not_stated": 1}
    client.force_login(coordinator)
    assert client.get("/fr/dashboard/alpha/2024/json/").json()["profiles"]["gender"] == {"not_stated": 1}
    for role in ["agent", "observer", "counsellor"]:
        client.force_login(alpha["users"][role])
        gender = client.get("/fr/dashboard/alpha/2024/json/").json()["profiles"]["gender"]
        # Every key listed, so that an absent one tells nothing; the small one hidden.
        assert gender == {"female": 0, "male": 0, "other": 0, "not_stated": "< 5"}


def test_figures_are_cached_until_the_data_of_their_period_changes(db, settings):
    import datetime

    from django.core.cache import caches

    from cdm.activity.models import Visit
    from cdm.stats import cache as figures_cache

    settings.CACHES = {
        **settings.CACHES,
        "figures": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "figures-test"},
    }
    caches["figures"].clear()
    world = make_cite_world("alpha")
    period = Period.year(2024)
    with network_scope():
        first = figures_cache.cached_compute(period)
        assert figures_cache.cached_compute(period) == first
        # A visit of another year leaves 2024's figures (and their cache entry) alone…
        key_before = figures_cache.fingerprint(period)
        Visit.objects.create(
            cite=world["cite"], date=datetime.date(2025, 1, 2), theme="job", outcome="information"
        )
        assert figures_cache.fingerprint(period) == key_before
        # …a visit of 2024 is counted at once.
        Visit.objects.create(
            cite=world["cite"], date=datetime.date(2024, 3, 4), theme="job", outcome="information"
        )
        assert (
            figures_cache.cached_compute(period)["beneficiaries"]["total"]
            == first["beneficiaries"]["total"] + 1
        )


@pytest.mark.parametrize("language", ["fr", "en", "nl", "es", "ca", "pt", "it"])
def test_the_report_exists_in_every_language_of_the_network(client, sample, language):
    from django.utils import translation

    with translation.override(language):
        heading = translation.gettext("Les bénéficiaires")
    if language != "fr":
        assert heading != "Les bénéficiaires"
    response = client.get(f"/{language}/report/2024/")
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert heading in response.content.decode()
    pdf = client.get(f"/{language}/report/2024/pdf/")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages[:3])
    assert heading in text


# -- the network's own life (issue #14): the seed's 2024 facts, from the demo's records ---------------
@pytest.fixture
def seed_year(sample, settings, tmp_path):
    from django.core.cache import caches

    from cdm.governance.demo import load_governance_demo

    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    load_governance_demo()
    caches["default"].clear()  # the public report's pages of earlier tests


SEED_FACTS = [
    "Les instances et la gouvernance",
    "<h3>Comité Exécutif</h3>",
    "En 2024, cette instance s'est réunie 9 fois.",
    "<h3>Assemblée Permanente des Managers</h3>",
    "En 2024, cette instance s'est réunie 3 fois.",
    "Cette année, l'Assemblée Générale s'est réunie le 24 juin 2024.",
    "Vice-président·e déléguée à la professionnalisation",
    "État des lieux du réseau",
    "nouvelle Cité des métiers labellisée en 2024",
    "La Cité des métiers de Liège a ouvert les portes de son nouveau local au public le 31 mai 2024.",
    "a officiellement inauguré le 4 juin 2024",
    "bus de l&#x27;orientation",
    "La Cité des métiers de Saint-Omer a rejoint le Réseau depuis le 25 avril 2024.",
    "Représentation",
    "Printemps des compétences et métiers à venir",
    "Le stand du Réseau : 11 Cités des métiers présentes.",
    "3 ateliers proposés.",
    "1 table ronde animée.",
    "5 délégations reçues.",
    "Le projet Desk Reset",
    "6 partenaires européens (Belgique, France, Grèce, Italie).",
    "Conférence finale",
    "Référentiel de compétences et cadre de validation",
    "info@reseaucitesdesmetiers.com",
]


def test_the_2024_report_carries_the_seeds_network_life(client, seed_year):
    body = client.get("/fr/report/2024/").content.decode()
    for fact in SEED_FACTS:
        assert fact in body, fact
    assert "<strong>1</strong> nouvelle Cité des métiers labellisée en 2024" in body
    # The seed's order: governance and state of the network first, then the activity, then representation.
    at = {name: body.index(f'id="sec-{name}"') for name in ("governance", "state", "network", "partners")}
    at |= {name: body.index(f'id="sec-{name}') for name in ("representation", "project-", "contacts")}
    assert at["governance"] < at["state"] < at["network"] < at["partners"]
    assert at["partners"] < at["representation"] < at["project-"] < at["contacts"]
    assert 'role="img" aria-labelledby="tl-title-' in body  # the project's timeline, a picture


def test_the_2024_pdf_carries_the_seeds_network_life(client, seed_year):
    pdf = PdfReader(io.BytesIO(client.get("/fr/report/2024/pdf/").content))
    text = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    for fact in [
        "Les instances et la gouvernance",
        "24 juin 2024",
        "État des lieux du réseau",
        "Printemps des compétences",
        "Le projet Desk Reset",
        "Conférence finale",  # the timeline's text and its table
        "Roissy",
    ]:
        assert fact in text, fact


def test_a_year_without_the_networks_life_leaves_its_sections_out(client, seed_year):
    body = client.get("/fr/report/2020/").content.decode()
    for section in ["sec-governance", "sec-state", "sec-representation", "sec-project-"]:
        assert section not in body
    assert "sec-contacts" in body  # the closing page's contacts are the network's, every year
    body = client.get("/fr/report/2022/").content.decode()
    assert "Le projet Desk Reset" in body and "sec-governance" in body  # the project ran, officers served
    assert "sec-state" not in body and "sec-representation" not in body


def test_each_key_figure_carries_its_change_from_last_year(db):
    from django.utils import translation

    from cdm.activity.models import Visit
    from cdm.stats import report

    make_cite_world("alpha")  # one visit and 40 event participants in 2024
    with network_scope():
        cite_id = Visit.objects.first().cite_id
        for day in range(1, 11):
            Visit.objects.create(
                cite_id=cite_id, date=f"2023-03-{day:02d}", theme="job", outcome="information"
            )
    with translation.override("fr"):
        figures = report.build(Period.year(2024), protected=False)["key_figures"]
    # 41 beneficiaries against 10: a rise of 310 %, written as French readers write it.
    assert figures[0]["value"] == "41"
    assert figures[0]["change"]["text"] == "▲ 310\u202f% vs 2023"
    assert figures[0]["change"]["words"] == "en hausse de 310\u202f% par rapport à 2023"
    # The interviews fell from none to none: no change to show, rather than a division by zero.
    assert figures[1]["change"] is None


def test_the_month_trend_draws_last_year_beside_this_one(db):
    from django.utils import translation

    from cdm.activity.models import Visit
    from cdm.stats import report

    make_cite_world("alpha")
    with network_scope():
        cite_id = Visit.objects.first().cite_id
        for month in range(1, 13):
            Visit.objects.create(
                cite_id=cite_id, date=f"2023-{month:02d}-05", theme="job", outcome="information"
            )
    with translation.override("fr"):
        months = report.build(Period.year(2024), protected=False)["sections"]["beneficiaries"][2]
    assert months.headers[-1] == "2023" and [row[-1] for row in months.rows] == [1] * 12
    assert 'stroke-dasharray="6 4"' in months.chart and ">2023</text>" in months.chart


def test_interviews_by_partner_hide_the_same_cells_in_every_published_table(two_cites, settings):
    """Interviews by partner are part of the year's linked cells. A partner that works for two Cités
    with 2 interviews at alpha and 20 at beta: alpha's table hides the 2 — then the network's 22 and
    beta's 20 must not both be shown, or 22 − 20 gives the 2 back."""
    import datetime

    from django_scopes import scopes_disabled

    from cdm.activity.models import Interview, Visit
    from cdm.network.models import Partner, Partnership
    from cdm.stats.report import partner_rows

    settings.SMALL_COUNT_THRESHOLD = 5
    alpha, beta = two_cites
    with scopes_disabled():
        shared = Partner.objects.create(name="Partenaire commun", kind=alpha["partner"].kind)
        for world, partner, n in (
            (alpha, alpha["partner"], 12),
            (alpha, shared, 2),
            (beta, shared, 20),
            (beta, beta["partner"], 5),
        ):
            Partnership.objects.get_or_create(cite=world["cite"], partner=partner)
            for _ in range(n):
                visit = Visit.objects.create(
                    cite=world["cite"], date=datetime.date(2024, 3, 4), theme="job", outcome="interview"
                )
                Interview.objects.create(visit=visit, partner=partner, duration_minutes=20)
    stand_in = {"interviews": {"total": 0}}

    def table(period, protected=True):
        return {row[0]: row[1] for row in partner_rows(period, stand_in, protected=protected) if row[1]}

    assert table(Period.year(2024), protected=False) == {
        alpha["partner"].name: 13,
        "Partenaire commun": 22,
        beta["partner"].name: 6,
    }
    # Alpha's 15 interviews are published: the 2 hidden alone, 15 − 13 would give them back.
    assert table(Period.year(2024, cites=(alpha["cite"].pk,))) == {
        alpha["partner"].name: "< 5",
        "Partenaire commun": "< 5",
    }
    # Beta's 20 hidden too (and its other partner's 6 with it, beta's total being published).
    assert table(Period.year(2024, cites=(beta["cite"].pk,))) == {
        "Partenaire commun": "< 5",
        beta["partner"].name: "< 5",
    }
    network = table(Period.year(2024))
    assert network["Partenaire commun"] == 22  # 2 + 20, both hidden where they are counted


def test_the_network_report_explains_the_concept_with_its_places_counted(sample, client):
    """As the seed's "Le concept « Cité des métiers »" page: the four principles, the four
    foundations, and the ways the members reach their territories, counted from the sites."""
    from cdm.stats.report import build

    with network_scope():
        figures = compute(Period.year(2024))
    page = client.get("/fr/report/2024/").content.decode()
    concept = page[page.index('id="sec-concept"') : page.index('id="sec-network"')]
    for text in ("Anonyme", "Gratuit", "Ouvert à tous", "Sans rendez-vous", "L'usager au centre"):
        assert text.replace("'", "&#x27;") in concept or text in concept
    assert 'href="#sec-concept"' in page
    counted = {row["label"]: row["count"] for row in build(Period.year(2024))["concept_sites"]}
    assert counted["Site principal"] == figures["network"]["sites_by_kind"].get("main", 0) > 0
    assert sum(counted.values()) == sum(figures["network"]["sites_by_kind"].values())
    english = client.get("/en/report/2024/").content.decode()
    assert "No appointment" in english or "Without an appointment" in english
