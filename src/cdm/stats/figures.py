"""The figures of a period, exactly as the network's counting standard defines them.

One module computes; HTML, PDF, JSON and CSV only present. Queries go through the
scoped managers, so a caller gets the figures of the Cités its scope allows: the
network's consolidated figures are computed inside ``network_scope()``.
"""

import datetime
from dataclasses import dataclass, replace

from django.db import connection
from django.db.models import CharField, Count, Q, Sum
from django.db.models.functions import Cast, Substr
from django_scopes.exceptions import ScopeError

from cdm.accounts.scoping import scope_cite_ids
from cdm.activity.models import Activity, Equipment, Visit
from cdm.network.models import Cite, Contribution, Partnership, Site
from cdm.network.vocabularies import EVENT_KINDS, WORKSHOP_KINDS, ActivityRole, Channel, Outcome

from . import months

OUTCOMES = [Outcome.INFORMATION.value, Outcome.SELF_SERVICE.value, Outcome.INTERVIEW.value]
# "YYYY-MM" of a date, in SQL that both SQLite and PostgreSQL run natively (no per-row Python function).
MONTH = Substr(Cast("date", output_field=CharField()), 1, 7)
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


def _visit_filters(period: Period, member_ids, via: str = "") -> dict:
    """The lookups that select the period's visits (``via``: the path to the visit, e.g. ``visit__``)."""
    lookups = {"cite__in": member_ids, "date__gte": period.start, "date__lte": period.end}
    if period.sites is not None:
        lookups["site__in"] = period.sites
    if period.theme:
        lookups["theme"] = period.theme
    if period.channel:
        lookups["channel"] = period.channel
    return {via + name: value for name, value in lookups.items()}


def visits(period: Period, member_ids):
    return Visit.objects.filter(**_visit_filters(period, member_ids))


def visit_counts(period: Period, member_ids) -> list[dict]:
    """Visits by (Cité, outcome, channel): one index range count per combination.

    With the index (cite, outcome, channel, date) each count reads only the period's
    entries of one combination: no sort, no table row, and a year costs the same
    whether the database holds one year or ten. It is the one raw query of the figures, kept
    because a grouped ``Count`` reads every year of the index (the ten-year target of
    ``make bench-report``); it asks the tenancy scope first, as the ORM's scoped managers do.
    """
    allowed_cites(member_ids)
    table = Visit._meta.db_table
    where = ["cite_id = %s", "outcome = %s", "channel = %s", "date >= %s", "date <= %s"]
    extra: list = []
    if period.sites is not None:
        placeholders = ", ".join(["%s"] * len(period.sites))
        where.append(f"site_id IN ({placeholders})" if period.sites else "1 = 0")
        extra += list(period.sites)
    if period.theme:
        where.append("theme = %s")
        extra.append(period.theme)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {' AND '.join(where)}"  # noqa: S608 - fixed names, bound values
    channels = [period.channel] if period.channel else Channel.values
    combos = [(cite, outcome, channel) for cite in member_ids for outcome in OUTCOMES for channel in channels]
    counts = _counts_pipelined(sql, [[*combo, period.start, period.end, *extra] for combo in combos])
    return [
        {"cite": cite, "outcome": outcome, "channel": channel, "n": n}
        for (cite, outcome, channel), n in zip(combos, counts, strict=True)
        if n
    ]


def allowed_cites(cite_ids) -> None:
    """The scoped managers' rule for a query that does not go through them: inside a scope, and
    only the scope's Cités (``ScopeError`` otherwise, as ``Visit.objects`` would raise)."""
    allowed = scope_cite_ids()
    if allowed is not None and not set(cite_ids) <= set(allowed):
        raise ScopeError("These figures reach Cités outside the current scope.")


def _counts_pipelined(sql: str, params: list[list]) -> list[int]:
    """The one number each run of ``sql`` gives. On PostgreSQL the runs travel together (psycopg's
    pipeline mode): hundreds of index lookups in one round trip instead of one each."""
    connection.ensure_connection()
    if connection.vendor == "postgresql" and not connection.queries_logged:
        raw = connection.connection
        cursors = []
        with raw.pipeline():
            for values in params:
                cursor = raw.cursor()
                cursor.execute(sql, values)
                cursors.append(cursor)
        return [cursor.fetchone()[0] for cursor in cursors]
    with connection.cursor() as cursor:
        counts = []
        for values in params:
            cursor.execute(sql, values)
            counts.append(cursor.fetchone()[0])
        return counts


def activities(period: Period, member_ids):
    qs = Activity.objects.filter(cite__in=member_ids, date__gte=period.start, date__lte=period.end)
    if period.sites is not None:
        qs = qs.filter(site__in=period.sites)
    if period.theme:
        qs = qs.filter(theme=period.theme)
    return qs


def compute(period: Period, *, details: bool = False, monthly: bool = False) -> dict:
    """The figures of ``period``: the keys the standard lists; with ``details``, the report's breakdowns too.

    ``monthly``: the visits counted month by month, each month kept in the cache (as ``details``
    does) — for a period shown again and again, such as the year before the report's.
    """
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

    parts = None
    if details:
        # Scans of the period's visits, computed and cached month by month (cdm.stats.months).
        parts = months.breakdowns(period, member_ids, lambda sub: visit_scan(sub, member_ids), SCAN_PART)
        visit_rows = parts.get("visit_rows", [])
    elif monthly:
        visit_rows = months.breakdowns(
            period, member_ids, lambda sub: {"visit_rows": _visit_rows(sub, member_ids)}, "visits"
        ).get("visit_rows", [])
    else:
        visit_rows = visit_counts(period, member_ids)
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
            .annotate(month=MONTH)
            .values("cite", "kind", "role", "month")
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

    figures = {
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
    if details:
        figures.update(_details(period, member_ids, country_of, visit_rows, activity_rows, parts))
    elif monthly:
        figures["monthly"] = _monthly(visit_rows, activity_rows)
    return figures


def _monthly(visit_rows, activity_rows) -> dict[str, dict]:
    """Visits and activity participants month by month ("YYYY-MM"), in calendar order."""
    monthly: dict[str, dict] = {}
    for row in visit_rows:
        monthly.setdefault(row["month"], {"visits": 0, "participants": 0})["visits"] += row["n"]
    for row in activity_rows:
        monthly.setdefault(row["month"], {"visits": 0, "participants": 0})["participants"] += row["p"] or 0
    return dict(sorted(monthly.items()))


PROFILE_FIELDS = ["age_band", "gender", "status"]


FIRST_VISIT_KEYS = {True: "first", False: "returning", None: "unknown"}
# The visit's columns counted per Cité in two groups, then summed column by column here. Measured
# on SQLite (a month of the demo network): two small cross-tables take half the time of five
# one-column GROUP BYs, and less than one cross-table of everything (which hardly groups at all).
SCAN_GROUPS = (("age_band", "gender", "status"), ("theme", "first_visit"))
SCAN_PART = "visit-scan"


def visit_scan(period: Period, member_ids) -> dict:
    """The period's visits and interviews (one month, in practice), summed every way the report and
    the small-count protection need them.

    ``cells`` are rows ``(family, cite id, value, count)``: the per-Cité breakdowns the protection
    publishes, which the report's profiles, themes, first visits and partners add up; ``visit_rows`` the
    standard's (Cité, outcome, channel) counts; ``durations`` and ``waits`` the interviews'
    histograms. The report and the protection ask ``months.breakdowns`` for this same part
    (``SCAN_PART``), so a month is counted once for both, and cached once."""
    month = period.start.strftime("%Y-%m")
    qs = visits(period, member_ids)
    cells: list[tuple] = []
    per_cite: dict[int, int] = {}
    visit_rows = []
    for cite, outcome, channel, n in (
        qs.values_list("cite", "outcome", "channel").annotate(n=Count("pk")).order_by()
    ):
        visit_rows.append({"cite": cite, "outcome": outcome, "channel": channel, "month": month, "n": n})
        cells.append(("activity", cite, outcome, n))
        cells.append(("channel", cite, channel, n))
        if outcome == Outcome.INTERVIEW:
            cells.append(("ichannel", cite, channel, n))
        per_cite[cite] = per_cite.get(cite, 0) + n
    cells.extend(("month", cite, month, n) for cite, n in per_cite.items())
    for group in SCAN_GROUPS:
        sums: dict[tuple, int] = {}
        for cite, *values, n in qs.values_list("cite", *group).annotate(n=Count("pk")).order_by():
            for family, value in zip(group, values, strict=True):
                key = (family, cite, FIRST_VISIT_KEYS[value] if family == "first_visit" else value)
                sums[key] = sums.get(key, 0) + n
        cells.extend((*key, n) for key, n in sums.items())
    histograms: dict[str, dict[int, int]] = {"durations": {}, "waits": {}}
    for cite, partner, duration, waited, n in (
        _interviews(period, member_ids)
        .values_list("visit__cite", "partner", "duration_minutes", "waited_minutes")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        # Interviews by the partner whose counsellor held them ("": none named).
        cells.append(("partner", cite, str(partner) if partner is not None else "", n))
        for name, value in (("durations", duration), ("waits", waited)):
            if value is not None:
                histograms[name][value] = histograms[name].get(value, 0) + n
                cells.append((name, cite, "", n))
    return {
        "visit_rows": visit_rows,
        "cells": cells,
        "durations": sorted(histograms["durations"].items()),
        "waits": sorted(histograms["waits"].items()),
    }


def _interviews(period: Period, member_ids):
    """The interviews of the period's visits, with the period's filters."""
    from cdm.activity.models import Interview

    return Interview.objects.filter(**_visit_filters(period, member_ids, "visit__"))


def _visit_rows(period: Period, member_ids) -> list[dict]:
    return list(
        visits(period, member_ids)
        .annotate(month=MONTH)
        .values("cite", "outcome", "channel", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _merged(histogram: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(value, how many) pairs summed by value, sorted."""
    counts: dict[int, int] = {}
    for value, n in histogram:
        counts[value] = counts.get(value, 0) + n
    return sorted(counts.items())


def _details(period: Period, member_ids, country_of, visit_rows, activity_rows, parts: dict) -> dict:
    """The report's breakdowns beyond the standard, from the month parts' scans."""
    by_cite: dict[int, dict] = {pk: {"visits": 0, "participants": 0} for pk in member_ids}
    channels: dict[str, int] = {}
    monthly: dict[str, dict] = {}
    for row in visit_rows:
        by_cite[row["cite"]]["visits"] += row["n"]
        channels[row["channel"]] = channels.get(row["channel"], 0) + row["n"]
        month = monthly.setdefault(row["month"], {"visits": 0, "participants": 0})
        month["visits"] += row["n"]
    for row in activity_rows:
        by_cite[row["cite"]]["participants"] += row["p"] or 0
        month = monthly.setdefault(row["month"], {"visits": 0, "participants": 0})
        month["participants"] += row["p"] or 0

    profiles: dict[str, dict[str, int]] = {f: {} for f in PROFILE_FIELDS}
    themes: dict[str, int] = {}
    first_visits = {"first": 0, "returning": 0, "unknown": 0}
    for family, _cite, value, n in parts.get("cells", []):
        if family in profiles:
            profiles[family][value] = profiles[family].get(value, 0) + n
        elif family == "theme":
            themes[value] = themes.get(value, 0) + n
        elif family == "first_visit":
            first_visits[value] += n

    durations = _merged(parts.get("durations", []))
    waits = _merged(parts.get("waits", []))

    valued: dict[str, dict[str, float]] = {}
    for type_, unit, amount, n in (
        Contribution.objects.filter(
            cite__in=member_ids, year__gte=period.start.year, year__lte=period.end.year
        )
        .values_list("type", "unit")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by()
    ):
        entry = valued.setdefault(type_, {})
        if amount is not None and unit:
            entry[unit] = float(amount)
        entry["count"] = entry.get("count", 0) + n

    previous = None
    if period.is_calendar_year:
        earlier = replace(
            period,
            start=period.start.replace(year=period.start.year - 1),
            end=period.end.replace(year=period.end.year - 1),
        )
        if visits(earlier, list(members(earlier).values_list("pk", flat=True))).exists():
            previous = compute(earlier, monthly=True)
    return {
        "by_cite": {
            slug: by_cite[pk] | {"country": country_of[pk]}
            for pk, slug in Cite.objects.filter(pk__in=member_ids).values_list("pk", "slug")
        },
        "profiles": {f: _present(v) for f, v in profiles.items()},
        "themes": _present(themes),
        "channels": _present(channels),
        "first_visits": first_visits,
        "monthly": dict(sorted(monthly.items())),
        "interview_times": {
            "durations": _distribution(durations),
            "waits": _distribution(waits),
        },
        "contributions_valued": valued,
        "previous_year": _changes(previous) if previous else None,
    }


def _distribution(histogram: list[tuple[int, int]]) -> dict:
    count = sum(n for _, n in histogram)
    if not count:
        return {"count": 0, "mean": None, "p90": None}
    rank, seen, p90 = 0.9 * count, 0, None
    for value, n in histogram:
        seen += n
        if seen >= rank:
            p90 = value
            break
    return {"count": count, "mean": round(sum(v * n for v, n in histogram) / count, 1), "p90": p90}


def _changes(previous: dict) -> dict:
    return {
        "year": previous["year"],
        "beneficiaries": previous["beneficiaries"]["total"],
        "interviews": previous["interviews"]["total"],
        "workshop_sessions": sum(w["sessions"] for w in previous["workshops"].values()),
        "events_organized": previous["events"]["organized"],
        "event_participants": previous["events"]["participants"],
        "workshop_participants": sum(w["participants"] for w in previous["workshops"].values()),
        "members": previous["network"]["members"],
        "partners": previous["partners"]["active"],
        # Month by month ("MM": visits, participants), for the trend's second line.
        "monthly": {m[5:]: row for m, row in previous.get("monthly", {}).items()},
    }
