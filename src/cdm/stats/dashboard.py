"""The dashboards' figures: a Cité's one screen for its manager, the network's for the coordination.

Selectors only (read, never write); the views render. Everything is counted from a few grouped
queries over the network's members, through the figures engine's querysets (``figures.visits``,
``figures.activities``) and the scoped managers — not one query per Cité:

1. visits by (Cité, day) from the 1st of January of the previous year to the day shown;
2. first visits by Cité, 3. interview waits by Cité, of the year to date;
4. themes asked and 5. workshops organised by theme, of the year to date, for the dashboard's scope;
6. the last import of each Cité (the audit log), 7. the latest label renewal date of each Cité.

Every window (this week, this month, this year, the same periods a year earlier, each calendar
month) is a sum of those days, so a window's visits are what ``figures.compute`` counts for it (the
Cités that were members at the window's end, as the engine does).

Small counts, for the roles without ``EXACT_COUNTS``: the windows of a Cité overlap (the week is in
the month, the month in the year), so their differences are published counts too. The days are cut
into *atoms* (the days that belong to the same windows) and the figures' one rule
(``protection.suppress``) runs over every window = Σ its atoms, and the network = Σ its Cités.
"""

import datetime
from dataclasses import dataclass, field
from statistics import median

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from cdm.activity.models import Interview
from cdm.audit.models import AuditEntry
from cdm.governance.models import LABELLING, Milestone
from cdm.network.models import Cite, Site
from cdm.network.vocabularies import WORKSHOP_KINDS, ActivityRole, Channel, Theme

from . import months as month_parts
from . import protection
from .figures import Period, _distribution, activities, visits

LATE_DAYS = 31  # a Cité is late when nothing came from it for more than this many days
RENEWAL_WARNING_DAYS = 365  # a label renewal due within 12 months is announced
NETWORK_SCOPE = "network"
KEY_WINDOWS = ("week", "month", "year")


def first_share(first_visits: dict) -> float | None:
    """The share of first visits among the visits where it was recorded (hidden or none: None)."""
    first, returning = first_visits.get("first"), first_visits.get("returning")
    if not isinstance(first, int) or not isinstance(returning, int) or not first + returning:
        return None
    return round(100 * first / (first + returning), 1)


def today() -> datetime.date:
    """The clock of the dashboards (tests set it)."""
    return timezone.localdate()


def year_earlier(day: datetime.date) -> datetime.date:
    """The same date a year earlier (29 February: the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def month_key(year: int, month: int) -> str:
    return f"m:{year}-{month:02d}"


def windows(as_of: datetime.date) -> dict[str, tuple[datetime.date, datetime.date]]:
    """Every window a dashboard shows, as of ``as_of``: the week, month and year to date, the same
    periods a year earlier (the week: 52 weeks earlier, the same weekdays), the calendar months of
    this year (to date) and of the previous one, and the last 12 months (the size of a Cité)."""
    week = as_of - datetime.timedelta(days=as_of.weekday())
    month = as_of.replace(day=1)
    year = as_of.replace(month=1, day=1)
    out = {
        "week": (week, as_of),
        "month": (month, as_of),
        "year": (year, as_of),
        "week_prev": (week - datetime.timedelta(weeks=52), as_of - datetime.timedelta(weeks=52)),
        "month_prev": (year_earlier(month), year_earlier(as_of)),
        "year_prev": (year_earlier(year), year_earlier(as_of)),
    }
    for m in range(1, as_of.month + 1):
        first = datetime.date(as_of.year, m, 1)
        out[month_key(as_of.year, m)] = (first, min(month_end(first), as_of))
    for m in range(1, 13):
        first = datetime.date(as_of.year - 1, m, 1)
        out[month_key(as_of.year - 1, m)] = (first, month_end(first))
    rolling = (month_end(year_earlier(month)) + datetime.timedelta(days=1), as_of)
    out["rolling"] = rolling
    return out


def sparkline_keys(as_of: datetime.date) -> list[str]:
    """The 12 calendar months ending with ``as_of``'s, oldest first."""
    keys = [month_key(as_of.year - 1, m) for m in range(as_of.month + 1, 13)]
    return keys + [month_key(as_of.year, m) for m in range(1, as_of.month + 1)]


def change(now, before) -> float | None:
    """The change in percent, or None (nothing before, or a hidden count)."""
    if not isinstance(now, int) or not isinstance(before, int) or not before:
        return None
    return round(100 * (now - before) / before, 1)


@dataclass
class CiteFigures:
    cite: Cite
    windows: dict[str, int | str] = field(default_factory=dict)
    first_visits: dict[str, int | str] = field(default_factory=dict)
    waits: dict = field(default_factory=dict)
    last_visit: datetime.date | None = None
    last_import: datetime.date | None = None
    renewal: datetime.date | None = None  # the label's next renewal
    size_class: int | None = None
    by_day: dict[datetime.date, int] = field(default_factory=dict)
    wait_histogram: list[tuple[int, int]] = field(default_factory=list)
    themes: dict[str, int] = field(default_factory=dict)

    @property
    def first_share(self) -> float | None:
        return first_share(self.first_visits)

    @property
    def change(self) -> float | None:
        return change(self.windows.get("year"), self.windows.get("year_prev"))

    @property
    def last_received(self) -> datetime.date | None:
        return max((d for d in (self.last_visit, self.last_import) if d), default=None)


def _signatures(spans: dict) -> dict[datetime.date, frozenset]:
    """Each day of the windows, and the windows it belongs to."""
    days: dict[datetime.date, set] = {}
    for key, (start, end) in spans.items():
        day = start
        while day <= end:
            days.setdefault(day, set()).add(key)
            day += datetime.timedelta(days=1)
    return {day: frozenset(keys) for day, keys in days.items()}


def _eligible(cite: Cite, end: datetime.date) -> bool:
    """A member at ``end``, as ``figures.members`` counts one."""
    return cite.member_since is None or cite.member_since <= end


def collect(as_of: datetime.date, *, clock: datetime.date | None = None) -> dict[int, CiteFigures]:
    """Every member's figures as of ``as_of`` (inside the caller's scope: ``network_scope`` for
    medians and the network). ``clock``: today, for the data received and the label renewals."""
    clock = clock or today()
    spans = windows(as_of)
    lo = min(start for start, _end in spans.values())
    cites = list(
        Cite.objects.filter(Q(member_since__isnull=True) | Q(member_since__lte=as_of)).order_by("name")
    )
    ids = [c.pk for c in cites]
    out = {c.pk: CiteFigures(c) for c in cites}

    year_start = spans["year"][0]

    def days_part(sub):
        return {"days": list(visits(sub, ids).values_list("cite", "date").annotate(n=Count("pk")).order_by())}

    def year_part(sub):
        return {
            # First visits and themes from one scan: their joint counts, split below.
            "profile": list(
                visits(sub, ids)
                .values_list("cite", "first_visit", "theme")
                .annotate(n=Count("pk"))
                .order_by()
            ),
            "waits": list(
                Interview.objects.filter(
                    visit__cite__in=ids,
                    visit__date__gte=sub.start,
                    visit__date__lte=sub.end,
                    waited_minutes__isnull=False,
                )
                .values_list("visit__cite", "waited_minutes")
                .annotate(n=Count("pk"))
                .order_by()
            ),
        }

    # Month by month, each month kept until its data changes (``cdm.stats.months``): only the
    # current month is counted again after a visit is recorded.
    with month_parts.one_reading():
        by_month = month_parts.breakdowns(Period(lo, as_of), ids, days_part, "dashboard-days")
        in_year = month_parts.breakdowns(Period(year_start, as_of), ids, year_part, "dashboard-profile")

    # 1. visits by (Cité, day) and every window's sum, only where the Cité was a member.
    by_day: dict[int, dict[datetime.date, int]] = {pk: {} for pk in ids}
    for cite, day, n in by_month.get("days", []):
        by_day[cite][day] = by_day[cite].get(day, 0) + n
    signatures = _signatures(spans)
    for c in cites:
        days = out[c.pk].by_day = by_day[c.pk]
        sums = dict.fromkeys(spans, 0)
        for day, n in days.items():
            for key in signatures.get(day, ()):
                sums[key] += n
        out[c.pk].windows = {
            key: sums[key] if _eligible(c, end) else 0 for key, (_start, end) in spans.items()
        }
        out[c.pk].last_visit = max(days, default=None) if as_of >= clock else None

    # 2. first visits, 3. waits, 4. themes asked, of the year to date.
    first = {True: "first", False: "returning", None: "unknown"}
    for c in out.values():
        c.first_visits = dict.fromkeys(("first", "returning", "unknown"), 0)
    for cite, value, theme, n in in_year.get("profile", []):
        out[cite].first_visits[first[value]] += n
        out[cite].themes[theme] = out[cite].themes.get(theme, 0) + n
    histograms: dict[int, dict[int, int]] = {pk: {} for pk in ids}
    for cite, wait, n in in_year.get("waits", []):
        histograms[cite][wait] = histograms[cite].get(wait, 0) + n
    for pk, histogram in histograms.items():
        out[pk].wait_histogram = sorted(histogram.items())
        out[pk].waits = _distribution(out[pk].wait_histogram)

    # 6. data received: the last visit (when the dashboard shows another day than today, asked
    # again up to today) and the last import.
    if as_of < clock:
        for cite, day in (
            visits(Period(clock - datetime.timedelta(days=366), clock), ids)
            .values_list("cite")
            .annotate(m=Max("date"))
            .order_by()
        ):
            out[cite].last_visit = day
    for cite, at in (
        AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, cite__in=ids)
        .values_list("cite")
        .annotate(m=Max("at"))
        .order_by()
    ):
        out[cite].last_import = timezone.localdate(at)

    # 7. the label's next renewal: the latest label milestone that names one.
    for cite, due in (
        Milestone.objects.filter(cite__in=ids, kind__in=LABELLING, renewal_due_on__isnull=False)
        .order_by("cite", "-date", "-pk")
        .values_list("cite", "renewal_due_on")
    ):
        out[cite].renewal = out[cite].renewal or due

    # Size classes: terciles of the last 12 months' visits.
    ranked = sorted(out.values(), key=lambda f: (f.windows["rolling"], f.cite.name))
    for rank, f in enumerate(ranked):
        f.size_class = 3 * rank // len(ranked)
    return out


# -- small counts ---------------------------------------------------------------------------------


def protect_windows(figures: dict[int, CiteFigures], as_of: datetime.date, k: int) -> set:
    """The (scope, window) cells to hide: see the module's docstring; scope ``network`` for the sums
    over the Cités."""
    spans = windows(as_of)
    signatures = _signatures(spans)
    cells: dict = {}
    lines: list = []
    for pk, f in figures.items():
        atoms: dict[frozenset, int] = {}
        for day, n in f.by_day.items():
            signature = signatures.get(day)
            if signature:
                atoms[signature] = atoms.get(signature, 0) + n
        for signature, n in atoms.items():
            cells["a", pk, signature] = n
        for key in spans:
            cells["w", pk, key] = f.windows[key]
            members = [("a", pk, s) for s in atoms if key in s]
            if _eligible(f.cite, spans[key][1]):
                lines.append((("w", pk, key), members))
    if len(figures) > 1:
        for key in spans:
            cells["w", NETWORK_SCOPE, key] = sum(f.windows[key] for f in figures.values())
            lines.append((("w", NETWORK_SCOPE, key), [("w", pk, key) for pk in figures]))
    hide = protection.suppress(cells, lines, k)
    return {(scope, key) for kind, scope, key in hide if kind == "w"}


# -- what a dashboard shows ---------------------------------------------------------------------------


@dataclass
class Scope:
    """The figures of one dashboard: a Cité's or the network's."""

    as_of: datetime.date
    windows: dict[str, int | str]
    spans: dict[str, tuple[datetime.date, datetime.date]]
    first_visits: dict[str, int | str]
    waits: dict
    themes: list[dict]
    protected: bool
    k: int

    def key_figures(self) -> list[dict]:
        out = []
        for key in KEY_WINDOWS:
            now, before = self.windows[key], self.windows[f"{key}_prev"]
            out.append(
                {
                    "key": key,
                    "value": now,
                    "previous": before,
                    "start": self.spans[key][0],
                    "end": self.spans[key][1],
                    "previous_start": self.spans[f"{key}_prev"][0],
                    "previous_end": self.spans[f"{key}_prev"][1],
                    "change": change(now, before),
                }
            )
        return out

    @property
    def first_share(self) -> float | None:
        return first_share(self.first_visits)

    def months(self) -> list[dict]:
        """The month trend: each month of this year (to date) beside the same month a year earlier."""
        year = self.as_of.year
        rows = []
        for m in range(1, 13):
            this = self.windows.get(month_key(year, m)) if m <= self.as_of.month else None
            rows.append(
                {
                    "month": datetime.date(year, m, 1),
                    "visits": this,
                    "previous": self.windows.get(month_key(year - 1, m)),
                    "end": self.spans[month_key(year, m)][1] if m <= self.as_of.month else None,
                }
            )
        return rows


def _protected_values(values: dict, hidden_keys: set, k: int) -> dict:
    mark = protection.hidden(k)
    return {key: mark if key in hidden_keys else n for key, n in values.items()}


def _themes(figures: list[CiteFigures], as_of: datetime.date, *, exact: bool, k: int) -> list[dict]:
    """Themes asked at the desk (visits of the year to date) beside the workshops organised on them."""
    period = Period(as_of.replace(month=1, day=1), as_of)
    offered = {
        theme: (n, p or 0)
        for theme, n, p in activities(period, [f.cite.pk for f in figures])
        .filter(kind__in=WORKSHOP_KINDS, role=ActivityRole.ORGANIZED)
        .values_list("theme")
        .annotate(n=Count("pk"), p=Sum("participants"))
        .order_by()
    }
    counts = {t: sum(f.themes.get(t, 0) for f in figures) for t in Theme.values}
    shown = counts if exact else protection.protect_breakdown(counts, k)
    total = sum(counts.values())
    sessions_total = sum(n for n, _p in offered.values()) or 0
    rows = []
    for theme in Theme.values:
        n = shown[theme]
        sessions, participants = offered.get(theme, (0, 0))
        rows.append(
            {
                "theme": theme,
                "label": Theme(theme).label,
                "visits": n,
                "share": round(100 * n / total, 1) if isinstance(n, int) and total else None,
                "sessions": sessions,
                "participants": participants,
                "session_share": round(100 * sessions / sessions_total, 1) if sessions_total else None,
            }
        )
    return rows


def _waits(waits: dict, *, exact: bool, k: int) -> dict:
    count = waits.get("count", 0)
    if not exact and 0 < count < k:
        return {"count": protection.hidden(k), "mean": None, "p90": None}
    return waits


def _first(values: dict, *, exact: bool, k: int) -> dict:
    return values if exact else protection.protect_breakdown(values, k)


def cite_dashboard(cite: Cite, as_of: datetime.date, *, exact: bool, clock=None) -> dict:
    """A Cité's dashboard as of ``as_of``: inside ``network_scope`` (the medians read every member)."""
    k = protection.threshold()
    everyone = collect(as_of, clock=clock)
    clock = clock or today()
    spans = windows(as_of)
    own = everyone.get(cite.pk)
    if own is None:  # not a member yet at that date: nothing counted
        own = CiteFigures(cite, windows=dict.fromkeys(spans, 0), waits=_distribution([]))
        own.first_visits = dict.fromkeys(("first", "returning", "unknown"), 0)
    values = dict(own.windows)
    if not exact:
        hidden_keys = protect_windows({cite.pk: own}, as_of, k)
        values = _protected_values(values, {key for _s, key in hidden_keys}, k)
    scope = Scope(
        as_of=as_of,
        windows=values,
        spans=spans,
        first_visits=_first(own.first_visits, exact=exact, k=k),
        waits=_waits(own.waits, exact=exact, k=k),
        themes=_themes([own], as_of, exact=exact, k=k),
        protected=not exact,
        k=k,
    )
    return {
        "scope": scope,
        "own": own,
        "comparison": comparison(cite, everyone, scope, exact=exact, k=k),
        "renewal": renewal(own.renewal, clock),
        "late": late(own.last_received, clock),
        "sites": list(Site.objects.filter(cite=cite).order_by("name")),
        "channels": Channel.choices,
    }


def _median(values):
    values = [v for v in values if v is not None]
    return round(median(values), 1) if values else None


def comparison(cite: Cite, everyone: dict[int, CiteFigures], scope: Scope, *, exact: bool, k: int) -> dict:
    """The Cité beside the median of the members of its size class (terciles of the last 12 months' visits)."""
    own = everyone.get(cite.pk)
    size_class = own.size_class if own else None
    peers = [f for f in everyone.values() if f.size_class == size_class] if own else []
    visits_median = _median([f.windows["year"] for f in peers])
    if not exact and visits_median is not None and 0 < visits_median < k:
        visits_median = protection.hidden(k)
    rows = [
        {"key": "visits", "own": scope.windows["year"], "median": visits_median, "unit": "count"},
        {
            "key": "change",
            "own": change(scope.windows["year"], scope.windows["year_prev"]),
            "median": _median([f.change for f in peers]),
            "unit": "change",
        },
        {
            "key": "first_share",
            "own": scope.first_share,
            "median": _median([f.first_share for f in peers]),
            "unit": "percent",
        },
        {
            "key": "wait_mean",
            "own": scope.waits.get("mean"),
            "median": _median([f.waits.get("mean") for f in peers]),
            "unit": "minutes",
        },
        {
            "key": "wait_p90",
            "own": scope.waits.get("p90"),
            "median": _median([f.waits.get("p90") for f in peers]),
            "unit": "minutes",
        },
    ]
    return {"size_class": size_class, "peers": len(peers), "members": len(everyone), "rows": rows}


def renewal(due: datetime.date | None, clock: datetime.date) -> dict | None:
    if due is None:
        return None
    return {
        "due": due,
        "overdue": due < clock,
        "soon": clock <= due <= clock + datetime.timedelta(days=RENEWAL_WARNING_DAYS),
    }


def late(received: datetime.date | None, clock: datetime.date) -> bool:
    """Nothing received for more than ``LATE_DAYS`` days (or never)."""
    return received is None or (clock - received).days > LATE_DAYS


def network_dashboard(as_of: datetime.date, *, exact: bool, clock=None) -> dict:
    """The network's dashboard as of ``as_of`` (inside ``network_scope``): its key figures, and a row
    per member with its size, its year, its 12 months, its data received and its label renewal."""
    k = protection.threshold()
    everyone = collect(as_of, clock=clock)
    clock = clock or today()
    spans = windows(as_of)
    totals = {key: sum(f.windows[key] for f in everyone.values()) for key in spans}
    hidden_keys: set = set()
    if not exact:
        hidden_keys = protect_windows(everyone, as_of, k)
    first = {
        key: sum(f.first_visits.get(key, 0) for f in everyone.values())
        for key in ("first", "returning", "unknown")
    }
    histogram: dict[int, int] = {}
    for f in everyone.values():
        for wait, n in f.wait_histogram:
            histogram[wait] = histogram.get(wait, 0) + n
    scope = Scope(
        as_of=as_of,
        windows=_protected_values(totals, {key for s, key in hidden_keys if s == NETWORK_SCOPE}, k),
        spans=spans,
        first_visits=_first(first, exact=exact, k=k),
        waits=_waits(_distribution(sorted(histogram.items())), exact=exact, k=k),
        themes=_themes(list(everyone.values()), as_of, exact=exact, k=k),
        protected=not exact,
        k=k,
    )
    mark = protection.hidden(k)
    rows = []
    for pk, f in everyone.items():
        values = {key: mark if (pk, key) in hidden_keys else n for key, n in f.windows.items()}
        first_visits = _first(f.first_visits, exact=exact, k=k)
        share_source = CiteFigures(f.cite, first_visits=first_visits)
        rows.append(
            {
                "cite": f.cite,
                "size_class": f.size_class,
                "year": values["year"],
                "year_prev": values["year_prev"],
                "change": change(values["year"], values["year_prev"]),
                "months": [(spans[key][0], values[key]) for key in sparkline_keys(as_of)],
                "rolling": values["rolling"],
                "first_share": share_source.first_share,
                "wait_mean": _waits(f.waits, exact=exact, k=k).get("mean"),
                "received": f.last_received,
                "late": late(f.last_received, clock),
                "renewal": renewal(f.renewal, clock),
            }
        )
    # Without a script, the oldest data received comes first: who is late is on top.
    rows.sort(key=lambda r: (r["received"] or datetime.date.min, r["cite"].name))
    return {"scope": scope, "rows": rows, "late_count": sum(1 for r in rows if r["late"])}
