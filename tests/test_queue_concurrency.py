"""Two counsellors calling at the same instant never get the same visitor (real threads, PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from cdm.accounts.models import Role, User
from cdm.desk import services
from cdm.desk.models import QueueTicket

from .conftest import make_cite_world


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_never_share_a_visitor():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency is tested on PostgreSQL (SQLite serialises writers)")
    world = make_cite_world("alpha")
    cite = world["cite"]
    agent = world["users"]["agent"]
    with scopes_disabled():
        for _ in range(40):
            services.visit_record(user=agent, cite=cite, theme="job", outcome="interview")
    counsellors = []
    for i in range(8):
        user = User.objects.create_user(f"c{i}", role=Role.COUNSELLOR, partner=world["partner"])
        user.cites.add(cite)
        counsellors.append(User.objects.get(pk=user.pk))
    claimed: dict[str, list[int]] = {u.username: [] for u in counsellors}
    barrier = threading.Barrier(len(counsellors))
    errors = []

    def work(user):
        try:
            barrier.wait()
            with scopes_disabled():
                while True:
                    ticket = services.ticket_call_next(user=user, cite=cite)
                    if ticket is None:
                        break
                    claimed[user.username].append(ticket.pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(u,)) for u in counsellors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    every = [pk for pks in claimed.values() for pk in pks]
    assert len(every) == len(set(every)) == 40
    assert sum(1 for pks in claimed.values() if pks) > 1  # they really raced
    with scopes_disabled():
        tickets = QueueTicket.objects.filter(cite=cite)
        assert tickets.filter(status="called").count() == 40
        for ticket in tickets:
            assert ticket.pk in claimed[ticket.counsellor.username]
