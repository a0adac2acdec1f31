"""Many visitors asking for the last seats at the same instant: never more confirmed than the capacity
(real threads, PostgreSQL; SQLite serialises writers)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from django_scopes import scopes_disabled

from cdm.programme import services
from cdm.programme.models import Event, Registration, Session

from .conftest import make_cite_world


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_the_seats():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency is tested on PostgreSQL (SQLite serialises writers)")
    world = make_cite_world("alpha")
    start = timezone.now() + datetime.timedelta(days=3)
    with scopes_disabled():
        event = Event.objects.create(
            cite=world["cite"],
            format="participatory_workshop",
            title={"fr": "Atelier"},
            theme="job",
            starts_at=start,
            duration_minutes=60,
            capacity=5,
        )
        session = Session.objects.create(
            event=event,
            cite=world["cite"],
            occurrence=start,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            capacity=5,
        )
    visitors = 16
    barrier = threading.Barrier(visitors)
    waiting: list[bool] = []
    errors = []

    def work(i):
        try:
            barrier.wait()
            with scopes_disabled():
                registered = services.registration_create(
                    session=Session.objects.get(pk=session.pk), name=f"v{i}", email=f"v{i}@example.org"
                )
            waiting.append(registered.waiting)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(visitors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert waiting.count(False) == 5 and waiting.count(True) == visitors - 5
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).seats_taken == 5
        assert Registration.objects.filter(session=session, status="confirmed").count() == 5
        assert Registration.objects.filter(session=session, status="waiting").count() == visitors - 5
