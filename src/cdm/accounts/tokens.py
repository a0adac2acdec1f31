"""API tokens: ``cdm_<prefix>_<secret>``; the database keeps the prefix and a SHA-256 of the whole."""

import hashlib
import hmac
import secrets

from django.utils import timezone

from .models import ApiToken


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    prefix = secrets.token_hex(4)
    raw = f"cdm_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(raw))
    return token, raw


def token_user(raw: str):
    """The active user a raw token stands for, or None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "cdm" or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1], revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)) or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
