"""`qingpu import enterprises` and `qingpu demo load`: progress on stderr, report on stdout."""
from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from app.enterprises.demo import load_demo
from app.enterprises.importer import describe_rejection, import_enterprises


class ImportRejected(Exception):
    """Raised after the report is printed, so the CLI ends with one error line and exit 1."""


def run_import(engine, args) -> None:
    path = Path(args.file)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    data = path.read_bytes()
    with tqdm(desc="validating", unit="row", file=sys.stderr, leave=False) as bar:
        report = import_enterprises(engine, data, path.name, crs=args.crs, dry_run=args.dry_run,
                                    partial=args.partial, imported_by="cli", progress=bar.update)
    for rejection in report.rejections:
        print(describe_rejection(rejection))
    if args.report:
        Path(args.report).write_text(report.rejections_csv(), encoding="utf-8-sig")
    print(report.summary())
    if report.ignored_columns:
        print("ignored columns: " + ", ".join(report.ignored_columns))
    if report.rejections and not report.loaded:
        where = f" (listed in {args.report})" if args.report else ""
        raise ImportRejected(f"{len(report.rejections)} problem(s) in {report.rejected_rows or 'the file'}"
                             f"{' row(s)' if report.rejected_rows else ''}{where}; nothing was imported"
                             + ("" if args.dry_run else "; --partial loads the valid rows"))


def run_demo_load(engine, args) -> None:
    if args.enterprises < 0:
        raise ValueError("--enterprises must not be negative")
    with tqdm(total=args.enterprises, desc="demo enterprises", unit="row", file=sys.stderr, leave=False) as bar:
        report = load_demo(engine, args.enterprises, args.seed, progress=bar.update)
    print(report)
