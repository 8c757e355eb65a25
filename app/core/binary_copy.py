"""PostgreSQL's binary formats for fixed-width fields, straight to and from numpy.

A million rows of (tid, float8, float8, int2, 16-byte digest) parse in milliseconds as one structured
array, where the text format costs a second or more to print on the server and parse here. Only
fixed-width, non-NULL fields are handled (COALESCE in the query); anything else is refused rather than
misread. Three forms:
- binary COPY (read_rows, rows_bytes): a 19-byte header, then per row a big-endian int16 field count
  and, per field, an int32 length and the value; an int16 -1 ends the data;
- one row of columns (columns_sql, read_columns): each column one bytea of its values' send forms (the
  bytes COPY sends), for a few thousand rows in one message instead of one per row;
- a tid[] parameter in the binary array format (TidArray), for naming rows by address.
"""
from __future__ import annotations

import numpy as np
from psycopg import adapt, pq

__all__ = ["TID", "read_rows", "rows_bytes", "columns_sql", "read_columns", "TidArray"]

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_HEADER = _SIGNATURE + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"  # flags 0, no header extension
_TRAILER = b"\xff\xff"

# A row address (ctid): block number and line pointer, as tidsend writes it.
TID = np.dtype([("block", ">u4"), ("offset", ">u2")])


def _row_dtype(fields: list[tuple[str, np.dtype]]) -> np.dtype:
    parts: list[tuple[str, object]] = [("_count", ">i2")]
    for name, dtype in fields:
        parts += [(f"_len_{name}", ">i4"), (name, np.dtype(dtype))]
    return np.dtype(parts)


def read_rows(data: bytes, fields: list[tuple[str, np.dtype]]) -> np.ndarray:
    """The rows of a ``COPY … TO STDOUT (FORMAT binary)`` whose columns have these fixed widths."""
    if not data.startswith(_SIGNATURE) or len(data) < len(_HEADER) + len(_TRAILER):
        raise ValueError("not a binary COPY stream")
    extension = int.from_bytes(data[15:19], "big")
    body = memoryview(data)[19 + extension:]
    if bytes(body[-2:]) != _TRAILER:
        raise ValueError("binary COPY stream without its trailer")
    dtype = _row_dtype(fields)
    if (len(body) - 2) % dtype.itemsize:
        raise ValueError("binary COPY rows are not of the expected fixed widths")
    rows = np.frombuffer(body[:-2], dtype=dtype)
    if len(rows) and (np.any(rows["_count"] != len(fields)) or any(
            np.any(rows[f"_len_{name}"] != np.dtype(dtype).itemsize) for name, dtype in fields)):
        raise ValueError("binary COPY rows hold NULLs or fields of another width")
    return rows


def rows_bytes(columns: list[tuple[str, np.ndarray]]) -> bytes:
    """A ``COPY … FROM STDIN (FORMAT binary)`` stream of these equally long, fixed-width columns."""
    n = len(columns[0][1]) if columns else 0
    dtype = _row_dtype([(name, values.dtype.newbyteorder(">") if values.dtype.fields is None else values.dtype)
                        for name, values in columns])
    rows = np.empty(n, dtype=dtype)
    rows["_count"] = len(columns)
    for name, values in columns:
        rows[f"_len_{name}"] = rows.dtype[name].itemsize
        rows[name] = values
    return _HEADER + rows.tobytes() + _TRAILER


def columns_sql(columns: list[tuple[str, str]], fields: list[tuple[str, np.dtype]]) -> str:
    """A SELECT list giving, in one row, each (send expression, field name) column as one bytea of its
    values in row order, then the row count, then whether every variable-width value (bytes fields, ``S``)
    has its field's width; add `` FROM …``. The aggregates of one row are fed the same rows in the same
    order, so the columns line up."""
    widths = dict((name, np.dtype(dtype)) for name, dtype in fields)
    checks = [f"octet_length({expr}) = {widths[name].itemsize}" for expr, name in columns if widths[name].kind == "S"]
    return ("SELECT " + ", ".join(f"string_agg({expr}, ''::bytea)" for expr, _ in columns) + ", count(*), "
            + ("bool_and(" + " AND ".join(checks) + ")" if checks else "true"))


def read_columns(values: tuple, fields: list[tuple[str, np.dtype]]) -> np.ndarray:
    """The rows of the one row a ``columns_sql`` query returns, as a structured array of ``fields`` (in
    the order of its columns); ValueError when a value was NULL or a variable-width one of another width."""
    *columns, n, widths_ok = values
    out = np.zeros(n, np.dtype([(name, np.dtype(dtype)) for name, dtype in fields]))
    if not n:
        return out
    if not widths_ok:
        raise ValueError("a value of another width than its field")
    for (name, dtype), data in zip(fields, columns, strict=True):
        if data is None or len(data) != n * np.dtype(dtype).itemsize:
            raise ValueError(f"column {name} holds NULLs or values of another width")
        out[name] = np.frombuffer(data, np.dtype(dtype))
    return out


class TidArray:
    """Row addresses (``TID``) as a query parameter of type tid[], sent in the binary array format:
    thousands cost microseconds to write this way, where the text form '{"(b,o)",…}' costs milliseconds
    to print here and to parse on the server. Register ``TidArrayDumper`` on the cursor."""

    def __init__(self, tids: np.ndarray):
        items = np.empty(len(tids), np.dtype([("length", ">i4"), ("tid", TID)]))
        items["length"] = TID.itemsize
        items["tid"] = tids
        # one dimension (none when empty), no NULLs, elements of type tid (oid 27); its length, lower bound 1
        header = np.array([1, 0, 27, len(tids), 1] if len(tids) else [0, 0, 27], ">i4").tobytes()
        self.data = header + items.tobytes()


class TidArrayDumper(adapt.Dumper):
    format = pq.Format.BINARY
    oid = 1010  # tid[]

    def dump(self, obj: TidArray) -> bytes:
        return obj.data
