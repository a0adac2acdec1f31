"""Figures are recomputed only when the data changed.

The fingerprint is cheap (a few index lookups): the largest id and the row count of each
table the figures read, and the last audit entry (every correction, deletion and import
writes one). Any write the figures could see changes it; the cached figures then go stale
by themselves. Entries also expire after ``FIGURES_CACHE_SECONDS``.
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from cdm.activity.models import Activity, Equipment, Interview, Visit
from cdm.audit.models import AuditEntry
from cdm.network.models import Cite, Contribution, Partnership, Site

from .figures import Period, compute


def fingerprint() -> str:
    parts = []
    # The plain base managers: a fingerprint of the whole database, whatever the caller's scope.
    for model in (Visit, Interview, Activity, Equipment, Contribution, Partnership, Site, Cite, AuditEntry):
        row = model._base_manager.aggregate(m=Max("pk"), n=Count("pk"))
        parts.append(f"{row['m']}:{row['n']}")
    return ",".join(parts)


def cached_compute(period: Period, *, details: bool = False) -> dict:
    key_source = json.dumps(
        [
            period.start.isoformat(),
            period.end.isoformat(),
            period.cites,
            period.country,
            period.sites,
            period.theme,
            period.channel,
            details,
            fingerprint(),
        ],
        default=str,
    )
    key = "cdm-figures:" + hashlib.sha256(key_source.encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = compute(period, details=details)
        cache.set(key, figures, settings.FIGURES_CACHE_SECONDS)
    return figures
