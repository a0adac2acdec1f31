"""A desk's visit through a device's token: the account and its Cités are read once per request
(issue #11's benchmarks), so what changed on the account is seen at the very next call, and the
model's own rules still refuse what they refused."""

import datetime

from django_scopes import scopes_disabled

from cdm.activity.models import Visit

from .conftest import make_cite_world
from .helpers import bearer, post


def record(client, auth, **fields):
    return post(client, "/api/visits", {"pole": "emploi", "outcome": "information", **fields}, **auth)


def test_a_device_of_one_cite_records_there_without_naming_it(client, two_cites):
    alpha, _beta = two_cites
    answer = record(client, bearer(alpha["users"]["agent"]), site="alpha-main")
    assert answer.status_code == 201, answer.content
    assert answer.json()["cite"] == "alpha"
    with scopes_disabled():
        visit = Visit.objects.get(uid=answer.json()["uid"])
    assert (visit.cite, visit.site, visit.pole) == (alpha["cite"], alpha["site"], alpha["pole"])
    assert visit.recorded_by == alpha["users"]["agent"]


def test_a_device_of_two_cites_names_one_of_its_own(client, two_cites):
    alpha, beta = two_cites
    agent = alpha["users"]["agent"]
    agent.cites.add(beta["cite"])
    auth = bearer(agent)
    unnamed = record(client, auth)
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["field"] == "cite"
    named = record(client, auth, cite="beta")
    assert named.status_code == 201, named.content
    assert named.json()["cite"] == "beta"
    elsewhere = record(client, bearer(beta["users"]["agent"]), cite="alpha")
    assert elsewhere.status_code == 404


def test_an_account_taken_off_its_cite_records_nothing_more_there(client, two_cites):
    alpha, beta = two_cites
    agent = alpha["users"]["agent"]
    auth = bearer(agent)
    assert record(client, auth).status_code == 201
    agent.cites.remove(alpha["cite"])
    agent.cites.add(beta["cite"])
    # The next call reads the account's Cités again: the visit lands in its new Cité or nowhere.
    assert record(client, auth, cite="alpha").status_code == 404
    moved = record(client, auth, site="beta-main")
    assert moved.status_code == 201, moved.content
    assert moved.json()["cite"] == "beta"
    with scopes_disabled():
        assert Visit.objects.filter(cite=alpha["cite"], recorded_by=agent).count() == 1


def test_the_models_rules_still_refuse_a_visit_before_its_cite_opened(client, two_cites):
    alpha, _beta = two_cites
    answer = record(client, bearer(alpha["users"]["agent"]), date="1999-12-31")
    assert answer.status_code in (400, 422)
    assert answer.json()["errors"][0]["field"] == "date"
    with scopes_disabled():
        assert not Visit.objects.filter(date=datetime.date(1999, 12, 31)).exists()


def test_a_resent_visit_is_stored_once_outside_any_transaction(client, transactional_db):
    # As under the web server: no transaction around the request, the visit's INSERT on its own.
    alpha = make_cite_world("alpha")
    auth = bearer(alpha["users"]["agent"])
    uid = "0b7e2f4c-1d2a-4b7e-9c3d-5e6f7a8b9c0d"
    first = record(client, auth, uid=uid)
    again = record(client, auth, uid=uid)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    queued = record(client, auth, outcome="interview")  # with its ticket, in one transaction
    assert queued.status_code == 201, queued.content
    assert queued.json()["ticket"]
    with scopes_disabled():
        assert Visit.objects.filter(uid=uid).count() == 1
