"""SQL of the site finder: layout-derived columns kept fresh, the sites' facts read for the search's
in-memory copy (app/sites/facts.py applies the hard constraints to it), the neighbours' points, the
details of the ranked sites, and saved searches.

Distances are measured in EPSG:4549. They are cached on the sites (zones, nearest station, distance to
the highways and the corridor) together with a fingerprint of the layout they came from; a search
first recomputes the rows whose fingerprint is stale (a planner moved a zone, a site was re-imported),
so results always reflect the current layout while a search does no per-site geometry work.
"""
from __future__ import annotations

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.store import data_stamp, data_stamp_sql, points_version_key

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


def enterprise_points(conn: Connection, industries: list[str]) -> tuple[tuple, np.ndarray, np.ndarray]:
    """(the stamp of the enterprises' positions, plan_industry array, N x 2 EPSG:4549 coordinates) of the
    enterprises in ``industries``, in one statement so that the stamp and the points agree."""
    row = _one_binary(conn, f"SELECT {_STAMP_SQL}, array_agg(plan_industry), array_agg(ST_X(g)), array_agg(ST_Y(g)) "
                      "FROM (SELECT plan_industry, ST_Transform(geom, 4549) AS g FROM enterprises "
                      "WHERE plan_industry = ANY(:ind)) e",
                      {"c": points_version_key("enterprises"), "ind": list(industries)})
    stamp = (int(row[0] or 0), row[1])
    if not industries or row[2] is None:
        return stamp, np.array([], dtype=object), np.empty((0, 2))
    return stamp, np.array(row[2], dtype=object), np.column_stack([np.array(row[3], dtype=float),
                                                                   np.array(row[4], dtype=float)])


def points_stamp(conn: Connection) -> tuple:
    """(version, changed_at) of the enterprises' positions and plan industries (migration 0011's trigger)."""
    return data_stamp(conn, points_version_key("enterprises"))


# -- the sites' facts, for the search's in-memory copy (app/sites/facts.py) ----------------------
SITE_FACTS_KEY = "sites:facts"  # bumped by a statement trigger on every write to sites (migration 0012)
_STAMP_SQL = data_stamp_sql("c")


def facts_stamp(conn: Connection) -> tuple:
    """The stamp the in-memory site facts are keyed on: it changes with every statement that writes sites."""
    return data_stamp(conn, SITE_FACTS_KEY)


_FACT_COLUMNS = ("id", "building", "availability", "land_use", "area_m2", "price", "station_m", "highway_m",
                 "corridor_m", "x", "y", "zones")
_FACT_AGGREGATES = """array_agg(id), array_agg(kind = 'building'), array_agg(availability),
  array_agg(land_use), array_agg(area_m2), array_agg(coalesce(price, 'NaN')),
  array_agg(coalesce(station_m, 'NaN')), array_agg(coalesce(highway_m, 'NaN')),
  array_agg(coalesce(corridor_m, 'NaN')), array_agg(coalesce(x, 'NaN')), array_agg(coalesce(y, 'NaN')),
  array_agg(array_to_string(zones, ','))"""


def _fact_columns(values) -> dict:
    return {k: (v if v is not None else []) for k, v in zip(_FACT_COLUMNS, values)}


def site_facts(conn: Connection) -> tuple[tuple, dict]:
    """(stamp, columns) of every site, in one statement so that the stamp and the rows agree: what the
    hard constraints and the scoring read. One scan, every column aggregated from the same stream of rows
    (in no particular order: ``SiteFacts`` sorts them by id unless they come sorted); a site's zones as
    one comma-joined text (zone ids are ``[a-z0-9_-]``)."""
    row = _one_binary(conn, f"""
        SELECT {_STAMP_SQL}, {_FACT_AGGREGATES}
        FROM (SELECT id, kind, availability, land_use, area_m2, price, station_m, highway_m, corridor_m, x, y, zones
              FROM sites) s""", {"c": SITE_FACTS_KEY})
    return (int(row[0] or 0), row[1]), _fact_columns(row[2:])


def site_fact_changes(conn: Connection, since: tuple, limit: int) -> tuple[tuple, list[str], dict] | None:
    """What changed in the sites after the version ``since`` = (version, changed_at): (the stamp now, the
    ids written since, the columns of those of them that still exist), in one statement so that the three
    agree. None when a full read is needed instead: the log no longer holds ``since`` (pruned, or another
    database), a write since was logged as everything (a bulk write or TRUNCATE, migration 0013), or more
    than ``limit`` sites changed."""
    version, changed_at = since
    row = _one_binary(conn, f"""
        WITH log AS (SELECT everything, ids FROM site_fact_log WHERE version > :v),
        written AS (SELECT DISTINCT unnest(ids) AS id FROM log),
        verdict AS (SELECT EXISTS (SELECT 1 FROM site_fact_log WHERE version = :v AND changed_at = :at)
                      AND NOT EXISTS (SELECT 1 FROM log WHERE everything)
                      AND (SELECT count(*) FROM written) <= :limit AS ok)
        SELECT {_STAMP_SQL}, (SELECT ok FROM verdict), (SELECT array_agg(id) FROM written), {_FACT_AGGREGATES}
        FROM (SELECT id, kind, availability, land_use, area_m2, price, station_m, highway_m, corridor_m, x, y, zones
              FROM sites WHERE id IN (SELECT id FROM written) AND (SELECT ok FROM verdict)) s""",
                      {"c": SITE_FACTS_KEY, "v": version, "at": changed_at, "limit": limit})
    if not row[2]:
        return None
    return (int(row[0] or 0), row[1]), list(row[3] or []), _fact_columns(row[4:])


def sites_intersecting(conn: Connection, geom_wkb: bytes) -> list[str]:
    """Ids of the sites whose geometry intersects a WGS84 geometry (by the spatial index)."""
    return list(conn.execute(text("SELECT id FROM sites WHERE ST_Intersects(geom, "
                                  "ST_SetSRID(ST_GeomFromWKB(:g), 4326))"), {"g": geom_wkb}).scalars())


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
