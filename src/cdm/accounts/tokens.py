"""API tokens for devices: ``cdm_<prefix>_<secret>``; the database keeps the prefix and a SHA-256 of the whole.

A token stands for one account on one device (a desk's tablet, a bus's laptop): it may do what a
desk does and nothing else (``permissions.DEVICE_ACTIONS``). It stops working when it is revoked,
when it expires, and — revoked for good — when its account is deactivated or changes role. Every
creation and revocation is written to the audit log with who did it (the model's signals).
"""

import hashlib
import hmac
import secrets

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from .models import ApiToken, User


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user: User, name: str = "", expires_at=None) -> tuple[ApiToken, str]:
    prefix = secrets.token_hex(4)
    raw = f"cdm_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=_digest(raw), expires_at=expires_at
    )
    return token, raw


def token_user(raw: str) -> User | None:
    """The active account a raw token stands for, marked as a device (``user.device_token``), or None.

    One query finds the token by its unique prefix with its account (``select_related``); whether it
    is revoked, expired or its account inactive is then read off that row. A second query loads the
    account's Cités (``prefetch_related_objects``): the scope, the one permission rule and the
    desk's Cité (``cite_for``) read them from the account for the rest of the request, without
    another query.
    """
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "cdm" or len(raw) > 200:
        return None
    # The prefix is unique: no ordering to compile (the model's own would sort the one row).
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).order_by().first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    now = timezone.now()
    user = token.user
    if token.revoked_at is not None or not user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    cites = User._meta.get_field("cites").related_model.objects.order_by()  # unsorted: one or a few
    prefetch_related_objects([user], Prefetch("cites", queryset=cites))
    user.cite_ids = sorted(cite.pk for cite in user.cites.all())  # the cached property, set once
    user.device_token = True
    return user


def token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def tokens_revoke_for(user: User) -> int:
    """Revoke every live token of an account (deactivated, or given another role); each one audited."""
    revoked = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        token_revoke(token=token)
        revoked += 1
    return revoked
