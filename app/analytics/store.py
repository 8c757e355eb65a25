"""SQL reads for the analytics routes, the cache keyed by data version, and result metadata.

Cache: one in-process LRU; a key holds the endpoint, its parameters, whether output may be shown,
and the data_versions counters of the collections the result depends on. Every request reads
those counters from PostGIS (one small query), so an import or a zone edit in any process bumps a
counter and the next request everywhere computes afresh.
"""
from __future__ import annotations

import time
from importlib import metadata

import numpy as np
import pandas as pd
from shapely.geometry import mapping
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.cache import LruCache
from app.core.store import data_versions, district_geometry
from plan.industries import PLAN_INDUSTRY_BY_ID, children_of

DEPENDS_ON = ("enterprises", "zones", "district")
_LIBRARIES = ("numpy", "scipy", "pandas", "shapely", "pyproj", "h3", "sqlalchemy")


# Analytics results of this process, keyed with the data versions they were computed from.
CACHE = LruCache(max_entries=64)
# Results of parameterless requests only: their keys differ by endpoint, role view and data version alone.
DEFAULT_VIEW_CACHE = LruCache(max_entries=32)


def versions(conn: Connection) -> dict[str, int]:
    """The data versions an analytics result depends on (the cache key's freshness part)."""
    return data_versions(conn, DEPENDS_ON)


_lib_cache: dict | None = None


def library_versions(conn: Connection) -> dict[str, str]:
    global _lib_cache
    if _lib_cache is None:
        libs = {}
        for name in _LIBRARIES:
            try:
                libs[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                libs[name] = "not installed"
        libs["postgis"] = conn.execute(text("SELECT postgis_lib_version()")).scalar()
        _lib_cache = libs
    return dict(_lib_cache)


def industry_family(industry: str) -> list[str]:
    """A plan industry with its children (e.g. it -> it, ic, ai, software, iot)."""
    out = [industry]
    for child in children_of(industry):
        out.extend(industry_family(child))
    return out


def check_industry(value: str | None):
    if value is not None and value not in PLAN_INDUSTRY_BY_ID:
        raise ValueError(f"unknown plan_industry {value!r}; use one of {', '.join(PLAN_INDUSTRY_BY_ID)}")
    return value


def _enterprise_filter(industry: str | None, zone: str | None) -> tuple[str, dict]:
    """WHERE clause for one plan industry (with its children) and/or one zone (firms it contains)."""
    terms, params = [], {}
    if industry is not None:
        terms.append("plan_industry = ANY(:inds)")
        params["inds"] = industry_family(industry)
    if zone is not None:
        terms.append(":zone = ANY(zones)")
        params["zone"] = zone
    return (" WHERE " + " AND ".join(terms)) if terms else "", params


def enterprise_points(conn: Connection, industry: str | None = None, zone: str | None = None) -> dict[str, np.ndarray]:
    """lon, lat, employees, output of the enterprises (optionally of one plan industry and its children,
    and/or inside one zone)."""
    where, params = _enterprise_filter(industry, zone)
    rows = conn.execute(text(
        "SELECT ST_X(geom), ST_Y(geom), employees, output_value FROM enterprises" + where), params).all()
    arr = np.array(rows, dtype=float).reshape(-1, 4)
    return {"lon": arr[:, 0], "lat": arr[:, 1], "employees": arr[:, 2], "output": arr[:, 3]}


def zone_names(conn: Connection) -> dict[str, tuple[str, str]]:
    """{zone id: (name_zh, name_en)} of the current zones."""
    return {r[0]: (r[1], r[2]) for r in conn.execute(text("SELECT id, name_zh, name_en FROM zones ORDER BY rank, id"))}


def zone_outline(conn: Connection, zone: str) -> dict | None:
    """One zone's geometry as a GeoJSON mapping in WGS84, None when there is no such zone."""
    row = conn.execute(text("SELECT ST_AsGeoJSON(geom, 7)::json FROM zones WHERE id = :id"), {"id": zone}).first()
    return None if row is None else row[0]


_TALLY_COLUMNS = ["industry", "year", "firms", "employees", "output"]
_TALLY = ("coalesce(plan_industry, 'other'), coalesce(established, -1), count(*), "
          "coalesce(sum(employees), 0), coalesce(sum(output_value), 0)")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame[["year", "firms"]] = frame[["year", "firms"]].astype(np.int64)
    frame[["employees", "output"]] = frame[["employees", "output"]].astype(float)
    return frame


def district_tally(conn: Connection) -> pd.DataFrame:
    """District tally (each firm once), as gis.metrics wants it."""
    rows = conn.execute(text(f"SELECT {_TALLY} FROM enterprises GROUP BY 1, 2")).all()
    return _typed(pd.DataFrame(rows, columns=_TALLY_COLUMNS))


def tallies(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zone tally (a firm in every zone of its ``zones`` array) and district tally (each firm once)."""
    zone_rows = conn.execute(text(
        f"SELECT z, {_TALLY} FROM enterprises, unnest(zones) AS z GROUP BY 1, 2, 3")).all()
    zone = _typed(pd.DataFrame(zone_rows, columns=["zone", *_TALLY_COLUMNS]))
    return zone, district_tally(conn)


def industry_totals(conn: Connection, zone: str | None = None) -> tuple[dict[str, int], dict[str, float]]:
    """Firms and output (万元) per plan industry ('other' for none), district-wide or inside one zone."""
    where, params = _enterprise_filter(None, zone)
    rows = conn.execute(text("SELECT coalesce(plan_industry, 'other'), count(*), coalesce(sum(output_value), 0) "
                             "FROM enterprises" + where + " GROUP BY 1"), params).all()
    return {r[0]: int(r[1]) for r in rows}, {r[0]: float(r[2]) for r in rows}


def cells_mvt(conn: Connection, layer: str, columns: list[tuple[str, str]], values: dict, z: int, x: int, y: int,
              extent: int, buffer: int) -> bytes:
    """A vector tile of hex cells handed over as arrays (``wkb`` polygons plus the named value
    columns, each (name, SQL type)); PostGIS clips and encodes them. ``output`` is served as output_value."""
    names = [name for name, _ in columns]
    unnest = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in columns)
    props = ", ".join(f"u.{n}" + (" AS output_value" if n == "output" else "") for n in names if n != "wkb")
    sql = (f"SELECT ST_AsMVT(q, '{layer}', {extent}, 'geom') FROM ("
           f"SELECT {props}, ST_AsMVTGeom(ST_Transform(ST_GeomFromWKB(u.wkb, 4326), 3857), "
           f"ST_TileEnvelope(:z, :x, :y), {extent}, {buffer}, true) AS geom "
           f"FROM unnest({unnest}) AS u({', '.join(names)})) q WHERE q.geom IS NOT NULL")
    tile = conn.execute(text(sql), {**values, "z": z, "x": x, "y": y}).scalar_one()
    return bytes(tile or b"")


def zones_table(conn: Connection) -> list[dict]:
    rows = conn.execute(text(
        "SELECT id, kind, name_zh, name_en, target_industries, parent_zone, schematic, area_km2, "
        "ST_AsGeoJSON(geom, 6)::json FROM zones ORDER BY rank, id")).all()
    return [{"id": r[0], "kind": r[1], "name_zh": r[2], "name_en": r[3], "target_industries": list(r[4] or []),
             "parent_zone": r[5], "schematic": r[6], "area_km2": float(r[7]), "geometry": r[8]} for r in rows]


def district_outline(conn: Connection) -> dict:
    """The district as a GeoJSON mapping in WGS84 (MissingLayout when it is not loaded)."""
    return mapping(district_geometry(conn))


def synthetic_summary(conn: Connection) -> dict:
    total, synthetic = conn.execute(text(
        "SELECT count(*), count(*) FILTER (WHERE synthetic) FROM enterprises")).one()
    note = None
    if synthetic:
        note = (f"{synthetic} of {total} enterprises are synthetic demo data: figures describe the demo, "
                "not Qingpu's real economy.")
    return {"firms": int(total), "synthetic": int(synthetic), "note": note}


def metadata_block(conn: Connection, endpoint: str, parameters: dict, data_version: dict, role: str,
                   cached: bool, computed_at: float, **extra) -> dict:
    return {"endpoint": endpoint, "parameters": parameters, "data_version": data_version,
            "libraries": library_versions(conn), "role": role, "cached": cached,
            "computed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(computed_at)), **extra}


def chain_firms(conn: Connection, prefixes: list[str], with_output: bool) -> list[tuple]:
    """(uscc, name, industry_code, employees, zones, output_value or None) of the firms whose class starts with
    one of ``prefixes`` (GB/T 4754-2017 codes of a chain's links)."""
    output = "output_value" if with_output else "NULL"
    return [tuple(r) for r in conn.execute(text(
        f"SELECT uscc, name, industry_code, employees, zones, {output} FROM enterprises "
        "WHERE industry_code LIKE ANY(:patterns) ORDER BY uscc"),
        {"patterns": [p + "%" for p in prefixes]}).all()]


def chain_zones(conn: Connection) -> list[tuple]:
    """(id, kind, name_zh, name_en, target_industries) of every zone, in the layout's order."""
    return [tuple(r) for r in conn.execute(text(
        "SELECT id, kind, name_zh, name_en, target_industries FROM zones ORDER BY rank, id")).all()]
