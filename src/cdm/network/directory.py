"""The directory a device's request needs — its user, their Cités, pôles and sites — kept per process.

A request authenticated by a token reads the directory's version in the same query as the token
(``cdm.accounts.tokens``) and runs inside ``validated(version)``: lookups made through ``cached``
are then served from this process's memory as long as that version holds. Any change to the
directory raises the version (signals below, and ``bump()`` after bulk writes), so the next request
of every process sees it. Outside ``validated`` (a session, a command), ``cached`` just loads.
"""

import copy
import secrets
import threading
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

_validated: ContextVar[int | None] = ContextVar("directory_version", default=None)
_lock = threading.Lock()
_memory: dict = {"version": None, "entries": {}}
MAX_ENTRIES = 10_000


def version_sql() -> str:
    """A scalar subquery giving the current version (0 before any change)."""
    from .models import DirectoryVersion

    table = connection.ops.quote_name(DirectoryVersion._meta.db_table)
    return f"COALESCE((SELECT n FROM {table} WHERE id = 1), 0)"  # noqa: S608 - a model's table name


def bump(**_kwargs) -> None:
    """A new version (a receiver for the signals, and a call after bulk writes).

    A random one rather than a count: a version rolled back, or a database emptied and filled
    again, never comes back to a value some process still holds entries for.
    """
    from .models import DirectoryVersion

    n = secrets.randbits(62) + 1
    if not DirectoryVersion.objects.filter(pk=1).update(n=n):
        DirectoryVersion.objects.update_or_create(pk=1, defaults={"n": n})


@contextmanager
def validated(version: int):
    """Within: ``cached`` serves what this process loaded under the same ``version``."""
    with _lock:
        if _memory["version"] != version:
            _memory["version"] = version
            _memory["entries"] = {}
    token = _validated.set(version)
    try:
        yield
    finally:
        _validated.reset(token)


def cached(key: tuple, load):
    """``load()``, remembered under ``key`` while the validated version holds."""
    version = _validated.get()
    if version is None:
        return load()
    entries = _memory["entries"]
    if _memory["version"] != version:  # another thread moved on: do not mix versions
        return load()
    if key in entries:
        value = entries[key]
    else:
        value = load()
        # Misses are not kept (a client could ask for any code), and the memory stays bounded.
        if value is not None and len(entries) < MAX_ENTRIES:
            entries[key] = value
    # A request may set attributes on what it gets: it gets its own copy of a model instance.
    return _copy(value) if hasattr(value, "_state") else value


def _copy(instance):
    """A shallow copy of a model instance, as ``copy.copy`` makes it (``Model.__getstate__``), faster."""
    clone = instance.__class__.__new__(instance.__class__)
    state = instance.__dict__.copy()
    state["_state"] = copy.copy(state["_state"])
    state["_state"].fields_cache = state["_state"].fields_cache.copy()
    if "_prefetched_objects_cache" in state:
        state["_prefetched_objects_cache"] = state["_prefetched_objects_cache"].copy()
    clone.__dict__ = state
    return clone


def connect_signals() -> None:
    from cdm.accounts.models import User

    from .models import Cite, Pole, Site

    for model in (Cite, Pole, Site, User):
        post_save.connect(bump, sender=model, dispatch_uid=f"directory-save-{model.__name__}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"directory-delete-{model.__name__}")
    m2m_changed.connect(bump, sender=User.cites.through, dispatch_uid="directory-user-cites")
