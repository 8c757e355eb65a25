"""Schematic partition of an area among seats: Voronoi cells, computed in metres and clipped.

No public town boundaries exist for Qingpu, so the default towns are the Voronoi cells of
their seats inside the real district outline. Cells never overlap, their union is the
outline, and each cell holds its own seat.
"""
from __future__ import annotations

from collections.abc import Mapping

import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from gis.crs import area_km2, from_measure, to_measure


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Keep only the polygonal parts of a geometry, as a MultiPolygon."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, (Polygon, MultiPolygon))]
    polys: list[Polygon] = []
    for part in parts:
        polys.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    return MultiPolygon(polys)


def voronoi_partition(outline: BaseGeometry, seats: Mapping[str, tuple[float, float]],
                      min_part_km2: float = 0.05) -> dict[str, MultiPolygon]:
    """Split a WGS84 outline into one cell per seat (lon, lat); returns WGS84 MultiPolygons.

    The cells are built in EPSG:4549 so that "nearest seat" means nearest in metres. The
    last cell is the outline minus all others, so the cells cover the outline exactly even
    after coordinate round-off.
    """
    outline_m = to_measure(outline)
    names = list(seats)
    points_m = [to_measure(Point(seats[n])) for n in names]
    for name, pt in zip(names, points_m):
        if not outline_m.contains(pt):
            raise ValueError(f"seat of {name} lies outside the outline")
    envelope = outline_m.envelope.buffer(10_000)
    regions = shapely.voronoi_polygons(MultiPoint(points_m), extend_to=envelope)
    cells_m: dict[str, BaseGeometry] = {}
    for region in regions.geoms:
        for name, pt in zip(names, points_m):
            if region.contains(pt):
                cells_m[name] = region.intersection(outline_m)
                break
    cells = {name: from_measure(cells_m[name]) for name in names}
    # Re-derive in WGS84 so the partition is exact there: each cell is clipped to the
    # outline and to what earlier cells have not taken; the last takes the remainder.
    result: dict[str, MultiPolygon] = {}
    taken = Polygon()
    for i, name in enumerate(names):
        if i == len(names) - 1:
            cell = outline.difference(taken)
        else:
            cell = shapely.make_valid(cells[name]).intersection(outline).difference(taken)
        cell = as_multipolygon(shapely.make_valid(cell))
        result[name] = cell
        taken = shapely.union(taken, cell)
    return _absorb_slivers(result, seats, min_part_km2)


def _absorb_slivers(cells: dict[str, MultiPolygon], seats: Mapping[str, tuple[float, float]],
                    min_part_km2: float) -> dict[str, MultiPolygon]:
    """Give every small detached part (round-off slivers, outline crumbs) to the neighbour
    that shares the longest border with it, so each town is one piece where it can be."""
    parts = {name: list(cell.geoms) for name, cell in cells.items()}
    for name in list(parts):
        seat = Point(seats[name])
        keep = []
        for part in parts[name]:
            small = area_km2(part) < min_part_km2 and not part.intersects(seat)
            if not small:
                keep.append(part)
                continue
            border = {other: part.intersection(shapely.union_all(parts[other])).length
                      for other in parts if other != name}
            best = max(border, key=border.get)
            if border[best] > 0:
                parts[best].append(part)
            elif area_km2(part) < 1e-6:
                continue  # a crumb under 1 m² touching nothing: floating-point dust
            else:
                keep.append(part)  # an island of the outline: it stays where it is
        parts[name] = keep
    return {name: as_multipolygon(shapely.make_valid(shapely.union_all(ps))) for name, ps in parts.items()}
