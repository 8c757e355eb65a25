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

from app.sites.spec import SearchIn, area_m2_range, exclusion_geometry
from gis.crs import SQM_PER_MU
from plan.industries import PLAN_INDUSTRY_BY_ID
from plan.land_use import allowed_land_uses
from plan.site_rules import AVAILABILITY, LAND_USES, SITE_KINDS

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


def lock_sites(conn: Connection) -> None:
    """Serialise writers of the sites (imports, demo loads, refreshes) for this transaction; taken before
    any row is written so that an import and a search's refresh never wait on each other in a cycle."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFRESH_LOCK})


def derived_stale(conn: Connection, fp: str | None = None) -> bool:
    """Whether any site's layout-derived columns predate the current layout (a read: runs on a replica)."""
    fp = layout_fingerprint(conn) if fp is None else fp
    # three index probes (sites_layout_stamp_idx) instead of a scan of every site
    return conn.execute(text("SELECT EXISTS (SELECT 1 FROM sites WHERE layout_stamp IS NULL) "
                             "OR EXISTS (SELECT 1 FROM sites WHERE layout_stamp < :fp) "
                             "OR EXISTS (SELECT 1 FROM sites WHERE layout_stamp > :fp)"), {"fp": fp}).scalar_one()


def refresh_derived(conn: Connection) -> int:
    """Recompute the layout-derived columns of stale sites; returns how many rows changed.

    Zone membership is by the site's point on surface (a parcel straddling a boundary belongs to the
    zone holding most of its inside point), so every site has one unambiguous answer.
    """
    fp = layout_fingerprint(conn)
    if not derived_stale(conn, fp):
        return 0
    lock_sites(conn)
    conn.execute(text("SET LOCAL jit = off"))  # its compile time exceeds what it saves on these plans
    return conn.execute(text(REFRESH_SQL), {"fp": fp}).rowcount


@dataclass
class Step:
    id: str
    label: str
    sql: str


def constraint_steps(body: SearchIn, area_window: tuple[float | None, float | None] | None,
                     params: dict, industry: str | None = None) -> list[Step]:
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
    elif industry and not c.any_land_use:  # the default: land use follows the investor's industry
        uses = allowed_land_uses(industry)
        params["industry_uses"] = list(uses)
        steps.append(Step("industry_land_use", f"land use {PLAN_INDUSTRY_BY_ID[industry].zh} may build on: "
                          + ", ".join(f"{u} {LAND_USES[u][0]}" for u in uses), "s.land_use = ANY(:industry_uses)"))
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


CANDIDATE_COLUMNS = ("id", "kind", "price", "station_m", "highway_m", "x", "y", "zone_fit")
_ARRAYS = ("array_agg(id) FILTER (WHERE ok), array_agg(kind = 'building') FILTER (WHERE ok), "
           "array_agg(coalesce(price, 'NaN')) FILTER (WHERE ok), "
           "array_agg(coalesce(station_m, 'NaN')) FILTER (WHERE ok), "
           "array_agg(coalesce(highway_m, 'NaN')) FILTER (WHERE ok), "
           "array_agg(x) FILTER (WHERE ok), array_agg(y) FILTER (WHERE ok), "
           "array_agg(CASE WHEN zones && CAST(:fit_full AS text[]) THEN 1.0 "
           "WHEN zones && CAST(:fit_half AS text[]) THEN 0.5 ELSE 0.0 END::float8) FILTER (WHERE ok)")


def _one_binary(conn: Connection, sql: str, params: dict):
    """One row, fetched in PostgreSQL's binary format: float arrays of tens of thousands of values
    load several times faster than from their text form."""
    compiled = text(sql).bindparams(**params).compile(dialect=conn.dialect)
    cur = conn.connection.driver_connection.cursor(binary=True)
    try:
        cur.execute(str(compiled), compiled.params)
        return cur.fetchone()
    finally:
        cur.close()


def funnel_and_candidates(conn: Connection, steps: list[Step], params: dict,
                          fit_full: list[str], fit_half: list[str]):
    """One scan: the total, the number of sites left after each constraint in order, and the columns of
    the sites that meet them all, as a few aggregated arrays rather than a row per site. ``fit_full`` /
    ``fit_half``: the zones whose targets fit the investor's industry fully / in part (zone fit 1 / 0.5)."""
    # Each constraint is evaluated once per site, in a subquery the planner may not flatten (OFFSET 0):
    # written into every FILTER, the chain of conditions was evaluated a dozen times per site.
    flags = [f"({step.sql}) AS c{i}" for i, step in enumerate(steps)]
    chains = [" AND ".join(f"c{j}" for j in range(i + 1)) for i in range(len(steps))]
    per_site = ("SELECT s.id, s.kind, s.price, s.station_m, s.highway_m, s.x, s.y, s.zones"
                + "".join(", " + f for f in flags) + " FROM sites s OFFSET 0")
    marked = f"SELECT *, {chains[-1] if chains else 'true'} AS ok FROM ({per_site}) a OFFSET 0"
    counts = "".join(f", count(*) FILTER (WHERE {c})" for c in chains)
    row = _one_binary(conn, f"SELECT count(*){counts}, {_ARRAYS} FROM ({marked}) s",
                      {**params, "fit_full": list(fit_full), "fit_half": list(fit_half)})
    k = len(steps)
    total, remaining, arrays = int(row[0]), [int(v) for v in row[1:k + 1]], row[k + 1:]
    if arrays[0] is None:
        empty = {c: np.array([], dtype=float) for c in CANDIDATE_COLUMNS}
        return total, remaining, empty | {"id": np.array([], dtype=object), "kind": np.array([], dtype=object)}
    cand = {"id": np.array(arrays[0], dtype=object),
            "kind": np.where(np.array(arrays[1], dtype=bool), "building", "parcel").astype(object)}
    for name, values in zip(("price", "station_m", "highway_m", "x", "y", "zone_fit"), arrays[2:8]):
        cand[name] = np.array(values, dtype=float)
    return total, remaining, cand


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


# -- saved searches --------------------------------------------------------------------------------
def save_search_row(conn: Connection, name: str, owner: str | None, body_json: str, shared: bool = False):
    """(id, created_at) of the new saved search; IntegrityError when the owner has one of that name."""
    return conn.execute(text("INSERT INTO saved_searches (name, owner, body, shared) "
                             "VALUES (:n, :o, CAST(:b AS jsonb), :s) RETURNING id, created_at"),
                        {"n": name, "o": owner, "b": body_json, "s": shared}).one()


# A saved search is its author's; others see it only when the author shared it on purpose.
_VISIBLE = "(owner = :me OR shared)"


def saved_search_rows(conn: Connection, viewer: str) -> list:
    """(id, name, owner, created_at, body, shared) of the searches this user may see."""
    return conn.execute(text(f"SELECT id, name, owner, created_at, body, shared FROM saved_searches "
                             f"WHERE {_VISIBLE} ORDER BY id"), {"me": viewer}).all()


def saved_search(conn: Connection, search_id: int, viewer: str):
    """(name, body) of a saved search this user may see, or None."""
    return conn.execute(text(f"SELECT name, body FROM saved_searches WHERE id = :i AND {_VISIBLE}"),
                        {"i": search_id, "me": viewer}).first()


def saved_search_owner(conn: Connection, search_id: int, viewer: str) -> str | None:
    """The owner of a saved search this user may see (row locked for a change), or None."""
    return conn.execute(text(f"SELECT owner FROM saved_searches WHERE id = :i AND {_VISIBLE} FOR UPDATE"),
                        {"i": search_id, "me": viewer}).scalar()


def share_saved_search(conn: Connection, search_id: int, shared: bool) -> None:
    conn.execute(text("UPDATE saved_searches SET shared = :s WHERE id = :i"), {"s": shared, "i": search_id})


def delete_saved_search(conn: Connection, search_id: int) -> None:
    conn.execute(text("DELETE FROM saved_searches WHERE id = :i"), {"i": search_id})
