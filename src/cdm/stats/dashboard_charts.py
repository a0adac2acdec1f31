"""The dashboards' small charts, as SVG with real text: a two-year month trend and sparklines.

Each chart is an ``<svg role="img">`` with a ``<title>`` (its name) and a ``<desc>`` (every value in
words): its text alternative. Colours are presentational attributes (the pages' CSP forbids inline
styles); a hidden count ("< 5") is a gap in the line, never a value.
"""

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .charts import INK, PALETTE, format_number

THIS_YEAR = PALETTE[0]
LAST_YEAR = "#7b8794"  # grey, 3.9:1 on white: a graphical object (WCAG 1.4.11 asks 3:1)


def _points(values, *, left, width, top, height, ceiling):
    step = width / max(1, len(values) - 1)
    return [
        None
        if not isinstance(v, int | float) or v is None
        else (left + i * step, top + height * (1 - v / ceiling))
        for i, v in enumerate(values)
    ]


def _polylines(points, colour, *, width="2", dash=""):
    """One polyline per unbroken run of points."""
    runs, run = [], []
    for p in points:
        if p is None:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(p)
    if run:
        runs.append(run)
    out = []
    for r in runs:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in r)
        if len(r) == 1:
            x, y = r[0]
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>')
        else:
            extra = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="{width}"{extra} points="{coords}"/>'
            )
    return "".join(out)


def month_trend(
    labels: list[str],
    this_year: list,
    last_year: list,
    *,
    title: str,
    description: str,
    legend: tuple[str, str],
    width: int = 520,
    height: int = 190,
) -> str:
    """This year's months (solid) over last year's (dashed, grey), month names below, a legend above."""
    left, right, top, bottom = 44, 10, 26, 24
    numbers = [v for v in (*this_year, *last_year) if isinstance(v, int | float)]
    ceiling = max(numbers, default=0) or 1
    inner_w, inner_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="trend-title trend-desc" class="chart trend">',
        f'<title id="trend-title">{escape(title)}</title><desc id="trend-desc">{escape(description)}</desc>',
        f'<line x1="{left}" y1="{top + inner_h}" x2="{width - right}" y2="{top + inner_h}" stroke="{INK}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" fill="{INK}">'
        f"{escape(format_number(ceiling))}</text>",
        f'<text x="{left - 6}" y="{top + inner_h}" text-anchor="end" font-size="11" fill="{INK}">0</text>',
    ]
    geometry = {"left": left, "width": inner_w, "top": top, "height": inner_h, "ceiling": ceiling}
    parts.append(_polylines(_points(last_year, **geometry), LAST_YEAR, dash="5 3"))
    parts.append(_polylines(_points(this_year, **geometry), THIS_YEAR, width="3"))
    step = inner_w / max(1, len(labels) - 1)
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{left + i * step:.1f}" y="{height - 6}" text-anchor="middle" font-size="11" '
            f'fill="{INK}">{escape(label)}</text>'
        )
    # The legend: a solid and a dashed sample, each with its year.
    parts.append(
        f'<line x1="{left}" y1="10" x2="{left + 24}" y2="10" stroke="{THIS_YEAR}" stroke-width="3"/>'
        f'<text x="{left + 30}" y="14" font-size="12" fill="{INK}">{escape(legend[0])}</text>'
        f'<line x1="{left + 110}" y1="10" x2="{left + 134}" y2="10" stroke="{LAST_YEAR}" stroke-width="2" '
        f'stroke-dasharray="5 3"/>'
        f'<text x="{left + 140}" y="14" font-size="12" fill="{INK}">{escape(legend[1])}</text>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped


def sparkline(values: list, *, title: str, width: int = 120, height: int = 28) -> str:
    """A Cité's last 12 months in a line the height of a table row; its values in its ``<title>``."""
    numbers = [v for v in values if isinstance(v, int | float)]
    ceiling = max(numbers, default=0) or 1
    points = _points(values, left=2, width=width - 4, top=3, height=height - 6, ceiling=ceiling)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{t}" class="sparkline"><title>{t}</title>'
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="#cbd2d9"/>{lines}</svg>',
        w=width,
        h=height,
        t=title,
        base=height - 3,
        lines=mark_safe(_polylines(points, THIS_YEAR)),  # noqa: S308 - numbers only
    )
