"""Checks on the features of a reference layer before they are stored (pure; WGS84 in)."""
from __future__ import annotations

import shapely
from shapely.geometry.base import BaseGeometry

from gis.precision import snap

LINES = ("LineString", "MultiLineString")
AREAS = ("Polygon", "MultiPolygon")


def reference_geometry(geom: BaseGeometry | None) -> tuple[BaseGeometry | None, str | None]:
    """(the geometry on the served 1e-7° grid, None) or (None, why it cannot be a reference feature).

    Lines and polygons only: a reference layer is drawn and snapped to. Invalid polygons are
    explained, never repaired (a repair could silently change a parcel)."""
    if geom is None or geom.is_empty:
        return None, "empty geometry"
    if geom.geom_type not in LINES + AREAS:
        return None, (f"geometry is a {geom.geom_type}; reference layers hold lines (roads, rivers) "
                      f"and polygons (parcels, plots)")
    if geom.has_z:
        geom = shapely.force_2d(geom)
    if geom.geom_type in AREAS and not geom.is_valid:
        return None, f"invalid polygon: {shapely.is_valid_reason(geom)}"
    snapped = snap(geom)
    if snapped.is_empty or snapped.geom_type not in LINES + AREAS:
        return None, "the geometry vanishes on the 1 cm grid (too small)"
    return snapped, None
