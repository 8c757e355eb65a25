"""SQL of the investor briefs: what a brief shows about a site's surroundings (map layers, the zones'
firms by industry, the district's totals for the location quotient, the leading firms nearby) and the
saved briefs with their share links.

Only public enterprise fields are read (name, plan industry, employees): a shared brief is seen by people
without an account, so nothing the public may not see (产值 output value) goes into it.
"""
from __future__ import annotations

from datetime import datetime

import shapely
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.store import district_geometry, town_rows
from app.sites import store as sites_store
from gis.crs import to_measure


def sites(conn: Connection, ids: list[str]) -> dict[str, dict]:
    """The sites' facts with layout-derived columns brought up to date first."""
    sites_store.refresh_derived(conn)
    return sites_store.site_details(conn, ids)


def map_layers(conn: Connection) -> dict:
    """District, towns, zones, routes and Line 17 stations, all in EPSG:4549."""
    zones = [dict(r._mapping) | {"geom": to_measure(shapely.from_wkb(r.g))} for r in conn.execute(text(
        "SELECT id, kind, name_zh, name_en, target_industries, parent_zone, ST_AsBinary(geom) AS g "
        "FROM zones ORDER BY rank, id"))]
    routes = [dict(r._mapping) | {"geom": to_measure(shapely.from_wkb(r.g))} for r in conn.execute(text(
        "SELECT id, name_zh, name_en, mode, ST_AsBinary(geom) AS g FROM corridor_routes ORDER BY id"))]
    stations = [dict(r._mapping) | {"geom": to_measure(shapely.from_wkb(r.g))} for r in conn.execute(text(
        "SELECT id, name_zh, name_en, ST_AsBinary(geom) AS g FROM stations WHERE line = '17' ORDER BY seq"))]
    for row in zones + routes + stations:
        row.pop("g")
    return {"district": to_measure(district_geometry(conn)),
            "towns": [(t.name_zh, to_measure(t.geom)) for t in town_rows(conn)],
            "zones": zones, "routes": routes, "stations": stations}


def zone_industry_counts(conn: Connection, zone_ids: list[str]) -> dict[str, list[tuple[str | None, int, int]]]:
    """zone -> [(plan industry or None, firms, employees)] of the firms inside it, most firms first."""
    out: dict[str, list] = {z: [] for z in zone_ids}
    for z, ind, n, emp in conn.execute(text(
            "SELECT z, plan_industry, count(*), coalesce(sum(employees), 0) FROM enterprises, unnest(zones) z "
            "WHERE z = ANY(:z) GROUP BY z, plan_industry ORDER BY z, 3 DESC, 2"), {"z": zone_ids}):
        out[z].append((ind, int(n), int(emp)))
    return out


def district_industry_counts(conn: Connection) -> dict[str | None, int]:
    """plan industry (None: unclassified) -> firms in the whole district."""
    return {r[0]: int(r[1]) for r in conn.execute(text(
        "SELECT plan_industry, count(*) FROM enterprises GROUP BY plan_industry"))}


def leading_firms_near(conn: Connection, site_geojson: str, industries: list[str] | None, radius_m: float,
                       limit: int) -> list[dict]:
    """The largest firms (by employees) within ``radius_m`` of the site, of ``industries`` (any plan
    industry when None), with their distance in metres (EPSG:4549)."""
    where = "e.plan_industry = ANY(:ind)" if industries else "e.plan_industry IS NOT NULL"
    rows = conn.execute(text(
        "WITH s AS (SELECT ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326), 4549) AS g) "
        "SELECT e.name, e.plan_industry, e.employees, e.synthetic, ST_Distance(ST_Transform(e.geom, 4549), s.g) AS d "
        f"FROM enterprises e, s WHERE {where} AND ST_DWithin(ST_Transform(e.geom, 4549), s.g, :r) "
        "ORDER BY e.employees DESC NULLS LAST, d LIMIT :n"),
        {"g": site_geojson, "ind": industries or [], "r": radius_m, "n": limit}).mappings()
    return [dict(r) for r in rows]


# -- saved briefs and their share links -----------------------------------------------------------------
BRIEF_COLUMNS = "id, owner, site_id, industry, lang, compare, created_at, shared_at, share_expires_at"


def insert_brief(conn: Connection, owner: str, site_id: str, industry: str | None, lang: str,
                 compare: list[str]) -> dict:
    return dict(conn.execute(text(
        f"INSERT INTO briefs (owner, site_id, industry, lang, compare) VALUES (:o, :s, :i, :l, :c) "
        f"RETURNING {BRIEF_COLUMNS}"), {"o": owner, "s": site_id, "i": industry, "l": lang, "c": compare})
        .mappings().one())


def own_brief(conn: Connection, brief_id: int, owner: str, lock: bool = False) -> dict | None:
    """A brief of this owner (row locked for a change when ``lock``), or None."""
    row = conn.execute(text(f"SELECT {BRIEF_COLUMNS} FROM briefs WHERE id = :i AND owner = :o"
                            + (" FOR UPDATE" if lock else "")), {"i": brief_id, "o": owner}).mappings().first()
    return dict(row) if row else None


def own_briefs(conn: Connection, owner: str) -> list[dict]:
    return [dict(r) for r in conn.execute(text(
        f"SELECT {BRIEF_COLUMNS} FROM briefs WHERE owner = :o ORDER BY id DESC"), {"o": owner}).mappings()]


def shared_brief(conn: Connection, token_hash: str, now: datetime) -> dict | None:
    """The brief whose live share link has this token hash (None when unknown, revoked or expired)."""
    row = conn.execute(text(f"SELECT {BRIEF_COLUMNS} FROM briefs WHERE share_hash = :h AND share_expires_at > :now"),
                       {"h": token_hash, "now": now}).mappings().first()
    return dict(row) if row else None


def set_share(conn: Connection, brief_id: int, token_hash: str | None, expires_at: datetime | None) -> None:
    conn.execute(text("UPDATE briefs SET share_hash = :h, share_expires_at = :e, "
                      "shared_at = CASE WHEN CAST(:h AS text) IS NULL THEN NULL ELSE now() END WHERE id = :i"),
                 {"h": token_hash, "e": expires_at, "i": brief_id})


def delete_brief(conn: Connection, brief_id: int) -> None:
    conn.execute(text("DELETE FROM briefs WHERE id = :i"), {"i": brief_id})
