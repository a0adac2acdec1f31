"""The query planner's statistics, so that a year's scans take the date index.

Without statistics SQLite picks the (cite, …) indexes for a month's breakdowns and reads every
year of every Cité. ``refresh()`` runs after bulk loads (an import, the demo); ``ensure()`` runs
a quick, sampled analysis once on a database that never had one (one grown by desks alone).
PostgreSQL's autovacuum keeps its own statistics; ``refresh()`` brings them up to date at once,
and outside a transaction also vacuums, which lets the figures' index-only counts skip the table.
"""

from django.db import connection

_ensured: set[str] = set()


def refresh() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=0")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def ensure() -> None:
    if connection.vendor != "sqlite" or connection.alias in _ensured:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        known = cursor.fetchone() is not None
        if known:
            cursor.execute("SELECT 1 FROM sqlite_stat1 WHERE tbl = 'activity_visit' LIMIT 1")
            known = cursor.fetchone() is not None
        if not known:
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
    _ensured.add(connection.alias)
