"""Equality lookups and single-row inserts for the hot paths (a token, a Cité, a pôle, a visit),
without the ORM's query compiler.

Compiling a queryset costs about ten times the query itself on SQLite; the desk records a visit
with a handful of such lookups and one insert, so they are prepared once per shape and run as plain
SQL. They honour the tenancy rule like the ORM does, and more strictly: a Cité-owned model (a
``ScopedManager``) is looked up only with its ``cite_id`` and only inside a scope — outside any
scope the call raises, and a Cité outside the current scope has no rows — and a Cité-owned row is
inserted only inside a scope that holds its Cité.
"""

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import NOT_PROVIDED, Field
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save, pre_save
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


_field_converters: dict[tuple, list[tuple]] = {}


def to_python(model, name: str, value):
    """A value of ``model.name`` as the driver returned it, converted as the ORM would."""
    key = (model, name, connection.vendor)
    if key not in _field_converters:
        _field_converters[key] = _converters(model._meta.get_field(name))
    for convert, col in _field_converters[key]:
        value = convert(value, col, connection)
    return value


_inserts: dict[tuple, tuple[str, list] | None] = {}


def _prepare_insert(model) -> tuple[str, list] | None:
    """The INSERT of one row of ``model`` and its fields, or None where the ORM must do it."""
    key = (model, connection.vendor)
    if key not in _inserts:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if not f.generated]
        plain = (
            not meta.parents
            and connection.features.can_return_columns_from_insert
            and isinstance(meta.pk, AutoFieldMixin)
            and all(f.db_default is NOT_PROVIDED for f in fields)
        )
        if not plain:
            _inserts[key] = None
        else:
            qn = connection.ops.quote_name
            fields = [(f, _computes_on_save(f)) for f in fields if f is not meta.pk]
            _inserts[key] = (
                f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f, _computes in fields)})"  # noqa: S608 - names from the models
                f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {qn(meta.pk.column)}",
                fields,
            )
    return _inserts[key]


def _computes_on_save(field) -> bool:
    """Whether ``field.pre_save`` does more than read the attribute (``auto_now``, a custom field)."""
    return type(field).pre_save is not Field.pre_save


def insert(obj) -> None:
    """``obj.save(force_insert=True)`` for a new row, its statement prepared once per model.

    The same values as the ORM's (each field's ``pre_save`` then ``get_db_prep_save``) and the same
    signals (``pre_save``, then ``post_save`` with ``created=True``); a database error (a unique
    ``uid`` sent twice) raises as from ``save``. A Cité-owned row is refused outside a scope holding
    its Cité. Models the plain statement cannot serve (inheritance, database defaults) are saved
    by the ORM.
    """
    model = type(obj)
    # A row owned through another one (an interview through its visit) has no Cité of its own to
    # check here: it is left to the ORM, like the models the plain statement cannot serve.
    through_another = _is_scoped(model) and not hasattr(obj, "cite_id")
    if _is_scoped(model) and not through_another and not _check_scope(model, {"cite_id": obj.cite_id}):
        raise ScopeError(f"This {model.__name__} belongs to a Cité outside the current scope.")
    prepared = None if through_another else _prepare_insert(model)
    if prepared is None:
        obj.save(force_insert=True)
        return
    sql, fields = prepared
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its per-attribute proxy
    alias = db.alias
    pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
    params = [
        f.get_db_prep_save(f.pre_save(obj, True) if computes else getattr(obj, f.attname), db)
        for f, computes in fields
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = alias
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias)
