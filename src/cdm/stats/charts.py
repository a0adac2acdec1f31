"""Charts as SVG with real text: horizontal bars and trends, readable in greyscale.

Every chart carries its numbers as text labels (no value is only a colour) and a <title>; the
report's appendix holds the same numbers as tables. One palette everywhere: each colour stands at
least 4.5:1 against the white page (graphical objects need 3:1, white text on a bar 4.5:1), the
hues are told apart by colour-blind readers (blue, orange, green, purple, ochre), and a second
series is also dashed, so a greyscale print loses nothing.
"""

from numbers import Number

from django.utils import translation
from django.utils.html import escape
from django.utils.numberformat import format as number_format
from django.utils.safestring import mark_safe

# Okabe–Ito's hues, darkened until white text on each reads at 4.5:1 (tests/test_charts.py).
PALETTE = ["#1f5f99", "#b3541e", "#1a7f64", "#6b3f8f", "#8a5a00"]
INK = "#1f2933"
BACKGROUND = "#ffffff"
ON_BAR = "#ffffff"  # a value written inside its bar
GRID = "#7b8794"  # axes: 3.9:1 on white


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


def _svg_open(width, height, title: str, desc: str = "") -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    if desc:
        parts.append(f"<desc>{escape(desc)}</desc>")
    return parts


def _fit(label: str, room: float, size: float = 12) -> str:
    """A label cut to the room beside its bar ("Chambre de commerce et d'ind…"); the table has it whole."""
    most = max(4, int(room / (0.58 * size)))
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def bar_chart(
    items: list[tuple[str, float]], *, title: str, width: int = 560, shares: bool = False, colour: int = 0
) -> str:
    """Horizontal bars, one per (label, value), in the order given, each with its value written on it.

    ``shares``: each value followed by its share of the whole ("1 234 · 56 %"). A hidden count
    ("< 5") keeps its row and its text, with no bar.
    """
    items = list(items) or [("—", 0)]
    numbers = [v for _, v in items if isinstance(v, Number)]
    total = sum(numbers) or 1
    bar_h, gap, label_w = 20, 7, 200
    height = len(items) * (bar_h + gap) + 6
    top = max(numbers, default=0) or 1
    room = width - label_w - 90
    fill = PALETTE[colour % len(PALETTE)]
    parts = _svg_open(width, height, title)
    for i, (label, value) in enumerate(items):
        y = 3 + i * (bar_h + gap)
        base = y + bar_h * 0.7
        text = _fmt(value)
        if shares and isinstance(value, Number):
            text += " · " + escape(format_percent(100 * value / total, 0))
        shown = _fit(label, label_w - 10)
        parts.append(
            f'<text x="{label_w - 8}" y="{base:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(shown)}{f"<title>{escape(label)}</title>" if shown != label else ""}</text>'
        )
        if not isinstance(value, Number):
            parts.append(f'<text x="{label_w + 4}" y="{base:.1f}" font-size="12" fill="{INK}">{text}</text>')
            continue
        w = max(1.5, room * value / top) if value else 0
        if w:
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}"/>')
        inside = w > 7.2 * len(text) + 12
        if inside:
            parts.append(
                f'<text x="{label_w + w - 6:.1f}" y="{base:.1f}" text-anchor="end" font-size="12" '
                f'font-weight="bold" fill="{ON_BAR}" class="on-bar">{text}</text>'
            )
        else:
            parts.append(
                f'<text x="{label_w + w + 5:.1f}" y="{base:.1f}" font-size="12" fill="{INK}">{text}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped


def donut_chart(items: list[tuple[str, float]], *, title: str, **_kw) -> str:
    """Shares are drawn as bars sorted by size: a donut's slivers say less (kept for old callers)."""
    ordered = sorted(items, key=lambda kv: -kv[1] if isinstance(kv[1], Number) else 1)
    return bar_chart(ordered, title=title, shares=True)


def trend_chart(
    series: list[tuple[str, float]],
    *,
    title: str,
    width: int = 560,
    height: int = 230,
    previous: list | None = None,
    legend: tuple[str, str] | None = None,
) -> str:
    """A line over time with each point's value written above it (hidden counts left out).

    ``previous``: the same months of the year before, a second, dashed line (its values unwritten,
    the table gives them); ``legend`` names the two lines.
    """
    labels = [label for label, _ in series] or ["—"]
    current = [v if isinstance(v, Number) else None for _, v in series] or [None]
    before = [v if isinstance(v, Number) else None for v in (previous or [])]
    left, right, top_pad, bottom = 20, 20, 26 + (18 if legend else 0), 30
    top = max([v for v in current + before if v is not None] or [0]) or 1
    step = (width - left - right) / max(1, len(labels) - 1) if len(labels) > 1 else 0
    x0 = left if len(labels) > 1 else width / 2

    def point(i, v):
        return x0 + i * step, top_pad + (height - top_pad - bottom) * (1 - v / top)

    parts = _svg_open(width, height, title)
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="{GRID}"/>'
    )
    if legend:
        parts.append(
            f'<line x1="{left}" y1="12" x2="{left + 26}" y2="12" stroke="{PALETTE[0]}" stroke-width="2.5"/>'
            f'<text x="{left + 32}" y="16" font-size="11" fill="{INK}">{escape(legend[0])}</text>'
        )
        if before:
            parts.append(
                f'<line x1="{left + 150}" y1="12" x2="{left + 176}" y2="12" stroke="{PALETTE[1]}" '
                f'stroke-width="2" stroke-dasharray="6 4"/>'
                f'<text x="{left + 182}" y="16" font-size="11" fill="{INK}">{escape(legend[1])}</text>'
            )
    if before:
        pts = [point(i, v) for i, v in enumerate(before[: len(labels)]) if v is not None]
        if pts:
            parts.append(
                f'<polyline fill="none" stroke="{PALETTE[1]}" stroke-width="2" stroke-dasharray="6 4" '
                f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" class="previous"/>'
            )
    pts = [point(i, v) for i, v in enumerate(current) if v is not None]
    if len(pts) > 1:
        parts.append(
            f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2.5" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}"/>'
        )
    for i, label in enumerate(labels):
        x = x0 + i * step
        value = series[i][1] if i < len(series) else None
        if isinstance(value, Number):
            _x, y = point(i, value)
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{PALETTE[0]}"/>'
                f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="10" fill="{INK}">'
                f"{_fmt(value)}</text>"
            )
        elif value is not None:
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom - 6}" text-anchor="middle" font-size="10" '
                f'fill="{INK}">{_fmt(value)}</text>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle" font-size="11" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, the rest are numbers


def grouped_bar_chart(
    items: list[tuple[str, float, float]],
    *,
    title: str,
    legend: tuple[str, str],
    width: int = 560,
    percent: bool = False,
    description: str = "",
) -> str:
    """Two bars per label (e.g. asked at the desk, offered by the programme), each with its value
    (``percent``: written as a percentage); ``description``: every value in words."""
    bar_h, gap, label_w = 12, 10, 200
    height = len(items) * (2 * bar_h + gap) + 30
    numbers = [v for _, a, b in items for v in (a, b) if isinstance(v, Number)]
    top = max(numbers, default=0) or 1
    room = width - label_w - 70
    parts = _svg_open(width, height, title, description)
    for j, name in enumerate(legend):
        x = label_w + j * 170
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[j]}"/>'
            f'<text x="{x + 17}" y="14" font-size="11" fill="{INK}">{escape(name)}</text>'
        )
    for i, (label, *values) in enumerate(items):
        y = 26 + i * (2 * bar_h + gap)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        for j, value in enumerate(values):
            yy = y + j * bar_h
            w = room * value / top if isinstance(value, Number) and value else 0
            if w:
                parts.append(
                    f'<rect x="{label_w}" y="{yy}" width="{max(1.5, w):.1f}" height="{bar_h - 1}" '
                    f'fill="{PALETTE[j]}"/>'
                )
            text = escape(format_percent(value, 0)) if percent and isinstance(value, Number) else _fmt(value)
            parts.append(
                f'<text x="{label_w + w + 4:.1f}" y="{yy + bar_h - 2:.1f}" font-size="10" fill="{INK}">'
                f"{text}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped, the rest are numbers
