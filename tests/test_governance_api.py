"""The network's life through the API: read only, the one rule, the tenant's scope."""

import pytest
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.governance import models as m
from cdm.governance.demo import load_governance_demo

from .conftest import make_cite_world


@pytest.fixture
def demo_life(db, settings, tmp_path):
    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    for slug in ["liege", "pays-d-artois", "sambre-avesnois", "saint-omer"]:
        make_cite_world(slug, "BE" if slug == "liege" else "FR")
    load_governance_demo()
    return User.objects.create_user("coord", role=Role.COORDINATOR)


def test_the_operations_are_in_the_openapi_schema(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ["bodies", "meetings", "meetings/{meeting_id}", "milestones", "representation", "projects"]:
        assert f"/api/network-life/{path}" in paths


def test_the_coordinator_reads_the_years_meetings_and_the_assemblys_papers(client, demo_life):
    client.force_login(demo_life)
    meetings = client.get("/api/network-life/meetings?year=2024").json()
    by_body = {}
    for meeting in meetings:
        by_body[meeting["body_name"]] = by_body.get(meeting["body_name"], 0) + 1
    assert by_body == {"Comité Exécutif": 9, "Assemblée Permanente des Managers": 3, "Assemblée Générale": 1}
    assembly = next(x for x in meetings if x["body_name"] == "Assemblée Générale")
    assert assembly["date"] == "2024-06-24" and assembly["has_minutes"] and assembly["demo"]
    detail = client.get(f"/api/network-life/meetings/{assembly['id']}").json()
    assert {d["kind"] for d in detail["documents"]} == {
        "moral_report",
        "accounts",
        "budget",
        "strategic_framework",
    }
    assert detail["decisions"][0]["votes_for"] == 20
    assert "minutes" not in detail and "url" not in str(detail)  # files are downloaded from the staff pages


def test_a_manager_reads_the_apm_and_the_ag_not_the_executive_committee(client, demo_life):
    manager = User.objects.get(username="manager-liege")
    client.force_login(manager)
    names = {x["body_name"] for x in client.get("/api/network-life/meetings").json()}
    assert names == {"Assemblée Permanente des Managers", "Assemblée Générale"}
    excom = m.Meeting.objects.filter(body__kind="executive_committee").first()
    assert client.get(f"/api/network-life/meetings/{excom.pk}").status_code == 403


def test_milestones_stay_in_the_users_cites(client, demo_life):
    client.force_login(User.objects.get(username="manager-liege"))
    mine = client.get("/api/network-life/milestones?year=2024").json()
    assert [x["cite"] for x in mine] == ["liege"] and mine[0]["kind"] == "moved"
    assert client.get("/api/network-life/milestones?cite=saint-omer").status_code == 404
    client.force_login(demo_life)
    every = client.get("/api/network-life/milestones?year=2024").json()
    assert {x["cite"] for x in every} == {"liege", "pays-d-artois", "sambre-avesnois", "saint-omer"}


def test_representation_and_desk_reset(client, demo_life):
    client.force_login(demo_life)
    rep = client.get("/api/network-life/representation?year=2024").json()
    printemps = next(e for e in rep["events"] if e["title"].startswith("Printemps"))
    assert printemps["stand"] and printemps["workshops"] == 3 and printemps["round_tables"] == 1
    assert len(rep["delegations"]) == 5 and rep["memberships"][0]["acronym"] == "LLLP"
    (desk,) = client.get("/api/network-life/projects?year=2024").json()
    assert desk["title"] == "Desk Reset" and len(desk["partners"]) == 6
    assert len({p["country"] for p in desk["partners"]}) == 4 and len(desk["deliverables"]) == 4


def test_nothing_is_written_through_the_api(client, demo_life):
    client.force_login(demo_life)
    assert client.post("/api/network-life/meetings", "{}", content_type="application/json").status_code == 405
    with scopes_disabled():
        assert m.Milestone.objects.count() == 6
