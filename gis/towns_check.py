"""Checks on a set of town polygons before they replace the towns (pure; WGS84 in)."""
from __future__ import annotations

from collections.abc import Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import area_km2, geometry_to_wgs84
from gis.enterprise_rows import Rejection

MAX_OUTSIDE_SHARE = 0.02   # of a town's area allowed outside the district (outline precision)
MIN_COVERAGE = 0.95        # of the district that the towns together must cover
MAX_OVERLAP_KM2 = 0.05     # overlap tolerated between two towns (digitising noise)


def looks_like_degrees(bounds: Sequence[float]) -> bool:
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def geometry_problem(geom: BaseGeometry | None) -> str | None:
    """Why a geometry cannot be a town, or None. Invalid rings are explained, never repaired."""
    if geom is None or geom.is_empty:
        return "empty geometry"
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return f"geometry is a {geom.geom_type}; a town must be a Polygon or MultiPolygon"
    if not geom.is_valid:
        return f"invalid geometry: {shapely.is_valid_reason(geom)}"
    return None


def outside_share(geom: BaseGeometry, district: BaseGeometry) -> float:
    total = area_km2(geom)
    return area_km2(geom.difference(district)) / total if total else 1.0


def check_towns(named: Sequence[tuple[str, BaseGeometry | None]], district: BaseGeometry,
                expected_names: Sequence[str]) -> list[Rejection]:
    """Every reason the towns cannot be used, as rejections (row, column, the town's name, reason);
    an empty list means they can. Row None: the file as a whole (a town missing, poor coverage).

    `named` is (name, WGS84 geometry) per row, in file order (row numbers start at 1).
    """
    errors: list[Rejection] = []
    valid: list[tuple[int, str, BaseGeometry]] = []
    seen: dict[str, int] = {}
    for row, (name, geom) in enumerate(named, start=1):
        name = name or ""
        if not name:
            errors.append(Rejection(row, "name", "", "no town name"))
        elif name in seen:
            errors.append(Rejection(row, "name", name, f"town named twice (also row {seen[name]})"))
        elif name not in expected_names:
            errors.append(Rejection(row, "name", name,
                                    f"unknown town '{name}'; expected one of {', '.join(expected_names)}"))
        else:
            seen[name] = row
        problem = geometry_problem(geom)
        if problem:
            errors.append(Rejection(row, "geometry", name, problem))
        else:
            valid.append((row, name, geom))
    missing = [n for n in expected_names if n not in seen]
    if missing:
        errors.append(Rejection(None, "name", "", f"missing towns: {', '.join(missing)}"))

    outside = [(row, name, outside_share(geom, district)) for row, name, geom in valid]
    far = [(row, name, share) for row, name, share in outside if share > MAX_OUTSIDE_SHARE]
    for row, name, share in far:
        errors.append(Rejection(row, "geometry", name, f"{share:.0%} of the town lies outside the district"))
    if far:
        errors.append(Rejection(None, "geometry", "", _crs_hint([g for _, _, g in valid], district)))
    elif valid:
        union = shapely.union_all([g for _, _, g in valid])
        coverage = 1 - area_km2(district.difference(union)) / area_km2(district)
        if coverage < MIN_COVERAGE:
            errors.append(Rejection(None, "geometry", "", f"the towns cover only {coverage:.1%} of the district "
                                                          f"(at least {MIN_COVERAGE:.0%} needed)"))
        for i, (row_a, name_a, a) in enumerate(valid):
            for row_b, name_b, b in valid[i + 1:]:
                if a.intersects(b):
                    overlap = area_km2(a.intersection(b))
                    if overlap > MAX_OVERLAP_KM2:
                        errors.append(Rejection(row_b, "geometry", name_b,
                                                f"overlaps row {row_a} ({name_a}) by {overlap:.2f} km²"))
    return errors


def describe(rejection: Rejection) -> str:
    """A rejection as the towns import words it: "row 3 (朱家角镇): invalid geometry: ..."."""
    if rejection.row is None:
        return rejection.reason
    label = f"row {rejection.row} ({rejection.value})" if rejection.value else f"row {rejection.row}"
    return f"{label}: {rejection.reason}"


def _crs_hint(geoms: list[BaseGeometry], district: BaseGeometry) -> str:
    """Say which coordinate system would have made the towns fit, when one would."""
    union = shapely.union_all(geoms)
    base = "the towns do not lie on the district: is the coordinate system right? (the file's CRS, or --crs)"
    for source in ("gcj02", "bd09"):
        if outside_share(geometry_to_wgs84(union, source), district) <= MAX_OUTSIDE_SHARE:
            return f"{base}; they fit when read as {source.upper()}: use --crs {source}"
    return base
