"""Registration is rate-limited per session and per address; the address is never kept, only a keyed
hash whose key changes every day, in the cache."""

import datetime

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from cdm.programme import services, throttle
from cdm.programme.models import Event, Registration

from .conftest import make_cite_world


@pytest.fixture(autouse=True)
def french():
    with translation.override("fr"):
        yield


def planned(world, capacity=50):
    start = timezone.now() + datetime.timedelta(days=9)
    with scopes_disabled():
        event = services.event_save(
            user=world["users"]["manager"],
            event=Event(
                cite=world["cite"],
                format="information_session",
                title={"fr": "Info"},
                theme="job",
                starts_at=start,
                duration_minutes=60,
                site=world["site"],
                capacity=capacity,
            ),
        )
        return event.sessions.get()


def register(client, session, n, address="203.0.113.7"):
    return client.post(
        reverse("programme:programme_session", args=[session.pk]),
        {"name": f"Personne {n}", "email": f"p{n}@example.org"},
        REMOTE_ADDR=address,
    )


def test_one_address_is_stopped_after_a_few_registrations_with_a_translated_429(client, db):
    cache.clear()
    alpha = make_cite_world("alpha")
    session = planned(alpha)
    limit = throttle.PER_SESSION[0]
    for n in range(limit):
        assert register(client, session, n).status_code == 302
    refused = register(client, session, 99)
    assert refused.status_code == 429
    assert "Trop d'inscriptions" in refused.content.decode()
    assert refused["Retry-After"] == "3600"
    with translation.override("en"):
        english = client.post(
            "/en" + reverse("programme:programme_session", args=[session.pk])[3:],
            {"name": "X", "email": "x@example.org"},
            REMOTE_ADDR="203.0.113.7",
        )
    assert english.status_code == 429 and 'lang="en"' in english.content.decode()
    # Another address is not held back; reading the page is never limited.
    assert register(client, session, 100, address="198.51.100.2").status_code == 302
    assert (
        client.get(
            reverse("programme:programme_session", args=[session.pk]), REMOTE_ADDR="203.0.113.7"
        ).status_code
        == 200
    )
    with scopes_disabled():
        assert Registration.objects.filter(session=session).count() == limit + 1


def test_one_address_is_also_limited_across_sessions(client, db):
    cache.clear()
    alpha = make_cite_world("alpha")
    sessions = [planned(alpha) for _ in range(throttle.PER_ADDRESS[0] // throttle.PER_SESSION[0] + 1)]
    codes = [
        register(client, s, f"{i}-{n}").status_code
        for i, s in enumerate(sessions)
        for n in range(throttle.PER_SESSION[0])
    ]
    assert codes.count(302) == throttle.PER_ADDRESS[0] and codes[-1] == 429


def test_the_address_is_kept_nowhere_but_as_a_daily_keyed_hash_in_the_cache(client, db):
    cache.clear()
    alpha = make_cite_world("alpha")
    session = planned(alpha)
    register(client, session, 1)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.7")
    today = throttle.address_bucket(request)
    assert "203.0.113.7" not in today
    assert today != throttle.address_bucket(request, datetime.date(2020, 1, 1))
    assert cache.get(f"programme:register:{session.pk}:{today}") == 1
    with scopes_disabled():
        stored = list(Registration.objects.values())
    assert "203.0.113" not in repr(stored) and today not in repr(stored)
