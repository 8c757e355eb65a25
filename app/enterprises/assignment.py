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
import shapely
from shapely import wkb as shapely_wkb
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.binary_copy import TID, TidArray, TidArrayDumper, columns_sql, read_columns, read_rows, rows_bytes
from app.core.store import bump_version, lock_layout
from gis.assign import Assignment, ZoneInfo, assign_points, changed_area, order_flips
from gis.crs import area_km2
from gis.probes import probe_boxes

__all__ = ["load_zones", "assign_all", "reassign_changed_area", "preview_zone_change",
           "reassign_zone_members", "reassign_usccs", "place_points", "check_assignments", "lock_enterprises"]


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


# How long a wait for the enterprises lock goes before the deadlock check, which cancels an autovacuum of
# the table in the way. The server's default (deadlock_timeout, 1 s) would hold a typical zone edit ten
# times its length whenever autovacuum works on enterprises. Set for the transaction where the role may
# (a superuser, or GRANT SET ON PARAMETER deadlock_timeout: the project's cluster grants it, README
# "Scaling" says how elsewhere); otherwise the server's setting stands.
LOCK_WAIT_BEFORE_CHECK = "50ms"


def lock_enterprises(conn: Connection) -> None:
    """Hold enterprises still until this transaction ends (readers go on): the rows read for a
    re-assignment are then the rows written, at the same addresses. Taken after the layout lock,
    the order every writer of assignments uses."""
    conn.execute(text(
        f"SELECT set_config('deadlock_timeout', '{LOCK_WAIT_BEFORE_CHECK}', true) "
        "WHERE has_parameter_privilege('deadlock_timeout', 'SET'); "
        "LOCK TABLE enterprises IN SHARE ROW EXCLUSIVE MODE"))


# One 64-bit hash of a stored placement (zones, primary zone, reason) of the row or table aliased {p}: the
# same expression for the enterprises' columns and for new placements in a table with those column names,
# so unchanged rows are found, and distinct placements told apart, without sending every row's zones and
# reason over the wire. A stale row whose hash equals its new placement's by chance (odds ~1e-19 per row
# against a few hundred placements) would keep its old placement; `qingpu check assignments` shows it.
_STORED_HASH = ("hashtextextended(coalesce({p}.primary_reason, E'\\x1d'), "
                "hashtextextended(coalesce({p}.primary_zone, E'\\x1d'), hash_array_extended({p}.zones, 0)))")
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
    lock_enterprises(conn)
    industry_ids = _industry_ids(conn)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        buf = bytearray()
        with cur.copy("COPY (SELECT ctid, ST_X(geom), ST_Y(geom), "
                      "CAST(COALESCE(array_position(CAST(%s AS text[]), plan_industry), 0) AS int2), "
                      f"{_STORED_HASH.format(p='e')} FROM enterprises e) TO STDOUT (FORMAT binary)", (industry_ids,)) as copy:
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
        f"SELECT g, {_STORED_HASH.format(p='a')} FROM assign_groups a")).all())
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
    lock_enterprises(conn)
    return _reassign(conn, _fetch_points(conn, "WHERE :z = ANY(e.zones)", {"z": zone_id}), load_zones(conn))


def reassign_usccs(conn: Connection, usccs: list[str]) -> int:
    """Recompute the given enterprises (e.g. after their industry changed)."""
    lock_layout(conn)
    lock_enterprises(conn)
    return _reassign(conn, _fetch_points(conn, "WHERE e.uscc = ANY(CAST(:u AS text[]))", {"u": list(usccs)}),
                     load_zones(conn))


def _reassign(conn: Connection, rows: "_Rows", zones: list[ZoneInfo]) -> int:
    if not len(rows):
        return 0
    assignment = _assign(rows, zones)
    with _planner(conn, **_FOR_ADDRESSES):
        return _write(conn, rows, assignment, _compare(rows, assignment)[1])


# -- reading and writing the rows a re-assignment touches ------------------------------------------
class _Rows:
    """Enterprises read for a re-assignment, column-wise: row address (binary_copy.TID), credit code, lon,
    lat, plan industry, and the stored placement as an index into ``stored`` ((zones, primary zone,
    reason)). Names are read afterwards for the few whose primary zone changes (_named)."""

    def __init__(self, tids: np.ndarray, usccs: list[str], x: np.ndarray, y: np.ndarray,
                 industries: np.ndarray, stored_of: np.ndarray, stored: list[tuple]):
        self.tids, self.usccs, self.x, self.y = tids, usccs, x, y
        self.industries, self.stored_of, self.stored = industries, stored_of, stored

    def __len__(self) -> int:
        return len(self.tids)

    def take(self, keep: np.ndarray) -> "_Rows":
        """These rows at the positions ``keep`` (their stored placements as they are)."""
        return _Rows(self.tids[keep], [self.usccs[i] for i in keep.tolist()], self.x[keep],
                     self.y[keep], self.industries[keep], self.stored_of[keep], self.stored)


# What a re-assignment reads of each row: its address, credit code, point, plan industry (as its place in
# the list :industry_ids, 0: none) and the hash of its stored placement, all fixed-width. Each column comes
# back as one bytea, the values' binary send forms concatenated (binary_copy.read_columns parses them
# straight into numpy): one message for the whole result, where a COPY sends one per row and a typical
# edit's 7,000 rows cost the client more to take than the server to find. A big edit reads tens of
# thousands of rows but only a few hundred distinct stored placements: each of those is then read once,
# from one row that holds it.
_INDUSTRY = "CAST(COALESCE(array_position(CAST(:industry_ids AS text[]), e.plan_industry), 0) AS int2)"
_READ_FIELDS = [("t", TID), ("uscc", "S18"), ("x", ">f8"), ("y", ">f8"), ("industry", ">i2"), ("stored", ">i8")]
_READ = columns_sql([("tidsend(e.ctid)", "t"), ("convert_to(e.uscc, 'UTF8')", "uscc"),
                     ("float8send(ST_X(e.geom))", "x"), ("float8send(ST_Y(e.geom))", "y"),
                     (f"int2send({_INDUSTRY})", "industry"),
                     ("int8send(" + _STORED_HASH.format(p="e") + ")", "stored")], _READ_FIELDS) + " FROM {source}"
# The same in one statement, each stored placement beside the rows, as tuples: for a reader that does not
# hold the table still (a preview) when a row changed between the two statements, or a credit code that
# is not 18 ASCII characters (only possible by writing the table past the importer's checks).
_READ_AT_ONCE = """
, found AS MATERIALIZED (
    SELECT e.ctid AS t, e.uscc, e.geom, {industry} AS industry, e.zones, e.primary_zone, e.primary_reason,
           {hash} AS h
    FROM {source}
)
SELECT CAST(t AS text), uscc, ST_X(geom), ST_Y(geom), industry, h,
       CAST(NULL AS text[]), CAST(NULL AS text), CAST(NULL AS text) FROM found
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, h, zones, primary_zone, primary_reason
FROM found GROUP BY h, zones, primary_zone, primary_reason
""".replace("{hash}", _STORED_HASH.format(p="e")).replace("{industry}", _INDUSTRY)


def _run(conn: Connection, sql: str, params: dict) -> list[tuple]:
    """Through the driver's cursor: plain tuples, no row objects, in the binary result format (numbers
    arrive as numbers, not as text to parse). Parameters are written :name."""
    with conn.connection.driver_connection.cursor(binary=True) as cur:
        cur.adapters.register_dumper(TidArray, TidArrayDumper)
        return cur.execute(_driver_sql(sql), params).fetchall()


def _driver_sql(sql: str) -> str:
    return re.sub(r"(?<!:):([a-z_][a-z0-9_]*)\b", r"%(\1)s", sql)


def _tids_from_text(texts: list[str]) -> np.ndarray:
    """Row addresses as the database prints them, '(block,offset)', as binary_copy.TID."""
    pairs = [t.strip("()").split(",") for t in texts]
    out = np.zeros(len(pairs), TID)
    out["block"] = [int(b) for b, _ in pairs]
    out["offset"] = [int(o) for _, o in pairs]
    return out


def _read(conn: Connection, source: str, params: dict) -> _Rows:
    """The rows of ``source`` (a FROM clause naming enterprises ``e``)."""
    industry_ids = _industry_ids(conn)
    params = {**params, "industry_ids": industry_ids}
    kinds = np.array([None, *industry_ids], dtype=object)
    with conn.connection.driver_connection.cursor(binary=True) as cur:
        values = cur.execute(_driver_sql(_READ.replace("{source}", source)), params).fetchone()
    try:
        found = read_columns(values, _READ_FIELDS)
    except ValueError:  # a credit code of another width
        return _read_at_once(conn, source, params, kinds)
    # (A point inside two probe boxes comes back twice: once by address.)
    address = (found["t"]["block"].astype(np.int64) << 16) | found["t"]["offset"]
    found = found[np.sort(np.unique(address, return_index=True)[1])]
    hashes, first, stored_of = np.unique(found["stored"].astype(np.int64), return_index=True, return_inverse=True)
    placements = {h: (tuple(z or ()), p, reason) for h, z, p, reason in _run(conn, (
        f"SELECT {_STORED_HASH.format(p='e')}, e.zones, e.primary_zone, e.primary_reason FROM enterprises e "
        "WHERE e.ctid = ANY(:t)"), {"t": TidArray(found["t"][first])})}
    if placements.keys() != set(hashes.tolist()):  # a row changed in between (only without the table lock)
        return _read_at_once(conn, source, params, kinds)
    return _Rows(found["t"], found["uscc"].astype("U18").tolist(), found["x"].astype(float),
                 found["y"].astype(float), kinds[found["industry"]], stored_of.reshape(-1).astype(np.int64),
                 [placements[h] for h in hashes.tolist()])


def _read_at_once(conn: Connection, source: str, params: dict, kinds: np.ndarray) -> _Rows:
    found, placements = {}, {}
    for r in _run(conn, "WITH _ AS (SELECT 1)" + _READ_AT_ONCE.replace("{source}", source), params):
        if r[0] is not None:
            found[r[1]] = r
        elif r[5] in placements:  # two stored placements with one hash (odds ~1e-15): never guess
            raise RuntimeError("two stored placements share a hash; run `qingpu check assignments`")
        else:
            placements[r[5]] = (tuple(r[6] or ()), r[7], r[8])
    keys = list(placements)
    index = {h: i for i, h in enumerate(keys)}
    rows = list(found.values())
    n = len(rows)
    return _Rows(_tids_from_text([r[0] for r in rows]), [r[1] for r in rows],
                 np.fromiter((r[2] for r in rows), float, n), np.fromiter((r[3] for r in rows), float, n),
                 kinds[np.fromiter((r[4] for r in rows), np.int64, n)],
                 np.fromiter((index[r[5]] for r in rows), np.int64, n), [placements[h] for h in keys])


def _industry_ids(conn: Connection) -> list[str]:
    return list(conn.execute(text("SELECT id FROM plan_industries ORDER BY id")).scalars())


def _fetch_points(conn: Connection, where: str, params: dict) -> _Rows:
    return _read(conn, f"enterprises e {where}", params)


def _assign(rows: _Rows, zones: list[ZoneInfo]) -> Assignment:
    return assign_points(rows.x, rows.y, rows.industries, zones)


def _compare(rows: _Rows, assignment: Assignment) -> tuple[dict, np.ndarray]:
    """One pass over the rows for both the impact and the write: (impact, indexes of the rows whose
    stored zones, primary zone or reason differ from the new placement).

    The comparison runs once per distinct (stored placement, new placement) pair (a few hundred in a
    big edit); the rows of each pair are then taken together."""
    n = len(rows)
    group_of = np.asarray(assignment.group_of, dtype=np.int64)
    if not n:
        return {"entered": {}, "left": {}, "primary_changed": []}, np.zeros(0, np.int64)
    pair_keys, pair_of = np.unique(rows.stored_of * len(assignment.placements) + group_of, return_inverse=True)
    pair_of = pair_of.reshape(-1)
    order = np.argsort(pair_of, kind="stable")
    bounds = np.searchsorted(pair_of[order], np.arange(len(pair_keys) + 1))
    usccs = np.asarray(rows.usccs, dtype=object)
    entered: dict[str, list] = {}
    left: dict[str, list] = {}
    primary_changed: list[int] = []
    changed: list[np.ndarray] = []
    for k, key in enumerate(pair_keys):
        members = order[bounds[k]:bounds[k + 1]]
        zones, primary, reason = rows.stored[int(key) // len(assignment.placements)]
        placement = assignment.placements[int(key) % len(assignment.placements)]
        if zones == placement.zones and primary == placement.primary and reason == placement.reason:
            continue
        changed.append(members)
        before, after = set(zones), set(placement.zones)
        for z in after - before:
            entered.setdefault(z, []).append(usccs[members])
        for z in before - after:
            left.setdefault(z, []).append(usccs[members])
        if primary != placement.primary:
            primary_changed.append(members)

    def flat(parts: list[np.ndarray]) -> list[str]:
        return sorted(np.concatenate(parts).tolist())
    moved = [int(i) for i in np.concatenate(primary_changed)] if primary_changed else []
    moved.sort(key=rows.usccs.__getitem__)
    changes = []
    for i in moved:
        zones, primary, _ = rows.stored[rows.stored_of[i]]
        placement = assignment.placements[group_of[i]]
        changes.append({"uscc": rows.usccs[i], "name": None, "from": primary, "to": placement.primary,
                        "reason": placement.reason})
    impact = {"entered": {z: flat(entered[z]) for z in sorted(entered)},
              "left": {z: flat(left[z]) for z in sorted(left)}, "primary_changed": changes}
    return impact, (np.sort(np.concatenate(changed)) if changed else np.zeros(0, np.int64))


def _named(conn: Connection, impact: dict) -> dict:
    """The impact with the names of the enterprises whose primary zone changes (read for those alone: a
    big edit moves tens of thousands of memberships but changes few primaries)."""
    changes = impact["primary_changed"]
    if changes:
        names = dict(_run(conn, "SELECT uscc, name FROM enterprises WHERE uscc = ANY(CAST(:u AS text[]))",
                          {"u": [c["uscc"] for c in changes]}))
        for c in changes:
            c["name"] = names.get(c["uscc"])
    return impact


def _write(conn: Connection, rows: _Rows, assignment: Assignment, changed: np.ndarray) -> int:
    """Store the new placements of the rows ``changed`` (from _compare); returns how many.

    One UPDATE per distinct new placement (a few dozen in a big edit), its rows named by a list of row
    addresses: a TID scan that visits them in block order, with no join to carry each row's placement
    (half the time of one UPDATE joined to (address, placement) pairs). The assignment columns carry no
    index and the table keeps free room on its pages (migration 0011), so each rewritten row is a
    heap-only tuple. The caller holds the rows still (lock_enterprises), under _FOR_ADDRESSES."""
    if not len(changed):
        return 0
    group_of = np.asarray(assignment.group_of, dtype=np.int64)[changed]
    order = np.argsort(group_of, kind="stable")
    groups, starts = np.unique(group_of[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    tids = rows.tids
    written = 0
    with conn.connection.driver_connection.cursor() as cur:
        cur.adapters.register_dumper(TidArray, TidArrayDumper)
        for k, g in enumerate(groups.tolist()):
            place = assignment.placements[g]
            members = changed[order[bounds[k]:bounds[k + 1]]]
            cur.execute("UPDATE enterprises SET zones = %s, primary_zone = %s, primary_reason = %s, updated_at = now() "
                        "WHERE ctid = ANY(%s)",
                        (list(place.zones), place.primary, place.reason, TidArray(tids[members])))
            written += cur.rowcount
    if written != len(changed):  # a row moved under us (only possible without the table lock)
        raise RuntimeError(f"re-assignment wrote {written} of {len(changed)} enterprises; rows changed meanwhile")
    bump_version(conn, "enterprises")
    return written


# Planner settings for reading the rows of an area and writing rows by address. The planner cannot
# estimate the probe boxes' join and over-costs it, which switches on JIT compilation (~0.2 s lost before
# the first row on a 1M-row table); and with thousands of addresses in a list it estimates a sequential
# scan as cheaper than the TID scan (a 1,000,000-row scan for nothing).
_FOR_ADDRESSES = {"jit": "off", "enable_seqscan": "off"}


class _planner:
    """Planner settings until the block ends (set_config local to the transaction, then put back)."""

    def __init__(self, conn: Connection, **settings: str):
        self.conn, self.names, self.values = conn, list(settings), list(settings.values())

    def _set(self, values: list[str]) -> None:
        self.conn.execute(text("SELECT set_config(n, v, true) FROM unnest(CAST(:n AS text[]), CAST(:v AS text[])) "
                               "AS s(n, v)"), {"n": self.names, "v": values})

    def __enter__(self):
        # Each setting is read before it is set: the lateral call runs for a row already computed.
        self.previous = self.conn.execute(text(
            "SELECT array_agg(s.was ORDER BY s.i) FROM (SELECT n, v, i, current_setting(n) AS was FROM "
            "unnest(CAST(:n AS text[]), CAST(:v AS text[])) WITH ORDINALITY AS u(n, v, i) OFFSET 0) s, "
            "LATERAL set_config(s.n, s.v, true)"), {"n": self.names, "v": self.values}).scalar()
        return self

    def __exit__(self, error, *_):
        if error is None:  # after an error the transaction is aborted and ends with its settings
            self._set(list(self.previous))


# -- zone edits ---------------------------------------------------------------------------------
def _affected(conn: Connection, old_wkb: bytes | None, new_wkb: bytes | None, pairs: list[tuple[str, str]],
              zones: list[ZoneInfo], members_of: str | None = None) -> _Rows:
    """The enterprises whose placement the edit can change: inside the symmetric difference of the old
    and new boundary; inside both the edited zone and a zone in ``pairs`` (their order flipped); with
    ``members_of`` (new kind or targets) everything inside the old or new boundary.

    Found through the gist index with boxes that cover that area tightly (gis.probes), then tested
    against the area here, vectorised: cheaper than the database's exact test per row. Read under _FOR_ADDRESSES."""
    others = {b for _, b in pairs}
    area = changed_area(None if old_wkb is None else shapely_wkb.loads(old_wkb),
                         None if new_wkb is None else shapely_wkb.loads(new_wkb), members_of is not None,
                         [z.geom for z in zones if z.id in others and z.geom is not None])
    boxes = probe_boxes(area)
    if not len(boxes):
        return _Rows(np.zeros(0, TID), [], np.zeros(0), np.zeros(0), np.zeros(0, object), np.zeros(0, np.int64), [])
    rows = _read(conn, "enterprises e JOIN unnest(CAST(:x0 AS float8[]), CAST(:y0 AS float8[]), "
                 "CAST(:x1 AS float8[]), CAST(:y1 AS float8[])) AS b(x0, y0, x1, y1) "
                 "ON e.geom && ST_MakeEnvelope(b.x0, b.y0, b.x1, b.y1, 4326)",
                 {"x0": boxes[:, 0].tolist(), "y0": boxes[:, 1].tolist(),
                  "x1": boxes[:, 2].tolist(), "y1": boxes[:, 3].tolist()})
    shapely.prepare(area)
    return rows.take(np.flatnonzero(shapely.intersects_xy(area, rows.x, rows.y)))


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
                          zone_id: str | None = None, write: bool = True) -> dict:
    """Recompute zones and primary zone of the enterprises in the changed area, in the caller's
    transaction, after the zones row was written (None = the zone was created / deleted).
    When the zone's kind or targets differ from its previous version in zone history, all its
    members are recomputed too.

    Returns {"entered": {zone: [uscc]}, "left": {zone: [uscc]}, "primary_changed": [...]}.
    ``zone_id`` (optional) names the edited zone; without it the zone is found by its new geometry.
    ``write`` false computes and reports the same without writing the enterprises (a dry run).
    """
    old_geom_wkb, new_geom_wkb = _as_bytes(old_geom_wkb), _as_bytes(new_geom_wkb)
    zones = load_zones(conn)
    lock_enterprises(conn)
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
    with _planner(conn, **_FOR_ADDRESSES):
        rows = _affected(conn, old_geom_wkb, new_geom_wkb, pairs, zones, members_of=retargeted)
        assignment = _assign(rows, zones)
        impact, changed = _compare(rows, assignment)
        if write:
            _write(conn, rows, assignment, changed)
    return _named(conn, impact)


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
    with _planner(conn, **_FOR_ADDRESSES):
        rows = _affected(conn, old_wkb, new_geom_wkb, _flip_pairs(current, after, hypothetical), hypothetical,
                         members_of=zone_id if retargeted else None)
    return _named(conn, _compare(rows, _assign(rows, hypothetical))[0])


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
