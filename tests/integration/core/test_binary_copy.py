"""The binary COPY reader and writer against a real PostgreSQL: what goes in comes back, to the bit."""
import numpy as np
import pytest
from sqlalchemy import text

from app.core.binary_copy import TID, read_rows, rows_bytes

FIELDS = [("t", TID), ("x", ">f8"), ("n", ">i2"), ("h", ">i8")]


def _copy_out(conn, sql: str) -> bytes:
    buf = bytearray()
    with conn.connection.driver_connection.cursor() as cur:
        with cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT binary)") as copy:
            for block in copy:
                buf += block
    return bytes(buf)


def test_rows_written_in_binary_come_back_equal(engine):
    rng = np.random.default_rng(7)
    tids = np.zeros(1000, dtype=TID)
    tids["block"] = rng.integers(0, 2**32 - 1, 1000, dtype=np.uint64)
    tids["offset"] = rng.integers(1, 2**16 - 1, 1000)
    x = rng.normal(121.1, 0.1, 1000)
    n = rng.integers(-2**15, 2**15 - 1, 1000).astype(np.int16)
    h = rng.integers(-2**63, 2**63 - 1, 1000, dtype=np.int64)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("CREATE TEMP TABLE copy_check (i serial, t tid, x float8, n int2, h int8) ON COMMIT DROP"))
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy("COPY copy_check (t, x, n, h) FROM STDIN (FORMAT binary)") as copy:
                copy.write(rows_bytes([("t", tids), ("x", x), ("n", n), ("h", h)]))
        # The server read the values as they were meant (text form of the first row, straight from SQL).
        first = conn.execute(text("SELECT CAST(t AS text), x, n, h FROM copy_check WHERE i = 1")).one()
        assert first == (f"({tids['block'][0]},{tids['offset'][0]})", x[0], n[0], h[0])
        back = read_rows(_copy_out(conn, "SELECT t, x, n, h FROM copy_check ORDER BY i"), FIELDS)
    assert len(back) == 1000
    assert (back["t"] == tids).all() and (back["x"] == x).all() and (back["n"] == n).all() and (back["h"] == h).all()


def test_nulls_and_other_widths_are_refused_not_misread(engine):
    with engine.connect() as conn:
        with_null = _copy_out(conn, "SELECT CAST('(0,1)' AS tid), CAST(NULL AS float8), CAST(1 AS int2), CAST(2 AS int8)")
        wider = _copy_out(conn, "SELECT CAST('(0,1)' AS tid), CAST(1 AS float8), CAST(1 AS int4), CAST(2 AS int8)")
        empty = _copy_out(conn, "SELECT CAST('(0,1)' AS tid), CAST(1 AS float8), CAST(1 AS int2), CAST(2 AS int8) "
                                "WHERE false")
    for stream in (with_null, wider):
        with pytest.raises(ValueError):
            read_rows(stream, FIELDS)
    assert len(read_rows(empty, FIELDS)) == 0
    with pytest.raises(ValueError):
        read_rows(b"t\tx\n", FIELDS)
