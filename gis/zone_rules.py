"""Validation of a zone's geometry before it is committed (pure; WGS84 in).

Every violation names its rule and where it fails, so the planner can find it. Nothing is
ever repaired silently: an invalid ring is explained and refused.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gis.crs import area_km2, to_measure

KINDS = ("core", "corridor", "cluster", "park")
PARENT_KINDS = ("cluster", "corridor", "core")  # where a park may lie
MIN_AREA_KM2 = {"park": 0.05, "core": 1.0, "corridor": 1.0, "cluster": 1.0}
OUTSIDE_TOLERANCE_KM2 = 0.01   # the outline is web-map grade; allow a hair over it
SLIVER_MAX_WIDTH_M = 30.0      # a part or hole thinner than this is a sliver
SLIVER_MAX_AREA_KM2 = 0.05


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    where: tuple[float, float] | None = None  # lon, lat

    def as_dict(self) -> dict:
        d = asdict(self)
        d["where"] = list(self.where) if self.where else None
        return d


def _point(geom: BaseGeometry) -> tuple[float, float]:
    p = geom.representative_point() if not geom.is_empty else None
    return (round(p.x, 6), round(p.y, 6)) if p is not None else None


def _invalid_location(reason: str) -> tuple[float, float] | None:
    match = re.search(r"\[([-\d.eE+]+)\s+([-\d.eE+]+)\]", reason)
    return (float(match.group(1)), float(match.group(2))) if match else None


def check_shape(geom: BaseGeometry | None) -> list[Violation]:
    """Type, emptiness, coordinate range and OGC validity."""
    if geom is None or geom.is_empty:
        return [Violation("non-empty", "the geometry is empty; a zone needs a Polygon or MultiPolygon")]
    if not isinstance(geom, (Polygon, MultiPolygon)):
        return [Violation("polygon-type", f"the geometry is a {geom.geom_type}; a zone must be a Polygon or MultiPolygon")]
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return [Violation("lon-lat", "coordinates are not longitude/latitude in WGS84 (CRS84 order: lon, lat)")]
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        kind = reason.split("[")[0].strip()
        explain = {"Self-intersection": "a ring crosses itself (a bow tie or a loop); move the crossing vertices apart",
                   "Ring Self-intersection": "a ring touches itself at a vertex; split it into two polygons",
                   "Too few points": "a ring has fewer than four positions",
                   "Interior is disconnected": "holes cut the polygon into pieces",
                   "Hole lies outside shell": "a hole lies outside its polygon",
                   "Nested shells": "a polygon lies inside another; use a hole instead",
                   "Duplicate Rings": "a ring is repeated"}.get(kind, "the geometry is not valid")
        return [Violation("valid-geometry", f"{kind}: {explain}", _invalid_location(reason))]
    return []


def _slivers(geom: BaseGeometry) -> list[Violation]:
    out = []
    parts = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    for part in parts:
        pieces = [("part", Polygon(part.exterior))] + [("hole", Polygon(r)) for r in part.interiors]
        for what, piece in pieces:
            m = to_measure(piece)
            if m.area <= 0:
                continue
            width = 2 * m.area / m.length  # mean width of a thin strip
            if width < SLIVER_MAX_WIDTH_M and m.area / 1e6 < SLIVER_MAX_AREA_KM2:
                out.append(Violation("no-slivers", f"a sliver {what} about {width:.0f} m wide and "
                                     f"{m.area:.0f} m² (thinner than {SLIVER_MAX_WIDTH_M:.0f} m)", _point(piece)))
    return out


def validate_zone(geom: BaseGeometry | None, kind: str, district: BaseGeometry,
                  parent: tuple[str, str, BaseGeometry] | None = None,
                  children: Mapping[str, BaseGeometry] | None = None) -> list[Violation]:
    """All rule violations of a zone of `kind` with geometry `geom` (empty list: it may be saved).

    `parent` is (id, kind, geometry) of a park's parent zone; `children` are the parks that
    lie in this zone and must still do so after the change.
    """
    if kind not in KINDS:
        return [Violation("kind", f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")]
    shape = check_shape(geom)
    if shape:
        return shape
    found: list[Violation] = []
    outside = Polygon() if district.covers(geom) else geom.difference(district)  # (the test is the cheaper)
    if not outside.is_empty and area_km2(outside) > OUTSIDE_TOLERANCE_KM2:
        found.append(Violation("inside-district", f"{area_km2(outside):.2f} km² lies outside the district",
                               _point(outside)))
    area = area_km2(geom)
    if area < MIN_AREA_KM2[kind]:
        found.append(Violation("minimum-area", f"the zone measures {area:.3f} km²; a {kind} needs at least "
                               f"{MIN_AREA_KM2[kind]} km²", _point(geom)))
    found += _slivers(geom)
    if kind == "park":
        if parent is None:
            found.append(Violation("park-parent", f"a park needs a parent_zone: a {', '.join(PARENT_KINDS)}"))
        else:
            pid, pkind, pgeom = parent
            if pkind not in PARENT_KINDS:
                found.append(Violation("park-parent", f"a park's parent must be a {', '.join(PARENT_KINDS)}; "
                                       f"'{pid}' is a {pkind}"))
            else:
                beyond = geom.difference(pgeom)
                if not beyond.is_empty and area_km2(beyond) > OUTSIDE_TOLERANCE_KM2:
                    found.append(Violation("park-inside-parent", f"{area_km2(beyond):.2f} km² of the park lies "
                                           f"outside its parent '{pid}'", _point(beyond)))
    for child_id, child in (children or {}).items():
        beyond = child.difference(geom)
        if not beyond.is_empty and area_km2(beyond) > OUTSIDE_TOLERANCE_KM2:
            found.append(Violation("parks-stay-inside", f"park '{child_id}' would have {area_km2(beyond):.2f} km² "
                                   f"outside this zone", _point(beyond)))
    return found


def area_change(before: BaseGeometry | None, after: BaseGeometry | None) -> dict:
    """Area before and after, and what was gained and lost, in km²."""
    empty = Polygon()
    b, a = before if before is not None else empty, after if after is not None else empty
    return {"before_km2": round(area_km2(b), 6) if not b.is_empty else 0.0,
            "after_km2": round(area_km2(a), 6) if not a.is_empty else 0.0,
            "gained_km2": round(area_km2(a.difference(b)), 6) if not a.is_empty else 0.0,
            "lost_km2": round(area_km2(b.difference(a)), 6) if not b.is_empty else 0.0}

