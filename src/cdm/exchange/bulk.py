"""Fast upserts for the large tables of an import (visits, interviews, activities), within tenancy.

The ORM's ``bulk_create(update_conflicts=True)`` spends most of its time building model
instances; here rows go straight to the database: ``INSERT … ON CONFLICT … DO UPDATE`` in
multi-row statements on SQLite, and ``COPY`` into a temporary table then one ``INSERT … SELECT …
ON CONFLICT`` on PostgreSQL. Values must already be valid (the import validated them).

Raw SQL goes around the scoped managers, so the tenancy rule is written into the SQL itself, in
one place (``_conflict``): the ``scope`` column (a row's Cité) is never in the UPDATE, and the
UPDATE only applies ``WHERE <table>.<scope> = excluded.<scope>``: an existing row of another Cité
is left as it is, whatever the caller passes. ``owners`` reads which Cité holds existing keys,
for the import's checks and for any write keyed on their ids.
"""

from django.db import connection

SQLITE_ROWS_PER_STATEMENT = 500


def _iso_columns(rows: list[tuple]) -> list[int]:
    """The positions holding dates or times (Django stores them on SQLite as ISO text): a column is
    decided by its first value that is not NULL."""
    undecided = set(range(len(rows[0]))) if rows else set()
    found = []
    for row in rows:
        for i in list(undecided):
            value = row[i]
            if value is not None:
                undecided.discard(i)
                if hasattr(value, "isoformat"):
                    found.append(i)
        if not undecided:
            break
    return sorted(found)


def _conflict(table: str, key: list[str], update: list[str], scope: str | None) -> str:
    """The ON CONFLICT clause: update only what differs, never a row's Cité nor another Cité's row."""
    if scope is not None and scope in update:
        raise ValueError(f"{table}.{scope} names a row's Cité: an upsert never changes it")
    conflict = ", ".join(key)
    if not update:
        return f"ON CONFLICT ({conflict}) DO NOTHING"
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    assignments = ", ".join(f"{c} = excluded.{c}" for c in update)
    where = ["(" + " OR ".join(f"{table}.{c} {differs} excluded.{c}" for c in update) + ")"]
    if scope is not None:
        where.insert(0, f"{table}.{scope} = excluded.{scope}")
    return f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments} WHERE {' AND '.join(where)}"


def upsert(
    table: str,
    columns: list[str],
    key: list[str],
    rows: list[tuple],
    *,
    update: list[str],
    scope: str | None,
) -> list:
    """Insert ``rows``, or update the existing rows of the same Cité that differ.

    ``scope``: the column holding the row's Cité (``cite_id``), or None for a table keyed on an
    already-scoped row (an interview is keyed on its visit). Returns the first key column of the
    rows inserted or changed; rows equal to what is stored, and rows of another Cité, are not.
    """
    if not rows:
        return []
    cols = ", ".join(columns)
    clause = _conflict(table, key, update, scope)
    returning = f"RETURNING {key[0]}"
    written = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = f"cdm_stage_{table}"
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {stage}")
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} {clause} {returning}")  # noqa: S608
            written = [r[0] for r in cursor.fetchall()]
        else:
            iso = _iso_columns(rows)
            if iso:
                rows = _as_iso(rows, iso)
            one = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
                chunk = rows[start : start + SQLITE_ROWS_PER_STATEMENT]
                values = ", ".join([one] * len(chunk))
                params = [v for row in chunk for v in row]
                cursor.execute(f"INSERT INTO {table} ({cols}) VALUES {values} {clause} {returning}", params)  # noqa: S608
                written += [r[0] for r in cursor.fetchall()]
    return written


def _as_iso(rows: list, iso: list[int]) -> list:
    rows = [list(row) for row in rows]
    for row in rows:
        for i in iso:
            if row[i] is not None:
                row[i] = row[i].isoformat()
    return rows


def owners(table: str, column: str, values: list, *, scope: str = "cite_id", pk: str = "id") -> dict:
    """{value: (id, Cité id)} for the existing rows of ``table`` whose ``column`` is in ``values``."""
    out = {}
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {column}, {pk}, {scope} FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608
            out.update((value, (row_id, cite_id)) for value, row_id, cite_id in cursor.fetchall())
    return out
