"""The network's own life: bodies, meetings and their papers, members' milestones, representation,
projects, contacts — who reads, who writes, the staff pages, the private files, the report."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.accounts.permissions import Action, may
from cdm.governance import models as m
from cdm.governance.demo import minimal_odt, minimal_pdf
from cdm.governance.selectors import report_sections

from .conftest import make_cite_world

D = datetime.date


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    return settings.CDM_PRIVATE_DIR


@pytest.fixture
def life(db):
    alpha, beta = make_cite_world("alpha"), make_cite_world("beta", "BE")
    coordinator = User.objects.create_user("coord", password="pw", role=Role.COORDINATOR)
    excom = m.Body.objects.create(kind=m.BodyKind.EXECUTIVE_COMMITTEE, position=1)
    apm = m.Body.objects.create(kind=m.BodyKind.MANAGERS_ASSEMBLY, open_to_managers=True, position=2)
    ag = m.Body.objects.create(kind=m.BodyKind.GENERAL_ASSEMBLY, open_to_managers=True, position=3)
    secret = m.Meeting.objects.create(
        body=excom,
        date=D(2024, 3, 1),
        online=True,
        minutes=SimpleUploadedFile("pv.pdf", minimal_pdf("ExCom")),
    )
    open_ = m.Meeting.objects.create(
        body=apm, date=D(2024, 4, 1), place="Paris", minutes=SimpleUploadedFile("pv.pdf", minimal_pdf("APM"))
    )
    assembly = m.Meeting.objects.create(body=ag, date=D(2024, 6, 24), place="Paris")
    with scopes_disabled():
        milestone = m.Milestone.objects.create(
            cite=beta["cite"], kind=m.MilestoneKind.INAUGURATED, date=D(2024, 6, 4)
        )
    return {
        "alpha": alpha,
        "beta": beta,
        "coordinator": coordinator,
        "excom": excom,
        "apm": apm,
        "ag": ag,
        "secret": secret,
        "open": open_,
        "assembly": assembly,
        "milestone": milestone,
    }


# -- the one rule -----------------------------------------------------------------------------------
def test_managers_read_the_apms_and_the_ags_papers_not_the_executive_committees(life):
    manager = life["alpha"]["users"]["manager"]
    assert may(manager, Action.VIEW, life["open"]) and may(manager, Action.VIEW, life["assembly"])
    assert not may(manager, Action.VIEW, life["secret"])
    assert may(life["coordinator"], Action.VIEW, life["secret"])
    for action in (Action.ADD, Action.CHANGE, Action.DELETE):
        assert not may(manager, action, life["open"])
        assert may(life["coordinator"], action, life["open"])


@pytest.mark.parametrize("role", ["agent", "counsellor"])
def test_agents_and_counsellors_do_not_read_the_networks_governance(life, role):
    user = life["alpha"]["users"][role]
    assert not may(user, Action.VIEW, m.Meeting)
    assert not may(user, Action.VIEW, life["open"])


def test_a_network_observer_reads_but_not_the_coordinations_own_papers(life):
    observer = User.objects.create_user("netobs", role=Role.OBSERVER)
    assert may(observer, Action.VIEW, life["open"])
    assert not may(observer, Action.VIEW, life["secret"])
    assert not may(observer, Action.CHANGE, life["open"])


def test_a_milestone_belongs_to_its_cite(life):
    alpha_manager = life["alpha"]["users"]["manager"]
    assert not may(alpha_manager, Action.VIEW, life["milestone"])
    beta_manager = life["beta"]["users"]["manager"]
    assert may(beta_manager, Action.VIEW, life["milestone"])
    assert not may(beta_manager, Action.CHANGE, life["milestone"])


# -- staff pages -----------------------------------------------------------------------------------
def test_the_staff_pages_answer_by_the_rule(client, life):
    client.force_login(life["alpha"]["users"]["manager"])
    assert client.get("/fr/network-life/").status_code == 200
    listing = client.get("/fr/network-life/meetings/").content.decode()
    assert "Assemblée Permanente des Managers" in listing and "Comité Exécutif" not in listing
    assert client.get(f"/fr/network-life/meetings/{life['open'].pk}/").status_code == 200
    assert client.get(f"/fr/network-life/meetings/{life['secret'].pk}/").status_code == 403
    assert client.get("/fr/network-life/meetings/add/").status_code == 403
    assert client.get(f"/fr/network-life/meetings/{life['open'].pk}/edit/").status_code == 403
    # Another Cité's milestone does not exist for them.
    assert client.get(f"/fr/network-life/milestones/{life['milestone'].pk}/").status_code == 404
    client.force_login(life["alpha"]["users"]["agent"])
    assert client.get("/fr/network-life/").status_code == 403
    assert client.get("/fr/network-life/meetings/").status_code == 403
    client.logout()
    assert client.get("/fr/network-life/").status_code == 302


def test_the_coordinator_records_a_meeting_with_its_decisions(client, life):
    client.force_login(life["coordinator"])
    data = {
        "body": life["excom"].pk,
        "date": "2024-05-14",
        "place": "",
        "online": "on",
        "agenda": "Budget\nAutumn School",
        "participants": "5",
        "decision-TOTAL_FORMS": "3",
        "decision-INITIAL_FORMS": "0",
        "decision-MIN_NUM_FORMS": "0",
        "decision-MAX_NUM_FORMS": "50",
        "decision-0-text": "Vote du budget rectificatif",
        "decision-0-outcome": "adopted",
        "decision-0-votes_for": "5",
        "decision-0-votes_against": "0",
        "decision-0-abstentions": "0",
        "decision-1-text": "",
        "decision-1-outcome": "adopted",
        "decision-2-text": "",
        "decision-2-outcome": "adopted",
    }
    response = client.post("/fr/network-life/meetings/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = m.Meeting.objects.get(date=D(2024, 5, 14))
    assert [d.text for d in meeting.decisions.all()] == ["Vote du budget rectificatif"]
    page = client.get(response["Location"]).content.decode()
    assert "Vote du budget rectificatif" in page and "5 pour, 0 contre, 0 abstention(s)" in page


def test_a_manager_cannot_post_a_meeting(client, life):
    client.force_login(life["alpha"]["users"]["manager"])
    response = client.post("/fr/network-life/meetings/add/", {"body": life["apm"].pk, "date": "2024-05-14"})
    assert response.status_code == 403
    assert not m.Meeting.objects.filter(date=D(2024, 5, 14)).exists()


def test_the_list_filters_by_year_and_body(client, life):
    client.force_login(life["coordinator"])
    body = client.get(f"/fr/network-life/meetings/?year=2024&body={life['apm'].pk}").content.decode()
    assert "Assemblée Permanente des Managers" in body and "Comité Exécutif —" not in body
    assert "1 fiche" in body


# -- private files --------------------------------------------------------------------------------
def test_minutes_are_served_only_to_those_who_may_read_them(client, life, private_dir):
    assert life["open"].minutes.path.startswith(str(private_dir))
    client.force_login(life["alpha"]["users"]["manager"])
    response = client.get(f"/fr/network-life/meetings/{life['open'].pk}/file/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "attachment" in response["Content-Disposition"]
    assert client.get(f"/fr/network-life/meetings/{life['secret'].pk}/file/").status_code == 403
    client.logout()
    assert client.get(f"/fr/network-life/meetings/{life['open'].pk}/file/").status_code == 302


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "name, content, ok",
    [
        ("pv.pdf", minimal_pdf("x"), True),
        ("pv.odt", minimal_odt(), True),
        ("pv.docx", _docx(), True),
        ("pv.exe", b"MZ\x90\x00", False),
        ("pv.pdf", b"<html>not a pdf</html>", False),
        ("pv.docx", minimal_odt(), False),
        ("pv.odt", b"PK\x03\x04broken", False),
    ],
)
def test_uploads_are_pdf_odt_or_docx_by_their_content(client, life, name, content, ok):
    client.force_login(life["coordinator"])
    response = client.post(
        f"/fr/network-life/meetings/{life['assembly'].pk}/edit/",
        {
            "body": life["ag"].pk,
            "date": "2024-06-24",
            "place": "Paris",
            "minutes": SimpleUploadedFile(name, content),
            "decision-TOTAL_FORMS": "0",
            "decision-INITIAL_FORMS": "0",
        },
    )
    assert (response.status_code == 302) is ok, response.status_code
    life["assembly"].refresh_from_db()
    assert bool(life["assembly"].minutes) is ok


def test_an_upload_over_20_mb_is_refused(client, life):
    from cdm.governance.files import MAX_BYTES

    client.force_login(life["coordinator"])
    big = SimpleUploadedFile("pv.pdf", b"%PDF-" + b"0" * MAX_BYTES)
    response = client.post(
        f"/fr/network-life/meetings/{life['assembly'].pk}/edit/",
        {
            "body": life["ag"].pk,
            "date": "2024-06-24",
            "minutes": big,
            "decision-TOTAL_FORMS": "0",
            "decision-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400 and "20 Mo" in response.content.decode()


# -- the report's sections ------------------------------------------------------------------------
def test_a_year_without_records_has_no_section(life):
    sections = report_sections(2019, "fr")
    assert sections["governance"] is None and sections["state"] is None
    assert sections["representation"] is None and sections["projects"] is None


def test_the_governance_section_counts_meetings_per_body(life):
    sections = report_sections(2024, "fr")
    counts = {str(b["body"]): b["meetings"] for b in sections["governance"]["bodies"]}
    assert counts == {"Comité Exécutif": 1, "Assemblée Permanente des Managers": 1, "Assemblée Générale": 1}
    assert sections["state"]["inaugurated"] == 1


def test_the_cites_page_shows_its_public_timeline(client, life):
    with scopes_disabled():
        m.Milestone.objects.create(
            cite=life["beta"]["cite"], kind=m.MilestoneKind.JOINED, date=D(2010, 1, 1), public=False
        )
    body = client.get("/fr/cites/beta/").content.decode()
    assert "Notre histoire" in body and "Inauguration" in body and "Adhésion au réseau" not in body
    assert "Notre histoire" not in client.get("/fr/cites/alpha/").content.decode()


# -- the audit log, tenancy ------------------------------------------------------------------------
def test_every_write_of_the_networks_life_is_in_the_audit_log(client, life):
    from cdm.audit.models import AuditEntry

    client.force_login(life["coordinator"])
    response = client.post(
        "/fr/network-life/delegations/add/",
        {"date": "2024-06-05", "organisation": "Services andalous de l'emploi", "country": "ES"},
    )
    assert response.status_code == 302
    delegation = m.Delegation.objects.get()
    entry = AuditEntry.objects.with_scopes_disabled().get(
        object_id=str(delegation.pk), action="create", content_type__model="delegation"
    )
    assert entry.username == "coord"


@pytest.mark.parametrize("role", ["manager", "agent", "counsellor", "observer"])
def test_another_cites_milestones_and_contacts_do_not_exist_for_any_role(client, life, role):
    from django.urls import reverse

    with scopes_disabled():
        contact = m.CiteContact.objects.create(cite=life["beta"]["cite"], email="b@example.org")
    client.force_login(life["alpha"]["users"][role])
    for obj in (life["milestone"], contact):
        meta = obj._meta
        for view in ("change", "delete"):
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])
            assert client.get(url).status_code in (403, 404), (meta.model_name, view)
        assert client.post(
            reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]), {"post": "yes"}
        ).status_code in (403, 404)
    listing = client.get("/fr/network-life/milestones/")
    assert listing.status_code in (200, 403)
    assert life["beta"]["cite"].name not in listing.content.decode().split("<main", 1)[-1]
    with scopes_disabled():
        assert m.Milestone.objects.filter(pk=life["milestone"].pk).exists()
        assert m.CiteContact.objects.filter(pk=contact.pk).exists()


def test_a_manager_keeps_their_own_cites_contacts_only(client, life):
    with scopes_disabled():
        mine = m.CiteContact.objects.create(cite=life["alpha"]["cite"], email="a@example.org")
    client.force_login(life["alpha"]["users"]["manager"])
    response = client.post(
        f"/fr/network-life/contacts/{mine.pk}/edit/",
        {"cite": life["beta"]["cite"].pk, "email": "moved@example.org"},
    )
    assert response.status_code == 400  # beta is not a choice: the form says so
    response = client.post(
        f"/fr/network-life/contacts/{mine.pk}/edit/", {"cite": life["alpha"]["cite"].pk, "phone": "+32 4 000"}
    )
    assert response.status_code == 302
    with scopes_disabled():
        mine.refresh_from_db()
    assert mine.cite_id == life["alpha"]["cite"].pk and mine.phone == "+32 4 000"
