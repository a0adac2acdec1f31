"""A user of one Cité never sees or changes another Cité's data: for every model and every role."""

import pytest
from django.urls import reverse
from django_scopes import ScopeError

from cdm.activity.models import Visit
from cdm.audit.models import AuditEntry
from cdm.network.models import Site

from .helpers import admin_url, changelist_url

SCOPED = [
    "cite",
    "site",
    "sitestop",
    "pole",
    "partner",
    "partnership",
    "contribution",
    "visit",
    "interview",
    "activity",
    "equipment",
]
ROLES = ["manager", "agent", "counsellor", "observer"]


def test_a_query_outside_any_scope_fails_instead_of_leaking(two_cites):
    with pytest.raises(ScopeError):
        list(Visit.objects.all())
    with pytest.raises(ScopeError):
        Site.objects.filter(slug="alpha-main").count()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", SCOPED)
def test_another_cites_object_does_not_exist_for_any_role(client, two_cites, role, model):
    alpha, beta = two_cites
    client.force_login(alpha["users"][role])
    for view in ["change", "delete", "history"]:
        response = client.get(admin_url(beta[model], view))
        assert response.status_code in (403, 404), (model, role, view, response.status_code)
    # Nor can it be changed by a POST.
    response = client.post(admin_url(beta[model], "delete"), {"post": "yes"})
    assert response.status_code in (403, 404)
    assert type(beta[model])._base_manager.filter(pk=beta[model].pk).exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", SCOPED)
def test_lists_show_only_the_users_own_cite(client, two_cites, role, model):
    alpha, beta = two_cites
    client.force_login(alpha["users"][role])
    response = client.get(changelist_url(type(alpha[model])))
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        body = response.content.decode()
        assert admin_url(beta[model]) not in body
        assert f"/{beta[model].pk}/change/" not in body or beta[model].pk == alpha[model].pk


def test_the_own_cites_objects_are_reachable_by_the_manager(client, two_cites):
    alpha, _beta = two_cites
    client.force_login(alpha["users"]["manager"])
    for model in SCOPED:
        assert client.get(admin_url(alpha[model])).status_code == 200, model


def test_a_manager_cannot_move_an_object_into_another_cite(client, two_cites):
    alpha, beta = two_cites
    client.force_login(alpha["users"]["manager"])
    site = alpha["site"]
    response = client.post(
        admin_url(site),
        {
            "cite": beta["cite"].pk,
            "slug": site.slug,
            "name": "Moved",
            "kind": "main",
            "stops-TOTAL_FORMS": 0,
            "stops-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200  # the form is shown again with an error
    assert "cite" in response.context["adminform"].form.errors
    assert Site._base_manager.get(pk=site.pk).cite_id == alpha["cite"].pk


@pytest.mark.parametrize("role", ["agent", "counsellor", "observer"])
def test_roles_without_write_rights_cannot_change_the_cite(client, two_cites, role):
    alpha, _ = two_cites
    client.force_login(alpha["users"][role])
    assert client.post(admin_url(alpha["cite"]), {"name": "x"}).status_code == 403


def test_the_audit_log_of_another_cite_is_invisible(client, two_cites):
    alpha, beta = two_cites
    entry = AuditEntry.objects.with_scopes_disabled().filter(cite=beta["cite"]).first()
    assert entry is not None
    client.force_login(alpha["users"]["manager"])
    assert client.get(admin_url(entry)).status_code in (403, 404)
    listing = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert beta["cite"].name not in listing


def test_the_coordinator_sees_every_cite(client, two_cites, coordinator):
    alpha, beta = two_cites
    client.force_login(coordinator)
    for model in SCOPED:
        assert client.get(admin_url(beta[model])).status_code == 200, model
        assert client.get(admin_url(alpha[model])).status_code == 200, model
