"""The programme's reads: the public agenda (with its filters), a Cité's sessions, needs against offer."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cdm.accounts.scoping import network_scope
from cdm.activity.models import Interview, Visit
from cdm.network.models import Cite
from cdm.network.vocabularies import Theme

from .models import Format, Session, SessionStatus

FILTERS = ("cite", "country", "theme", "format", "from", "to", "language", "online", "free")
MAX_AGENDA = 500


@dataclass
class AgendaFilter:
    """The agenda's filters, read from a query string; anything unknown or malformed is ignored."""

    cite: str = ""
    country: str = ""
    theme: str = ""
    format: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    language: str = ""
    online: bool = False
    free: bool = False
    params: dict = field(default_factory=dict)

    @classmethod
    def from_query(cls, query, *, cite: str = "") -> "AgendaFilter":
        def date(name):
            try:
                return datetime.date.fromisoformat(query.get(name, ""))
            except ValueError:
                return None

        f = cls(
            cite=cite or query.get("cite", "")[:64],
            country=query.get("country", "")[:2].upper(),
            theme=query.get("theme", "") if query.get("theme", "") in Theme.values else "",
            format=query.get("format", "") if query.get("format", "") in Format.values else "",
            start=date("from"),
            end=date("to"),
            language=query.get("language", "")[:8],
            online=query.get("online") == "1",
            free=query.get("free") == "1",
        )
        f.params = {
            k: v
            for k, v in {
                "cite": "" if cite else f.cite,
                "country": f.country,
                "theme": f.theme,
                "format": f.format,
                "from": f.start.isoformat() if f.start else "",
                "to": f.end.isoformat() if f.end else "",
                "language": f.language,
                "online": "1" if f.online else "",
                "free": "1" if f.free else "",
            }.items()
            if v
        }
        return f


def public_sessions(f: AgendaFilter, *, start=None, end=None, limit: int = MAX_AGENDA) -> list[Session]:
    """Published sessions (cancelled ones too, marked), from today unless a date is asked."""
    today = timezone.localdate()
    start = start or f.start or today
    end = end or f.end
    with network_scope():
        qs = Session.objects.filter(event__published=True).select_related(
            "event", "event__cite", "site", "event__site"
        )
        # One Cité's agenda counts its days in its own zone; the network's in the server's.
        zone = Cite.objects.filter(slug=f.cite).first() if f.cite else None
        tz = zone.tz if zone else timezone.get_current_timezone()
        qs = qs.filter(starts_at__gte=datetime.datetime.combine(start, datetime.time.min, tz))
        if end:
            qs = qs.filter(
                starts_at__lt=datetime.datetime.combine(
                    end + datetime.timedelta(days=1), datetime.time.min, tz
                )
            )
        if f.cite:
            qs = qs.filter(cite__slug=f.cite)
        if f.country:
            qs = qs.filter(cite__country=f.country)
        if f.theme:
            qs = qs.filter(event__theme=f.theme)
        if f.format:
            qs = qs.filter(event__format=f.format)
        if f.language:
            qs = qs.filter(event__language=f.language)
        if f.online:
            qs = qs.exclude(event__online_url="")
        if f.free:
            qs = qs.filter(status=SessionStatus.SCHEDULED).filter(
                Q(capacity__isnull=True) | Q(seats_taken__lt=F("capacity"))
            )
        return list(qs.order_by("starts_at", "pk")[:limit])


def public_session(pk: int) -> Session | None:
    with network_scope():
        return (
            Session.objects.filter(pk=pk, event__published=True)
            .select_related("event", "event__cite", "site", "event__site", "event__pole")
            .prefetch_related("event__partners")
            .first()
        )


def public_cite(slug: str) -> Cite | None:
    return Cite.objects.filter(slug=slug).first()


def agenda_cites() -> list[Cite]:
    with network_scope():
        return list(Cite.objects.filter(events__published=True).distinct().order_by("name"))


def month_grid(year: int, month: int, sessions: list[Session]) -> list[list[dict]]:
    """Weeks of days (Monday first), each day with its sessions; days of other months are None."""
    by_day: dict[datetime.date, list[Session]] = {}
    for s in sessions:
        by_day.setdefault(s.local_starts_at.date(), []).append(s)
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append([{"day": d, "in_month": d.month == month, "sessions": by_day.get(d, [])} for d in week])
    return weeks


def cite_sessions(cite, *, start=None, end=None) -> list[Session]:
    """A Cité's sessions, for its staff (the request's scope applies)."""
    qs = Session.objects.filter(cite=cite).select_related("event", "event__cite", "site", "attendance")
    # Days are the Cité's own: a month in Réunion starts at its midnight, not Paris's.
    if start:
        qs = qs.filter(starts_at__gte=datetime.datetime.combine(start, datetime.time.min, cite.tz))
    if end:
        qs = qs.filter(
            starts_at__lt=datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, cite.tz
            )
        )
    return list(qs.order_by("starts_at", "pk")[:MAX_AGENDA])


# -- needs seen at the desk against the programme ---------------------------------------------


def needs_against_offer(cite, year: int, *, exact: bool = False, k: int | None = None) -> dict:
    """Per month and standard theme: visits and interviews asked at the desk, sessions offered, fill rate.

    Demand counts are visitors' counts: each month's theme breakdown goes through the figures'
    small-count protection (``cdm.stats.protection.protect_breakdown``) unless ``exact``. Sessions
    and seats are the Cité's own offer, shown as they are. Fill rate = participants counted (or,
    before counting, seats taken) over seats offered, for sessions with a capacity.
    """
    from cdm.stats import protection

    k = k or protection.threshold()
    themes = list(Theme.values)
    months = [datetime.date(year, m, 1) for m in range(1, 13)]
    visits = _by_month_theme(Visit.objects.filter(cite=cite, date__year=year), "date", "theme")
    interviews = _by_month_theme(
        Interview.objects.filter(visit__cite=cite, visit__date__year=year), "visit__date", "visit__theme"
    )
    sessions = (
        Session.objects.filter(
            cite=cite,
            # The Cité's own year and months (its time zone).
            starts_at__gte=datetime.datetime(year, 1, 1, tzinfo=cite.tz),
            starts_at__lt=datetime.datetime(year + 1, 1, 1, tzinfo=cite.tz),
            status=SessionStatus.SCHEDULED,
        )
        .annotate(month=TruncMonth("starts_at", tzinfo=cite.tz))
        .values("month", "event__theme")
        .annotate(
            n=Count("pk"),
            seats=Sum("capacity"),
            taken=Sum("seats_taken"),
            came=Sum("attendance__participants"),
        )
    )
    offer: dict = {}
    for row in sessions:
        month = row["month"]
        month = (
            timezone.localtime(month, cite.tz)
            if isinstance(month, datetime.datetime) and timezone.is_aware(month)
            else month
        )
        key = (datetime.date(month.year, month.month, 1), row["event__theme"])
        offer[key] = row
    rows = []
    for m in months:
        v = {t: visits.get((m, t), 0) for t in themes}
        i = {t: interviews.get((m, t), 0) for t in themes}
        if not exact:
            v = protection.protect_breakdown(v, k)
            i = protection.protect_breakdown(i, k)
        for t in themes:
            o = offer.get((m, t)) or {}
            seats = o.get("seats") or 0
            used = o.get("came") if o.get("came") is not None else o.get("taken") or 0
            if not (visits.get((m, t)) or interviews.get((m, t)) or o):
                continue
            rows.append(
                {
                    "month": m,
                    "theme": t,
                    "theme_label": Theme(t).label,
                    "visits": v[t],
                    "interviews": i[t],
                    "sessions": o.get("n", 0),
                    "seats": seats,
                    "fill_rate": round(used / seats, 2) if seats else None,
                }
            )
    return {"cite": cite, "year": year, "exact": exact, "k": k, "rows": rows}


def _by_month_theme(qs, date_field: str, theme_field: str) -> dict:
    out = {}
    for row in qs.annotate(month=TruncMonth(date_field)).values("month", theme_field).annotate(n=Count("pk")):
        m = row["month"]
        out[(datetime.date(m.year, m.month, 1), row[theme_field])] = row["n"]
    return out
