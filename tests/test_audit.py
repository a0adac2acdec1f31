"""Every back-office write is logged: who, when, which object, what changed."""

from django.urls import reverse

from cdm.audit.models import AuditEntry


def entries(**filters):
    return AuditEntry.objects.with_scopes_disabled().filter(**filters)


def test_a_change_in_the_admin_is_logged_with_its_author_and_diff(client, two_cites):
    alpha, _ = two_cites
    manager = alpha["users"]["manager"]
    client.force_login(manager)
    site = alpha["site"]
    response = client.post(
        reverse("admin:network_site_change", args=[site.pk]),
        {
            "cite": alpha["cite"].pk,
            "slug": site.slug,
            "name": "Nouveau nom",
            "kind": "main",
            "stops-TOTAL_FORMS": 0,
            "stops-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    entry = entries(action="change", object_id=str(site.pk), content_type__model="site").get()
    assert entry.user == manager and entry.username == manager.username
    assert entry.cite == alpha["cite"]
    assert entry.changes == {"name": ["Site alpha", "Nouveau nom"]}


def test_a_deletion_is_logged_with_what_was_deleted(client, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    activity = alpha["activity"]
    response = client.post(reverse("admin:activity_activity_delete", args=[activity.pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = entries(action="delete", content_type__model="activity").get()
    assert entry.changes["title"] == ["Forum", None]


def test_passwords_and_token_hashes_never_reach_the_log(two_cites):
    from cdm.accounts.tokens import token_create

    alpha, _ = two_cites
    user = alpha["users"]["agent"]
    user.set_password("another")
    user.save()
    token, _raw = token_create(user=user)
    for entry in entries(content_type__model="user"):
        assert "password" not in entry.changes
    logged = entries(content_type__model="apitoken", object_id=str(token.pk)).get()
    assert "digest" not in logged.changes and logged.changes["prefix"][1] == token.prefix


def test_the_manager_reads_the_log_of_their_cite(client, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["manager"])
    response = client.get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 200
    assert "Site alpha" in response.content.decode()


def test_agents_do_not_read_the_log(client, two_cites):
    alpha, _ = two_cites
    client.force_login(alpha["users"]["agent"])
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 403


def test_an_import_is_one_entry(db):
    from cdm.exchange.importer import import_package

    from .conftest import SAMPLE

    assert import_package(SAMPLE).ok
    # One entry per Cité the import touched (and one for the network's partner directory).
    assert sum(e.changes.get("created", {}).get("visits", 0) for e in entries(action="import")) == 1284


def test_an_agent_corrects_only_their_own_visit_of_the_day_in_the_admin(client, two_cites):
    from django.utils import timezone

    from cdm.activity.models import Visit

    alpha, _ = two_cites
    agent = alpha["users"]["agent"]
    client.force_login(agent)
    old = alpha["visit"]  # of 2024, not recorded by this agent
    change = reverse("admin:activity_visit_change", args=[old.pk])
    assert client.post(change, {"theme": "training"}).status_code == 403
    assert (
        client.post(reverse("admin:activity_visit_delete", args=[old.pk]), {"post": "yes"}).status_code == 403
    )
    mine = Visit.objects.with_scopes_disabled().create(
        cite=alpha["cite"], date=timezone.localdate(), theme="job", outcome="information", recorded_by=agent
    )
    assert (
        client.post(reverse("admin:activity_visit_delete", args=[mine.pk]), {"post": "yes"}).status_code
        == 302
    )
    assert not Visit.objects.with_scopes_disabled().filter(pk=mine.pk).exists()
    assert AuditEntry.objects.with_scopes_disabled().filter(action="delete", object_id=str(mine.pk)).exists()
