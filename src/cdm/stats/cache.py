"""Figures are recomputed only when the data they read changed. The caches of the figures, all of them:

1. **A period's figures** (this module, ``cached_compute``): keyed on the period, its filters, the
   scope's Cités and a *fingerprint* of the data — for each month of the period, the count of its
   visits and its revision; for the period's activities, their count and largest id; for the small
   tables, the same over the whole table; and the last audit entry (every correction, deletion and
   import writes one). Any write the figures could see changes the fingerprint, so nobody
   invalidates these entries: they are simply never asked for again, and expire after
   ``FIGURES_CACHE_SECONDS``.
2. **A month's breakdowns** (``cdm.stats.months``): keyed on the month, the scope and that month's
   visit count and revision. The revision is changed by the writes themselves — signals for the ORM
   (a visit corrected, moved or deleted, an interview written) and ``months.bump_all()`` after the
   bulk writes of an import or the demo. Kept ``FIGURES_MONTH_SECONDS``.
3. **The published figures' protection** (``cdm.stats.protection``) and the anonymous report pages
   (``cdm.stats.views``): keyed like 1., or short-lived (``PUBLIC_REPORT_SECONDS``).

1 and 2 live in Django's cache framework under the ``figures`` alias, shared by every process and
every server: the database's own table by default (``cdm migrate`` makes it), Redis in production
(``CDM_REDIS_URL``). Nothing is kept in a module's memory.
"""

import hashlib
import json
import logging

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max

from cdm.accounts.scoping import network_scope, scope_cite_ids
from cdm.activity.models import Activity, Equipment
from cdm.audit.models import AuditEntry
from cdm.network.models import Cite, Contribution, Partnership, Site

from . import months
from .figures import Period, compute

logger = logging.getLogger(__name__)


def _mark(queryset, field="pk") -> str:
    row = queryset.aggregate(m=Max(field), n=Count(field))
    return f"{row['m']}:{row['n']}"


def fingerprint(period: Period) -> str:
    # The plain base managers: a fingerprint of the data, whatever the caller's scope.
    in_period = {"date__gte": period.start, "date__lte": period.end}
    parts = [json.dumps(months.month_marks(period.start, period.end), default=str)]
    parts.append(_mark(Activity._base_manager.filter(**in_period)))
    for model in (Equipment, Contribution, Partnership, Site, Cite, AuditEntry):
        parts.append(_mark(model._base_manager.all()))
    return ",".join(parts)


def cached_compute(period: Period, *, details: bool = False) -> dict:
    with months.one_reading():
        return _cached_compute(period, details)


def _cached_compute(period: Period, details: bool) -> dict:
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
            scope_cite_ids(),  # the same period seen from another scope has other figures
            fingerprint(period),
        ],
        default=str,
    )
    key = "cdm-figures:" + hashlib.sha256(key_source.encode()).hexdigest()
    cache = caches["figures"]
    figures = cache.get(key)
    if figures is None:
        figures = compute(period, details=details)
        cache.set(key, figures, settings.FIGURES_CACHE_SECONDS)
    return figures


def compute_reports(years, progress=None) -> None:
    """The network report of each year, computed now and cached — after a bulk load (an import, the
    demo), which changed every month, so that the next person to open the report does not wait.
    The data is already stored: a failure here is logged, never raised."""
    for year in sorted(years):
        if progress:
            progress(year)
        try:
            with network_scope():
                cached_compute(Period.year(year), details=True)
        except Exception:  # noqa: BLE001 - the load itself succeeded
            logger.exception("the figures of %s could not be computed", year)
