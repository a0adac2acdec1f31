"""The report's breakdowns are cached month by month: every kind of change still shows at once."""

import datetime

import pytest
from django.core.cache import caches
from django.test import override_settings
from django_scopes import scopes_disabled

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Interview, Visit
from cdm.stats.figures import Period, compute

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "figures": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "months-test"},
}
YEAR = Period.year(2024)


@pytest.fixture
def cached(two_cites):
    with override_settings(CACHES=CACHES):
        caches["figures"].clear()
        yield two_cites
        caches["figures"].clear()


def figures():
    with network_scope():
        return compute(YEAR, details=True)


def truth():
    """The same figures computed from nothing."""
    caches["figures"].clear()
    return figures()


def test_cached_months_give_the_figures_computed_from_scratch(cached):
    first = figures()
    assert len(caches["figures"]._cache) >= 12  # one entry per month of the year
    assert figures() == first == truth()


def test_a_visit_recorded_shows_at_once(cached):
    alpha, _beta = cached
    before = figures()
    with scopes_disabled():
        Visit.objects.create(
            cite=alpha["cite"],
            date=datetime.date(2024, 9, 3),
            theme="training",
            outcome="information",
            age_band="18_25",
        )
    after = figures()
    assert after["beneficiaries"]["total"] == before["beneficiaries"]["total"] + 1
    assert after["profiles"]["age_band"].get("18_25", 0) == before["profiles"]["age_band"].get("18_25", 0) + 1
    assert after["monthly"]["2024-09"]["visits"] == 1
    assert after == truth()


def test_a_visit_corrected_or_moved_to_another_month_shows_at_once(cached):
    alpha, _beta = cached
    figures()
    with scopes_disabled():
        visit = Visit.objects.get(pk=alpha["visit"].pk)
        visit.age_band = "55_plus"
        visit.save()  # same count in the month: the month's revision tells
    corrected = figures()
    assert corrected["profiles"]["age_band"].get("55_plus") == 1
    assert corrected == truth()
    with scopes_disabled():
        visit.date = datetime.date(2024, 11, 20)
        visit.save()
    moved = figures()
    assert "2024-05" not in moved["monthly"] or moved["monthly"]["2024-05"]["visits"] == 1  # beta's visit
    assert moved["monthly"]["2024-11"]["visits"] == 1
    assert moved == truth()


def test_a_visit_deleted_and_an_interview_closed_show_at_once(cached):
    alpha, beta = cached
    figures()
    with scopes_disabled():
        interview = Interview.objects.get(pk=beta["interview"].pk)
        interview.duration_minutes = 90
        interview.save()
    assert figures()["interview_times"]["durations"]["p90"] == 90
    with scopes_disabled():
        Visit.objects.filter(pk=alpha["visit"].pk).first().delete()
    after = figures()
    assert after["beneficiaries"]["total"] == truth()["beneficiaries"]["total"]
    assert after == truth()


def test_an_import_starts_every_month_over(cached, tmp_path):
    from cdm.stats import months

    figures()
    with scopes_disabled():
        # What an import's bulk writes do: no signal, the count unchanged.
        Visit.objects.filter(pk=cached[0]["visit"].pk).update(gender="other")
    months.bump_all()
    assert figures()["profiles"]["gender"].get("other") == 1


@pytest.mark.django_db
def test_an_import_leaves_its_years_report_computed():
    from cdm.exchange.importer import import_package

    from .conftest import SAMPLE

    with override_settings(CACHES=CACHES):
        caches["figures"].clear()
        steps = []
        result = import_package(SAMPLE, progress=lambda step, n: steps.append(step))
        assert result.ok, result.problems
        assert any("2024" in step for step in steps)  # the command shows this step
        computed = len(caches["figures"]._cache)
        assert computed >= 12  # the months of 2024, and the year's figures
        with network_scope():
            from cdm.stats.cache import cached_compute

            assert cached_compute(YEAR, details=True) == truth()
        caches["figures"].clear()


@pytest.mark.django_db
def test_an_import_whose_report_cannot_be_computed_is_still_an_import(monkeypatch):
    from cdm.exchange.importer import import_package
    from cdm.stats import cache

    from .conftest import SAMPLE

    def broken(*args, **kwargs):
        raise RuntimeError("figures unavailable")

    monkeypatch.setattr(cache, "cached_compute", broken)
    result = import_package(SAMPLE)
    assert result.ok and result.written
    with scopes_disabled():
        assert Visit.objects.exists()


def test_months_computed_by_several_threads_are_the_same(transactional_db):
    """Outside a transaction the missing months are computed by threads, each in the caller's scope."""
    from django.db import connection

    from .conftest import make_cite_world

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a database each can connect to: the PostgreSQL leg runs this")

    make_cite_world("alpha")
    make_cite_world("beta", country="BE")
    with override_settings(CACHES=CACHES, FIGURES_THREADS=1):
        caches["figures"].clear()
        alone = figures()
    with override_settings(CACHES=CACHES, FIGURES_THREADS=3):
        caches["figures"].clear()
        together = figures()
        caches["figures"].clear()
    assert together == alone and together["beneficiaries"]["total"] > 0


def test_the_report_and_the_protection_read_each_month_once(cached):
    """The published report needs the year's breakdowns and the whole network's protected cells:
    the same month scans serve both, so the second asks the database for no month again."""
    from cdm.stats.protection import published_hidden

    def month_entries():
        return sorted(key for key in caches["figures"]._cache if "cdm-month:" in key)

    figures()
    after_report = month_entries()
    assert len(after_report) == 12
    published_hidden(2024)
    assert month_entries() == after_report


def test_interview_times_of_a_filtered_period_count_only_its_visits(cached):
    """Durations and waits follow the period's filters, as every other count does."""
    with network_scope():
        job = compute(Period.year(2024, theme="job"), details=True)
        training = compute(Period.year(2024, theme="training"), details=True)
    assert job["interview_times"]["durations"]["count"] == 2
    assert training["interview_times"]["durations"]["count"] == 0
    assert training["interview_times"]["durations"]["mean"] is None
