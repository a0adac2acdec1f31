"""Equality lookups for the hot paths (a token, a Cité, a pôle), without the ORM's query compiler.

Compiling a queryset costs about ten times the query itself on SQLite; the desk records a visit
with a handful of such lookups, so they are prepared once per shape and run as plain SQL. They
honour the tenancy rule like the ORM does: a Cité-owned model (a ``ScopedManager``) is looked up
only with its ``cite_id`` and only inside a scope — outside any scope the call raises, and a Cité
outside the current scope has no rows.
"""

from django.db import connection
from django_scopes.exceptions import ScopeError

from cdm.accounts.scoping import scope_cite_ids

_prepared: dict[tuple, tuple[str, list[str], list]] = {}


def _is_scoped(model) -> bool:
    return hasattr(model._default_manager, "with_scopes_disabled")


def _check_scope(model, where: dict) -> bool:
    """True if the lookup may run; False if its Cité is outside the scope; raises if no scope."""
    if not _is_scoped(model):
        return True
    allowed = scope_cite_ids()
    if allowed is None:
        return True
    if "cite_id" not in where:
        raise ScopeError(f"A {model.__name__} lookup must name its cite_id.")
    return where["cite_id"] in allowed


def _converters(field) -> list[tuple]:
    """The conversions the ORM applies to what the driver returns (time zones, JSON, booleans)."""
    col = field.get_col(field.model._meta.db_table)
    return [
        (convert, col)
        for convert in connection.ops.get_db_converters(col) + field.get_db_converters(connection)
    ]


def _prepare(model, columns: tuple[str, ...] | None, where: dict) -> tuple[str, list[str], list]:
    keys = tuple((k, where[k] is None) for k in sorted(where))
    key = (model, columns, keys, connection.vendor)
    if key not in _prepared:
        qn = connection.ops.quote_name
        meta = model._meta
        fields = list(meta.concrete_fields) if columns is None else [meta.get_field(c) for c in columns]
        attnames = [f.attname for f in fields]
        selected = [f.column for f in fields]
        converters = [(i, convert, col) for i, f in enumerate(fields) for convert, col in _converters(f)]
        clauses = [
            f"{qn(meta.get_field(k).column)} {'IS NULL' if is_null else '= %s'}" for k, is_null in keys
        ]
        sql = (
            f"SELECT {', '.join(qn(c) for c in selected)} FROM {qn(meta.db_table)}"  # noqa: S608 - names from the models
            f" WHERE {' AND '.join(clauses) or '1 = 1'}"
        )
        _prepared[key] = (sql, attnames, converters)
    sql, attnames, converters = _prepared[key]
    params = [where[k] for k, is_null in keys if not is_null]
    return sql, attnames, converters, params


def _convert(row, converters) -> list:
    values = list(row)
    for i, convert, col in converters:
        values[i] = convert(values[i], col, connection)
    return values


def fetch_one(model, *, cached: bool = False, **where):
    """The instance of ``model`` whose columns equal ``where`` (``None`` means IS NULL), or None.

    ``cached``: for the directory's own models, served from this process's memory while the
    request's directory version holds (``cdm.network.directory``); the scope is checked either way.
    """
    if not _check_scope(model, where):
        return None
    if cached:
        from cdm.network import directory

        key = (model._meta.label, *sorted(where.items()))
        return directory.cached(key, lambda: _fetch_one(model, where))
    return _fetch_one(model, where)


def _fetch_one(model, where: dict):
    sql, attnames, converters, params = _prepare(model, None, where)
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT 2", params)
        rows = cursor.fetchall()
    if len(rows) != 1:
        return None
    return model.from_db(connection.alias, attnames, _convert(rows[0], converters))


def column(model, name: str, **where) -> list:
    """The values of one column of the rows of ``model`` matching ``where``, in storage order."""
    if not _check_scope(model, where):
        return []
    sql, _attnames, converters, params = _prepare(model, (name,), where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [_convert(row, converters)[0] for row in cursor.fetchall()]


def to_python(model, name: str, value):
    """A value of ``model.name`` as the driver returned it, converted as the ORM would."""
    for convert, col in _converters(model._meta.get_field(name)):
        value = convert(value, col, connection)
    return value
