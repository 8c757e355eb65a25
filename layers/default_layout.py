"""Builds the default layout's geometries from layers.qingpu (pure computation, WGS84)."""
from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from gis.layout import cluster_polygon, corridor_polygon, park_polygon, union_of
from gis.partition import voronoi_partition
from layers.qingpu import (
    CLUSTERS,
    CORE,
    CORRIDOR,
    CORRIDOR_ROUTES,
    PARKS,
    TOWNS,
    ZoneSpec,
)
from plan.industries import resolve_targets


@dataclass
class ZoneRecord:
    id: str
    kind: str
    name_zh: str
    name_en: str
    target_phrases: list[str]
    target_industries: list[str]
    member_towns: list[str]
    parent_zone: str | None
    description: str
    rank: int
    geom: BaseGeometry


def schematic_towns(district: BaseGeometry) -> dict[str, BaseGeometry]:
    return voronoi_partition(district, {t.code: t.seat for t in TOWNS})


def route_lines() -> dict[str, LineString]:
    return {r.id: LineString(r.points) for r in CORRIDOR_ROUTES}


def _record(spec: ZoneSpec, geom: BaseGeometry, parent: str | None = None) -> ZoneRecord:
    return ZoneRecord(spec.id, spec.kind, spec.name_zh, spec.name_en, list(spec.targets),
                      resolve_targets(spec.targets), list(spec.member_towns), parent, spec.description,
                      spec.rank, geom)


def derived_zone_geometry(spec_id: str, towns: dict[str, BaseGeometry], district: BaseGeometry) -> BaseGeometry:
    """The geometry a default zone (core, corridor, cluster) derives from towns and routes."""
    if spec_id == CORE.id:
        return union_of(towns[c] for c in CORE.member_towns)
    if spec_id == CORRIDOR.id:
        lines = route_lines()
        return corridor_polygon([(lines[r.id], r.half_width_m) for r in CORRIDOR_ROUTES], district)
    spec = next(c for c in CLUSTERS if c.id == spec_id)
    return cluster_polygon(towns, spec.member_towns)


def default_zones(towns: dict[str, BaseGeometry], district: BaseGeometry) -> list[ZoneRecord]:
    """Core, corridor, clusters and parks, parents before children."""
    zones = [_record(spec, derived_zone_geometry(spec.id, towns, district)) for spec in (CORE, CORRIDOR, *CLUSTERS)]
    by_id = {z.id: z for z in zones}
    for park in PARKS:
        parent = by_id[park.parent]
        geom = park_polygon(park.lon, park.lat, park.radius_m, parent.geom)
        zones.append(ZoneRecord(park.id, "park", park.name_zh, park.name_en, list(park.targets),
                                resolve_targets(park.targets), [], park.parent, park.note, 50, geom))
    return zones

