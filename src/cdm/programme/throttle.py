"""How often one address may register: counters in the cache, never the address itself.

The address is hashed with a key derived from ``SECRET_KEY`` and the day (it changes at midnight, so
that yesterday's counters cannot be linked to today's), and the counter lives in the cache for an
hour at most. Nothing of it reaches the database or the logs.
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache

from cdm.lib.admin_site import client_ip

# Registrations tried per address: for one session, and for all sessions, per hour.
PER_SESSION = (5, 3600)
PER_ADDRESS = (30, 3600)


def _daily_key(day: datetime.date) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"programme-throttle:{day}".encode(), hashlib.sha256
    ).digest()


def address_bucket(request, day: datetime.date | None = None) -> str:
    """A keyed hash of the client's address, with a key that rotates every day (UTC)."""
    day = day or datetime.datetime.now(datetime.UTC).date()
    address = (client_ip(request) or "").encode()
    return hmac.new(_daily_key(day), address, hashlib.sha256).hexdigest()[:32]


def _over(key: str, limit: tuple[int, int]) -> bool:
    count, seconds = limit
    if cache.add(key, 1, seconds):
        return False
    try:
        return cache.incr(key) > count
    except ValueError:  # expired between the two calls
        return False


def registration_refused(request, session_pk: int) -> bool:
    """Count one registration attempt; True when this address has tried too often."""
    bucket = address_bucket(request)
    over_session = _over(f"programme:register:{session_pk}:{bucket}", PER_SESSION)
    over_address = _over(f"programme:register:{bucket}", PER_ADDRESS)
    return over_session or over_address
