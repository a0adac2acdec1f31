"""Writing the audit log. Model signals call ``audit_record`` for every write of a CDM model."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cdm.accounts.permissions import cite_id_of
from cdm.lib.actor import current_actor

from .models import AuditEntry

NEVER_LOGGED = {"password", "last_login", "digest"}  # secrets, and their hashes


def _plain(value):
    if isinstance(value, datetime.date | datetime.time | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)  # Decimal, UUID, Country…


def snapshot(obj: models.Model) -> dict:
    return {
        f.attname: _plain(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in NEVER_LOGGED
    }


def audit_record(*, obj: models.Model, action: str, changes: dict, user=None) -> AuditEntry:
    user = user or current_actor()
    return AuditEntry.objects.with_scopes_disabled().create(
        user=user if user is not None and user.pk else None,
        username=getattr(user, "username", "") or "",
        cite_id=cite_id_of(obj),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        changes=changes,
    )


def audit_import(*, summary: dict, cite_id: int | None, user=None, content_type_model=None) -> AuditEntry:
    """One entry for a whole import: bulk writes do not fire model signals."""
    user = user or current_actor()
    return AuditEntry.objects.with_scopes_disabled().create(
        user=user if user is not None and user.pk else None,
        username=getattr(user, "username", "") or "",
        cite_id=cite_id,
        content_type=ContentType.objects.get_for_model(content_type_model),
        object_id="",
        object_repr=str(summary.get("source", ""))[:200],
        action=AuditEntry.Action.IMPORT,
        changes=summary,
    )
