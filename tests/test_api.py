"""The API: tokens, visits (idempotent), the queue, errors that name the field, and tenancy per operation."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Interview, Visit
from cdm.audit.models import AuditEntry
from cdm.desk.models import QueueTicket

from .helpers import bearer, patch, post, put


@pytest.fixture
def alpha_beta(two_cites):
    alpha, beta = two_cites
    return alpha, beta, bearer(alpha["users"]["agent"]), bearer(beta["users"]["agent"])


def test_the_token_command_creates_lists_and_revokes(client, two_cites):
    alpha, _ = two_cites
    out = io.StringIO()
    call_command("token", "create", "--user", "agent-alpha", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("cdm_")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/visits", **auth).status_code == 200
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    prefix = raw.split("_")[1]
    assert prefix in listing.getvalue() and "agent-alpha" in listing.getvalue()
    call_command("token", "revoke", prefix, stdout=io.StringIO())
    assert client.get("/api/visits", **auth).status_code == 401
    with pytest.raises(CommandError):
        call_command("token", "create", "--user", "nobody", stdout=io.StringIO())


def test_no_token_no_access(client, two_cites):
    response = client.get("/api/visits")
    assert response.status_code == 401 and response.json()["errors"][0]["reason"]
    assert client.get("/api/visits", HTTP_AUTHORIZATION="Bearer cdm_nope_nope").status_code == 401


def test_a_visit_sent_twice_is_stored_once(client, alpha_beta):
    _alpha, _beta, auth, _ = alpha_beta
    body = {"uid": "0b5f3c1e-1111-4222-8333-444455556666", "theme": "job", "outcome": "information"}
    first = post(client, "/api/visits", body, **auth)
    second = post(client, "/api/visits", body, **auth)
    assert (first.status_code, second.status_code) == (201, 200)
    with scopes_disabled():
        assert Visit.objects.filter(uid=body["uid"]).count() == 1


def test_an_interview_outcome_gives_a_ticket(client, alpha_beta):
    _alpha, _beta, auth, _ = alpha_beta
    response = post(client, "/api/visits", {"pole": "emploi", "outcome": "interview"}, **auth)
    assert response.status_code == 201
    assert response.json()["ticket"] == "J-1" and response.json()["theme"] == "job"
    response = post(client, "/api/visits", {"theme": "training", "outcome": "interview"}, **auth)
    assert response.json()["ticket"] == "T-2"


BAD = [
    ({"theme": "job", "outcome": "teleportation"}, "outcome"),
    ({"theme": "cooking", "outcome": "information"}, "theme"),
    ({"theme": "job", "outcome": "information", "uid": "a\u0000b"}, "uid"),
    ({"theme": "job", "outcome": "information", "uid": "x" * 1000}, "uid"),
    ({"theme": "job", "outcome": "information", "uid": "jean-dupont-1990-01-01"}, "uid"),
    ({"theme": "job", "outcome": "information", "date": "1990-01-01"}, "date"),
    ({"theme": "job", "outcome": "information", "site": "\u0000"}, "site"),
    ({"theme": "job", "outcome": "information", "date": "2024-02-30"}, "date"),
    ({"theme": "job", "outcome": "information", "date": "9999-01-01"}, "date"),
    ({"theme": "job", "outcome": "information", "first_visit": "perhaps"}, "first_visit"),
    ({"theme": "job", "outcome": 3}, "outcome"),
    ({"theme": ["job"], "outcome": "information"}, "theme"),
    ({"theme": "job"}, "outcome"),
    ({"outcome": "information"}, "theme"),
    ({"theme": "job", "outcome": "information", "pole": "unknown-pole"}, "pole"),
    ({"theme": "job", "outcome": "information", "site": "beta-main"}, "site"),
]


@pytest.mark.parametrize("body, field", BAD)
def test_every_bad_input_is_a_4xx_naming_the_field(client, alpha_beta, body, field):
    _alpha, _beta, auth, _ = alpha_beta
    response = post(client, "/api/visits", body, **auth)
    assert 400 <= response.status_code < 500
    errors = response.json()["errors"]
    assert any(e["field"] == field and e["reason"] for e in errors), errors


def test_errors_are_translated(client, alpha_beta):
    _alpha, _beta, auth, _ = alpha_beta
    body = {"theme": "job", "outcome": "x"}
    fr = post(client, "/api/visits", body, HTTP_ACCEPT_LANGUAGE="fr", **auth).json()["errors"][0]["reason"]
    en = post(client, "/api/visits", body, HTTP_ACCEPT_LANGUAGE="en", **auth).json()["errors"][0]["reason"]
    assert fr.startswith("valeur non permise") and en.startswith("value not allowed")


def test_malformed_json_is_a_400(client, alpha_beta):
    _alpha, _beta, auth, _ = alpha_beta
    response = client.post("/api/visits", "{not json", content_type="application/json", **auth)
    assert response.status_code == 400


def test_huge_ticket_ids_are_refused_cleanly(client, alpha_beta):
    _alpha, _beta, auth, _ = alpha_beta
    assert client.post(f"/api/queue/{2**70}/call", **auth).status_code == 422
    assert client.post("/api/queue/0/call", **auth).status_code == 422


def test_a_token_of_one_cite_reaches_nothing_of_another(client, alpha_beta):
    alpha, beta, auth_a, auth_b = alpha_beta
    beta_visit = beta["visit"].uid
    ticket = post(client, "/api/visits", {"theme": "job", "outcome": "interview"}, **auth_b).json()
    with scopes_disabled():
        beta_ticket = QueueTicket.objects.get(visit__uid=ticket["uid"]).pk
    counsellor_a = bearer(alpha["users"]["counsellor"])
    checks = [
        client.get(f"/api/visits/{beta_visit}", **auth_a),
        patch(client, f"/api/visits/{beta_visit}", {"outcome": "information"}, **auth_a),
        client.delete(f"/api/visits/{beta_visit}", **auth_a),
        put(client, f"/api/visits/{beta_visit}/interview", {"duration_minutes": 10}, **counsellor_a),
        post(client, "/api/visits", {"cite": "beta", "theme": "job", "outcome": "information"}, **auth_a),
        client.get("/api/queue?cite=beta", **auth_a),
        client.get("/api/queue/today?cite=beta", **auth_a),
        post(client, "/api/queue/next", {"cite": "beta"}, **counsellor_a),
        client.post(f"/api/queue/{beta_ticket}/call", **counsellor_a),
        post(client, f"/api/queue/{beta_ticket}/transfer", {"theme": "training"}, **counsellor_a),
        client.post(f"/api/queue/{beta_ticket}/close", **counsellor_a),
        client.post(f"/api/queue/{beta_ticket}/left", **counsellor_a),
        client.get("/api/figures?year=2024&cite=beta", **auth_a),
    ]
    assert [r.status_code for r in checks] == [404] * len(checks), [r.content for r in checks]
    listing = client.get(f"/api/visits?date={beta['visit'].date}", **auth_a).json()
    assert all(v["cite"] == "alpha" for v in listing) and listing
    with scopes_disabled():
        assert Visit.objects.filter(uid=beta_visit, outcome="interview").exists()
        assert QueueTicket.objects.get(pk=beta_ticket).status == "waiting"


def test_the_queue_from_arrival_to_interview(client, alpha_beta):
    alpha, _beta, agent, _ = alpha_beta
    counsellor = alpha["users"]["counsellor"]
    auth = bearer(counsellor)
    first = post(client, "/api/visits", {"theme": "job", "outcome": "interview"}, **agent).json()
    post(client, "/api/visits", {"theme": "training", "outcome": "interview"}, **agent)
    queue = client.get("/api/queue", **auth).json()
    assert [t["code"] for t in queue["waiting"]] == ["J-1", "T-2"]
    called = post(client, "/api/queue/next", {}, **auth).json()
    assert called["code"] == "J-1" and called["counsellor"] == counsellor.username
    closed = client.post(f"/api/queue/{called['id']}/close", **auth).json()
    assert closed["visit"] == first["uid"] and closed["partner"] == "alpha-partner"
    assert closed["duration_minutes"] >= 1 and closed["waited_minutes"] >= 0
    with scopes_disabled():
        interview = Interview.objects.get(visit__uid=first["uid"])
    assert interview.partner == counsellor.partner
    # Closing twice is refused, not repeated.
    assert client.post(f"/api/queue/{called['id']}/close", **auth).status_code == 409


def test_transfer_leave_and_call_a_chosen_one(client, alpha_beta):
    alpha, _beta, agent, _ = alpha_beta
    counsellor = alpha["users"]["counsellor"]
    colleague = User.objects.create_user("colleague-alpha", role=Role.COUNSELLOR, partner=counsellor.partner)
    colleague.cites.add(alpha["cite"])
    auth = bearer(counsellor)
    for _ in range(3):
        post(client, "/api/visits", {"theme": "job", "outcome": "interview"}, **agent)
    waiting = client.get("/api/queue", **auth).json()["waiting"]
    moved = post(client, f"/api/queue/{waiting[0]['id']}/transfer", {"theme": "business"}, **auth).json()
    assert moved["code"] == "B-1" and moved["theme"] == "business" and moved["status"] == "waiting"
    reserved = post(
        client, f"/api/queue/{waiting[1]['id']}/transfer", {"counsellor": "colleague-alpha"}, **auth
    )
    assert reserved.json()["reserved_for"] == "colleague-alpha"
    # Reserved for a colleague: this counsellor cannot take it.
    assert client.post(f"/api/queue/{waiting[1]['id']}/call", **auth).status_code == 409
    assert client.post(f"/api/queue/{waiting[1]['id']}/call", **bearer(colleague)).status_code == 200
    left = client.post(f"/api/queue/{waiting[2]['id']}/left", **auth).json()
    assert left["status"] == "left"
    with scopes_disabled():
        assert Visit.objects.filter(ticket__status="left").count() == 1  # counted, not lost


def test_an_agent_corrects_or_deletes_their_own_visit_the_same_day(client, alpha_beta):
    alpha, _beta, agent, _ = alpha_beta
    uid = post(client, "/api/visits", {"theme": "job", "outcome": "information"}, **agent).json()["uid"]
    fixed = patch(client, f"/api/visits/{uid}", {"outcome": "self_service", "gender": "female"}, **agent)
    assert fixed.status_code == 200 and fixed.json()["outcome"] == "self_service"
    other_agent = User.objects.create_user("agent2-alpha", role=Role.AGENT)
    other_agent.cites.add(alpha["cite"])
    assert client.delete(f"/api/visits/{uid}", **bearer(other_agent)).status_code == 403
    assert client.delete(f"/api/visits/{uid}", **agent).status_code == 204
    entries = AuditEntry.objects.with_scopes_disabled().filter(
        object_repr__contains="Trouver", cite=alpha["cite"]
    )
    assert {"change", "delete"} <= set(entries.values_list("action", flat=True))
    assert entries.filter(action="change").first().username == "agent-alpha"


def test_an_old_visit_cannot_be_changed_by_the_agent(client, alpha_beta):
    alpha, _beta, agent, _ = alpha_beta
    assert client.delete(f"/api/visits/{alpha['visit'].uid}", **agent).status_code == 403


def test_the_waiting_room_screen_shows_tickets_only(client, alpha_beta):
    alpha, _beta, agent, _ = alpha_beta
    counsellor = alpha["users"]["counsellor"]
    counsellor.desk_place = "Bureau 3"
    counsellor.save()
    post(client, "/api/visits", {"theme": "job", "outcome": "interview", "age_band": "18_25"}, **agent)
    post(client, "/api/queue/next", {}, **bearer(counsellor))
    calls = client.get("/api/public/alpha/now-calling").json()
    assert calls == [{"code": "J-1", "place": "Bureau 3", "called_at": calls[0]["called_at"]}]
    assert client.get("/api/public/nowhere/now-calling").status_code == 404


def test_the_openapi_schema_and_docs_are_served(client, db):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/visits", "/api/queue/next", "/api/queue/{ticket_id}/close"} <= set(schema["paths"])
    assert client.get("/api/docs").status_code == 200


def test_the_desk_service_refuses_what_the_model_does_not_allow(alpha_beta):
    from django_scopes import scope

    from cdm.desk import services

    alpha, _beta, _auth, _ = alpha_beta
    agent = alpha["users"]["agent"]
    with scope(cite=[alpha["cite"].pk]):
        for field, value in (("channel", "pigeon"), ("gender", "x"), ("status", "")):
            with pytest.raises(services.DeskError) as refused:
                services.visit_record(
                    user=agent, cite=alpha["cite"], theme="job", outcome="information", **{field: value}
                )
            assert refused.value.field == field and refused.value.message
        with pytest.raises(services.DeskError) as refused:
            services.visit_record(
                user=agent, cite=alpha["cite"], theme="training", pole="emploi", outcome="information"
            )
        assert refused.value.field == "theme"
        assert Visit.objects.filter(recorded_by=agent).count() == 0
