"""The facts every capability shares, each read or written in one place: the district, the towns,
the data versions caches key on; and the helpers for geometry parameters."""
from __future__ import annotations

from dataclasses import dataclass

from shapely import wkb as shapely_wkb
from shapely.geometry.base import BaseGeometry
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.errors import MissingLayout
from gis.partition import as_multipolygon
from gis.precision import snap
from layers.qingpu import DISTRICT_ADCODE


def wkb(geom: BaseGeometry) -> bytes:
    return geom.wkb


def polygon_wkb(geom: BaseGeometry) -> bytes:
    """WKB of a polygon snapped to the served coordinate grid (see gis.precision)."""

    return as_multipolygon(snap(geom)).wkb


# SQL for a geometry parameter given as WKB in WGS84.
GEOM = "ST_SetSRID(ST_GeomFromWKB(:{name}), 4326)"
MULTI = "ST_Multi(ST_SetSRID(ST_GeomFromWKB(:{name}), 4326))"


# -- the district ---------------------------------------------------------------------------------
def district_geometry(conn: Connection) -> BaseGeometry:
    """The stored district outline (WGS84), exactly as served; MissingLayout when it is not loaded."""
    row = conn.execute(text("SELECT ST_AsBinary(geom) FROM district WHERE adcode = :a"),
                       {"a": DISTRICT_ADCODE}).first()
    if row is None or row[0] is None:
        raise MissingLayout("the district outline")
    return shapely_wkb.loads(bytes(row[0]))


def district_loaded(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM district WHERE adcode = :a"), {"a": DISTRICT_ADCODE}).first() is not None


# -- the towns ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredTown:
    code: str
    name_zh: str
    geom: BaseGeometry
    seat: BaseGeometry | None


def town_rows(conn: Connection) -> list[StoredTown]:
    """The stored towns by code (possibly none: the layout loader fills an empty table)."""
    return [StoredTown(code, name_zh, shapely_wkb.loads(bytes(g)), shapely_wkb.loads(bytes(s)) if s else None)
            for code, name_zh, g, s in conn.execute(text(
                "SELECT code, name_zh, ST_AsBinary(geom), ST_AsBinary(seat) FROM towns ORDER BY code"))]


def town_codes(conn: Connection) -> set[str]:
    """The codes of the stored towns (cheap: no geometry read)."""
    return set(conn.execute(text("SELECT code FROM towns")).scalars())


def town_geometries(conn: Connection) -> dict[str, BaseGeometry]:
    """Town code -> stored outline; MissingLayout when there are none."""
    towns = {t.code: t.geom for t in town_rows(conn)}
    if not towns:
        raise MissingLayout("the towns")
    return towns


# -- data versions --------------------------------------------------------------------------------
def bump_version(conn: Connection, *collections: str) -> None:
    """Mark collections as changed: caches of tiles and analytics key on these counters."""
    # One statement for all (an edit bumps several): each named once (ON CONFLICT touches a row once),
    # in one order for every writer, so two writers never wait on each other's rows crosswise.
    conn.execute(text(
        "INSERT INTO data_versions (collection, version, changed_at) "
        "SELECT c, 1, now() FROM (SELECT DISTINCT c FROM unnest(CAST(:c AS text[])) AS c) d ORDER BY c "
        "ON CONFLICT (collection) DO UPDATE SET version = data_versions.version + 1, changed_at = now()"),
        {"c": list(collections)})


def data_versions(conn: Connection, collections) -> dict[str, int]:
    """Collection -> its counter (0 for one never written), in the order asked."""
    collections = list(collections)
    rows = conn.execute(text("SELECT collection, version FROM data_versions WHERE collection = ANY(:c)"),
                        {"c": collections}).all()
    found = {c: int(v) for c, v in rows}
    return {c: found.get(c, 0) for c in collections}


def all_data_versions(conn: Connection) -> dict[str, int]:
    """Every collection's counter (the table is a handful of rows): what a replica is compared on."""
    return {c: int(v) for c, v in conn.execute(text("SELECT collection, version FROM data_versions"))}


def replay_status(conn: Connection) -> dict:
    """On a standby: whether it is one, and when the last transaction it replayed was committed."""
    standby, replayed_at = conn.execute(text(
        "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp()")).one()
    return {"standby": bool(standby), "replayed_at": replayed_at}


def points_version_key(collection: str) -> str:
    """The counter of a point layer's positions and plan industries alone, bumped by a database
    trigger (migration 0011) on every statement that may change them; assignments leave it alone."""
    return f"{collection}:points"


def data_version(conn: Connection, collection: str) -> int:
    return data_versions(conn, [collection])[collection]


def data_version_sql(collection_param: str) -> str:
    """A scalar subquery of a collection's counter, for statements that read it with their data
    (one snapshot: the version and the rows agree)."""
    return f"(SELECT version FROM data_versions WHERE collection = :{collection_param})"


def data_stamp_sql(collection_param: str) -> str:
    """Two scalar subqueries, a collection's counter and its changed_at, to read with the data they stamp.
    changed_at tells apart two counters of the same value (a rolled-back writer's, or those of a database
    dropped and made again while a process keeps a cache keyed on them)."""
    return (f"(SELECT version FROM data_versions WHERE collection = :{collection_param}), "
            f"(SELECT changed_at FROM data_versions WHERE collection = :{collection_param})")


def point_log_sql(collection_param: str, held_param: str, current: str) -> str:
    """WITH entries for the point changes (migration 0014) logged under the counter :collection_param
    after version :held_param, up to ``current`` (an SQL expression of the counter, read with them):
    ``point_log(version, delta, lon, lat, plan_industry)`` (delta -1 where a point was, +1 where it is,
    0 for a version's header row), and ``point_log_complete(ok)``: whether every version in between is
    fully logged. A version without its header is not (a statement too big to log, a TRUNCATE, pruned),
    nor is a counter that went back; then the reader reads every point again. The one rule of when the
    log can stand in for that read."""
    return (f"point_log AS MATERIALIZED (SELECT c.version, c.delta, c.lon, c.lat, c.plan_industry "
            f"FROM point_changes c WHERE c.collection = :{collection_param} AND c.version > :{held_param} "
            f"AND c.version <= {current}), "
            f"point_log_complete(ok) AS (SELECT (SELECT count(DISTINCT version) FROM point_log WHERE delta = 0) "
            f"= {current} - :{held_param})")


def data_stamp(conn: Connection, collection: str) -> tuple:
    """(counter, changed_at) of a collection; (0, None) for one never written."""
    row = conn.execute(text(f"SELECT {data_stamp_sql('c')}"), {"c": collection}).one()
    return int(row[0] or 0), row[1]


# Assignments of enterprises to zones are computed in Python from the zones a transaction reads. An
# enterprise import and a zone edit in two transactions could each miss the other's uncommitted rows
# (the import places points against the old boundary; the edit re-assigns only the rows it can see),
# leaving enterprises in the wrong zones for good. So every transaction that writes zones or computes
# assignments first takes this one transaction-level advisory lock: whichever comes second starts
# after the first has committed and sees all of it. (Chosen over a layout version checked at commit,
# which would make a long import fail and retry; imports and edits are rare enough to queue.)
LAYOUT_LOCK_KEY = 0x716C61796F7574  # "qlayout"


def lock_layout(conn: Connection) -> None:
    """Serialise with every other zone write or assignment until this transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LAYOUT_LOCK_KEY})


def zone_exists(conn: Connection, zone_id: str) -> bool:
    """Whether a zone of this id exists now (one index probe: fit for a tile request's filter)."""
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM zones WHERE id = :id)"), {"id": zone_id}).scalar())


def display_names(conn: Connection) -> dict[str, dict[str, tuple[str, str]]]:
    """{"towns"|"zones": {id: (name_zh, name_en)}}: what a page shows instead of a town code or zone id."""
    return {"towns": {c: (zh, en) for c, zh, en in conn.execute(text("SELECT code, name_zh, name_en FROM towns"))},
            "zones": {i: (zh, en) for i, zh, en in conn.execute(text("SELECT id, name_zh, name_en FROM zones"))}}
