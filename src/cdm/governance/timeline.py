"""A project's timeline as a picture: an SVG drawn on the server, real text (readable in the PDF)."""

import datetime

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 760, 250
LEFT, RIGHT, AXIS_Y = 40, 720, 125
INK, ACCENT, MUTED = "#1f2933", "#0b5cad", "#52606d"


def _x(day: datetime.date, start: datetime.date, end: datetime.date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (RIGHT - LEFT) * (day - start).days / span


def _text(x, y, content, *, size=12, anchor="middle", weight="normal", fill=INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'font-weight="{weight}" fill="{fill}" font-family="sans-serif">{escape(content)}</text>'
    )


def project_timeline_svg(project) -> str:
    """The project's milestones on a line from its start to its end, labels alternately above and below."""
    milestones = list(project.milestones.all())
    dates = (
        [m.date for m in milestones] + [project.started_on] + ([project.ended_on] if project.ended_on else [])
    )
    start, end = min(dates), max(dates)
    start = datetime.date(start.year, start.month, 1)
    title = _("Les temps forts du projet %(title)s") % {"title": project.title}
    desc = "; ".join(f"{m.when} : {m.label}, {m.place}" for m in sorted(milestones, key=lambda m: m.date))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="tl-title-{project.pk} tl-desc-{project.pk}" class="timeline">',
        f'<title id="tl-title-{project.pk}">{escape(title)}</title>',
        f'<desc id="tl-desc-{project.pk}">{escape(desc)}</desc>',
        f'<line x1="{LEFT}" y1="{AXIS_Y}" x2="{RIGHT}" y2="{AXIS_Y}" stroke="{ACCENT}" stroke-width="4"/>',
    ]
    for year in range(start.year, end.year + 2):
        day = datetime.date(year, 1, 1)
        if start <= day <= end:
            x = _x(day, start, end)
            parts.append(
                f'<line x1="{x:.1f}" y1="{AXIS_Y - 8}" x2="{x:.1f}" y2="{AXIS_Y + 8}" stroke="{MUTED}"/>'
            )
            parts.append(_text(x, AXIS_Y + 24, str(year), size=11, fill=MUTED))
    for i, m in enumerate(sorted(milestones, key=lambda m: (m.date, m.pk))):
        x = _x(m.date, start, end)
        above = i % 2 == 0
        tier = (i // 2) % 2
        y_label = AXIS_Y - 30 - 36 * tier if above else AXIS_Y + 56 + 36 * tier
        parts.append(
            f'<circle cx="{x:.1f}" cy="{AXIS_Y}" r="7" fill="#ffffff" stroke="{ACCENT}" stroke-width="3"/>'
        )
        parts.append(
            f'<line x1="{x:.1f}" y1="{AXIS_Y + (-7 if above else 7)}" x2="{x:.1f}" '
            f'y2="{y_label + (8 if above else -27)}" stroke="{MUTED}" stroke-dasharray="2 2"/>'
        )
        anchor = "start" if x < LEFT + 60 else "end" if x > RIGHT - 60 else "middle"
        parts.append(_text(x, y_label - 14, m.label[:40], size=11, anchor=anchor, weight="bold"))
        parts.append(
            _text(
                x,
                y_label,
                f"{m.place[:28]} · {formats.date_format(m.date, 'YEAR_MONTH_FORMAT')}",
                size=10,
                anchor=anchor,
                fill=MUTED,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every piece of text escaped above
