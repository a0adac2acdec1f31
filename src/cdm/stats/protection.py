"""Small counts protected in every published output: one function, ``protect``, for all of them.

**Cells.** Every count of visitors that a report, a JSON, a CSV, a PDF or the open data publishes
is a *cell*: ``(family, scope, value)`` — e.g. ``("gender", "cite:porto", "female")``, the visits
of women at Porto; ``("V", "country:BE", "")``, all the visits in Belgium. Scopes are ``network``,
``country:XX`` and ``cite:<slug>``: the figures the public may read (a year of each).

**Lines.** Published cells are tied by sums an attacker can subtract: a breakdown adds up to its
total (the Cité's visits = Σ its ages = Σ its themes = …), a country's cell is the sum of its
Cités' cells, the network's the sum of its countries'. Every such sum is a *line*: a head and its
members.

**The rule** (``suppress``). A cell 1..k-1 is hidden ("< k"); 0 is shown as 0, and every category
key is always listed, so an absent key never means anything. Then, line by line until nothing
changes: a line whose shown head has hidden members must hide at least two of them, holding at
least k together, or its head too (complementary suppression: the smallest shown member is hidden
next); a hidden head needs at least two hidden members, or all of them. A total below k is hidden,
and with it its whole breakdown. Because the same cell is hidden in every table that shows it
(the network's list of Cités, the Cité's own report, the open data), no source gives back what
another hides.

**Two uses.**

- ``published_hidden(year)``: the cells hidden in the published figures of a year, over the whole
  network at once (cached under the figures' fingerprint). The public report of the network, a
  country or a Cité, and the open data, hide exactly those.
- Any other figures (a signed-in observer's filtered query): the lines inside that one set of
  figures, with the same rule (``protect(figures)`` without a scope).

Activity participants (workshops, events) are head counts of group sessions with no visitor
profile: they are shown; a beneficiaries total is hidden whenever its visits are.
Interview durations and waits: their counts are cells (families ``durations`` and ``waits``); a
hidden count hides its mean and 90th percentile too.
"""

import copy
import datetime
import hashlib
import json

from django.conf import settings
from django.db.models import Sum

from cdm.network.vocabularies import AgeBand, Channel, Gender, Outcome, Status, Theme

PROTECTED = ("age_band", "gender", "status")
OUTCOMES = (Outcome.INFORMATION.value, Outcome.SELF_SERVICE.value, Outcome.INTERVIEW.value)
FIRST_VISITS = ("first", "returning", "unknown")
# The breakdowns of a scope's visits, each adding up to its visits ("V").
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "age_band": tuple(AgeBand.values),
    "gender": tuple(Gender.values),
    "status": tuple(Status.values),
    "theme": tuple(Theme.values),
    "channel": tuple(Channel.values),
    "first_visit": FIRST_VISITS,
}
NETWORK = "network"


def hidden(k: int) -> str:
    return f"< {k}"


def threshold() -> int:
    return getattr(settings, "SMALL_COUNT_THRESHOLD", 5)


# -- the rule -------------------------------------------------------------------------------


def suppress(cells: dict, lines: list[tuple], k: int) -> set:
    """The cells to hide: primary (1..k-1), then complementary until every line holds."""
    hide = {key for key, n in cells.items() if 0 < n < k}
    changed = True
    while changed:
        changed = False
        for head, members in lines:
            nonzero = [m for m in members if cells.get(m, 0)]
            hid = [m for m in nonzero if m in hide]
            shown = sorted(((cells[m], str(m)), m) for m in nonzero if m not in hide)
            if head in hide:
                if len(hid) >= 2 or not shown:
                    continue
                hide.add(shown[0][1])
                changed = True
            elif hid:
                if len(hid) >= 2 and sum(cells[m] for m in hid) >= k:
                    continue
                hide.add(shown[0][1] if shown else head)
                changed = True
    return hide


def protect_breakdown(cells: dict[str, int], k: int, *, total_hidden: bool = False) -> dict[str, int | str]:
    """One breakdown whose total is published: its small cells hidden, and enough others."""
    keys = {key: ("b", key) for key in cells}
    values = {keys[key]: n for key, n in cells.items()}
    values["total"] = sum(cells.values())
    hide = suppress(values, [("total", list(keys.values()))], k)
    return {key: hidden(k) if (total_hidden and n) or keys[key] in hide else n for key, n in cells.items()}


def _scope_lines(scope: str, months: list[str], has: set) -> list[tuple]:
    """The sums inside one scope's figures."""
    visits = ("V", scope, "")
    lines = [
        (("B", scope, ""), [visits]),
        (visits, [("activity", scope, o) for o in OUTCOMES]),
        (("activity", scope, Outcome.INTERVIEW.value), [("ichannel", scope, c) for c in Channel.values]),
    ]
    for family, values in DIMENSIONS.items():
        lines.append((visits, [(family, scope, v) for v in values]))
    if months:
        lines.append((visits, [("month", scope, m) for m in months]))
    return [(head, members) for head, members in lines if head in has or any(m in has for m in members)]


# -- the figures of one scope as cells -------------------------------------------------------


def figures_cells(figures: dict, scope: str) -> dict:
    """The cells of a figures dict (``figures.compute(details=True)``) for ``scope``."""
    cells: dict = {}
    b = figures["beneficiaries"]
    by_activity = b["by_activity"]
    cells["B", scope, ""] = b["total"]
    cells["V", scope, ""] = sum(_int(by_activity.get(o, 0)) for o in OUTCOMES)
    for o in OUTCOMES:
        cells["activity", scope, o] = _int(by_activity.get(o, 0))
    for c, n in figures["interviews"]["by_channel"].items():
        cells["ichannel", scope, c] = _int(n)
    if "profiles" in figures:
        for family in PROTECTED:
            for v, n in figures["profiles"][family].items():
                cells[family, scope, v] = _int(n)
        for family, key in (("theme", "themes"), ("channel", "channels"), ("first_visit", "first_visits")):
            for v, n in figures[key].items():
                cells[family, scope, v] = _int(n)
        for m, row in figures["monthly"].items():
            cells["month", scope, m] = _int(row["visits"])
        for name in ("durations", "waits"):
            cells[name, scope, ""] = _int(figures["interview_times"][name]["count"])
    return {key: n for key, n in cells.items() if n}


def _int(n) -> int:
    return n if isinstance(n, int) else 0


# -- the published figures of a year, over the whole network ----------------------------------


def year_cells(year: int) -> tuple[dict, list[tuple]]:
    """Every published cell of ``year`` (each Cité, each country, the network) and every line."""
    from cdm.accounts.scoping import network_scope
    from cdm.activity.models import Activity

    from . import months
    from .figures import SCAN_PART, Period, members, visit_scan

    period = Period.year(year)
    cells: dict = {}
    with network_scope():
        member_rows = list(members(period).values("pk", "slug", "country"))
        scope_of = {m["pk"]: f"cite:{m['slug']}" for m in member_rows}
        country_of = {f"cite:{m['slug']}": f"country:{m['country']}" for m in member_rows}
        ids = list(scope_of)
        in_year = {"date__gte": period.start, "date__lte": period.end}
        # The visits' cells month by month, each month cached under its own data (``months``): a
        # visit recorded today makes only this month be counted again, not the whole year. The same
        # scan as the report's breakdowns (``figures.visit_scan``): one reading of a month for both.
        parts = months.breakdowns(period, ids, lambda sub: visit_scan(sub, ids), SCAN_PART)
        for family, cite, value, n in parts.get("cells", []):
            key = (family, scope_of[cite], value)
            cells[key] = cells.get(key, 0) + n
        participants = dict(
            Activity.objects.filter(cite__in=ids, **in_year)
            .values_list("cite")
            .annotate(p=Sum("participants"))
            .order_by()
        )
    for pk, scope in scope_of.items():
        v = sum(cells.get(("activity", scope, o), 0) for o in OUTCOMES)
        cells["V", scope, ""] = v
        cells["B", scope, ""] = v + (participants.get(pk) or 0)
    # Countries and the network: the sums of their Cités.
    for (family, scope, value), n in list(cells.items()):
        for parent in (country_of[scope], NETWORK):
            cells[family, parent, value] = cells.get((family, parent, value), 0) + n
    cells = {key: n for key, n in cells.items() if n}
    has = set(cells)
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    scopes = [NETWORK, *sorted(set(country_of.values())), *sorted(country_of)]
    lines = [line for scope in scopes for line in _scope_lines(scope, months, has)]
    # A scope's interviews add up to its interviews by partner (and those with none named).
    partners: dict[str, list] = {}
    for family, scope, value in cells:
        if family == "partner":
            partners.setdefault(scope, []).append((family, scope, value))
    for scope, members_ in sorted(partners.items()):
        lines.append((("activity", scope, Outcome.INTERVIEW.value), sorted(members_)))
    children: dict[str, list[str]] = {NETWORK: sorted(set(country_of.values()))}
    for cite, country in sorted(country_of.items()):
        children.setdefault(country, []).append(cite)
    for family, value in sorted({(f, v) for f, _s, v in cells}):
        for parent, kids in children.items():
            head = (family, parent, value)
            if head in has or any((family, kid, value) in has for kid in kids):
                lines.append((head, [(family, kid, value) for kid in kids]))
    return cells, lines


def published_hidden(year: int, k: int | None = None) -> set:
    """The cells hidden in the published figures of ``year``: the same in every output."""
    from django.core.cache import caches

    from .cache import fingerprint
    from .figures import Period

    k = threshold() if k is None else k
    source = json.dumps([year, k, fingerprint(Period.year(year))], default=str)
    key = "cdm-hidden:" + hashlib.sha256(source.encode()).hexdigest()
    cache = caches["figures"]
    found = cache.get(key)
    if found is None:
        cells, lines = year_cells(year)
        found = sorted(suppress(cells, lines, k))
        cache.set(key, found, settings.FIGURES_CACHE_SECONDS)
    return {tuple(cell) for cell in found}


# -- applying it ------------------------------------------------------------------------------


def _complete(figures: dict) -> None:
    """Every category key listed (0 where nothing), so that an absent key never tells anything."""
    b = figures["beneficiaries"]
    b["by_activity"] = {k: b["by_activity"].get(k, 0) for k in (*OUTCOMES, "workshop", "event")}
    interviews = figures["interviews"]
    interviews["by_channel"] = {c: interviews["by_channel"].get(c, 0) for c in Channel.values}
    if "profiles" not in figures:
        return
    for family in PROTECTED:
        figures["profiles"][family] = {v: figures["profiles"][family].get(v, 0) for v in DIMENSIONS[family]}
    figures["themes"] = {v: figures["themes"].get(v, 0) for v in Theme.values}
    figures["channels"] = {v: figures["channels"].get(v, 0) for v in Channel.values}
    figures["first_visits"] = {v: figures["first_visits"].get(v, 0) for v in FIRST_VISITS}
    period = figures.get("period")
    if period:
        start = datetime.date.fromisoformat(period["start"])
        end = datetime.date.fromisoformat(period["end"])
        months, day = {}, start.replace(day=1)
        while day <= end:
            m = day.strftime("%Y-%m")
            months[m] = figures["monthly"].get(m, {"visits": 0, "participants": 0})
            day = (day + datetime.timedelta(days=32)).replace(day=1)
        figures["monthly"] = months


def protect(figures: dict, k: int | None = None, *, scope: str | None = None, year_hidden=None) -> dict:
    """A copy of ``figures`` safe to publish.

    ``scope`` (``network``, ``country:XX``, ``cite:<slug>``) with ``year_hidden`` (from
    ``published_hidden``): the published figures of a year, hidden as everywhere else. Without a
    scope: figures of any period or filter, protected on their own lines.
    """
    k = threshold() if k is None else k
    out = copy.deepcopy(figures)
    _complete(out)
    label = scope or "self"
    cells = figures_cells(out, label)
    months = list(out.get("monthly", {}))
    hide = suppress(cells, _scope_lines(label, months, set(cells)), k)
    if year_hidden is not None:
        hide |= {cell for cell in year_hidden if cell[1] == label}
    mark = hidden(k)

    def h(family, value=""):
        return (family, label, value) in hide

    b = out["beneficiaries"]
    visits_hidden = h("V")
    if h("B"):
        b["total"] = mark
    for o in OUTCOMES:
        if h("activity", o):
            b["by_activity"][o] = mark
    if h("activity", Outcome.INTERVIEW.value):
        out["interviews"]["total"] = mark
    out["interviews"]["by_channel"] = {
        c: mark if h("ichannel", c) else n for c, n in out["interviews"]["by_channel"].items()
    }
    if year_hidden is not None and "by_country" in b:
        b["by_country"] = {
            c: mark if ("B", f"country:{c}", "") in year_hidden else n for c, n in b["by_country"].items()
        }
        if scope != NETWORK:
            b["by_country"] = {c: mark if h("B") else n for c, n in b["by_country"].items()}
    elif h("B"):
        b["by_country"] = dict.fromkeys(b["by_country"], mark)
    if "profiles" in out:
        for family in PROTECTED:
            out["profiles"][family] = {
                v: mark if h(family, v) else n for v, n in out["profiles"][family].items()
            }
        for family, key in (("theme", "themes"), ("channel", "channels"), ("first_visit", "first_visits")):
            out[key] = {v: mark if h(family, v) else n for v, n in out[key].items()}
        for m, row in out["monthly"].items():
            if h("month", m):
                row["visits"] = mark
        for name in ("durations", "waits"):
            if h(name):
                out["interview_times"][name] = {"count": mark, "mean": None, "p90": None}
        for slug, row in out.get("by_cite", {}).items():
            cite_hidden = ("V", f"cite:{slug}", "") in (year_hidden or set())
            if year_hidden is None and (visits_hidden or 0 < row["visits"] < k):
                cite_hidden = True
            if cite_hidden:
                row["visits"] = mark
        if out.get("previous_year"):
            # Last year's totals, as last year's own report publishes them.
            previous = out["previous_year"]
            if year_hidden is not None:
                last = published_hidden(previous["year"], k)
                if ("B", label, "") in last:
                    previous["beneficiaries"] = mark
                if ("activity", label, Outcome.INTERVIEW.value) in last:
                    previous["interviews"] = mark
            else:
                for key in ("beneficiaries", "interviews"):
                    if 0 < previous[key] < k or visits_hidden:
                        previous[key] = mark
            # Last year's visits month by month (the trend's second line): hidden as that year's report
            # hides its months, or as one breakdown of its own.
            monthly = previous.get("monthly") or {}
            if year_hidden is not None:
                hidden_months = {m[5:] for f, s, m in last if f == "month" and s == label}
                gone = ("V", label, "") in last
            else:
                kept = protect_breakdown(
                    {m: row["visits"] for m, row in monthly.items()}, k, total_hidden=visits_hidden
                )
                hidden_months = {m for m, n in kept.items() if n == mark}
                gone = False
            for m, row in monthly.items():
                if gone or m in hidden_months:
                    row["visits"] = mark
    out["protected"] = {
        "threshold": k,
        "fields": ["beneficiaries", "interviews", *DIMENSIONS, "monthly", "by_cite", "interview_times"],
    }
    return out


def scope_of(period) -> str | None:
    """The published scope a period is (a calendar year of the network, a country or a Cité), or None."""
    from cdm.accounts.scoping import network_scope
    from cdm.network.models import Cite

    if not period.is_calendar_year or period.sites is not None or period.theme or period.channel:
        return None
    if period.cites is not None:
        if len(period.cites) != 1 or period.country:
            return None
        with network_scope():
            slug = Cite.objects.filter(pk=period.cites[0]).values_list("slug", flat=True).first()
        return f"cite:{slug}" if slug else None
    if period.country:
        return f"country:{period.country}"
    return NETWORK


def protect_published(figures: dict, period, k: int | None = None) -> dict:
    """``protect`` as every public output must: the year's pattern when the period is a published scope."""
    k = threshold() if k is None else k
    scope = scope_of(period)
    if scope is None:
        return protect(figures, k)
    return protect(figures, k, scope=scope, year_hidden=published_hidden(period.label_year, k))


__all__ = ["PROTECTED", "hidden", "protect", "protect_breakdown", "protect_published", "suppress"]
