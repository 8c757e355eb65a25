"""SQL of the site finder: layout-derived columns kept fresh, hard constraints applied in order with
the count left after each, and the candidates' numbers fetched for scoring.

Distances are measured in EPSG:4549. They are cached on the sites (zones, nearest station, distance to
the highways and the corridor) together with a fingerprint of the layout they came from; a search
first recomputes the rows whose fingerprint is stale (a planner moved a zone, a site was re-imported),
so results always reflect the current layout while a search does no per-site geometry work.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.sites_spec import SearchIn, area_m2_range, exclusion_geometry
from gis.crs import SQM_PER_MU
from layers.site_rules import AVAILABILITY, LAND_USES, SITE_KINDS

HIGHWAY_MODES = ("expressway", "highway")
_REFRESH_LOCK = 7007  # advisory lock key: one refresh at a time

FINGERPRINT_SQL = """
SELECT md5(
  coalesce((SELECT string_agg(id || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id) FROM zones), '') || '#' ||
  coalesce((SELECT string_agg(id || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id) FROM stations WHERE line = '17'), '')
  || '#' || coalesce((SELECT string_agg(id || ':' || mode || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id)
                      FROM corridor_routes), ''))
"""

REFRESH_SQL = """
WITH st AS (SELECT id, ST_Transform(geom, 4549) AS g FROM stations WHERE line = '17'),
hw AS (SELECT ST_Collect(ST_Transform(geom, 4549)) AS g FROM corridor_routes WHERE mode IN ('expressway', 'highway')),
co AS (SELECT ST_Union(ST_Transform(geom, 4549)) AS g FROM zones WHERE kind = 'corridor'),
fresh AS (
  SELECT s.id, m.g, s.geom FROM sites s, LATERAL (SELECT ST_Transform(s.geom, 4549) AS g) m
  WHERE s.layout_stamp IS DISTINCT FROM :fp),
calc AS (
  SELECT f.id,
    coalesce((SELECT array_agg(z.id ORDER BY z.rank, z.id) FROM zones z
              WHERE ST_Intersects(z.geom, ST_PointOnSurface(f.geom))), '{}') AS zones,
    near.id AS station_id, near.d AS station_m,
    ST_Distance(f.g, (SELECT g FROM hw)) AS highway_m,
    ST_Distance(f.g, (SELECT g FROM co)) AS corridor_m
  FROM fresh f
  LEFT JOIN LATERAL (SELECT st.id, ST_Distance(f.g, st.g) AS d FROM st ORDER BY 2 LIMIT 1) near ON true)
UPDATE sites s SET zones = calc.zones, station_id = calc.station_id, station_m = calc.station_m,
  highway_m = calc.highway_m, corridor_m = calc.corridor_m, layout_stamp = :fp
FROM calc WHERE s.id = calc.id
"""


def layout_fingerprint(conn: Connection) -> str:
    return conn.execute(text(FINGERPRINT_SQL)).scalar_one()


def refresh_derived(conn: Connection) -> int:
    """Recompute the layout-derived columns of stale sites; returns how many rows changed.

    Zone membership is by the site's point on surface (a parcel straddling a boundary belongs to the
    zone holding most of its inside point), so every site has one unambiguous answer.
    """
    fp = layout_fingerprint(conn)
    stale = conn.execute(text("SELECT EXISTS (SELECT 1 FROM sites WHERE layout_stamp IS DISTINCT FROM :fp)"),
                         {"fp": fp}).scalar_one()
    if not stale:
        return 0
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFRESH_LOCK})
    return conn.execute(text(REFRESH_SQL), {"fp": fp}).rowcount


@dataclass
class Step:
    id: str
    label: str
    sql: str


def constraint_steps(body: SearchIn, area_window: tuple[float | None, float | None] | None,
                     params: dict) -> list[Step]:
    """The active hard constraints, in the order they are applied, as SQL conditions on `sites s`."""
    c = body.constraints
    steps: list[Step] = []
    if c.kinds:
        params["kinds"] = list(c.kinds)
        steps.append(Step("kinds", "kind: " + ", ".join(SITE_KINDS[k][0] for k in c.kinds), "s.kind = ANY(:kinds)"))
    if c.availability:
        params["avail"] = list(c.availability)
        steps.append(Step("availability", "availability: " + ", ".join(AVAILABILITY[a][0] for a in c.availability),
                          "s.availability = ANY(:avail)"))
    if c.land_uses:
        params["uses"] = list(c.land_uses)
        steps.append(Step("land_uses", "land use: " + ", ".join(f"{u} {LAND_USES[u][0]}" for u in c.land_uses),
                          "s.land_use = ANY(:uses)"))
    if c.zones:
        params["zones"] = list(c.zones)
        steps.append(Step("zones", "in zone(s): " + ", ".join(c.zones), "s.zones && CAST(:zones AS text[])"))
    if c.area and (c.area.min is not None or c.area.max is not None):
        lo, hi = area_m2_range(c.area)
        conds = []
        if lo is not None:
            params["amin"] = lo
            conds.append("s.area_m2 >= :amin")
        if hi is not None:
            params["amax"] = hi
            conds.append("s.area_m2 <= :amax")
        unit = "亩" if c.area.unit == "mu" else "m²"
        label = f"area {c.area.min or 0:g}–" + (f"{c.area.max:g}" if c.area.max is not None else "∞") + f" {unit}"
        steps.append(Step("area", label, " AND ".join(conds)))
    if area_window and (area_window[0] is not None or area_window[1] is not None):
        lo, hi = area_window
        conds = []
        if lo is not None:
            params["pmin"] = lo * SQM_PER_MU
            conds.append("s.area_m2 >= :pmin")
        if hi is not None:
            params["pmax"] = hi * SQM_PER_MU
            conds.append("s.area_m2 <= :pmax")
        label = (f"investor profile (标准地 intensity rule): {lo or 0:.1f}–"
                 + (f"{hi:.1f}" if hi is not None else "∞") + " 亩")
        steps.append(Step("profile_area", label, " AND ".join(conds)))
    for key, col, label in (("max_station_m", "station_m", "Line 17 station"),
                            ("max_highway_m", "highway_m", "G50 / Huqingping highway"),
                            ("max_corridor_m", "corridor_m", "the digital corridor")):
        value = getattr(c, key)
        if value is not None:
            params[key] = value
            steps.append(Step(key, f"within {value:g} m of {label}", f"s.{col} <= :{key}"))
    if c.exclude is not None:
        params["excl"] = exclusion_geometry(c.exclude).wkb
        steps.append(Step("exclude", "outside the excluded areas",
                          "NOT ST_Intersects(s.geom, ST_SetSRID(ST_GeomFromWKB(:excl), 4326))"))
    return steps


def funnel(conn: Connection, steps: list[Step], params: dict) -> tuple[int, list[int]]:
    """Total sites and the number left after each constraint, in one scan."""
    cols, acc = [], []
    for step in steps:
        acc.append(f"({step.sql})")
        cols.append(f"count(*) FILTER (WHERE {' AND '.join(acc)})")
    row = conn.execute(text(f"SELECT count(*){''.join(', ' + c for c in cols)} FROM sites s"), params).one()
    return int(row[0]), [int(v) for v in row[1:]]


CANDIDATE_COLUMNS = ("id", "kind", "area_m2", "price", "station_m", "highway_m", "corridor_m", "x", "y", "zones")


def candidates(conn: Connection, steps: list[Step], params: dict) -> dict[str, np.ndarray]:
    """Columns of the sites that meet every constraint, as arrays (zones as a list of tuples)."""
    where = " AND ".join(f"({s.sql})" for s in steps) or "true"
    rows = conn.execute(text(f"SELECT id, kind, area_m2, price, station_m, highway_m, corridor_m, x, y, "
                             f"array_to_string(zones, ',') FROM sites s WHERE {where}"), params).all()
    if not rows:
        return {c: np.array([]) for c in CANDIDATE_COLUMNS}
    cols = list(zip(*rows))
    out = {"id": np.array(cols[0], dtype=object), "kind": np.array(cols[1], dtype=object)}
    for name, values in zip(("area_m2", "price", "station_m", "highway_m", "corridor_m", "x", "y"), cols[2:9]):
        out[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
    out["zones"] = np.array(cols[9], dtype=object)
    return out


def enterprise_points(conn: Connection, industries: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(plan_industry array, N x 2 EPSG:4549 coordinates) of the enterprises in ``industries``."""
    if not industries:
        return np.array([], dtype=object), np.empty((0, 2))
    rows = conn.execute(text("SELECT plan_industry, ST_X(g), ST_Y(g) FROM (SELECT plan_industry, "
                             "ST_Transform(geom, 4549) AS g FROM enterprises WHERE plan_industry = ANY(:ind)) e"),
                        {"ind": industries}).all()
    if not rows:
        return np.array([], dtype=object), np.empty((0, 2))
    return np.array([r[0] for r in rows], dtype=object), np.array([(r[1], r[2]) for r in rows], dtype=float)


def zone_table(conn: Connection) -> dict[str, dict]:
    rows = conn.execute(text("SELECT id, kind, name_zh, target_industries FROM zones ORDER BY rank, id")).all()
    return {r[0]: {"kind": r[1], "name_zh": r[2], "targets": list(r[3])} for r in rows}


def site_details(conn: Connection, ids: list[str]) -> dict[str, dict]:
    """Everything shown about the ranked sites, with their geometry as GeoJSON."""
    if not ids:
        return {}
    rows = conn.execute(text(
        "SELECT s.id, s.name, s.kind, s.land_use, s.availability, s.area_m2, s.area_mu, s.far_max, s.price, "
        "s.price_unit, s.address, s.note, s.synthetic, s.zones, s.station_id, st.name_zh AS station_name, "
        "s.station_m, s.highway_m, s.corridor_m, ST_AsGeoJSON(s.geom, 6) AS geometry "
        "FROM sites s LEFT JOIN stations st ON st.id = s.station_id WHERE s.id = ANY(:ids)"), {"ids": ids}).mappings()
    return {r["id"]: dict(r) for r in rows}
