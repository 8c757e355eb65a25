"""What every import (enterprises, sites, towns) shares: the one report type, the refusal, and the
flow that makes an import all-or-nothing unless the user asks for partial loading.

An importer supplies two steps: `validate(conn, report)` reads and checks the file, fills the report
(rows, accepted, every rejection with its row, column, value and reason) and returns the records to
write (or None when the file as a whole is unusable); `write(conn, records, report)` stores them and
returns (inserted, updated). `run_import` runs both in one transaction: a dry run, or rejections
without `partial`, write nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Callable

from sqlalchemy.engine import Connection, Engine

from app.core.cells import safe_cell
from gis.enterprise_rows import Rejection

__all__ = ["ImportReport", "ImportRefused", "Rejection", "run_import", "describe_rejection"]


@dataclass
class ImportReport:
    file: str
    what: str = "enterprises"
    format: str | None = None
    encoding: str | None = None
    source_crs: str | None = None
    rows: int = 0
    accepted: int = 0
    rejected_rows: int = 0
    rejections: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    by_precision: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    partial: bool = False
    loaded: bool = False
    inserted: int = 0
    updated: int = 0
    batch_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def reject(self, row: int | None, reason: str, column: str = "", value: str = "") -> None:
        self.rejections.append(Rejection(row, column, "" if value is None else str(value), reason).as_dict())

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        what = f"{self.file}: {self.rows} rows ({self.format}" + (f", {self.encoding}" if self.encoding else "") + \
            (f", {self.source_crs}" if self.source_crs else "") + f"), {self.accepted} valid, {self.rejected_rows} rejected"
        if self.loaded:
            batch = f" (batch {self.batch_id})" if self.batch_id is not None else ""
            done = f"{what}; imported: {self.inserted} new, {self.updated} updated{batch}"
            return "; ".join([done, *self.notes])
        if self.dry_run:
            return f"{what}; dry run, nothing written"
        return f"{what}; nothing was imported"

    def rejection_lines(self) -> list[str]:
        return [describe_rejection(r) for r in self.rejections]

    def rejections_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "column", "value", "reason"])
        for r in self.rejections:
            writer.writerow(["file" if r["row"] is None else r["row"],
                             *(safe_cell(r[k]) for k in ("column", "value", "reason"))])
        return out.getvalue()


class ImportRefused(ValueError):
    """Nothing was imported: the report lists every rejected row (raised by importers whose callers
    want an exception rather than a report to inspect)."""

    def __init__(self, report: ImportReport, message: str | None = None):
        self.report = report
        lines = report.rejection_lines()
        super().__init__(message or f"{report.file} refused, {report.what} unchanged: " + "; ".join(lines))


def describe_rejection(r: dict) -> str:
    where = "file" if r["row"] is None else f"row {r['row']}"
    value = f" [{r['value']}]" if r["value"] else ""
    column = f" {r['column']}" if r["column"] else ""
    return f"{where}{column}{value}: {r['reason']}"


def run_import(engine: Engine, report: ImportReport, validate: Callable[[Connection, ImportReport], list | None],
               write: Callable[[Connection, list, ImportReport], tuple[int, int]], dry_run: bool = False,
               partial: bool = False) -> ImportReport:
    """Validate, then (unless a dry run, or rejections without ``partial``) write, in one transaction."""
    report.dry_run, report.partial = dry_run, partial
    with engine.begin() as conn:
        records = validate(conn, report)
        if report.rows == 0 and not report.rejections:
            report.reject(None, "the file has no data rows")
        if records is None or dry_run or not records or (report.rejections and not partial):
            return report
        report.inserted, report.updated = write(conn, records, report)
        report.loaded = True
    return report
