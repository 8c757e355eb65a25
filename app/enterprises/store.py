"""Writing imported enterprises (the SQL of app.enterprises.importer and the demo load).

An import of new credit codes is one text COPY straight into ``enterprises``; codes already stored go
by COPY into a temporary table and one UPDATE joined on the code. Which codes exist is read once,
with the table held still against other writers (readers go on), so nothing can insert a code
between that read and the write. The rules for an existing row are those of an upsert: an empty cell
never erases a stored value, and a town-precision row keeps a stored, more precise location.
"""
from __future__ import annotations

import numpy as np
from psycopg.copy import QueuedLibpqWriter
from psycopg.errors import LockNotAvailable
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from app.core.store import bump_version
from app.enterprises.assignment import lock_enterprises, place_points, reassign_usccs
from gis.enterprise_rows import EnterpriseRow
from gis.spatial_order import z_order

__all__ = ["write_enterprises"]

# The columns written, in the order of the COPY lines (geom last but one: hex EWKB; batch_id last).
_COLUMNS = ("uscc", "name", "industry_code", "plan_industry", "employees", "output_value", "established", "address",
            "town", "precision", "source_crs", "synthetic", "note", "zones", "primary_zone", "primary_reason",
            "geom", "batch_id")
_STAGE = ("CREATE TEMP TABLE enterprise_import (uscc text, name text, industry_code text, plan_industry text, "
          "employees integer, output_value double precision, established integer, address text, town text, "
          "precision text, source_crs text, synthetic boolean, note text, zones text[], primary_zone text, "
          "primary_reason text, geom geometry(Point, 4326), batch_id integer) ON COMMIT DROP")
# How a stored row takes an imported one (s): an empty cell keeps the stored value; a town-precision
# row keeps a stored exact or address location (and the zones computed from it).
_KEEP_LOCATION = "s.precision = 'town' AND e.precision <> 'town'"
_UPDATE = ", ".join(
    [f"{c} = s.{c}" for c in ("name", "industry_code", "plan_industry", "synthetic", "note", "batch_id")]
    + [f"{c} = COALESCE(s.{c}, e.{c})" for c in ("employees", "output_value", "established", "address")]
    + [f"{c} = CASE WHEN {_KEEP_LOCATION} THEN e.{c} ELSE s.{c} END"
       for c in ("geom", "precision", "source_crs", "town", "zones", "primary_zone", "primary_reason")]
    + ["updated_at = now()"])

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _texts(values) -> list[str]:
    """Text cells in COPY's text format: NULL as \\N, the four special characters escaped."""
    values = list(values)
    present = [v for v in values if v is not None] if None in values else values
    joined = "".join(present)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [_NULL if v is None else v.translate(_ESCAPES) for v in values]
    return values if present is values else [_NULL if v is None else v for v in values]


def _numbers(values) -> list[str]:
    """Numbers in COPY's text format (str of a float is its shortest exact form), NULL as \\N."""
    if None not in values:
        return list(map(str, values))
    return [_NULL if v is None else str(v) for v in values]


def _array_literal(items) -> str:
    """A text[] literal of any strings (each element quoted, so commas and braces are data)."""
    return "{" + ",".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in items) + "}"


def _copy_lines(columns: list[list[str]]) -> str:
    return "\n".join(map("\t".join, zip(*columns))) + "\n"


_CHUNK = 10_000  # rows per write: the server parses and stores one chunk while the next is joined


def _copy_rows(raw, table: str, columns: list[list[str]]) -> None:
    # A queued writer: write() hands the chunk to a thread that sends it, so joining the next chunk
    # overlaps the server's parsing and storing of this one.
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN",
                                       writer=QueuedLibpqWriter(cur)) as copy:
        for start in range(0, len(columns[0]), _CHUNK):
            copy.write(_copy_lines([c[start:start + _CHUNK] for c in columns]))


# A point's EWKB, little-endian: byte order 1, type Point with the SRID flag, the SRID, x, y (25 bytes).
_EWKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _points_hex(lon: np.ndarray, lat: np.ndarray, srid: int = 4326) -> list[str]:
    """Each point as the hex EWKB PostGIS reads for a geometry in COPY's text format (what
    shapely.to_wkb(..., hex=True, include_srid=True) writes, without a geometry object per row)."""
    rows = np.empty(len(lon), dtype=_EWKB_POINT)
    rows["order"], rows["type"], rows["srid"], rows["x"], rows["y"] = 1, 0x20000001, srid, lon, lat
    whole = rows.tobytes().hex().upper()
    size = 2 * _EWKB_POINT.itemsize
    return [whole[i:i + size] for i in range(0, len(whole), size)]


def write_enterprises(conn: Connection, records: list[EnterpriseRow], batch_id: int | None = None,
                      synthetic: bool = False, notes: list[str | None] | None = None,
                      overwrite_real: bool = True) -> tuple[int, int]:
    """Upsert records by credit code with their zones; returns (inserted, updated).

    An empty cell never erases a stored value, and a town-precision row keeps a stored, more
    precise location. With ``overwrite_real`` false (demo data) existing non-synthetic
    enterprises are left as they are. Takes the layout lock (the zones the placements are computed
    from are those committed with them), then holds enterprises still against other writers.
    """
    if not records:
        return 0, 0
    lon = np.fromiter((r.lon for r in records), float, len(records))
    lat = np.fromiter((r.lat for r in records), float, len(records))
    placements = place_points(conn, lon, lat, [r.plan_industry for r in records])
    restore = _drop_for_bulk_load(conn) if len(records) >= BULK_MIN_ROWS and _empty_and_ours(conn) else []
    if not restore:
        lock_enterprises(conn)
    usccs = [r.uscc for r in records]
    if restore and _empty_and_ours(conn):  # held exclusively since: nothing is stored
        existing = set()
    else:
        existing = set(conn.execute(text("SELECT uscc FROM enterprises WHERE uscc = ANY(:u)"),
                                    {"u": usccs}).scalars())

    # Every column as COPY text, each distinct placement's three cells written once.
    groups = [_texts([_array_literal(p.zones), p.primary, p.reason]) for p in placements.placements]
    of = np.asarray(placements.group_of).tolist()
    note_cells = _texts(notes) if notes else [_NULL] * len(records)
    columns = [
        _texts(usccs), _texts([r.name for r in records]), _texts([r.industry_code for r in records]),
        _texts([r.plan_industry for r in records]), _numbers([r.employees for r in records]),
        _numbers([r.output_value for r in records]), _numbers([r.established for r in records]),
        _texts([r.address for r in records]), _texts([r.town for r in records]),
        _texts([r.precision for r in records]), _texts([r.source_crs for r in records]),
        ["t" if synthetic else "f"] * len(records), note_cells,
        [groups[g][0] for g in of], [groups[g][1] for g in of], [groups[g][2] for g in of],
        _points_hex(lon, lat),
        [_NULL if batch_id is None else str(int(batch_id))] * len(records),
    ]
    raw = conn.connection.driver_connection
    fresh = np.array([i for i, u in enumerate(usccs) if u not in existing] if existing else range(len(usccs)), int)
    inserted = updated = 0
    if len(fresh):
        # New rows go in in Z-order: neighbours share pages, and every spatial read of them touches fewer.
        fresh = fresh[z_order(lon[fresh], lat[fresh])].tolist()
        _copy_rows(raw, "enterprises", [[c[i] for i in fresh] for c in columns])
        inserted = len(fresh)
    if existing:
        stored = [i for i, u in enumerate(usccs) if u in existing]
        conn.execute(text("DROP TABLE IF EXISTS pg_temp.enterprise_import; " + _STAGE))
        _copy_rows(raw, "enterprise_import", [[c[i] for i in stored] for c in columns])
        guard = "" if overwrite_real else " AND e.synthetic"
        # The stored point stays, but a new industry may change the primary zone: re-assigned below.
        kept_location = list(conn.execute(text(
            f"SELECT e.uscc FROM enterprise_import s JOIN enterprises e ON e.uscc = s.uscc "
            f"WHERE {_KEEP_LOCATION}{guard}")).scalars())
        updated = conn.execute(text(
            f"UPDATE enterprises e SET {_UPDATE} FROM enterprise_import s WHERE e.uscc = s.uscc{guard}")).rowcount
        if kept_location:
            reassign_usccs(conn, kept_location)
    for statement in restore:
        conn.execute(text(statement))
    bump_version(conn, "enterprises")
    return inserted, updated


# A large import into an empty table is a bulk load, done as PostgreSQL's "Populating a Database" advises:
# the secondary indexes (trigram, gist, btrees) and the foreign keys are dropped, and after the COPY the
# indexes are built once (a sort each) and the foreign keys checked once (one join each), instead of
# 100,000 single index inserts and 200,000 single-row key lookups (~3 s at 100,000 rows). The primary key
# stays. The table is held exclusively meanwhile: readers of the empty table wait for the import instead
# of seeing no rows (and when readers hold it as the import starts, the import waits at most
# BULK_LOCK_WAIT, then goes row by row). The definitions are read back from the catalogue, so the migrations stay the one
# place that states them, and the table ends the transaction with exactly what it had. Only the table's
# owner may do this; anyone else takes the row-by-row path.
BULK_MIN_ROWS = 2000


def _empty_and_ours(conn: Connection) -> bool:
    return bool(conn.execute(text(
        "SELECT NOT EXISTS (SELECT 1 FROM enterprises) AND pg_has_role(c.relowner, 'USAGE') "
        "FROM pg_class c WHERE c.oid = CAST('enterprises' AS regclass)")).scalar())


# How long a bulk load waits for readers of enterprises to finish before it takes the row-by-row path:
# shorter than the server's deadlock_timeout (1 s), so when a reader holds the table and then waits for
# the layout lock this import holds, the import gives way instead of either being aborted as a deadlock.
BULK_LOCK_WAIT = "500ms"


def _hold_exclusively(conn: Connection) -> bool:
    """Whether enterprises could be locked ACCESS EXCLUSIVE within BULK_LOCK_WAIT (in a savepoint, so a
    refusal leaves the transaction as it was)."""
    previous = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar_one()
    savepoint = conn.begin_nested()
    try:
        conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": BULK_LOCK_WAIT})
        conn.execute(text("LOCK TABLE enterprises IN ACCESS EXCLUSIVE MODE"))
    except OperationalError as exc:
        if not isinstance(exc.orig, LockNotAvailable):
            raise
        savepoint.rollback()
        return False
    savepoint.commit()
    conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": previous})
    return True


def _drop_for_bulk_load(conn: Connection) -> list[str]:
    """Drop the foreign keys of enterprises and the indexes that back no constraint; returns the
    statements that put them back (none when readers held the table: then nothing was dropped)."""
    if not _hold_exclusively(conn):
        return []
    indexes = conn.execute(text(
        "SELECT CAST(CAST(i.indexrelid AS regclass) AS text), pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = CAST('enterprises' AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY i.indexrelid")).all()
    keys = conn.execute(text(
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST('enterprises' AS regclass) AND contype = 'f' ORDER BY conname")).all()
    for name, _ in indexes:
        conn.execute(text(f"DROP INDEX {name}"))
    if keys:
        conn.execute(text("ALTER TABLE enterprises " + ", ".join(f"DROP CONSTRAINT {name}" for name, _ in keys)))
    restore = [definition for _, definition in indexes]
    if keys:
        restore.append("ALTER TABLE enterprises " + ", ".join(f"ADD CONSTRAINT {name} {definition}"
                                                              for name, definition in keys))
    return restore
