"""Charts as SVG with real text: bars, donuts and trends, readable in greyscale.

Every chart carries its numbers as text labels (no value is only a colour), a <title>,
and the page shows a data table beside it. Colours step in lightness, and bars carry
direct labels, so a greyscale print loses nothing.
"""

import math
from numbers import Number

from django.utils import translation
from django.utils.html import escape
from django.utils.numberformat import format as number_format
from django.utils.safestring import mark_safe

# Dark-to-light blues and a warm accent: distinct in lightness once printed in grey.
PALETTE = ["#0b3d6e", "#2f6fab", "#6b9fd0", "#a9c8e8", "#d8e6f4", "#b3541e", "#e6a26f"]
INK = "#1f2933"


# How each language of the network writes a number: thousands separator, decimal separator, the
# smallest number of digits grouped (2: "1774" but "11.774", as Spanish and European Portuguese
# readers expect), and a percentage (where its sign goes). Every number of the report's HTML, PDF
# and charts goes through ``format_number``; JSON and CSV keep the numbers themselves.
NUMBER_FORMATS = {
    "fr": ("\u202f", ",", 1, "{}\u202f%"),
    "en": (",", ".", 1, "{}%"),
    "nl": (".", ",", 1, "{}%"),
    "es": (".", ",", 2, "{}\u00a0%"),
    "ca": (".", ",", 1, "{}\u00a0%"),
    "pt": (".", ",", 2, "{}%"),
    "it": (".", ",", 1, "{}%"),
}


def _number_format(language: str | None = None) -> tuple[str, str, int, str]:
    language = (language or translation.get_language() or "fr")[:2]
    return NUMBER_FORMATS.get(language, NUMBER_FORMATS["fr"])


def format_number(n, decimals: int | None = None, *, language: str | None = None) -> str:
    """``n`` written as a reader of the language expects it; a hidden count ("< 5") stays as it is.

    A whole number has no decimals; another number one, unless ``decimals`` says otherwise.
    """
    if not isinstance(n, Number) or isinstance(n, bool):
        return "" if n is None else str(n)
    thousands, decimal, min_grouping, _percent = _number_format(language)
    if decimals is None:
        decimals = 0 if float(n).is_integer() else 1
    grouped = abs(n) >= 10 ** (3 + min_grouping - 1)
    return number_format(
        n,
        decimal,
        decimal_pos=decimals,
        grouping=3 if grouped else 0,
        thousand_sep=thousands,
        force_grouping=grouped,
    )


def format_percent(n, decimals: int | None = None, *, language: str | None = None) -> str:
    """A percentage: "12,5 %" in French, "12.5%" in English."""
    if not isinstance(n, Number) or isinstance(n, bool):
        return "" if n is None else str(n)
    return _number_format(language)[3].format(format_number(n, decimals, language=language))


def _fmt(n) -> str:
    """A number as written in SVG text: formatted for the language, escaped like every other text
    (a hidden count reads "< 5")."""
    return escape(format_number(n))


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 560) -> str:
    """Horizontal bars, one per (label, value), with the value written at the end of each bar."""
    items = [(label, value) for label, value in items if not isinstance(value, str)] or [("—", 0)]
    bar_h, gap, label_w = 22, 8, 190
    height = len(items) * (bar_h + gap) + 10
    top = max((v for _, v in items), default=0) or 1
    room = width - label_w - 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * (bar_h + gap)
        w = max(1.0, room * value / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13" '
            f'fill="{INK}">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[1]}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13" '
            f'fill="{INK}">{_fmt(value)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped


def donut_chart(items: list[tuple[str, float]], *, title: str, size: int = 220) -> str:
    """A donut with a legend that writes each share in words and numbers."""
    items = [(label, value) for label, value in items if not isinstance(value, str) and value > 0]
    total = sum(v for _, v in items) or 1
    r_out, r_in = size / 2 - 4, size / 4
    cx = cy = size / 2
    legend_w = 260
    height = max(size, 24 * len(items) + 10)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size + legend_w} {height}" '
        f'width="{size + legend_w}" height="{height}" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    angle = -math.pi / 2
    for i, (label, value) in enumerate(items):
        sweep = 2 * math.pi * value / total
        colour = PALETTE[i % len(PALETTE)]
        if sweep >= 2 * math.pi - 1e-9:
            parts.append(
                f'<circle cx="{cx}" cy="{cy}" r="{(r_out + r_in) / 2}" fill="none" stroke="{colour}" '
                f'stroke-width="{r_out - r_in}"/>'
            )
        else:
            a0, a1 = angle, angle + sweep
            large = 1 if sweep > math.pi else 0
            p = [
                (cx + r_out * math.cos(a0), cy + r_out * math.sin(a0)),
                (cx + r_out * math.cos(a1), cy + r_out * math.sin(a1)),
                (cx + r_in * math.cos(a1), cy + r_in * math.sin(a1)),
                (cx + r_in * math.cos(a0), cy + r_in * math.sin(a0)),
            ]
            parts.append(
                f'<path d="M{p[0][0]:.2f},{p[0][1]:.2f} A{r_out},{r_out} 0 {large} 1 {p[1][0]:.2f},{p[1][1]:.2f} '
                f'L{p[2][0]:.2f},{p[2][1]:.2f} A{r_in},{r_in} 0 {large} 0 {p[3][0]:.2f},{p[3][1]:.2f} Z" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="1.5"/>'
            )
        angle += sweep
        y = 14 + i * 24
        parts.append(
            f'<rect x="{size + 10}" y="{y - 11}" width="14" height="14" fill="{colour}" stroke="{INK}" '
            f'stroke-width="0.5"/><text x="{size + 30}" y="{y}" font-size="13" fill="{INK}">'
            f"{escape(label)} — {_fmt(value)} ({escape(format_percent(100 * value / total, 0))})</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308


def trend_chart(series: list[tuple[str, float]], *, title: str, width: int = 560, height: int = 220) -> str:
    """A line over time with each point's value written above it (hidden counts left out)."""
    series = [(label, value) for label, value in series if not isinstance(value, str)]
    if not series:
        series = [("—", 0)]
    left, right, top_pad, bottom = 50, 20, 24, 30
    top = max(v for _, v in series) or 1
    step = (width - left - right) / max(1, len(series) - 1)
    points = [
        (left + i * step, top_pad + (height - top_pad - bottom) * (1 - v / top))
        for i, (_, v) in enumerate(series)
    ]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="{INK}"/>',
        '<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>'.format(
            PALETTE[0], " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        ),
    ]
    for (label, value), (x, y) in zip(series, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[0]}"/>'
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="10" fill="{INK}">{_fmt(value)}</text>'
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308
