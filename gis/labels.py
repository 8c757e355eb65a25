"""Where a map puts a polygon's label, and how overlapping zones stay apart on a map.

label_point: inside the polygon, far from its edges (the pole of inaccessibility of its largest part).
group_label_points: one point per member of a group of overlapping polygons (the plan's clusters share
towns: some lie wholly inside others), placed one after another, each away from the points already placed
so the names do not stack on one spot.
inner_bands: a band along the inside of each polygon's boundary, inset by a step per polygon so nested
polygons whose boundaries coincide show side-by-side coloured bands instead of one line over another.
"""
from __future__ import annotations

import shapely
from shapely.affinity import scale
from shapely.geometry import Point, mapping, shape
from shapely.ops import polylabel

from gis.crs import from_measure, to_measure


def _largest(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    return max(parts, key=lambda g: g.area) if parts else None


def label_point(geom) -> tuple[float, float]:
    """(x, y) inside the geometry, far from its edges; points and lines give a point on themselves."""
    part = _largest(geom) if geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection") else None
    if part is None:
        p = geom.representative_point()
        return p.x, p.y
    size = max(part.bounds[2] - part.bounds[0], part.bounds[3] - part.bounds[1])
    p = polylabel(part, tolerance=max(size / 200, 1e-6))
    return p.x, p.y


def group_label_points(geometries: list[dict], spacing_m: float = 3500.0) -> list[tuple[float, float]]:
    """A label point (lon, lat) per GeoJSON geometry of a group: smallest polygon first, each in the part of
    its polygon farther than `spacing_m` (2.2 times that sideways) from the points already placed (and off the others' own
    areas where it can), else anywhere inside it."""
    shapes = [to_measure(shape(g)) for g in geometries]
    order = sorted(range(len(shapes)), key=lambda i: shapes[i].area)
    placed: dict[int, Point] = {}
    for i in order:
        s = shapes[i]
        # labels are wider than tall: keep others twice as far sideways as up and down
        taken = shapely.union_all([scale(p.buffer(spacing_m), 2.2, 1.0) for p in placed.values()]) if placed else None
        free = s.difference(taken) if taken is not None else s
        if free.is_empty or _largest(free) is None or _largest(free).area < 0.02 * s.area:
            free = s
        placed[i] = Point(label_point(free))
    return [tuple(from_measure(placed[i]).coords[0]) for i in range(len(shapes))]


def inner_bands(geometries: list[dict], width_m: float = 260.0) -> list[dict | None]:
    """A GeoJSON band (width `width_m`) inside each polygon's boundary. Overlapping polygons get different
    insets (the lowest step no overlapping neighbour has), so coinciding boundaries draw as parallel bands."""
    shapes = [to_measure(shape(g)) for g in geometries]
    steps: list[int] = []
    for i, s in enumerate(shapes):
        used = {steps[j] for j in range(i) if shapes[j].intersection(s).area > 0.01 * min(s.area, shapes[j].area)}
        steps.append(next(k for k in range(len(shapes) + 1) if k not in used))
    out = []
    for s, k in zip(shapes, steps):
        outer = s.buffer(-k * width_m) if k else s
        band = outer.difference(s.buffer(-(k + 1) * width_m))
        out.append(mapping(from_measure(band)) if not band.is_empty else None)
    return out
