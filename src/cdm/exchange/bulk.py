"""Fast upserts for the large tables of an import (visits, interviews, activities).

The ORM's ``bulk_create(update_conflicts=True)`` spends most of its time building model
instances; here rows go straight to the database: ``INSERT … ON CONFLICT … DO UPDATE`` with
``executemany`` on SQLite, and ``COPY`` into a temporary table then one ``INSERT … SELECT …
ON CONFLICT`` on PostgreSQL. Values must already be valid (the import validated them).
"""

from django.db import connection


def _iso_columns(rows: list[tuple]) -> list[int]:
    """The positions holding dates or times (Django stores them on SQLite as ISO text)."""
    found = set()
    for row in rows[:50]:
        found |= {i for i, v in enumerate(row) if hasattr(v, "isoformat")}
    # A column may be empty in the first rows: look further for it only if needed.
    for row in rows[50:]:
        found |= {i for i, v in enumerate(row) if i not in found and hasattr(v, "isoformat")}
    return sorted(found)


def upsert(table: str, columns: list[str], key: list[str], rows: list[tuple], *, update: list[str]) -> None:
    if not rows:
        return
    cols = ", ".join(columns)
    conflict = ", ".join(key)
    assignments = ", ".join(f"{c} = excluded.{c}" for c in update) if update else None
    action = f"DO UPDATE SET {assignments}" if assignments else "DO NOTHING"
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
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} ON CONFLICT ({conflict}) {action}"
            )
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}"
            iso = _iso_columns(rows)
            if iso:
                rows = [list(row) for row in rows]
                for row in rows:
                    for i in iso:
                        if row[i] is not None:
                            row[i] = row[i].isoformat()
            cursor.executemany(sql, rows)


def ids_by(table: str, column: str, values: list) -> dict:
    """{value: id} for the rows of ``table`` whose ``column`` is in ``values``."""
    out = {}
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            chunk = values[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            pk = "visit_id" if table.endswith("_interview") else "id"
            cursor.execute(f"SELECT {column}, {pk} FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608
            out.update(cursor.fetchall())
    return out
