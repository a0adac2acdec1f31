"""A device's requests are served from per-process lookups: every change of the directory is still seen at once."""

import datetime
import json

import pytest
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from cdm.accounts.models import Role
from cdm.accounts.tokens import token_create
from cdm.activity.models import Visit
from cdm.lib import lookups
from cdm.network import directory
from cdm.network.models import Pole


def record(client, raw, HTTP_ACCEPT_LANGUAGE="fr", **body):
    return client.post(
        "/api/visits",
        json.dumps({"outcome": "information", **body}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
        HTTP_ACCEPT_LANGUAGE=HTTP_ACCEPT_LANGUAGE,
    )


@pytest.fixture
def agent(two_cites):
    alpha, beta = two_cites
    _token, raw = token_create(user=alpha["users"]["agent"])
    return alpha, beta, raw


def test_a_pole_renamed_is_refused_under_its_old_code_on_the_next_request(client, agent):
    alpha, _beta, raw = agent
    assert record(client, raw, pole="emploi").status_code == 201
    with scopes_disabled():
        Pole.objects.filter(pk=alpha["pole"].pk).update(code="travail")  # a bulk write: no signal
        directory.bump()
    refused = record(client, raw, pole="emploi")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "pole"
    assert record(client, raw, pole="travail").status_code == 201


def test_a_pole_changed_in_the_back_office_takes_effect_at_once(client, agent):
    alpha, _beta, raw = agent
    assert record(client, raw, pole="emploi").json()["theme"] == "job"
    with scopes_disabled():
        pole = Pole.objects.get(pk=alpha["pole"].pk)
        pole.theme = "training"
        pole.save()  # the signal changes the version
    assert record(client, raw, pole="emploi").json()["theme"] == "training"


def test_an_agent_moved_to_another_cite_records_there_from_the_next_request(client, agent):
    alpha, beta, raw = agent
    user = alpha["users"]["agent"]
    assert record(client, raw, theme="job").json()["cite"] == alpha["cite"].slug
    user.cites.set([beta["cite"]])
    answer = record(client, raw, theme="job")
    assert answer.status_code == 201 and answer.json()["cite"] == beta["cite"].slug
    assert record(client, raw, theme="job", cite=alpha["cite"].slug).status_code == 404


def test_a_deactivated_account_or_a_revoked_token_stops_at_once(client, two_cites):
    alpha, _beta = two_cites
    user = alpha["users"]["agent"]
    token, raw = token_create(user=user)
    assert record(client, raw, theme="job").status_code == 201
    user.is_active = False
    user.save()
    assert record(client, raw, theme="job").status_code == 401
    user.is_active = True
    user.save()
    assert record(client, raw, theme="job").status_code == 201
    token.revoked_at = token.created_at
    token.save()
    assert record(client, raw, theme="job").status_code == 401


def test_a_role_taken_away_is_seen_at_once(client, agent):
    alpha, _beta, raw = agent
    user = alpha["users"]["agent"]
    assert record(client, raw, theme="job").status_code == 201
    user.role = Role.OBSERVER
    user.save()
    assert record(client, raw, theme="job").status_code == 403
    with scopes_disabled():
        assert Visit.objects.filter(recorded_by=user).count() == 1


def test_lookups_keep_the_tenancy_rule(two_cites):
    alpha, beta = two_cites
    with pytest.raises(ScopeError):
        lookups.fetch_one(Pole, cite_id=alpha["cite"].pk, code="emploi")  # no scope at all
    with scope(cite=[alpha["cite"].pk]):
        assert lookups.fetch_one(Pole, cite_id=alpha["cite"].pk, code="emploi").pk == alpha["pole"].pk
        assert lookups.fetch_one(Pole, cite_id=beta["cite"].pk, code="emploi") is None  # another Cité
        assert lookups.fetch_one(Pole, cite_id=alpha["cite"].pk, code="nope") is None
        with pytest.raises(ScopeError):
            lookups.fetch_one(Pole, code="emploi")  # a Cité-owned model is looked up with its Cité
    with scopes_disabled():
        assert lookups.fetch_one(Pole, cite_id=beta["cite"].pk, code="emploi").pk == beta["pole"].pk


def test_the_version_changes_with_every_directory_write(two_cites):
    alpha, _beta = two_cites

    def version():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {directory.version_sql()}")
            return cursor.fetchone()[0]

    seen = {version()}
    alpha["users"]["agent"].cites.remove(alpha["cite"])
    seen.add(version())
    with scopes_disabled():
        alpha["site"].name = "Renamed"
        alpha["site"].save()
    seen.add(version())
    assert len(seen) == 3


def test_unknown_codes_are_not_remembered(client, agent):
    _alpha, _beta, raw = agent
    for n in range(20):
        assert record(client, raw, pole=f"nope-{n}").status_code == 400
    assert not [key for key in directory._memory["entries"] if "nope" in str(key)]


def test_a_prepared_insert_stores_what_save_would_and_sends_the_same_signals(two_cites):
    from django.db.models.signals import post_save, pre_save

    alpha, beta = two_cites
    seen = []

    def on_pre(sender, instance, **kwargs):
        seen.append(("pre", instance._state.adding, kwargs["raw"]))

    def on_post(sender, instance, created, **kwargs):
        seen.append(("post", created, instance.pk is not None))

    pre_save.connect(on_pre, sender=Visit)
    post_save.connect(on_post, sender=Visit)
    try:
        with scope(cite=[alpha["cite"].pk]):
            fields = {
                "cite": alpha["cite"],
                "site": alpha["site"],
                "pole": alpha["pole"],
                "date": datetime.date(2026, 3, 4),
                "time": datetime.time(9, 30),
                "theme": "job",
                "outcome": "self_service",
                "age_band": "18_25",
                "first_visit": True,
                "recorded_by": alpha["users"]["agent"],
            }
            fast, slow = Visit(uid="fast-1", **fields), Visit(uid="slow-1", **fields)
            lookups.insert(fast)
            slow.save(force_insert=True)
            assert fast.pk and not fast._state.adding
            stored = {v.uid: v for v in Visit.objects.filter(uid__in=["fast-1", "slow-1"])}
    finally:
        pre_save.disconnect(on_pre, sender=Visit)
        post_save.disconnect(on_post, sender=Visit)
    assert seen == [("pre", True, False), ("post", True, True)] * 2
    columns = [f.attname for f in Visit._meta.concrete_fields if f.name not in {"id", "uid", "recorded_at"}]
    assert [getattr(stored["fast-1"], c) for c in columns] == [getattr(stored["slow-1"], c) for c in columns]
    assert stored["fast-1"].recorded_at is not None  # auto_now_add, as save() sets it
    assert stored["fast-1"].pk == fast.pk


def test_a_prepared_insert_keeps_the_tenancy_rule_and_the_uniqueness(two_cites):
    from django.db import IntegrityError, transaction

    alpha, beta = two_cites
    visit = Visit(cite=alpha["cite"], date=datetime.date(2026, 3, 4), theme="job", outcome="information")
    with pytest.raises(ScopeError):
        lookups.insert(visit)  # no scope at all
    with scope(cite=[beta["cite"].pk]), pytest.raises(ScopeError):
        lookups.insert(visit)  # a scope without its Cité
    with scope(cite=[alpha["cite"].pk]):
        lookups.insert(visit)
        again = Visit(uid=visit.uid, cite=alpha["cite"], date=visit.date, theme="job", outcome="information")
        with pytest.raises(IntegrityError), transaction.atomic():
            lookups.insert(again)
        assert Visit.objects.filter(uid=visit.uid).count() == 1
        # A row owned through another one, with a key of its own kind, is saved by the ORM.
        from cdm.activity.models import Interview

        lookups.insert(Interview(visit=visit, duration_minutes=5))
        assert Interview.objects.get(visit=visit).duration_minutes == 5


def test_a_device_call_passes_sessions_but_keeps_its_language(client, agent):
    _alpha, _beta, raw = agent
    response = record(client, raw, theme="job", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" not in response.headers["Vary"]
    assert "sessionid" not in response.cookies
    refused = record(client, raw, theme="job", outcome="nope", HTTP_ACCEPT_LANGUAGE="it")
    assert refused.status_code == 422 and refused.headers["Content-Language"] == "it"
    assert refused.json()["errors"][0]["field"] == "outcome"
    # A staff member's session on the same client plays no part in a token's call.
    client.force_login(_beta["users"]["manager"])
    assert record(client, raw, theme="job").json()["cite"] == "alpha"
