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

from app.core.store import data_stamp, data_stamp_sql, lock_layout, point_log_sql, points_version_key

HIGHWAY_MODES = ("expressway", "highway")
_REFRESH_LOCK = 7007  # advisory lock key: one refresh at a time

_STATIONS_AND_ROUTES = """
  coalesce((SELECT string_agg(id || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id) FROM stations WHERE line = '17'), '')
  || '#' || coalesce((SELECT string_agg(id || ':' || mode || ':' || md5(ST_AsBinary(geom)), '|' ORDER BY id)
                      FROM corridor_routes), '')"""
# (of the whole layout, of the stations and routes alone); a zone's rank orders a site's zones, its kind
# makes it part of the corridor
FINGERPRINT_SQL = f"""
SELECT md5(coalesce((SELECT string_agg(id || ':' || rank || ':' || kind || ':' || md5(ST_AsBinary(geom)), '|'
                             ORDER BY id) FROM zones), '')
           || '#' || {_STATIONS_AND_ROUTES}),
       md5({_STATIONS_AND_ROUTES})
"""

# A site's zones: those holding its point on surface, in the layout's order.
_SITE_ZONES = """coalesce((SELECT array_agg(z.id ORDER BY z.rank, z.id) FROM zones z
              WHERE ST_Intersects(z.geom, ST_PointOnSurface({geom}))), '{{}}')"""

# Every layout-derived column of the sites never computed (layout_stamp NULL: new, or the geometry changed),
# or of every site (:all); rows whose values come out the same are left alone (and out of the write log).
REFRESH_SQL = f"""
WITH st AS (SELECT id, ST_Transform(geom, 4549) AS g FROM stations WHERE line = '17'),
hw AS (SELECT ST_Collect(ST_Transform(geom, 4549)) AS g FROM corridor_routes WHERE mode IN ('expressway', 'highway')),
co AS (SELECT ST_Union(ST_Transform(geom, 4549)) AS g FROM zones WHERE kind = 'corridor'),
fresh AS (
  SELECT s.id, m.g, s.geom FROM sites s, LATERAL (SELECT ST_Transform(s.geom, 4549) AS g) m
  WHERE s.layout_stamp IS NULL OR :all),
calc AS (
  SELECT f.id, {_SITE_ZONES.format(geom="f.geom")} AS zones,
    near.id AS station_id, near.d AS station_m,
    ST_Distance(f.g, (SELECT g FROM hw)) AS highway_m,
    ST_Distance(f.g, (SELECT g FROM co)) AS corridor_m
  FROM fresh f
  LEFT JOIN LATERAL (SELECT st.id, ST_Distance(f.g, st.g) AS d FROM st ORDER BY 2 LIMIT 1) near ON true)
UPDATE sites s SET zones = calc.zones, station_id = calc.station_id, station_m = calc.station_m,
  highway_m = calc.highway_m, corridor_m = calc.corridor_m, layout_stamp = :fp
FROM calc WHERE s.id = calc.id AND (s.layout_stamp IS NULL OR (s.zones, s.station_id, s.station_m, s.highway_m,
  s.corridor_m) IS DISTINCT FROM (calc.zones, calc.station_id, calc.station_m, calc.highway_m, calc.corridor_m))
"""

# The zones changed since the layout the sites were computed against (site_layout_zones, migration 0015):
# added, removed, re-ranked or redrawn.
_CHANGED_ZONES = """
  SELECT coalesce(c.id, o.id) AS zid, c.geom AS new_g, o.geom AS old_g, c.kind AS new_kind, o.kind AS old_kind,
         c.rank IS DISTINCT FROM o.rank AS reranked
  FROM zones c FULL JOIN site_layout_zones o ON o.id = c.id
  WHERE c.id IS NULL OR o.id IS NULL OR c.rank <> o.rank OR c.kind <> o.kind OR ST_AsBinary(c.geom) <> ST_AsBinary(o.geom)"""

CORRIDOR_CHANGED_SQL = f"SELECT EXISTS (SELECT 1 FROM ({_CHANGED_ZONES}) ch " \
    "WHERE 'corridor' IN (ch.new_kind, ch.old_kind))"

# After an edit of zones alone, the sites that may have changed zone: those whose point on surface is in a
# changed zone's old or new outline but not both (or in a re-ranked zone). Any other site's point is where
# it was in every zone. Found by the spatial index among the sites touching the area where membership can
# change (the symmetric difference of the two outlines, grown by 1e-9 degrees so that overlay rounding
# cannot hide a site; both outlines for a re-ranked zone); each point taken once.
MOVED_SQL = f"""
WITH changed AS MATERIALIZED (  -- each area made once, not per site
  SELECT ch.*, ST_Buffer(CASE WHEN old_g IS NULL THEN new_g WHEN new_g IS NULL THEN old_g
                              WHEN reranked THEN ST_Union(new_g, old_g) ELSE ST_SymDifference(new_g, old_g) END,
                         1e-9) AS area
  FROM ({_CHANGED_ZONES}) ch)
SELECT array_agg(DISTINCT h.id) FROM (
  SELECT s.id, s.geom, ch.new_g, ch.old_g, ch.reranked FROM changed ch
  JOIN sites s ON ST_Intersects(s.geom, ch.area) WHERE s.layout_stamp IS NOT NULL) h,
  LATERAL (SELECT ST_PointOnSurface(h.geom) AS p OFFSET 0) q,
  LATERAL (SELECT coalesce(ST_Intersects(h.new_g, q.p), false) AS now,
                  coalesce(ST_Intersects(h.old_g, q.p), false) AS was OFFSET 0) m
WHERE m.now <> m.was OR (h.reranked AND m.now)
"""

# Their zones, recomputed; only the sites whose zones come out different are written.
REZONE_SQL = f"""
WITH calc AS MATERIALIZED (SELECT s.id, {_SITE_ZONES.format(geom="s.geom")} AS zones FROM sites s WHERE s.id = ANY(:ids))
UPDATE sites s SET zones = calc.zones FROM calc WHERE s.id = calc.id AND s.zones IS DISTINCT FROM calc.zones
"""

RECORD_LAYOUT_SQL = ("""INSERT INTO site_layout (one, fingerprint, rest) VALUES (true, :fp, :rest)
  ON CONFLICT (one) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, rest = EXCLUDED.rest""",
                     "DELETE FROM site_layout_zones",
                     "INSERT INTO site_layout_zones (id, rank, kind, geom) SELECT id, rank, kind, geom FROM zones")


def _fingerprints(conn: Connection) -> tuple[str, str]:
    fp, rest = conn.execute(text(FINGERPRINT_SQL)).one()
    return fp, rest


def layout_fingerprint(conn: Connection) -> str:
    return _fingerprints(conn)[0]


def lock_sites(conn: Connection) -> None:
    """Serialise writers of the sites (imports, demo loads, refreshes) for this transaction; taken before
    any row is written so that an import and a search's refresh never wait on each other in a cycle."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFRESH_LOCK})


def derived_stale(conn: Connection, fp: str | None = None) -> bool:
    """Whether any site's layout-derived columns predate the current layout (a read: runs on a replica):
    a site never computed, or a layout other than the one the table was computed against (before the
    first refresh that recorded it, any site stamped with another fingerprint)."""
    fp = layout_fingerprint(conn) if fp is None else fp
    # index probes (sites_layout_stamp_idx) and one row, instead of a scan of every site
    return conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM sites WHERE layout_stamp IS NULL) OR CASE "
        "WHEN EXISTS (SELECT 1 FROM site_layout) THEN EXISTS (SELECT 1 FROM sites) "
        "  AND (SELECT fingerprint FROM site_layout) IS DISTINCT FROM :fp "
        "ELSE EXISTS (SELECT 1 FROM sites WHERE layout_stamp < :fp) "
        "  OR EXISTS (SELECT 1 FROM sites WHERE layout_stamp > :fp) END"), {"fp": fp}).scalar_one()


def refresh_derived(conn: Connection) -> int:
    """Recompute the layout-derived columns of stale sites; returns how many rows changed.

    Zone membership is by the site's point on surface (a parcel straddling a boundary belongs to the
    zone holding most of its inside point), so every site has one unambiguous answer. After an edit of
    zones other than the corridor only the zones of sites that may have changed zone are recomputed;
    a change of the stations, routes or corridor recomputes every site.
    """
    if not derived_stale(conn):
        return 0
    lock_sites(conn)
    lock_layout(conn)  # computed against the zones committed now, which no edit changes until this commits
    fp, rest = _fingerprints(conn)
    conn.execute(text("SET LOCAL jit = off"))  # its compile time exceeds what it saves on these plans
    held = conn.execute(text("SELECT fingerprint, rest FROM site_layout")).first()
    changed = 0
    if held is None:  # before the first recorded layout: every row stamped with another fingerprint
        everything = conn.execute(text("SELECT EXISTS (SELECT 1 FROM sites WHERE layout_stamp < :fp) "
                                       "OR EXISTS (SELECT 1 FROM sites WHERE layout_stamp > :fp)"),
                                  {"fp": fp}).scalar_one()
    elif held[0] == fp:
        everything = False
    else:
        everything = held[1] != rest or conn.execute(text(CORRIDOR_CHANGED_SQL)).scalar_one()
        if not everything:
            moved = conn.execute(text(MOVED_SQL)).scalar_one()
            if moved:
                changed += conn.execute(text(REZONE_SQL), {"ids": list(moved)}).rowcount
    changed += conn.execute(text(REFRESH_SQL), {"fp": fp, "all": everything}).rowcount
    if held is None or held[0] != fp:
        for sql in RECORD_LAYOUT_SQL:  # the layout the table is now current with
            conn.execute(text(sql), {"fp": fp, "rest": rest})
    return changed


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


def database_identity(conn: Connection) -> int:
    """This database's oid: a database dropped and made again under the same name gets another one."""
    return conn.execute(text("SELECT oid FROM pg_database WHERE datname = current_database()")).scalar_one()


def enterprise_point_changes(conn: Connection, held: int, industries: list[str], limit: int):
    """(the enterprises' points stamp now, plan_industry array, N x 2 EPSG:4549 coordinates, deltas) of
    the points of ``industries`` that changed after version ``held`` of `enterprises:points` (-1 where a
    point was, +1 where it is: the log of migration 0014, point_changes), transformed by PostGIS as
    ``enterprise_points`` does; None when the log cannot stand in for the points (app.core.store.point_log_sql)
    or more than ``limit`` points changed. One statement: stamp and changes agree."""
    row = _one_binary(conn, f"""
        WITH v(version, changed_at) AS (SELECT {_STAMP_SQL}), {point_log_sql("c", "held", "(SELECT version FROM v)")},
        moved AS (SELECT delta, plan_industry, ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 4549) AS g
                  FROM point_log WHERE delta <> 0 AND plan_industry = ANY(:ind))
        SELECT (SELECT version FROM v), (SELECT changed_at FROM v),
          (SELECT ok FROM point_log_complete) AND (SELECT count(*) FROM moved) <= :limit,
          (SELECT array_agg(plan_industry) FROM moved), (SELECT array_agg(ST_X(g)) FROM moved),
          (SELECT array_agg(ST_Y(g)) FROM moved), (SELECT array_agg(delta) FROM moved)""",
        {"c": points_version_key("enterprises"), "held": held, "ind": list(industries), "limit": limit})
    if row[0] is None or not row[2]:
        return None
    if row[3] is None:
        return (int(row[0]), row[1]), np.array([], dtype=object), np.empty((0, 2)), np.zeros(0, dtype=np.int64)
    return ((int(row[0]), row[1]), np.array(row[3], dtype=object),
            np.column_stack([np.array(row[4], dtype=float), np.array(row[5], dtype=float)]),
            np.array(row[6], dtype=np.int64))


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
