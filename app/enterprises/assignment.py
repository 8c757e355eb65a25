"""Storing zone assignments of enterprises (the rule itself is gis.assign).

For zone editing: after writing a zone, call ``reassign_changed_area`` in the same
transaction; it touches only the enterprises inside the symmetric difference of the old and
new boundary (plus, when the edit changes which of two overlapping zones is the more
specific, the enterprises inside both; and when the zone's kind or targets differ from its
previous version in zone history, all its members). ``preview_zone_change`` computes the same
without writing, for a dry-run impact preview. ``reassign_zone_members`` recomputes one zone's
members on demand; ``assign_all`` recomputes everything.
"""
from __future__ import annotations

import re

import numpy as np
from shapely import wkb as shapely_wkb
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.binary_copy import TID, read_rows, rows_bytes
from app.core.store import bump_version, lock_layout
from gis.assign import Assignment, ZoneInfo, assign_points, order_flips
from gis.crs import area_km2

__all__ = ["load_zones", "assign_all", "reassign_changed_area", "preview_zone_change",
           "reassign_zone_members", "reassign_usccs", "place_points", "check_assignments"]


def load_zones(conn: Connection) -> list[ZoneInfo]:
    """The zones, read under the layout lock (see app.core.store.lock_layout), so the assignments
    computed from them are committed together with the boundaries they were computed against."""
    lock_layout(conn)
    rows = conn.execute(text("SELECT id, name_zh, kind, area_km2, target_industries, ST_AsBinary(geom) "
                             "FROM zones ORDER BY id")).all()
    return [ZoneInfo(r[0], r[1], r[2], float(r[3]), tuple(r[4] or ()), shapely_wkb.loads(bytes(r[5])))
            for r in rows]


def place_points(conn: Connection, lon, lat, plan_industries) -> Assignment:
    """Zones and primary zone for points not yet stored (used by import and demo load)."""
    return assign_points(np.asarray(lon, float), np.asarray(lat, float), plan_industries, load_zones(conn))


# A fetched row: (uscc, name, lon, lat, plan_industry, zones, primary_zone, primary_reason, ctid).
_ROW = ("e.uscc, e.name, ST_X(e.geom), ST_Y(e.geom), e.plan_industry, e.zones, e.primary_zone, "
        "e.primary_reason, CAST(e.ctid AS text)")


def _fetch_points(conn: Connection, sql: str, params: dict) -> list:
    return conn.execute(text(f"SELECT {_ROW} FROM enterprises e {sql}"), params).all()


def _changed(rows: list, assignment: Assignment) -> list[int]:
    """Indexes of the rows whose stored zones, primary zone or reason differ from the new placement.
    Compared once per distinct (stored, placement) pair: a big edit has only a few hundred."""
    seen: dict[tuple, bool] = {}
    out = []
    for i, (r, g) in enumerate(zip(rows, assignment.group_of)):
        key = (tuple(r[5] or ()), r[6], r[7], int(g))
        differs = seen.get(key)
        if differs is None:
            p = assignment.placements[key[3]]
            differs = seen[key] = key[0] != p.zones or r[6] != p.primary or r[7] != p.reason
        if differs:
            out.append(i)
    return out


def _write(conn: Connection, rows: list, assignment: Assignment) -> int:
    """Store the placements that differ from what is stored; returns how many changed.

    One UPDATE for all of them, found by their row address (a TID scan: no index probe) and
    checked by credit code. The assignment columns carry no index and the table keeps free room
    on its pages (migration 0011), so each rewritten row is a heap-only tuple: no index is touched.
    The caller holds the rows still (assignment._lock_enterprises, or its own writes of them).
    """
    changed = _changed(rows, assignment)
    if not changed:
        return 0
    groups: dict[int, int] = {}
    tids, usccs, gi = [], [], []
    for i in changed:
        tids.append(rows[i][8])
        usccs.append(rows[i][0])
        gi.append(str(groups.setdefault(int(assignment.group_of[i]), len(groups) + 1)))
    places = [assignment.placements[g] for g in groups]
    # Array literals built here (every element quoted, codes escaped): tens of thousands of addresses and
    # codes cost milliseconds this way, against a second through the driver's per-item adapter.
    written = conn.execute(text(
        "UPDATE enterprises e SET zones = string_to_array(g.z, ','), primary_zone = g.p, primary_reason = g.r, "
        "updated_at = now() "
        "FROM unnest(CAST(:t AS tid[]), CAST(:u AS text[]), CAST(:gi AS int[])) AS u(t, uscc, gi) "
        "JOIN unnest(CAST(:z AS text[]), CAST(:p AS text[]), CAST(:r AS text[])) WITH ORDINALITY AS g(z, p, r, gi) "
        "ON g.gi = u.gi WHERE e.ctid = ANY(CAST(:t AS tid[])) AND e.ctid = u.t AND e.uscc = u.uscc"),
        {"t": '{"' + '","'.join(tids) + '"}', "u": _text_array(usccs), "gi": "{" + ",".join(gi) + "}",
         "z": [",".join(p.zones) for p in places], "p": [p.primary for p in places],
         "r": [p.reason for p in places]}).rowcount
    if written != len(changed):  # a row moved under us (only possible without the table lock)
        raise RuntimeError(f"re-assignment wrote {written} of {len(changed)} enterprises; rows changed meanwhile")
    bump_version(conn, "enterprises")
    return len(changed)


def _text_array(values: list[str]) -> str:
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _lock_enterprises(conn: Connection) -> None:
    """Hold enterprises still until this transaction ends (readers go on): the rows read for a
    re-assignment are then the rows written, at the same addresses. Taken after the layout lock,
    the order every writer of assignments uses."""
    conn.execute(text("LOCK TABLE enterprises IN SHARE ROW EXCLUSIVE MODE"))


def _assign(rows: list, zones: list[ZoneInfo]) -> Assignment:
    x = np.fromiter((r[2] for r in rows), float, len(rows))
    y = np.fromiter((r[3] for r in rows), float, len(rows))
    return assign_points(x, y, [r[4] for r in rows], zones)


# One 64-bit hash of a stored placement, the same expression for the enterprises' columns and for the
# new placements, so unchanged rows are found without sending their zones and reasons over the wire.
# A stale row whose hash equals its new placement's by chance (odds ~1e-19 per row against a few hundred
# placements) would keep its old placement; `qingpu check assignments` (ST_Contains) would show it.
_PLACEMENT_HASH = ("hashtextextended(array_to_string({zones}, E'\\x1f') || E'\\x1e' || coalesce({primary}, E'\\x1d') "
                   "|| E'\\x1e' || coalesce({reason}, E'\\x1d'), 0)")
_POINT_FIELDS = [("t", TID), ("x", ">f8"), ("y", ">f8"), ("industry", ">i2"), ("stored", ">i8")]


def assign_all(conn: Connection) -> int:
    """(Re)assign every enterprise to the current zones; returns how many changed.

    Set-based, in four steps: every point comes out in one binary COPY (row address, lon, lat,
    industry as a number, and a hash of its stored placement); gis.assign places them all; the hashes
    of the few hundred distinct new placements are computed by the same SQL expression, so the rows
    whose placement differs are known before anything is written; only those go back, by binary
    COPY of (row address, placement) into a temporary table, and one UPDATE joined on the row address
    rewrites them (heap-only: the assignment columns carry no index, migration 0011). Concurrent
    writers of enterprises wait for the caller's transaction, so no edit made between the read and
    the write is overwritten with a placement computed from its old point or industry, and the row
    addresses read are the rows written.
    """
    # The layout lock first, as every zone write takes it before it writes enterprises:
    # the other order would deadlock against a zone edit.
    zones = load_zones(conn)
    _lock_enterprises(conn)
    industry_ids = list(conn.execute(text("SELECT id FROM plan_industries ORDER BY id")).scalars())
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        buf = bytearray()
        stored = _PLACEMENT_HASH.format(zones="zones", primary="primary_zone", reason="primary_reason")
        with cur.copy("COPY (SELECT ctid, ST_X(geom), ST_Y(geom), "
                      "CAST(COALESCE(array_position(CAST(%s AS text[]), plan_industry), 0) AS int2), "
                      f"{stored} FROM enterprises) TO STDOUT (FORMAT binary)", (industry_ids,)) as copy:
            for block in copy:
                buf += block
    points = read_rows(bytes(buf), _POINT_FIELDS)
    del buf
    if not len(points):
        return 0
    industries = np.array([None, *industry_ids], dtype=object)[points["industry"]]
    assignment = assign_points(points["x"].astype(float), points["y"].astype(float), industries, zones)
    conn.execute(text(
        "DROP TABLE IF EXISTS pg_temp.assign_rows, pg_temp.assign_groups; "
        "CREATE TEMP TABLE assign_rows (t tid, g integer) ON COMMIT DROP; "
        "CREATE TEMP TABLE assign_groups (g integer PRIMARY KEY, zones text[] NOT NULL, primary_zone text, "
        "primary_reason text) ON COMMIT DROP"))
    with raw.cursor() as cur:
        with cur.copy("COPY assign_groups (g, zones, primary_zone, primary_reason) FROM STDIN") as copy:
            for g, p in enumerate(assignment.placements):
                copy.write_row((g, list(p.zones), p.primary, p.reason))
    hashes = dict(conn.execute(text(
        "SELECT g, " + _PLACEMENT_HASH.format(zones="zones", primary="primary_zone", reason="primary_reason")
        + " FROM assign_groups")).all())
    new_hash = np.array([hashes[g] for g in range(len(assignment.placements))], dtype=np.int64)
    group_of = np.asarray(assignment.group_of, dtype=np.int64)
    changed = np.flatnonzero(points["stored"].astype(np.int64) != new_hash[group_of])
    if not len(changed):
        return 0
    with raw.cursor() as cur:
        with cur.copy("COPY assign_rows (t, g) FROM STDIN (FORMAT binary)") as copy:
            copy.write(rows_bytes([("t", points["t"][changed]), ("g", group_of[changed].astype(np.int32))]))
    conn.execute(text("ANALYZE assign_rows"))
    written = conn.execute(text(
        "UPDATE enterprises e SET zones = a.zones, primary_zone = a.primary_zone, "
        "primary_reason = a.primary_reason, updated_at = now() "
        "FROM assign_rows r JOIN assign_groups a ON a.g = r.g WHERE e.ctid = r.t")).rowcount
    if written != len(changed):  # cannot happen while the table is held still; refuse rather than half-write
        raise RuntimeError(f"re-assignment wrote {written} of {len(changed)} enterprises; rows moved meanwhile")
    bump_version(conn, "enterprises")
    return written


def reassign_zone_members(conn: Connection, zone_id: str) -> int:
    """Recompute the enterprises a zone contains (after a change of its targets or kind)."""
    lock_layout(conn)
    _lock_enterprises(conn)
    rows = _fetch_points(conn, "WHERE :z = ANY(e.zones)", {"z": zone_id})
    return _write(conn, rows, _assign(rows, load_zones(conn))) if rows else 0


def reassign_usccs(conn: Connection, usccs: list[str]) -> int:
    """Recompute the given enterprises (e.g. after their industry changed)."""
    lock_layout(conn)
    _lock_enterprises(conn)
    rows = _fetch_points(conn, "WHERE e.uscc = ANY(CAST(:u AS text[]))", {"u": list(usccs)})
    return _write(conn, rows, _assign(rows, load_zones(conn))) if rows else 0


# -- zone edits ---------------------------------------------------------------------------------
_CHANGED_AREA = """
WITH g AS (
    SELECT ST_SetSRID(ST_GeomFromEWKB(CAST(:old AS bytea)), 4326) AS a,
           ST_SetSRID(ST_GeomFromEWKB(CAST(:new AS bytea)), 4326) AS b
), parts AS (
    -- Small pieces keep the index probes tight even when the changed strip is long.
    SELECT ST_Subdivide(CASE WHEN :whole THEN COALESCE(ST_Union(a, b), a, b)
                             ELSE COALESCE(ST_SymDifference(a, b), a, b) END, 128) AS piece FROM g
    UNION ALL
    -- Enterprises inside the edited zone and a zone whose specificity order against it flipped.
    SELECT ST_Subdivide(ST_Intersection(COALESCE(ST_Union(g.a, g.b), g.a, g.b), z.geom), 128)
    FROM g, zones z WHERE z.id = ANY(CAST(:others AS text[]))
)
"""


def _affected(conn: Connection, old_wkb: bytes | None, new_wkb: bytes | None, pairs: list[tuple[str, str]],
              members_of: str | None = None) -> list:
    """The enterprises whose placement the edit can change, all found through the gist index:
    inside the symmetric difference of the old and new boundary; inside both the edited zone and a
    zone in ``pairs`` (their order flipped); with ``members_of`` (new kind or targets) everything
    inside the old or new boundary."""
    if old_wkb is None and new_wkb is None:
        return []
    # The planner cannot estimate ST_Subdivide's output and over-costs the join, which
    # switches on JIT compilation: ~0.2 s lost before the first row on a 1M-row table.
    previous_jit = conn.execute(text("SELECT current_setting('jit')")).scalar()
    conn.execute(text("SELECT set_config('jit', 'off', true)"))
    # Through the driver's cursor: plain tuples, no row objects (tens of thousands of rows in a big edit).
    sql = _CHANGED_AREA + f"SELECT {_ROW} FROM enterprises e JOIN parts p ON ST_Intersects(e.geom, p.piece)"
    with conn.connection.driver_connection.cursor() as cur:
        found = cur.execute(re.sub(r":(old|new|whole|others)\b", r"%(\1)s", sql),
                            {"old": old_wkb, "new": new_wkb, "whole": members_of is not None,
                             "others": sorted({b for _, b in pairs})}).fetchall()
    conn.execute(text("SELECT set_config('jit', :v, true)"), {"v": previous_jit})
    # A point on the seam of two pieces (or inside two searched areas) comes back twice.
    return list({r[0]: r for r in found}.values())


def _impact(rows: list, assignment: Assignment) -> dict:
    entered: dict[str, list[str]] = {}
    left: dict[str, list[str]] = {}
    primary_changed = []
    moves: dict[tuple, tuple] = {}  # (stored zones, group) -> (entered, left): a few hundred distinct
    for row, g in zip(rows, assignment.group_of):
        placement = assignment.placements[g]
        key = (tuple(row[5] or ()), int(g))
        move = moves.get(key)
        if move is None:
            before, after = set(key[0]), set(placement.zones)
            move = moves[key] = (sorted(after - before), sorted(before - after))
        for z in move[0]:
            entered.setdefault(z, []).append(row[0])
        for z in move[1]:
            left.setdefault(z, []).append(row[0])
        if row[6] != placement.primary:
            primary_changed.append({"uscc": row[0], "name": row[1], "from": row[6], "to": placement.primary,
                                    "reason": placement.reason})
    for bucket in (entered, left):
        for z in bucket:
            bucket[z].sort()
    primary_changed.sort(key=lambda c: c["uscc"])
    return {"entered": entered, "left": left, "primary_changed": primary_changed}


def _previous_kind_and_targets(conn: Connection, zone: ZoneInfo) -> tuple[str, tuple[str, ...]]:
    """Kind and targets of the zone's previous recorded version (zone history), else the current ones."""
    row = conn.execute(text(
        "SELECT v.kind, v.target_industries FROM zone_versions v JOIN zones z ON z.id = v.zone_id "
        "WHERE v.zone_id = :id AND v.version < z.version AND v.geom IS NOT NULL ORDER BY v.version DESC LIMIT 1"),
        {"id": zone.id}).first()
    return (row[0], tuple(row[1] or ())) if row else (zone.kind, zone.target_industries)


def _as_bytes(geom_wkb) -> bytes | None:
    """WKB or EWKB as bytes (a database row may hand over a memoryview)."""
    return None if geom_wkb is None else bytes(geom_wkb)


def _flip_pairs(before: ZoneInfo | None, after: ZoneInfo | None, zones: list[ZoneInfo]) -> list[tuple[str, str]]:
    if before is None or after is None:
        return []
    return [(after.id, other) for other in order_flips(before, after, zones)]


def reassign_changed_area(conn: Connection, old_geom_wkb: bytes | None, new_geom_wkb: bytes | None,
                          zone_id: str | None = None) -> dict:
    """Recompute zones and primary zone of the enterprises in the changed area, in the caller's
    transaction, after the zones row was written (None = the zone was created / deleted).
    When the zone's kind or targets differ from its previous version in zone history, all its
    members are recomputed too.

    Returns {"entered": {zone: [uscc]}, "left": {zone: [uscc]}, "primary_changed": [...]}.
    ``zone_id`` (optional) names the edited zone; without it the zone is found by its new geometry.
    """
    old_geom_wkb, new_geom_wkb = _as_bytes(old_geom_wkb), _as_bytes(new_geom_wkb)
    zones = load_zones(conn)
    _lock_enterprises(conn)
    pairs: list[tuple[str, str]] = []
    retargeted = None
    if old_geom_wkb is not None and new_geom_wkb is not None:
        if zone_id is None:
            zone_id = conn.execute(text("SELECT id FROM zones WHERE ST_Equals(geom, ST_SetSRID("
                                        "ST_GeomFromEWKB(CAST(:g AS bytea)), 4326)) LIMIT 1"),
                                   {"g": new_geom_wkb}).scalar()
        after = next((z for z in zones if z.id == zone_id), None)
        if after is not None:
            kind, targets = _previous_kind_and_targets(conn, after)
            before = ZoneInfo(after.id, after.name_zh, kind, area_km2(shapely_wkb.loads(old_geom_wkb)), targets)
            pairs = _flip_pairs(before, after, zones)
            if (kind, targets) != (after.kind, after.target_industries):
                retargeted = after.id  # new targets or kind: every member may change primary
    rows = _affected(conn, old_geom_wkb, new_geom_wkb, pairs, members_of=retargeted)
    assignment = _assign(rows, zones)
    impact = _impact(rows, assignment)
    _write(conn, rows, assignment)
    return impact


def preview_zone_change(conn: Connection, zone_id: str, new_geom_wkb: bytes | None, *, kind: str | None = None,
                        name_zh: str | None = None, target_industries: list[str] | None = None) -> dict:
    """What ``reassign_changed_area`` would report if the zone got ``new_geom_wkb`` (None = deleted).

    Writes nothing. For a zone that does not exist yet, pass its kind (and targets, name).
    """
    new_geom_wkb = _as_bytes(new_geom_wkb)
    zones = load_zones(conn)
    current = next((z for z in zones if z.id == zone_id), None)
    if current is None and (new_geom_wkb is None or kind is None):
        raise LookupError(f"no zone '{zone_id}'" + ("" if new_geom_wkb is None else "; give the new zone's kind"))
    others = [z for z in zones if z.id != zone_id]
    after = None
    if new_geom_wkb is not None:
        geom = shapely_wkb.loads(new_geom_wkb)
        base = current or ZoneInfo(zone_id, name_zh or zone_id, kind, 0.0, tuple(target_industries or ()))
        after = ZoneInfo(zone_id, name_zh or base.name_zh, kind or base.kind, area_km2(geom),
                         tuple(target_industries if target_industries is not None else base.target_industries), geom)
    hypothetical = others + ([after] if after else [])
    old_wkb = current.geom.wkb if current is not None else None
    # New targets or a new kind can change the primary zone of every enterprise inside.
    retargeted = current is not None and after is not None and \
        (after.kind, after.target_industries) != (current.kind, current.target_industries)
    rows = _affected(conn, old_wkb, new_geom_wkb, _flip_pairs(current, after, hypothetical),
                     members_of=zone_id if retargeted else None)
    return _impact(rows, _assign(rows, hypothetical))


# -- consistency check --------------------------------------------------------------------------------
_RECOMPUTED = """
SELECT e.uscc, e.name, coalesce(e.zones, '{}') AS stored,
       coalesce((SELECT array_agg(z.id ORDER BY z.id) FROM zones z WHERE ST_Contains(z.geom, e.geom)), '{}') AS actual
FROM enterprises e
"""


def check_assignments(conn: Connection, repair: bool = False, only: list[str] | None = None) -> dict:
    """Compare every enterprise's stored zones with a PostGIS ST_Contains recomputation.

    With ``repair`` the mismatched enterprises are re-assigned by the project's rule (zones and
    primary zone) in this transaction; ``only`` limits the check to these credit codes.
    Returns {"checked", "mismatched": [{uscc, name, stored, actual}], "repaired"}."""
    lock_layout(conn)
    where = "" if only is None else " WHERE e.uscc = ANY(CAST(:only AS text[]))"
    params = {} if only is None else {"only": list(only)}
    checked = conn.execute(text("SELECT count(*) FROM enterprises e" + where), params).scalar_one()
    rows = conn.execute(text(f"SELECT * FROM ({_RECOMPUTED}{where}) c "
                             f"WHERE NOT (c.stored @> c.actual AND c.actual @> c.stored) ORDER BY uscc"), params).all()
    mismatched = [{"uscc": r.uscc, "name": r.name, "stored": sorted(r.stored), "actual": list(r.actual)} for r in rows]
    repaired = reassign_usccs(conn, [m["uscc"] for m in mismatched]) if repair and mismatched else 0
    return {"checked": checked, "mismatched": mismatched, "repaired": repaired}
