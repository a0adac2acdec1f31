"""What the desk screens read: the day's counters and the queue."""

import datetime

from django.db.models import Count
from django.utils import timezone

from cdm.activity.models import Visit

from .models import QueueTicket, TicketStatus


def today_figures(*, cite, day: datetime.date | None = None) -> dict:
    day = day or timezone.localdate()
    visits = Visit.objects.filter(cite=cite, date=day)
    by = {}
    for field in ("theme", "outcome", "channel"):
        by[field] = dict(visits.values_list(field).annotate(n=Count("pk")).order_by())
    by_hour: dict[str, int] = {}
    for t in visits.exclude(time__isnull=True).values_list("time", flat=True):
        key = f"{t.hour:02d}"
        by_hour[key] = by_hour.get(key, 0) + 1
    tickets = QueueTicket.objects.filter(cite=cite, day=day)
    waits = sorted(
        (t.called_at - t.arrived_at).total_seconds() / 60
        for t in tickets.filter(called_at__isnull=False).only("called_at", "arrived_at")
    )
    return {
        "date": day,
        "visits": sum(by["outcome"].values()),
        "by_hour": dict(sorted(by_hour.items())),
        "by_theme": by["theme"],
        "by_outcome": by["outcome"],
        "by_channel": by["channel"],
        "waiting": tickets.filter(status=TicketStatus.WAITING).count(),
        "wait_mean_minutes": round(sum(waits) / len(waits), 1) if waits else None,
        "wait_p90_minutes": int(waits[min(len(waits) - 1, int(0.9 * len(waits)))]) if waits else None,
    }


def queue_for(*, cite_ids, day=None) -> dict:
    day = day or timezone.localdate()
    tickets = (
        QueueTicket.objects.filter(
            cite__in=cite_ids, day=day, status__in=[TicketStatus.WAITING, TicketStatus.CALLED]
        )
        .select_related("cite", "counsellor", "reserved_for")
        .order_by("arrived_at", "number")
    )
    out = {"waiting": [], "called": []}
    for t in tickets:
        out[t.status].append(t)
    return out
