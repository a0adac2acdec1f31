"""The member map, drawn as SVG from shipped country outlines: no tile server, no network.

Europe in an equirectangular projection scaled for mid-latitudes, with insets for the
overseas Cités (Guadeloupe, Mayotte, La Réunion). Used by the public pages and the report.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

OUTLINES = Path(__file__).parent / "data" / "outlines.json"
WIDTH, HEIGHT = 640, 560
INSET_W, INSET_H = 150, 120
INSET_NAMES = {"guadeloupe": "Guadeloupe", "mayotte": "Mayotte", "la-reunion": "La Réunion"}


@cache
def outlines() -> dict:
    return json.loads(OUTLINES.read_text())


@dataclass(frozen=True)
class Frame:
    bbox: tuple[float, float, float, float]
    x: float
    y: float
    w: float
    h: float

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        x0, y0, x1, y1 = self.bbox
        k = math.cos(math.radians((y0 + y1) / 2))
        sx = self.w / ((x1 - x0) * k)
        sy = self.h / (y1 - y0)
        s = min(sx, sy)
        ox = self.x + (self.w - (x1 - x0) * k * s) / 2
        oy = self.y + (self.h - (y1 - y0) * s) / 2
        return ox + (lon - x0) * k * s, oy + (y1 - lat) * s

    def contains(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1


def _frames() -> dict[str, Frame]:
    data = outlines()
    frames = {"europe": Frame(tuple(data["europe"]["bbox"]), 0, 0, WIDTH - INSET_W - 10, HEIGHT)}
    for i, name in enumerate(INSET_NAMES):
        frames[name] = Frame(
            tuple(data[name]["bbox"]), WIDTH - INSET_W, 10 + i * (INSET_H + 60), INSET_W, INSET_H
        )
    return frames


def member_map_svg(points: list[dict], *, title: str | None = None) -> str:
    """An accessible SVG map. ``points``: dicts with name, latitude, longitude and optional url."""
    frames = _frames()
    data = outlines()
    # With links inside, the map is a group of links; without, a single image.
    role = "group" if any(p.get("url") for p in points) else "img"
    title = title or _("Carte des Cités des métiers membres du réseau")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="{role}" '
        f'aria-labelledby="map-title" class="member-map">',
        f'<title id="map-title">{escape(title)}</title>',
        '<rect width="100%" height="100%" fill="#eef3f7"/>',
    ]
    for name, frame in frames.items():
        if name != "europe":
            parts.append(
                f'<rect x="{frame.x:.1f}" y="{frame.y:.1f}" width="{frame.w}" height="{frame.h}" '
                'fill="#e2ecf3" stroke="#5b6b78" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{frame.x + frame.w / 2:.1f}" y="{frame.y + frame.h + 16:.1f}" text-anchor="middle" '
                f'font-size="13" fill="#1f2933">{escape(INSET_NAMES[name])}</text>'
            )
        for ring in data[name]["rings"]:
            d = (
                "M"
                + "L".join(f"{x:.1f},{y:.1f}" for x, y in (frame.project(lon, lat) for lon, lat in ring))
                + "Z"
            )
            parts.append(f'<path d="{d}" fill="#d5dbe1" stroke="#8a99a6" stroke-width="0.6"/>')
    for point in points:
        lat, lon = point.get("latitude"), point.get("longitude")
        if lat is None or lon is None:
            continue
        frame = next((f for n, f in frames.items() if n != "europe" and f.contains(lon, lat)), None)
        frame = frame or (frames["europe"] if frames["europe"].contains(lon, lat) else None)
        if frame is None:
            continue
        x, y = frame.project(lon, lat)
        label = escape(point["name"])
        circle = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#b3261e" stroke="#ffffff" stroke-width="2">'
            f"<title>{label}</title></circle>"
        )
        if point.get("url"):
            circle = f'<a href="{escape(point["url"])}" aria-label="{label}">{circle}</a>'
        parts.append(circle)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped
