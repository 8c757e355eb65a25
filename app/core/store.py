"""Small helpers shared by the modules that write to PostGIS."""
from __future__ import annotations

from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.engine import Connection

from gis.partition import as_multipolygon
from gis.precision import snap


def wkb(geom: BaseGeometry) -> bytes:
    return geom.wkb


def polygon_wkb(geom: BaseGeometry) -> bytes:
    """WKB of a polygon snapped to the served coordinate grid (see gis.precision)."""

    return as_multipolygon(snap(geom)).wkb


# SQL for a geometry parameter given as WKB in WGS84.
GEOM = "ST_SetSRID(ST_GeomFromWKB(:{name}), 4326)"
MULTI = "ST_Multi(ST_SetSRID(ST_GeomFromWKB(:{name}), 4326))"


def bump_version(conn: Connection, *collections: str) -> None:
    """Mark collections as changed: caches of tiles and analytics key on these counters."""
    for collection in collections:
        conn.execute(text(
            "INSERT INTO data_versions (collection, version, changed_at) VALUES (:c, 1, now()) "
            "ON CONFLICT (collection) DO UPDATE SET version = data_versions.version + 1, changed_at = now()"),
            {"c": collection})


def data_version(conn: Connection, collection: str) -> int:
    row = conn.execute(text("SELECT version FROM data_versions WHERE collection = :c"), {"c": collection}).first()
    return int(row[0]) if row else 0
