"""Importing enterprises into PostGIS (CLI and POST /enterprises/import).

Reading is app.import_files, cleaning is gis.enterprise_rows, the zone rule is gis.assign;
this module wires them to the database. Imports are all-or-nothing unless ``partial``:
with any rejected row and no ``partial``, nothing is written.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from app.core.errors import MissingLayout
from app.core.gc_pause import gc_paused
from app.core.store import district_geometry, lock_layout, town_rows
from app.enterprises.store import write_enterprises
from app.imports.files import ImportFileError, RawTable, read_table
from app.imports.report import ImportReport, describe_rejection, run_import
from gis.crs import SOURCE_SYSTEMS
from gis.enterprise_rows import (
    ColumnError,
    EnterpriseRow,
    TownInfo,
    Validation,
    map_columns,
    validate_columns,
)

MAX_UPLOAD_BYTES = 64 * 1024 * 1024


def load_places(conn: Connection):
    """The district outline and the towns (with the point a town-precision enterprise gets)."""
    district = district_geometry(conn)
    towns = []
    for town in town_rows(conn):
        seat = town.seat
        if seat is None or not town.geom.covers(seat):
            seat = town.geom.point_on_surface()
        towns.append(TownInfo(town.code, town.name_zh, town.geom, (seat.x, seat.y)))
    if not towns:
        raise MissingLayout("the towns")
    return district, towns


def _resolve_crs(table: RawTable, crs: str | None) -> str:
    if crs is not None and crs not in SOURCE_SYSTEMS:
        raise ImportFileError(f"unknown coordinate system {crs!r}: use one of {', '.join(SOURCE_SYSTEMS)}")
    if table.declared_crs == "reprojected":
        if crs in ("gcj02", "bd09"):
            raise ImportFileError(f"the file declares a projected coordinate system; --crs {crs} applies only "
                                  "to longitude/latitude files")
        return "cgcs2000"
    return crs or table.declared_crs or "wgs84"


def validate_file(conn: Connection, report: ImportReport, data: bytes, crs: str | None = None,
                  progress=None) -> Validation | None:
    """Read and clean a file into ``report`` without writing; file-level problems become rejections too."""
    try:
        table = read_table(data, report.file)
        report.format, report.encoding = table.format, table.encoding
        report.source_crs = _resolve_crs(table, crs)
        header_row = 1 if table.format in ("csv", "xlsx") else None
        columns = map_columns(table.headers, header_row)
    except ColumnError as exc:
        report.rejections = [r.as_dict() for r in exc.rejections]
        return None
    except ImportFileError as exc:
        report.reject(None, str(exc))
        return None
    report.ignored_columns = [str(h) for i, h in enumerate(table.headers)
                              if i not in columns.values() and h is not None and str(h).strip()]
    headers = {canon: str(table.headers[i]) for canon, i in columns.items()}
    if table.format not in ("csv", "xlsx"):
        headers.update(lon="经度 (geometry)", lat="纬度 (geometry)")
    numbers = [number for number, _ in table.rows]
    rows = [values for _, values in table.rows]
    width = len(table.headers)
    if set(map(len, rows)) <= {width}:
        cells = list(zip(*rows)) or [()] * width
        by_column = {canon: cells[i] for canon, i in columns.items()}
    else:  # ragged rows: a short row's missing cells are empty
        by_column = {canon: [values[i] if i < len(values) else None for _, values in table.rows]
                     for canon, i in columns.items()}
    district, towns = load_places(conn)
    validation = validate_columns(numbers, by_column, report.source_crs, district, towns, headers=headers,
                                  progress=progress)
    validation.rejections = sorted(table.broken + validation.rejections, key=lambda r: (r.row or 0))
    report.rows = len(table.rows) + len(table.broken)
    report.accepted = len(validation.records)
    report.rejections = [r.as_dict() for r in validation.rejections]
    report.rejected_rows = len(validation.rejected_rows)
    report.by_precision = dict(Counter(r.precision for r in validation.records))
    return validation


def import_enterprises(engine: Engine, data: bytes, filename: str, crs: str | None = None, dry_run: bool = False,
                       partial: bool = False, imported_by: str = "cli", progress=None) -> ImportReport:
    """Validate, then (unless dry run, or rejections without ``partial``) upsert by credit code."""

    def validate(conn: Connection, report: ImportReport):
        validation = validate_file(conn, report, data, crs, progress)
        return None if validation is None else validation.records

    def write(conn: Connection, records: list[EnterpriseRow], report: ImportReport) -> tuple[int, int]:
        # The layout lock before the batch row: a bulk load re-adds the foreign key to import_batches,
        # and a second import must not hold that table while it waits for this one.
        lock_layout(conn)
        report.batch_id = conn.execute(text(
            "INSERT INTO import_batches (file_name, format, encoding, source_crs, rows_total, rows_rejected, "
            "inserted, updated, partial, imported_by) VALUES (:f, :fmt, :enc, :crs, :n, :rej, 0, 0, :p, :by) "
            "RETURNING id"), {"f": report.file, "fmt": report.format, "enc": report.encoding,
                              "crs": report.source_crs, "n": report.rows, "rej": report.rejected_rows,
                              "p": partial, "by": imported_by}).scalar_one()
        inserted, updated = write_enterprises(conn, records, batch_id=report.batch_id)
        conn.execute(text("UPDATE import_batches SET inserted = :i, updated = :u WHERE id = :id"),
                     {"i": inserted, "u": updated, "id": report.batch_id})
        return inserted, updated

    with gc_paused():
        return run_import(engine, ImportReport(file=Path(filename).name, what="enterprises"), validate, write,
                          dry_run=dry_run, partial=partial)


__all__ = ["ImportReport", "import_enterprises", "validate_file", "write_enterprises", "load_places",
           "describe_rejection"]
