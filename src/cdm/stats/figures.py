"""The figures of a period, exactly as the network's counting standard defines them.

One module computes; HTML, PDF, JSON and CSV only present. Queries go through the
scoped managers, so a caller gets the figures of the Cités its scope allows: the
network's consolidated figures are computed inside ``network_scope()``.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from cdm.activity.models import Activity, Equipment, Visit
from cdm.network.models import Cite, Contribution, Partnership, Site
from cdm.network.vocabularies import EVENT_KINDS, WORKSHOP_KINDS, ActivityRole, Outcome

OUTCOMES = [Outcome.INFORMATION, Outcome.SELF_SERVICE, Outcome.INTERVIEW]
RESOURCES = ["paper_references", "paper_copies", "computer_stations", "tablets", "vr_headsets"]


@dataclass(frozen=True)
class Period:
    """A year, or any date range, with optional filters."""

    start: datetime.date
    end: datetime.date
    cites: tuple[int, ...] | None = None
    country: str | None = None
    sites: tuple[int, ...] | None = None
    theme: str | None = None
    channel: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def year(cls, year: int, **filters) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31), **filters)

    @property
    def is_calendar_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) and (
            self.start.year == self.end.year
        )

    @property
    def label_year(self) -> int:
        return self.end.year


def _present(mapping: dict) -> dict:
    """A breakdown lists only the keys that occur."""
    return {k: v for k, v in sorted(mapping.items()) if v}


def members(period: Period):
    qs = Cite.objects.filter(Q(member_since__isnull=True) | Q(member_since__lte=period.end))
    if period.cites is not None:
        qs = qs.filter(pk__in=period.cites)
    if period.country:
        qs = qs.filter(country=period.country)
    return qs


def visits(period: Period, member_ids):
    qs = Visit.objects.filter(cite__in=member_ids, date__gte=period.start, date__lte=period.end)
    if period.sites is not None:
        qs = qs.filter(site__in=period.sites)
    if period.theme:
        qs = qs.filter(theme=period.theme)
    if period.channel:
        qs = qs.filter(channel=period.channel)
    return qs


def activities(period: Period, member_ids):
    qs = Activity.objects.filter(cite__in=member_ids, date__gte=period.start, date__lte=period.end)
    if period.sites is not None:
        qs = qs.filter(site__in=period.sites)
    if period.theme:
        qs = qs.filter(theme=period.theme)
    return qs


def compute(period: Period) -> dict:
    """The figures of ``period``, with the keys the standard lists (and the year's label)."""
    member_rows = list(members(period).values("pk", "country", "labelled_on"))
    member_ids = [m["pk"] for m in member_rows]
    country_of = {m["pk"]: m["country"] for m in member_rows}

    sites_by_kind = dict(
        Site.objects.filter(cite__in=member_ids)
        .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=period.start))
        .values_list("kind")
        .annotate(n=Count("pk"))
    )

    visit_rows = list(visits(period, member_ids).values("cite", "outcome", "channel").annotate(n=Count("pk")))
    by_activity = dict.fromkeys([*OUTCOMES, "workshop", "event"], 0)
    by_country: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for row in visit_rows:
        by_activity[row["outcome"]] += row["n"]
        country = country_of[row["cite"]]
        by_country[country] = by_country.get(country, 0) + row["n"]
        if row["outcome"] == Outcome.INTERVIEW:
            by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["n"]

    # Activities have no channel: a channel filter keeps visits only.
    activity_rows = (
        []
        if period.channel
        else list(
            activities(period, member_ids)
            .values("cite", "kind", "role")
            .annotate(n=Count("pk"), p=Sum("participants"))
        )
    )
    workshops = {k: {"sessions": 0, "participants": 0} for k in WORKSHOP_KINDS}
    events = {"organized": 0, "participated": 0, "participants": 0}
    for row in activity_rows:
        participants = row["p"] or 0
        country = country_of[row["cite"]]
        by_country[country] = by_country.get(country, 0) + participants
        if row["kind"] in WORKSHOP_KINDS:
            by_activity["workshop"] += participants
            if row["role"] == ActivityRole.ORGANIZED:
                workshops[row["kind"]]["sessions"] += row["n"]
                workshops[row["kind"]]["participants"] += participants
        elif row["kind"] in EVENT_KINDS:
            by_activity["event"] += participants
            events[row["role"]] += row["n"]
            events["participants"] += participants

    year = period.label_year
    equipment = Equipment.objects.filter(cite__in=member_ids, year=year)
    sums = equipment.aggregate(**{r: Sum(r) for r in RESOURCES})
    with_vr = equipment.filter(vr_headsets__gte=1).values("cite").distinct().count()
    resources = {r: sums[r] or 0 for r in RESOURCES}
    resources["members_with_vr_share"] = round(with_vr / len(member_ids), 4) if member_ids else 0

    active_partners = (
        Partnership.objects.filter(cite__in=member_ids)
        .filter(Q(since__isnull=True) | Q(since__lte=period.end))
        .filter(Q(until__isnull=True) | Q(until__gte=period.start))
        .values("partner")
        .distinct()
        .count()
    )
    pairs: dict[str, set] = {}
    for type_, cite, partner in (
        Contribution.objects.filter(cite__in=member_ids, year__gte=period.start.year, year__lte=year)
        .values_list("type", "cite", "partner")
        .distinct()
    ):
        pairs.setdefault(type_, set()).add((cite, partner))
    contributions = {t: len(p) for t, p in pairs.items()}

    return {
        "year": year,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "network": {
            "members": len(member_ids),
            "countries": sorted(set(country_of.values())),
            "labelled_in_year": sum(
                1 for m in member_rows if m["labelled_on"] and period.start <= m["labelled_on"] <= period.end
            ),
            "sites_by_kind": _present(sites_by_kind),
        },
        "beneficiaries": {
            "total": sum(by_activity.values()),
            "by_activity": _present(by_activity),
            "by_country": _present(by_country),
        },
        "interviews": {"total": by_activity[Outcome.INTERVIEW], "by_channel": _present(by_channel)},
        "workshops": {k: v for k, v in workshops.items() if v["sessions"] or v["participants"]},
        "events": events,
        "resources": resources,
        "partners": {"active": active_partners, "contributions_by_type": _present(contributions)},
    }
