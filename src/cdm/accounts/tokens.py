"""API tokens: ``cdm_<prefix>_<secret>``; the database keeps the prefix and a SHA-256 of the whole."""

import hashlib
import hmac
import secrets

from django.db import connection
from django.utils import timezone

from cdm.lib import lookups
from cdm.network import directory

from .models import ApiToken, User


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    prefix = secrets.token_hex(4)
    raw = f"cdm_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(raw))
    return token, raw


_sql: dict[str, str] = {}


def _token_sql() -> str:
    if connection.vendor not in _sql:
        qn = connection.ops.quote_name
        t, u = qn(ApiToken._meta.db_table), qn(User._meta.db_table)
        _sql[connection.vendor] = (
            f"SELECT t.id, t.user_id, t.digest, t.last_used_at, {directory.version_sql()} "  # noqa: S608
            f"FROM {t} t JOIN {u} u ON u.id = t.user_id "
            "WHERE t.prefix = %s AND t.revoked_at IS NULL AND u.is_active = %s"
        )
    return _sql[connection.vendor]


def _load_user(user_id: int):
    user = lookups.fetch_one(User, id=user_id)
    if user is not None:
        user.cite_ids  # noqa: B018 - loaded now, kept with the user
    return user


def token_identity(raw: str) -> tuple[User | None, int]:
    """The active user a raw token stands for (or None), and the directory's version.

    One query checks the token (not revoked), its user (active) and reads the version; the user,
    their role and Cités then come from this process's memory while that version holds.
    """
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "cdm" or len(raw) > 200:
        return None, 0
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [parts[1], True])
        row = cursor.fetchone()
    if row is None:
        return None, 0
    token_id, user_id, digest, last_used_at, version = row
    if not hmac.compare_digest(digest, _digest(raw)):
        return None, version
    now = timezone.now()
    last_used_at = lookups.to_python(ApiToken, "last_used_at", last_used_at)
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    with directory.validated(version):
        user = directory.cached(("user", user_id), lambda: _load_user(user_id))
    return user, version


def token_user(raw: str):
    """The active user a raw token stands for, or None."""
    return token_identity(raw)[0]


def token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
