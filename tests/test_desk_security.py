"""What the security review found on the desk's paths, each now refused: observers that wrote,
free-text visit ids, visits in 1990 or in the future, a 3 MB body answered by a 500, tokens that
outlived their account's role, and queue operations that left no trace."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.accounts.models import ApiToken, Role, User
from cdm.accounts.tokens import token_create
from cdm.activity.models import Visit
from cdm.audit.models import AuditEntry
from cdm.desk.models import QueueTicket

from .helpers import bearer, patch, post, put


@pytest.fixture
def desk(two_cites):
    alpha, beta = two_cites
    now = timezone.now()
    with scopes_disabled():
        visit = Visit.objects.create(
            cite=alpha["cite"], date=timezone.localdate(), theme="job", outcome="interview"
        )
        ticket = QueueTicket.objects.create(
            cite=alpha["cite"], visit=visit, day=visit.date, number=1, code="J-1", theme="job", arrived_at=now
        )
    return alpha, beta, visit, ticket


def test_an_observer_of_the_whole_network_writes_nothing(client, desk):
    alpha, _beta, visit, ticket = desk
    observer = User.objects.create_user("watcher", password="pw", role=Role.OBSERVER)
    auth = bearer(observer)
    # It reads the network's organisation and its protected figures, never visit rows (exact counts).
    assert client.get(f"/api/visits/{visit.uid}", **auth).status_code == 403
    refused = [
        patch(client, f"/api/visits/{visit.uid}", {"age_band": "26_44"}, **auth),
        client.delete(f"/api/visits/{visit.uid}", **auth),
        put(client, f"/api/visits/{visit.uid}/interview", {"duration_minutes": 5}, **auth),
        post(client, f"/api/queue/{ticket.pk}/left", {}, **auth),
        post(client, f"/api/queue/{ticket.pk}/call", {}, **auth),
        post(client, "/api/visits", {"cite": "alpha", "theme": "job", "outcome": "information"}, **auth),
    ]
    assert [r.status_code for r in refused] == [403] * 6
    assert all(r.json()["errors"][0]["reason"] for r in refused)
    with scopes_disabled():
        ticket.refresh_from_db()
        assert (
            ticket.status == "waiting" and Visit.objects.filter(pk=visit.pk, age_band="not_stated").exists()
        )


def test_a_cites_observer_cannot_mark_a_visitor_left(client, desk):
    alpha, _beta, _visit, ticket = desk
    response = post(client, f"/api/queue/{ticket.pk}/left", {}, **bearer(alpha["users"]["observer"]))
    assert response.status_code == 403


@pytest.mark.parametrize("uid", ["jean-dupont-1990-01-01", "0b5f3c1e111142228333444455556666x", "x" * 36])
def test_a_visit_id_is_a_uuid(client, two_cites, uid):
    alpha, _beta = two_cites
    response = post(
        client,
        "/api/visits",
        {"uid": uid, "theme": "job", "outcome": "information"},
        **bearer(alpha["users"]["agent"]),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["uid"]
    with scopes_disabled():
        assert not Visit.objects.filter(uid=uid).exists()


def test_a_visit_id_in_capitals_is_stored_canonically(client, two_cites):
    alpha, _beta = two_cites
    uid = "0B5F3C1E-1111-4222-8333-444455556666"
    response = post(
        client,
        "/api/visits",
        {"uid": uid, "theme": "job", "outcome": "information"},
        **bearer(alpha["users"]["agent"]),
    )
    assert response.status_code == 201 and response.json()["uid"] == uid.lower()


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(1990, 1, 1),  # before the Cité opened (2001)
        timezone.localdate() + datetime.timedelta(days=1),  # tomorrow
    ],
)
def test_a_visit_lies_between_the_cites_opening_and_today(client, two_cites, day):
    alpha, _beta = two_cites
    response = post(
        client,
        "/api/visits",
        {"date": day.isoformat(), "theme": "job", "outcome": "information"},
        **bearer(alpha["users"]["agent"]),
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["date"]


def test_a_cite_without_a_known_opening_takes_visits_from_the_previous_year(client, two_cites):
    alpha, _beta = two_cites
    with scopes_disabled():
        alpha["cite"].opened_on = None
        alpha["cite"].save()
    auth = bearer(alpha["users"]["agent"])
    this_year = timezone.localdate().year
    ok = post(
        client,
        "/api/visits",
        {"date": f"{this_year - 1}-01-01", "theme": "job", "outcome": "information"},
        **auth,
    )
    old = post(
        client,
        "/api/visits",
        {"date": f"{this_year - 2}-12-31", "theme": "job", "outcome": "information"},
        **auth,
    )
    assert (ok.status_code, old.status_code) == (201, 400)


def test_a_huge_body_is_a_413_not_a_500(client, two_cites):
    alpha, _beta = two_cites
    body = {"theme": "job", "outcome": "information", "padding": "x" * 3_000_000}
    response = post(client, "/api/visits", body, **bearer(alpha["users"]["agent"]))
    assert response.status_code == 413
    assert "octets" in response.json()["errors"][0]["reason"]
    english = post(client, "/api/visits", body, HTTP_ACCEPT_LANGUAGE="en", **bearer(alpha["users"]["agent"]))
    assert english.status_code == 413 and "bytes" in english.json()["errors"][0]["reason"]


# -- tokens ---------------------------------------------------------------------------------------
def test_a_device_token_does_a_desks_work_and_nothing_else(client, two_cites):
    alpha, _beta = two_cites
    auth = bearer(alpha["users"]["manager"])
    assert post(client, "/api/visits", {"theme": "job", "outcome": "information"}, **auth).status_code == 201
    assert client.get("/api/figures?year=2024&cite=alpha", **auth).status_code == 403
    # The same manager, signed in on a page, reads the figures.
    client.force_login(alpha["users"]["manager"])
    assert client.get("/api/figures?year=2024&cite=alpha").status_code == 200


@pytest.mark.parametrize(
    "change", [lambda u: setattr(u, "is_active", False), lambda u: setattr(u, "role", Role.COUNSELLOR)]
)
def test_a_token_dies_when_its_account_is_deactivated_or_changes_role(client, two_cites, change):
    alpha, _beta = two_cites
    agent = alpha["users"]["agent"]
    auth = bearer(agent)
    assert client.get("/api/visits", **auth).status_code == 200
    change(agent)
    agent.save()
    assert client.get("/api/visits", **auth).status_code == 401
    # Given its role back, the account does not bring the old token back to life.
    agent.is_active, agent.role = True, Role.AGENT
    agent.save()
    assert client.get("/api/visits", **auth).status_code == 401
    assert ApiToken.objects.filter(user=agent, revoked_at__isnull=False).count() == 1


def test_a_token_can_expire(client, two_cites):
    alpha, _beta = two_cites
    agent = alpha["users"]["agent"]
    expired = bearer(agent, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    live = bearer(agent, expires_at=timezone.now() + datetime.timedelta(days=1))
    assert client.get("/api/visits", **expired).status_code == 401
    assert client.get("/api/visits", **live).status_code == 200
    out = io.StringIO()
    call_command("token", "create", "--user", "agent-alpha", "--days", "30", stdout=out)
    token = ApiToken.objects.get(prefix=out.getvalue().strip().split("_")[1])
    assert 29 <= (token.expires_at - timezone.now()).days <= 30


def test_every_token_operation_is_audited_with_its_actor(client, two_cites):
    alpha, _beta = two_cites
    out = io.StringIO()
    call_command("token", "create", "--user", "agent-alpha", stdout=out)
    prefix = out.getvalue().strip().split("_")[1]
    call_command("token", "revoke", prefix, stdout=io.StringIO())
    agent = alpha["users"]["agent"]
    token, _raw = token_create(user=agent)
    agent.role = Role.COUNSELLOR
    agent.save()  # revoked with the role change, by whoever changed it
    with scopes_disabled():
        entries = AuditEntry.objects.filter(content_type__model="apitoken").order_by("pk")
        assert [(e.action, e.username.split(":")[0]) for e in entries][:2] == [
            ("create", "cli"),
            ("change", "cli"),
        ]
        assert entries.filter(object_id=str(token.pk), action="change").exists()
        assert not any("digest" in e.changes for e in entries)


# -- the queue in the audit log ---------------------------------------------------------------------
def test_queue_operations_are_audited_and_the_manager_reads_them(client, desk):
    alpha, _beta, _visit, ticket = desk
    counsellor = alpha["users"]["counsellor"]
    auth = bearer(counsellor)
    assert post(client, f"/api/queue/{ticket.pk}/call", {}, **auth).status_code == 200
    assert post(client, f"/api/queue/{ticket.pk}/transfer", {"theme": "training"}, **auth).status_code == 200
    assert post(client, f"/api/queue/{ticket.pk}/call", {}, **auth).status_code == 200
    assert post(client, f"/api/queue/{ticket.pk}/close", {}, **auth).status_code == 200
    with scopes_disabled():
        trail = [
            e.changes["queue"]
            for e in AuditEntry.objects.filter(content_type__model="queueticket").order_by("pk")
        ]
        assert trail == ["call", "transfer", "call", "close"]
        assert set(
            AuditEntry.objects.filter(content_type__model="queueticket").values_list("username", flat=True)
        ) == {counsellor.username}
    client.force_login(alpha["users"]["manager"])
    page = client.get("/fr/admin/audit/auditentry/")
    assert page.status_code == 200 and "T-1" in page.content.decode()


def test_the_figures_raw_count_keeps_the_tenancy_rule(two_cites):
    """The figures' one raw query asks the scope as the scoped managers do: never another Cité's rows."""
    from django_scopes import ScopeError, scope

    from cdm.stats.figures import Period, visit_counts

    alpha, beta = two_cites
    period = Period.year(2024)
    with pytest.raises(ScopeError):
        visit_counts(period, [alpha["cite"].pk])  # outside any scope
    with scope(cite=[alpha["cite"].pk]):
        assert sum(r["n"] for r in visit_counts(period, [alpha["cite"].pk])) == 1
        with pytest.raises(ScopeError):
            visit_counts(period, [alpha["cite"].pk, beta["cite"].pk])


def test_svg_charts_escape_every_text_a_hidden_count_included():
    """Charts are built as text and marked safe once: every label, title and number in them is escaped."""
    from cdm.stats import charts

    svg = charts.trend_chart([("<b>janv.</b>", 3), ("févr.", 7)], title='"><script>x</script>')
    svg += charts.bar_chart([("<b>janv.</b>", 3)], title='"><script>x</script>')
    svg += charts.donut_chart([("<b>janv.</b>", 3), ("b", 2)], title='"><script>x</script>')
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;janv.&lt;/b&gt;" in svg
