"""The line-by-line CSV reader as it was before the whole-file fast path (commit 31de179), frozen here
as the oracle app.imports.files.read_csv is compared against (test_csv_equivalence.py)."""
from __future__ import annotations

import csv
import io

from app.imports.files import ImportFileError, RawTable, _label, detect_encoding
from gis.enterprise_rows import Rejection


def read_csv(data: bytes) -> RawTable:
    encoding = detect_encoding(data)
    lines = data.splitlines(keepends=True)
    text_lines: list[str] = []
    bad_lines: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        try:
            text_lines.append(line.decode(encoding))
        except UnicodeDecodeError as exc:
            bad = line[exc.start:exc.start + 4].hex(" ")
            bad_lines[number] = f"broken encoding: bytes {bad} are not valid {_label(encoding)} text"
            text_lines.append(line.decode(encoding, errors="replace"))
    if encoding == "utf-8-sig" and text_lines:
        text_lines[0] = text_lines[0].lstrip("\ufeff")
    reader = csv.reader(io.StringIO("".join(text_lines)))
    headers: list | None = None
    rows: list[tuple[int, list]] = []
    broken: list[Rejection] = []
    start = 1
    for record in _records(reader):
        end = reader.line_num
        spanned = [bad_lines[n] for n in range(start, end + 1) if n in bad_lines]
        if headers is None:
            if not any(cell.strip() for cell in record):
                start = end + 1
                continue
            if spanned:
                raise ImportFileError(f"the header (line {start}) is not valid {_label(encoding)} text")
            headers = record
        elif spanned:
            broken.append(Rejection(start, "", "", spanned[0]))
        elif any(cell.strip() for cell in record):
            rows.append((start, record))
        start = end + 1
    if headers is None:
        raise ImportFileError("the file has no header row")
    return RawTable("csv", headers, rows, encoding=_label(encoding), broken=broken)


def _records(reader):
    """The CSV reader's records; its own errors (a NUL byte, a field over csv.field_size_limit()) end
    the file with one clear message instead of an unexpected exception."""
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(f"not a readable CSV file (line {reader.line_num}: {exc})") from None
