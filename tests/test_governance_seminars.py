"""The network's seminars (the Autumn School) and the professionalisation of counsellors (the titles
awarded): recorded by the coordination on the staff pages, read by the rule, in the network's report
and the API, created by the demo."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.governance import models as m
from cdm.governance.demo import load_governance_demo

from .conftest import make_cite_world

D = datetime.date


@pytest.fixture
def world(db):
    alpha, beta = make_cite_world("alpha"), make_cite_world("beta", "BE")
    coordinator = User.objects.create_user("coord", password="pw", role=Role.COORDINATOR)
    return {"alpha": alpha, "beta": beta, "coordinator": coordinator}


def _autumn_school(world) -> m.NetworkSeminar:
    seminar = m.NetworkSeminar.objects.create(
        title="Autumn School 2024",
        starts_on=D(2024, 12, 4),
        ends_on=D(2024, 12, 6),
        host=world["beta"]["cite"],
        place="Bruxelles",
        country="BE",
        participants=170,
        workshops=24,
        description="Le bilan de la Vision 2024.",
    )
    seminar.cites_present.set([world["alpha"]["cite"], world["beta"]["cite"]])
    return seminar


def _accreditations(world, seminar=None) -> tuple[m.Accreditation, m.Accreditation]:
    with scopes_disabled():
        master = m.Accreditation.objects.create(
            title=m.AccreditationTitle.MASTER_TRAINER,
            person="Aline Vandermeulen",
            cite=world["beta"]["cite"],
            awarded_on=D(2024, 12, 5),
            seminar=seminar,
        )
        trainer = m.Accreditation.objects.create(
            title=m.AccreditationTitle.TRAINER_COUNSELLOR,
            person="Thomas Ribeiro",
            cite=world["alpha"]["cite"],
            awarded_on=D(2024, 12, 5),
            seminar=seminar,
        )
    return master, trainer


# -- the staff pages ---------------------------------------------------------------------------------
def test_the_coordinator_records_a_seminar_and_a_title_awarded(client, world):
    client.force_login(world["coordinator"])
    assert client.get("/fr/network-life/seminars/add/").status_code == 200
    response = client.post(
        "/fr/network-life/seminars/add/",
        {
            "title": "Autumn School 2024",
            "kind": "autumn_school",
            "starts_on": "2024-12-04",
            "ends_on": "2024-12-06",
            "host": world["beta"]["cite"].pk,
            "place": "Bruxelles",
            "country": "BE",
            "participants": "170",
            "workshops": "24",
            "cites_present": [world["alpha"]["cite"].pk, world["beta"]["cite"].pk],
            "description": "Le bilan de la Vision 2024.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    seminar = m.NetworkSeminar.objects.get()
    assert seminar.participants == 170 and seminar.host == world["beta"]["cite"]
    assert seminar.cites_present.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "Autumn School 2024" in page and "Cité beta" in page

    response = client.post(
        "/fr/network-life/accreditations/add/",
        {
            "title": "master_trainer",
            "person": "Aline Vandermeulen",
            "cite": world["beta"]["cite"].pk,
            "awarded_on": "2024-12-05",
            "seminar": seminar.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        accreditation = m.Accreditation.objects.get()
    assert accreditation.seminar == seminar and accreditation.get_title_display() == "Master Trainer"
    listing = client.get("/fr/network-life/accreditations/").content.decode()
    assert "Aline Vandermeulen" in listing
    home = client.get("/fr/network-life/").content.decode()
    assert "Professionnalisation" in home and "Habilitations" in home


def test_a_seminar_ends_after_it_starts(client, world):
    client.force_login(world["coordinator"])
    response = client.post(
        "/fr/network-life/seminars/add/",
        {
            "title": "Autumn School",
            "kind": "autumn_school",
            "starts_on": "2024-12-06",
            "ends_on": "2024-12-04",
        },
    )
    assert response.status_code == 400 and "La fin précède le début." in response.content.decode()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.NetworkSeminar.objects.create(title="x", starts_on=D(2024, 12, 6), ends_on=D(2024, 12, 4))


def test_a_manager_cannot_record_a_seminar_nor_a_title(client, world):
    client.force_login(world["alpha"]["users"]["manager"])
    assert client.get("/fr/network-life/seminars/add/").status_code == 403
    response = client.post(
        "/fr/network-life/seminars/add/",
        {"title": "Autumn School", "kind": "autumn_school", "starts_on": "2024-12-04"},
    )
    assert response.status_code == 403
    response = client.post(
        "/fr/network-life/accreditations/add/",
        {
            "title": "master_trainer",
            "person": "Quelqu'un",
            "cite": world["alpha"]["cite"].pk,
            "awarded_on": "2024-12-05",
        },
    )
    assert response.status_code == 403
    assert not m.NetworkSeminar.objects.exists()
    with scopes_disabled():
        assert not m.Accreditation.objects.exists()


def test_a_cites_staff_read_what_the_rule_allows(client, world):
    seminar = _autumn_school(world)
    master, trainer = _accreditations(world, seminar)
    manager = world["alpha"]["users"]["manager"]
    client.force_login(manager)
    # The seminar is the network's: every manager reads it, none changes it.
    assert client.get(f"/fr/network-life/seminars/{seminar.pk}/").status_code == 200
    assert client.get(f"/fr/network-life/seminars/{seminar.pk}/edit/").status_code == 403
    # A title belongs to its Cité: alpha's manager reads alpha's counsellor, beta's does not exist for them.
    listing = client.get("/fr/network-life/accreditations/").content.decode()
    assert "Thomas Ribeiro" in listing and "Aline Vandermeulen" not in listing
    assert client.get(f"/fr/network-life/accreditations/{trainer.pk}/").status_code == 200
    assert client.get(f"/fr/network-life/accreditations/{master.pk}/").status_code == 404
    assert client.get(f"/fr/admin/governance/accreditation/{master.pk}/change/").status_code in (403, 404)
    api = client.get("/api/network-life/accreditations").json()
    assert [x["person"] for x in api] == ["Thomas Ribeiro"]
    assert client.get("/api/network-life/accreditations?cite=beta").status_code == 404
    # Agents and counsellors read neither.
    for role in ("agent", "counsellor"):
        client.force_login(world["alpha"]["users"][role])
        assert client.get("/fr/network-life/seminars/").status_code == 403
        assert client.get("/fr/network-life/accreditations/").status_code == 403
        assert client.get("/api/network-life/seminars").status_code == 403
        assert client.get("/api/network-life/accreditations").status_code == 403


# -- the API -----------------------------------------------------------------------------------------
def test_the_api_serves_the_seminars_and_the_titles_awarded(client, world):
    seminar = _autumn_school(world)
    _accreditations(world, seminar)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/network-life/seminars" in paths and "/api/network-life/accreditations" in paths
    client.force_login(world["coordinator"])
    [got] = client.get("/api/network-life/seminars?year=2024").json()
    assert got["title"] == "Autumn School 2024" and got["host"] == "beta" and got["participants"] == 170
    assert got["starts_on"] == "2024-12-04" and got["ends_on"] == "2024-12-06"
    assert got["cites_present"] == ["alpha", "beta"]
    assert client.get("/api/network-life/seminars?year=2023").json() == []
    titles = client.get("/api/network-life/accreditations?year=2024").json()
    assert sorted((x["person"], x["title"], x["cite"]) for x in titles) == [
        ("Aline Vandermeulen", "master_trainer", "beta"),
        ("Thomas Ribeiro", "trainer_counsellor", "alpha"),
    ]
    assert {x["seminar"] for x in titles} == {seminar.pk}
    client.logout()
    assert client.get("/api/network-life/seminars").status_code == 401


# -- the report --------------------------------------------------------------------------------------
def test_the_networks_report_has_the_autumn_school_and_the_professionalisation(client, world):
    seminar = _autumn_school(world)
    _accreditations(world, seminar)
    body = client.get("/fr/report/2024/").content.decode()
    autumn = body.split('id="sec-autumn-school"', 1)[1].split("</section>", 1)[0]
    assert "Autumn School 2024" in autumn and "Du 4 décembre 2024 au 6 décembre 2024" in autumn
    assert "Cité beta" in autumn and "170" in autumn and "participants" in autumn
    assert "24" in autumn and "Cité alpha, Cité beta" in autumn
    assert "Le bilan de la Vision 2024." in autumn
    pro = body.split('id="sec-professionalisation"', 1)[1].split("</section>", 1)[0]
    assert "<strong>1</strong> Master Trainer" in pro and "<strong>1</strong> Conseiller-Formateur" in pro
    assert "Aline Vandermeulen, Master Trainer — Cité beta" in pro
    assert "Thomas Ribeiro, Conseiller-Formateur — Cité alpha" in pro
    # In the contents, after the representation and before the projects (the seed's order).
    assert 'href="#sec-autumn-school"' in body and 'href="#sec-professionalisation"' in body
    assert body.index('id="sec-autumn-school"') < body.index('id="sec-professionalisation"')
    # A year without them has neither section, nor its entry in the contents.
    body = client.get("/fr/report/2023/").content.decode()
    assert "sec-autumn-school" not in body and "sec-professionalisation" not in body


def test_a_cites_report_has_neither_section(client, world):
    seminar = _autumn_school(world)
    _accreditations(world, seminar)
    body = client.get("/fr/report/2024/?cite=alpha").content.decode()
    assert "sec-autumn-school" not in body and "sec-professionalisation" not in body
    assert "Thomas Ribeiro" not in body


# -- the demo ----------------------------------------------------------------------------------------
def test_the_demo_has_the_2024_autumn_school_and_two_titles_awarded(db, settings, tmp_path):
    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    for slug, country in [("bruxelles", "BE"), ("paris-la-villette", "FR"), ("geneve", "CH")]:
        make_cite_world(slug, country)
    counts = load_governance_demo()
    assert counts["seminars"] == 1 and counts["accreditations"] == 2
    seminar = m.NetworkSeminar.objects.get()
    assert seminar.demo and seminar.kind == m.SeminarKind.AUTUMN_SCHOOL
    assert (seminar.starts_on, seminar.ends_on) == (D(2024, 12, 4), D(2024, 12, 6))
    assert seminar.host.slug == "bruxelles" and seminar.participants == 170
    with scopes_disabled():
        titles = list(m.Accreditation.objects.select_related("cite").order_by("title"))
    assert [(a.title, a.cite.slug, a.demo) for a in titles] == [
        ("master_trainer", "bruxelles", True),
        ("trainer_counsellor", "paris-la-villette", True),
    ]
    # Invented names: the report's real trainers are not in the demo.
    assert not {a.person for a in titles} & {"Corinne La Montagne", "Jean-Christophe Robin"}


# -- in the browser: the staff pages and the report pass axe-core --------------------------------------
PASSWORD = "Mot-de-passe-du-test-42"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_the_browser_the_pages_pass_axe(page, live_server):
    from .conftest import axe_violations

    alpha, beta = make_cite_world("alpha"), make_cite_world("beta", "BE")
    user = User.objects.create_user("coord", role=Role.COORDINATOR)
    user.set_password(PASSWORD)
    user.save()
    url = live_server.url
    page.goto(f"{url}/fr/admin/login/")
    page.fill("#id_username", "coord")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{url}/fr/admin/")

    page.goto(f"{url}/fr/network-life/seminars/add/")
    assert axe_violations(page) == []
    page.fill("#id_title", "Autumn School 2024")
    page.select_option("#id_kind", "autumn_school")
    page.fill("#id_starts_on", "2024-12-04")
    page.fill("#id_ends_on", "2024-12-06")
    page.select_option("#id_host", str(beta["cite"].pk))
    page.fill("#id_participants", "170")
    page.check(f"input[name=cites_present][value='{alpha['cite'].pk}']")
    page.check(f"input[name=cites_present][value='{beta['cite'].pk}']")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("load")
    assert "Autumn School 2024" in page.content()
    assert axe_violations(page) == []

    page.goto(f"{url}/fr/network-life/accreditations/add/")
    assert axe_violations(page) == []
    page.select_option("#id_title", "trainer_counsellor")
    page.fill("#id_person", "Thomas Ribeiro")
    page.select_option("#id_cite", str(alpha["cite"].pk))
    page.fill("#id_awarded_on", "2024-12-05")
    page.click("form.stacked button[type=submit]")
    page.wait_for_load_state("load")
    assert axe_violations(page) == []
    for path in ["/fr/network-life/", "/fr/network-life/seminars/", "/fr/network-life/accreditations/"]:
        page.goto(f"{url}{path}")
        assert axe_violations(page) == [], path

    page.goto(f"{url}/fr/report/2024/")
    assert "170" in page.locator("#sec-autumn-school").inner_text()
    assert "Thomas Ribeiro" in page.locator("#sec-professionalisation").inner_text()
    assert axe_violations(page) == []
