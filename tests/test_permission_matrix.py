"""Every API operation and every page × every role × own Cité / another Cité: the exact status.

In the manner of pretix's API permission tests. The tables below are the contract: a new
operation or page without a row fails ``test_every_endpoint_has_a_row``. Each cell is
``"own/other"``: the status for the acting user's own Cité (alpha) and for another one (beta).
Network-wide roles (the coordinator, an observer attached to no Cité) see both alike.

Columns, in order: coordinator, manager, agent, counsellor, Cité observer, network observer,
anonymous, an agent's device token, a manager's device token.
"""

import datetime

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.activity.models import Visit
from cdm.api.api import api
from cdm.counselling.models import Question
from cdm.desk.models import QueueTicket
from cdm.exchange.models import ImportJob
from tests.conftest import make_cite_world
from tests.helpers import bearer, send
from tests.test_programme import (
    PROGRAMME_CITE_PAGES,
    PROGRAMME_PAGES,
    programme_api_call,
    programme_objects,
    programme_page_kwargs,
)

ROLES = [
    "coordinator",
    "manager",
    "agent",
    "counsellor",
    "observer",
    "network_observer",
    "anonymous",
    "agent_token",
    "manager_token",
]


def row(text: str) -> dict[str, tuple[int, int]]:
    cells = text.split()
    assert len(cells) == len(ROLES), text
    out = {}
    for role, cell in zip(ROLES, cells, strict=True):
        own, _, other = cell.partition("/")
        out[role] = (int(own), int(other or own))
    return out


# -- the API ------------------------------------------------------------------------------------
#                         coord    manager  agent    counsel  observer netobs   anon     agent-tk manager-tk
API = {
    ("POST", "/api/visits"): row("201/201 201/404 201/404 403/404 403/404 403/403 401 201/404 201/404"),
    ("GET", "/api/visits"): row("200/200 200/200 200/200 200/200 403/403 403/403 401 200/200 200/200"),
    ("GET", "/api/visits/{uid}"): row("200/200 200/404 200/404 200/404 403/404 403/403 401 200/404 200/404"),
    ("PATCH", "/api/visits/{uid}"): row(
        "200/200 200/404 403/404 403/404 403/404 403/403 401 403/404 200/404"
    ),
    ("DELETE", "/api/visits/{uid}"): row(
        "204/204 204/404 403/404 403/404 403/404 403/403 401 403/404 204/404"
    ),
    ("PUT", "/api/visits/{uid}/interview"): row(
        "200/200 200/404 403/404 200/404 403/404 403/403 401 403/404 200/404"
    ),
    ("GET", "/api/queue"): row("200/200 200/404 200/404 200/404 403/403 403/403 401 200/404 200/404"),
    ("POST", "/api/queue/next"): row("200/200 200/404 403/404 200/404 403/404 403/403 401 403/404 200/404"),
    ("POST", "/api/queue/{ticket_id}/call"): row(
        "200/200 200/404 403/404 200/404 403/404 403/403 401 403/404 200/404"
    ),
    ("POST", "/api/queue/{ticket_id}/transfer"): row(
        "200/200 200/404 200/404 200/404 403/404 403/403 401 200/404 200/404"
    ),
    # Closing needs a call by the same counsellor first: whoever may counsel gets that answer (409).
    ("POST", "/api/queue/{ticket_id}/close"): row(
        "409/409 409/404 403/404 409/404 403/404 403/403 401 403/404 409/404"
    ),
    ("POST", "/api/queue/{ticket_id}/left"): row(
        "200/200 200/404 200/404 200/404 403/404 403/403 401 200/404 200/404"
    ),
    ("GET", "/api/queue/today"): row("200/200 200/404 200/404 200/404 403/404 403/403 401 200/404 200/404"),
    ("GET", "/api/figures"): row("200/200 200/404 200/404 200/404 200/404 200/200 401 403/404 403/404"),
    ("GET", "/api/public/{cite}/now-calling"): row("200 200 200 200 200 200 200 200 200"),
    # The network's life: alpha's meeting is the APM's (managers read it), beta's the Executive Committee's.
    ("GET", "/api/network-life/bodies"): row("200 200 403 403 200 200 401 403 200"),
    ("GET", "/api/network-life/meetings"): row("200 200 403 403 200 200 401 403 200"),
    ("GET", "/api/network-life/meetings/{meeting_id}"): row(
        "200/200 200/403 403/403 403/403 200/403 200/403 401 403/403 200/403"
    ),
    ("GET", "/api/network-life/milestones"): row(
        "200/200 200/404 403/403 403/403 200/404 200/200 401 403/403 200/404"
    ),
    ("GET", "/api/network-life/representation"): row("200 200 403 403 200 200 401 403 200"),
    ("GET", "/api/network-life/seminars"): row("200 200 403 403 200 200 401 403 200"),
    # Accreditations belong to a Cité: the list is the user's scope (none here: 200, empty).
    ("GET", "/api/network-life/accreditations"): row("200 200 403 403 200 200 401 403 200"),
    ("GET", "/api/network-life/projects"): row("200 200 403 403 200 200 401 403 200"),
    ("GET", "/api/network-life/projects/{project_id}"): row("200 200 403 403 200 200 401 403 200"),
    # The programme: a Cité's sessions (read), attendance (record), the public agenda.
    ("GET", "/api/programme/sessions"): row(
        "200/200 200/404 200/404 200/404 200/404 200/200 401 200/404 200/404"
    ),
    ("GET", "/api/programme/sessions/{session_id}"): row(
        "200/200 200/404 200/404 200/404 200/404 200/200 401 200/404 200/404"
    ),
    ("PUT", "/api/programme/sessions/{session_id}/attendance"): row(
        "200/200 200/404 200/404 403/404 403/404 403/403 401 200/404 200/404"
    ),
    ("GET", "/api/programme/agenda"): row("200 200 200 200 200 200 200 200 200"),
}

# -- pages (French URLs; every language has the same views) -----------------------------------------
#                          coord    manager  agent    counsel  observer netobs   anon     agent-tk manager-tk
PAGES = {
    "home": row("200 200 200 200 200 200 200 200 200"),
    "cites": row("200 200 200 200 200 200 200 200 200"),
    "cite": row("200 200 200 200 200 200 200 200 200"),
    "report": row("200 200 200 200 200 200 200 200 200"),
    "report_download": row("200 200 200 200 200 200 200 200 200"),
    "dashboard": row("200/200 200/404 200/404 200/404 200/404 200/200 302 302 302"),
    "dashboard_download": row("200/200 200/404 200/404 200/404 200/404 200/200 302 302 302"),
    # The staff menu's dashboard (a redirection to the user's), the network's dashboard.
    "dashboards": row("302 302 302 302 302 302 302 302 302"),
    "network_dashboard": row("200 403 403 403 403 200 302 302 302"),
    "opendata": row("200 200 200 200 200 200 200 200 200"),
    "opendata_download": row("200 200 200 200 200 200 200 200 200"),
    "upload": row("200 200 403 403 403 403 302 302 302"),
    # An import's job (and its progress): its user (the Cité's manager) and the coordinator; for
    # anyone else it does not exist.
    "job": row("200/200 200/404 404/404 404/404 404/404 404/404 302 302 302"),
    "job_status": row("200/200 200/404 404/404 404/404 404/404 404/404 302 302 302"),
    "template": row("200 200 200 200 200 200 302 302 302"),
    "export": row("200/200 200/404 403/403 403/403 403/403 403/403 302 302 302"),
    "desk": row("200/200 200/404 200/404 403/403 403/403 403/403 302 302 302"),
    "sw": row("200 200 200 200 200 200 200 200 200"),
    "queue": row("200/200 200/404 200/404 200/404 403/403 403/403 302 302 302"),
    "today": row("200/200 200/404 200/404 200/404 403/404 403/403 302 302 302"),
    "now_calling": row("200 200 200 200 200 200 200 200 200"),
    "set_language": row("302 302 302 302 302 302 302 302 302"),
    # The network's life (alpha's meeting: the APM's; beta's: the Executive Committee's).
    "life_home": row("200 200 403 403 200 200 302 302 302"),
    "life_list": row("200 200 403 403 200 200 302 302 302"),
    "life_add": row("200 403 403 403 403 403 302 302 302"),
    "life_detail": row("200/200 200/404 403/403 403/403 200/404 200/200 302 302 302"),
    "life_edit": row("200/200 403/403 403/403 403/403 403/403 403/403 302 302 302"),
    "life_file": row("200/200 200/403 403/403 403/403 200/403 200/403 302 302 302"),
    "project_page": row("200 200 200 200 200 200 200 200 200"),
    "contacts": row("200 200 200 200 200 200 200 200 200"),
    # The programme: the public agenda (a session without a picture has none: 404), the team's pages.
    "programme_agenda": row("200 200 200 200 200 200 200 200 200"),
    "programme_ics": row("200 200 200 200 200 200 200 200 200"),
    "programme_session": row("200 200 200 200 200 200 200 200 200"),
    "programme_cancel": row("200 200 200 200 200 200 200 200 200"),
    "programme_picture": row("404 404 404 404 404 404 404 404 404"),
    "programme_cite_agenda": row("200 200 200 200 200 200 200 200 200"),
    "programme_cite_ics": row("200 200 200 200 200 200 200 200 200"),
    "programme_embed": row("200 200 200 200 200 200 200 200 200"),
    "programme_plan": row("200/200 200/404 200/404 200/404 200/404 200/200 302 302 302"),
    "programme_event_new": row("200/200 200/404 403/404 403/404 403/404 403/403 302 302 302"),
    "programme_event_edit": row("200/200 200/404 200/404 200/404 200/404 200/200 302 302 302"),
    "programme_session_admin": row("200/200 200/404 200/404 200/404 200/404 200/200 302 302 302"),
    "programme_attendance": row("200/200 200/404 200/404 403/404 403/404 403/403 302 302 302"),
    "programme_needs": row("200/200 200/404 200/404 200/404 200/404 200/200 302 302 302"),
    "programme_sw": row("200 200 200 200 200 200 200 200 200"),
    "programme_month": row("200/200 200/404 200/404 403/403 403/403 403/403 302 302 302"),
    # The language switcher of every page (Django's set_language without a CSRF token), a staff member's profile.
    "switch_language": row("302 302 302 302 302 302 302 302 302"),
    "profile": row("200 200 200 200 200 200 302 302 302"),
    # Online counselling: the public's pages, and the counsellors' (the queue screen's conversations, the inbox).
    "talk": row("200 200 200 200 200 200 200 200 200"),
    "widget": row("200 200 200 200 200 200 200 200 200"),
    "chat_start": row("405 405 405 405 405 405 405 405 405"),
    "chat_transcript": row("405 405 405 405 405 405 405 405 405"),
    "ask": row("200 200 200 200 200 200 200 200 200"),
    "ask_sent": row("200 200 200 200 200 200 200 200 200"),
    "conversations": row("200/200 200/404 200/404 200/404 403/403 403/403 302 302 302"),
    "conversation_action": row("405 405 405 405 405 405 302 302 302"),
    "inbox": row("200/200 200/404 403/403 200/404 403/403 403/403 302 302 302"),
    "question": row("200/200 200/404 403/404 200/404 403/404 403/403 302 302 302"),
}


COUNSELLING_PAGES = [
    "talk",
    "widget",
    "chat_start",
    "chat_transcript",
    "ask",
    "ask_sent",
    "conversations",
    "conversation_action",
    "inbox",
    "question",
]


# -- the world ----------------------------------------------------------------------------------
@pytest.fixture
def world(db, settings, tmp_path):
    alpha, beta = make_cite_world("alpha"), make_cite_world("beta", "BE")
    _network_life(alpha, beta, settings, tmp_path)
    now = timezone.now()
    for w in (alpha, beta):
        with scopes_disabled():
            visit = Visit.objects.create(
                cite=w["cite"], date=timezone.localdate(), theme="job", outcome="interview"
            )
            w["ticket"] = QueueTicket.objects.create(
                cite=w["cite"], visit=visit, day=visit.date, number=1, code="J-1", theme="job", arrived_at=now
            )
            w["question"] = Question.objects.create(
                cite=w["cite"],
                number=1,
                theme="job",
                language="fr",
                reply_token=f"t-{w['cite'].slug}",
                received_at=now,
            )
        w["job"] = ImportJob.objects.create(user=w["users"]["manager"], name="package.zip")
        w.update(programme_objects(w))
    users = dict(alpha["users"])
    users["coordinator"] = User.objects.create_user("coord", password="pw", role=Role.COORDINATOR)
    users["network_observer"] = User.objects.create_user("netobs", password="pw", role=Role.OBSERVER)
    return {"alpha": alpha, "beta": beta, "users": users}


def _network_life(alpha, beta, settings, tmp_path):
    from django.core.files.base import ContentFile

    from cdm.governance import models as life
    from cdm.governance.demo import minimal_pdf

    settings.CDM_PRIVATE_DIR = tmp_path / "private"
    for w, kind, open_ in ((alpha, "managers_assembly", True), (beta, "executive_committee", False)):
        body = life.Body.objects.create(kind=kind, open_to_managers=open_)
        w["life_meeting"] = life.Meeting.objects.create(
            body=body, date=datetime.date(2024, 3, 1), minutes=ContentFile(minimal_pdf("pv"), name="pv.pdf")
        )
        with scopes_disabled():
            w["milestone"] = life.Milestone.objects.create(
                cite=w["cite"], kind="inaugurated", date=datetime.date(2024, 6, 4)
            )
        w["life_project"] = alpha.get("life_project") or life.Project.objects.create(
            title="Desk Reset", role="coordinator", started_on=datetime.date(2021, 11, 1)
        )


def _client_for(client, world, role):
    if role == "anonymous":
        return {}
    if role.endswith("_token"):
        return bearer(world["users"][role.removesuffix("_token")])
    client.force_login(world["users"][role])
    return {}


def _call_api(client, method, path, target, headers):
    """One call of an operation on ``target`` (a Cité's world), with a valid body."""
    cite = target["cite"].slug
    uid = target["visit"].uid
    ticket = target["ticket"].pk
    if path.startswith("/api/programme"):
        return programme_api_call(client, method, path, target, headers)
    url = "/api" + path.removeprefix("/api").format(
        uid=uid,
        ticket_id=ticket,
        cite=cite,
        meeting_id=target["life_meeting"].pk,
        project_id=target["life_project"].pk,
    )
    body = None
    query = ""
    if (method, path) == ("POST", "/api/visits"):
        body = {"cite": cite, "theme": "job", "outcome": "information"}
    elif method == "PATCH":
        body = {"age_band": "26_44"}
    elif path.endswith("/interview"):
        body = {"duration_minutes": 30}
    elif path == "/api/queue/next":
        body = {"cite": cite}
    elif path.endswith("/transfer"):
        body = {"theme": "training"}
    elif path.endswith("/call") or path.endswith("/close") or path.endswith("/left"):
        body = {}
    elif path in ("/api/visits",):
        query = f"?cite={cite}"
    elif path in ("/api/queue", "/api/queue/today"):
        query = f"?cite={cite}"
    elif path == "/api/network-life/milestones":
        query = f"?cite={cite}"
    elif path == "/api/figures":
        query = f"?cite={cite}&year=2024"
    if body is None:
        return getattr(client, method.lower())(url + query, **headers)
    return send(client, method, url, body, **headers)


def _api_operations():
    schema = api.get_openapi_schema()
    return {
        (method.upper(), path.rstrip("/") if path != "/api/" else path)
        for path, methods in schema["paths"].items()
        for method in methods
    }


def test_every_endpoint_has_a_row():
    assert _api_operations() == set(API), "an API operation without a row in the permission matrix"
    names = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("admin", "api"):
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns)
    assert names == set(PAGES), "a page without a row in the permission matrix"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(API), ids=lambda o: f"{o[0]} {o[1]}")
def test_api_matrix(client, world, operation, role):
    method, path = operation
    headers = _client_for(client, world, role)
    got = tuple(
        _call_api(client, method, path, world[which], headers).status_code for which in ("alpha", "beta")
    )
    assert got == API[operation][role], (operation, role)


LIFE_PAGES = [
    *("life_home", "life_list", "life_add", "life_detail", "life_edit", "life_file"),
    *("project_page", "contacts"),
]


def _page_url(name, target):
    cite = target["cite"].slug
    kwargs = {
        "cite": {"slug": cite},
        "now_calling": {"slug": cite},
        "report": {"year": 2024},
        "report_download": {"year": 2024, "fmt": "json"},
        "dashboard": {"slug": cite, "year": 2024},
        "dashboard_download": {"slug": cite, "year": 2024, "fmt": "json"},
        "network_dashboard": {"year": 2024},
        "opendata_download": {"year": 2024},
        "conversation_action": {"pk": 1, "action": "take"},
        "widget": {"slug": cite},
        "question": {"pk": target["question"].pk},
        "export": {"year": 2024},
        "life_list": {"kind": "meetings"},
        "life_add": {"kind": "meetings"},
        "life_detail": {"kind": "milestones", "pk": target["milestone"].pk},
        "life_edit": {"kind": "meetings", "pk": target["life_meeting"].pk},
        "life_file": {"kind": "meetings", "pk": target["life_meeting"].pk},
        "project_page": {"pk": target["life_project"].pk},
        "job": {"job_id": target["job"].pk},
        "job_status": {"job_id": target["job"].pk},
    }.get(name, {})
    namespace = {
        "home": "public",
        "cites": "public",
        "cite": "public",
        "report": "stats",
        "report_download": "stats",
        "dashboard": "stats",
        "dashboard_download": "stats",
        "dashboards": "stats",
        "network_dashboard": "stats",
        "opendata": "exchange",
        "opendata_download": "exchange",
        "upload": "exchange",
        "job": "exchange",
        "job_status": "exchange",
        "template": "exchange",
        "export": "exchange",
        "desk": "desk",
        "sw": "desk",
        "queue": "desk",
        "today": "desk",
        "now_calling": "desk",
        "set_language": None,
        **dict.fromkeys(LIFE_PAGES, "governance"),
        **dict.fromkeys(PROGRAMME_PAGES, "programme"),
        "switch_language": "public",
        "profile": "public",
        **dict.fromkeys(COUNSELLING_PAGES, "counselling"),
    }[name]
    kwargs = kwargs or programme_page_kwargs(name, target)
    url = reverse(f"{namespace}:{name}" if namespace else name, kwargs=kwargs)
    if name in PROGRAMME_CITE_PAGES:
        url += f"?cite={cite}"
    if name in ("desk", "queue", "today", "export", "conversations", "inbox"):
        url += f"?cite={cite}"
    return url


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matrix(client, world, name, role):
    headers = _client_for(client, world, role)
    got = []
    for which in ("alpha", "beta"):
        url = _page_url(name, world[which])
        if name in ("set_language", "switch_language"):
            response = client.post(url, {"language": "en", "next": "/"}, **headers)
        else:
            response = client.get(url, **headers)
        got.append(response.status_code)
    assert tuple(got) == PAGES[name][role], (name, role)


# -- the back office: every registered model × role × own / other object ---------------------------
ADMIN_ROLES = ["coordinator", "manager", "agent", "counsellor", "observer", "network_observer"]


def _admin_models():
    return sorted(
        (model._meta.label_lower for model in admin.site._registry),
    )


def _expected_admin(world, label, role, which):
    """What the one rule answers, read from its table (``MODEL_POLICY``) by hand, not by calling it."""
    from cdm.accounts.permissions import MODEL_POLICY

    if role == "coordinator":
        return 200
    if which == "beta" and role != "network_observer" and label != "accounts.user":
        return 404  # another Cité's object does not exist for them, whatever their role
    row_role = "observer" if role == "network_observer" else role
    allowed = "view" in MODEL_POLICY.get(label, {}).get(row_role, ())
    return 200 if allowed else 403


def _admin_object(world, label, which):
    w = world[which]
    key = label.split(".")[1]
    if key == "user":
        return w["users"]["agent"]
    if key == "queueticket":
        return w["ticket"]
    if key == "auditentry":
        from cdm.audit.models import AuditEntry

        with scopes_disabled():
            return AuditEntry.objects.filter(cite=w["cite"]).first()
    return w.get(key)


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("label", _admin_models())
def test_admin_matrix(client, world, label, role):
    client.force_login(world["users"][role])
    app_label, model_name = label.split(".")
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    listed = 200 if _expected_admin(world, label, role, "alpha") == 200 else 403
    assert changelist.status_code == listed, (label, role, "changelist")
    for which in ("alpha", "beta"):
        obj = _admin_object(world, label, which)
        if obj is None:
            continue
        response = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]))
        expected = _expected_admin(world, label, role, which)
        assert response.status_code == expected, (label, role, which)


def test_an_agent_changes_only_their_own_visit_of_the_day_in_the_admin_too(client, world):
    alpha = world["alpha"]
    agent = world["users"]["agent"]
    with scopes_disabled():
        mine = Visit.objects.create(
            cite=alpha["cite"],
            date=timezone.localdate(),
            theme="job",
            outcome="information",
            recorded_by=agent,
        )
        yesterday = Visit.objects.create(
            cite=alpha["cite"],
            date=timezone.localdate() - datetime.timedelta(days=1),
            theme="job",
            outcome="information",
            recorded_by=agent,
        )
    client.force_login(agent)
    change = "admin:activity_visit_change"
    delete = "admin:activity_visit_delete"
    assert client.get(reverse(change, args=[mine.pk])).status_code == 200
    assert client.get(reverse(delete, args=[mine.pk])).status_code == 200
    # Yesterday's visit (their own) and a colleague's: read-only, never deleted.
    assert client.post(reverse(delete, args=[yesterday.pk]), {"post": "yes"}).status_code == 403
    page = client.get(reverse(change, args=[yesterday.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(reverse(delete, args=[alpha["visit"].pk]), {"post": "yes"}).status_code == 403
    with scopes_disabled():
        assert Visit.objects.filter(pk__in=[yesterday.pk, alpha["visit"].pk]).count() == 2
