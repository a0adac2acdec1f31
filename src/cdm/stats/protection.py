"""Small counts protected in every published output.

In a breakdown by profile (age band, gender, status), a cell below the threshold k reads
"< k". If that leaves a single hidden cell, the breakdown's total would give it back, so
the next smallest cell is hidden too (secondary suppression). Totals stay published.
"""

import copy

from django.conf import settings

PROTECTED = ("age_band", "gender", "status")


def hidden(k: int) -> str:
    return f"< {k}"


def protect_breakdown(cells: dict[str, int], k: int) -> dict[str, int | str]:
    small = {key for key, n in cells.items() if 0 < n < k}
    if len(small) == 1 and len(cells) > 1:
        # One hidden cell = total minus the others: hide the next smallest as well.
        others = sorted((n, key) for key, n in cells.items() if key not in small)
        small.add(others[0][1])
    return {key: hidden(k) if key in small else n for key, n in cells.items()}


def protect(figures: dict, k: int | None = None) -> dict:
    """A copy of ``figures`` safe to publish: profile breakdowns with small cells hidden."""
    k = settings.SMALL_COUNT_THRESHOLD if k is None else k
    out = copy.deepcopy(figures)
    profiles = out.get("profiles")
    if profiles:
        for name in PROTECTED:
            if name in profiles:
                profiles[name] = protect_breakdown(profiles[name], k)
        out["protected"] = {"threshold": k, "fields": list(PROTECTED)}
    return out
