"""The report's visit breakdowns, computed month by month, each month cached by its own data.

The breakdowns beyond the standard (visits by month, profile, theme, first visit; interview
durations and waits) scan every visit of the period: seconds for a network year. They are sums,
so they are computed per calendar month (the part of it inside the period) and each month is kept
under a fingerprint of that month alone: the count of its visits (a visit recorded) and its
revision (a visit corrected or deleted, an interview written — the signals below — or any import,
which changes every month). Desks recording today's visits make only the current month be
computed again; a past year stays computed.
"""

import contextvars
import datetime
import hashlib
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.db import connection, connections
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save

from cdm.accounts.scoping import scope_cite_ids
from cdm.lib import planner

EVERY_MONTH = datetime.date(1900, 1, 1)
_marks_read: contextvars.ContextVar[dict | None] = contextvars.ContextVar("month_marks_read", default=None)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _months(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """The calendar months of [start, end], each clipped to the range."""
    parts, first = [], month_of(start)
    while first <= end:
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        parts.append((max(first, start), min(following - datetime.timedelta(days=1), end)))
        first = following
    return parts


def bump(*days: datetime.date) -> None:
    """New revisions for the months of ``days`` (``EVERY_MONTH``: all of them). Random values: a
    revision rolled back or a database refilled never returns to a value a cache entry holds."""
    from .models import MonthRevision

    for month in {EVERY_MONTH if d == EVERY_MONTH else month_of(d) for d in days if d}:
        n = secrets.randbits(62) + 1
        if not MonthRevision.objects.filter(month=month).update(n=n):
            MonthRevision.objects.update_or_create(month=month, defaults={"n": n})


def bump_all() -> None:
    bump(EVERY_MONTH)


def month_marks(start: datetime.date, end: datetime.date) -> list[tuple[tuple, list]]:
    """Per calendar month of [start, end] (clipped): its range, and what its data looks like now —
    the count of the whole month's visits (one index range count each) and its revisions."""
    memo = _marks_read.get()
    if memo is not None and (start, end) in memo:
        return memo[start, end]
    from cdm.activity.models import Visit

    from .models import MonthRevision

    parts = _months(start, end)
    if not parts:
        return []
    revisions = dict(
        MonthRevision.objects.filter(
            Q(month__gte=month_of(start), month__lte=end) | Q(month=EVERY_MONTH)
        ).values_list("month", "n")
    )
    marks = []
    for first, last in parts:
        whole = (month_of(first), (month_of(first) + datetime.timedelta(days=32)).replace(day=1))
        # A month cut by the period is counted whole: any visit added inside the cut adds to it.
        count = Visit._base_manager.filter(date__gte=whole[0], date__lt=whole[1]).count()
        marks.append(((first, last), [count, revisions.get(month_of(first)), revisions.get(EVERY_MONTH)]))
    if memo is not None:
        memo[start, end] = marks
    return marks


@contextmanager
def one_reading():
    """Within: each range's marks are read once — a fingerprint and the computation it keys see the same."""
    token = _marks_read.set({})
    try:
        yield
    finally:
        _marks_read.reset(token)


def breakdowns(period, member_ids: list[int], compute_part, kind: str) -> dict:
    """``compute_part(sub_period)`` for each month of ``period``, its lists merged; cached month by month.

    ``kind`` names what ``compute_part`` computes (part of the cache key).
    """
    from dataclasses import replace

    planner.ensure()
    marks = month_marks(period.start, period.end)
    if not marks:
        return compute_part(period)
    filters = [kind, sorted(member_ids), period.sites, period.theme, period.channel, scope_cite_ids()]
    keys = [
        "cdm-month:" + hashlib.sha256(json.dumps([*filters, *part, *mark], default=str).encode()).hexdigest()
        for part, mark in marks
    ]
    cache = caches["figures"]
    found = cache.get_many(keys)
    missing = [
        (key, replace(period, start=first, end=last))
        for ((first, last), _m), key in zip(marks, keys, strict=True)
        if key not in found
    ]
    computed = _compute_all(compute_part, [sub for _key, sub in missing])
    for (key, _sub), part in zip(missing, computed, strict=True):
        cache.set(key, part, settings.FIGURES_MONTH_SECONDS)
        found[key] = part
    merged: dict = {}
    for key in keys:
        for name, rows in found[key].items():
            merged.setdefault(name, []).extend(rows)
    return merged


def _compute_all(compute_part, periods: list) -> list:
    """``compute_part`` of each period; several at once when they are many and no transaction is
    open (threads have their own connections: they could not see a transaction's rows). Each
    thread runs in a copy of the caller's context, so in the caller's tenancy scope."""
    threads = min(settings.FIGURES_THREADS, len(periods))
    # An in-memory SQLite database (the tests') is shared across threads only through one connection.
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if threads < 2 or connection.in_atomic_block or in_memory:
        return [compute_part(sub) for sub in periods]
    contexts = [contextvars.copy_context() for _ in periods]

    def run(context, sub):
        try:
            return context.run(compute_part, sub)
        finally:
            connections.close_all()  # this worker thread's own connections

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, contexts, periods))


# Signals: what the month's visit count cannot see.


def _on_visit_pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    # Kept on the instance itself, never in a module's dict: nothing outlives the save.
    instance._cdm_old_date = (
        sender._base_manager.filter(pk=instance.pk).values_list("date", flat=True).first()
    )


def _on_visit_saved(sender, instance, created, raw=False, **kwargs):
    old = instance.__dict__.pop("_cdm_old_date", None)
    if not created:
        bump(instance.date, old)


def _on_visit_deleted(sender, instance, **kwargs):
    bump(instance.date)


def _on_interview_written(sender, instance, raw=False, **kwargs):
    from cdm.activity.models import Visit

    day = Visit._base_manager.filter(pk=instance.visit_id).values_list("date", flat=True).first()
    bump(day)


def on_migrated(using="default", **kwargs) -> None:
    from .models import MonthRevision

    if not MonthRevision.objects.using(using).filter(month=EVERY_MONTH).exists():
        bump_all()


def connect_signals() -> None:
    from cdm.activity.models import Interview, Visit

    pre_save.connect(_on_visit_pre_save, sender=Visit, dispatch_uid="months-visit-pre")
    post_save.connect(_on_visit_saved, sender=Visit, dispatch_uid="months-visit-post")
    post_delete.connect(_on_visit_deleted, sender=Visit, dispatch_uid="months-visit-del")
    post_save.connect(_on_interview_written, sender=Interview, dispatch_uid="months-interview-post")
    post_delete.connect(_on_interview_written, sender=Interview, dispatch_uid="months-interview-del")
