"""Build the simplified country outlines that the member map draws.

Run once, by hand, from Natural Earth's 1:50m countries as packaged by the npm
package ``world-atlas`` (public domain):

    npm install --prefix /tmp/geo world-atlas@2
    python tools/build_outlines.py /tmp/geo/node_modules/world-atlas/countries-50m.json

It writes ``src/cdm/lib/data/outlines.json``: for the European frame and each
overseas inset, its bounding box and the clipped, simplified rings in lon/lat.
The product reads only that file; it needs no tile server and no network.
"""

import json
import sys
from pathlib import Path

FRAMES = {
    # name: (min_lon, min_lat, max_lon, max_lat)
    "europe": (-11.0, 35.5, 17.5, 56.0),
    "guadeloupe": (-61.9, 15.8, -61.0, 16.55),
    "mayotte": (45.0, -13.05, 45.35, -12.6),
    "la-reunion": (55.15, -21.45, 55.9, -20.8),
}
TOLERANCE = {"europe": 0.06, "guadeloupe": 0.004, "mayotte": 0.002, "la-reunion": 0.004}


def decode(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)

    def ring(indices):
        pts = []
        for i in indices:
            a = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
            pts.extend(a if not pts else a[1:])
        return pts

    for geom in topo["objects"]["countries"]["geometries"]:
        polys = []
        if geom["type"] == "Polygon":
            polys = [geom["arcs"]]
        elif geom["type"] == "MultiPolygon":
            polys = geom["arcs"]
        for poly in polys:
            yield geom.get("id"), ring(poly[0])


def clip(ring, box):
    """Sutherland–Hodgman clipping of a ring to an axis-aligned box."""
    x0, y0, x1, y1 = box
    edges = [
        (lambda p: p[0] >= x0, lambda a, b: _ix(a, b, x0, 0)),
        (lambda p: p[0] <= x1, lambda a, b: _ix(a, b, x1, 0)),
        (lambda p: p[1] >= y0, lambda a, b: _ix(a, b, y0, 1)),
        (lambda p: p[1] <= y1, lambda a, b: _ix(a, b, y1, 1)),
    ]
    out = ring
    for inside, inter in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(inter(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(inter(prev, cur))
            prev = cur
    return out


def _ix(a, b, v, axis):
    t = (v - a[axis]) / (b[axis] - a[axis])
    p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    p[axis] = v
    return tuple(p)


def simplify(pts, tol):
    """Douglas–Peucker; a closed ring is split at its farthest point first."""
    if len(pts) < 4:
        return pts
    if pts[0] == pts[-1]:
        far = max(range(len(pts)), key=lambda k: (pts[k][0] - pts[0][0]) ** 2 + (pts[k][1] - pts[0][1]) ** 2)
        return simplify(pts[: far + 1], tol)[:-1] + simplify(pts[far:], tol)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        ax, ay = pts[i]
        bx, by = pts[j]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
        best, idx = -1.0, None
        for k in range(i + 1, j):
            px, py = pts[k]
            d = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if d > best:
                best, idx = d, k
        if idx is not None and best > tol:
            keep[idx] = True
            stack += [(i, idx), (idx, j)]
    return [p for p, k in zip(pts, keep, strict=True) if k]


def main(path):
    topo = json.loads(Path(path).read_text())
    rings = list(decode(topo))
    out = {}
    for name, box in FRAMES.items():
        shapes = []
        for _id, ring in rings:
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            if max(xs) < box[0] or min(xs) > box[2] or max(ys) < box[1] or min(ys) > box[3]:
                continue
            clipped = simplify(clip(ring, box), TOLERANCE[name])
            if len(clipped) >= 3:
                shapes.append([[round(x, 3), round(y, 3)] for x, y in clipped])
        out[name] = {"bbox": list(box), "rings": shapes}
    target = Path(__file__).resolve().parent.parent / "src/cdm/lib/data/outlines.json"
    target.write_text(json.dumps(out, separators=(",", ":")))
    print(target, target.stat().st_size, "bytes", {k: len(v["rings"]) for k, v in out.items()})


if __name__ == "__main__":
    main(sys.argv[1])
