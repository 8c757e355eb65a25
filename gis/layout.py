"""Deriving the layout's zones from towns and routes (pure geometry, WGS84 in and out)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import shapely
from shapely.geometry import MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from gis.crs import from_measure, to_measure
from gis.partition import as_multipolygon


def union_of(geoms: Iterable[BaseGeometry]) -> MultiPolygon:
    return as_multipolygon(shapely.make_valid(shapely.union_all(list(geoms))))


def cluster_polygon(towns: Mapping[str, BaseGeometry], members: Iterable[str]) -> MultiPolygon:
    """A cluster is exactly the union of its member towns."""
    members = list(members)
    missing = [m for m in members if m not in towns]
    if missing:
        raise KeyError(f"unknown member towns: {', '.join(missing)}")
    return union_of(towns[m] for m in members)


def corridor_polygon(routes: Iterable[tuple[BaseGeometry, float]], district: BaseGeometry) -> MultiPolygon:
    """The corridor: each route buffered by its half-width in metres, merged, clipped to the district."""
    buffers = [to_measure(line).buffer(half_width, quad_segs=8) for line, half_width in routes]
    merged = from_measure(shapely.union_all(buffers))
    return as_multipolygon(shapely.make_valid(merged.intersection(district)))


def park_polygon(lon: float, lat: float, radius_m: float, parent: BaseGeometry) -> MultiPolygon:
    """A schematic park: a disc around an approximate location, kept inside its parent zone."""
    disc = from_measure(to_measure(Point(lon, lat)).buffer(radius_m, quad_segs=16))
    return as_multipolygon(shapely.make_valid(disc.intersection(parent)))
