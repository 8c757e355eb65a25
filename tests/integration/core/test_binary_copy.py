"""PostgreSQL's binary formats against a real server (COPY rows, one-row columns, tid[] parameters):
what goes in comes back, to the bit."""
import numpy as np
import pytest
from sqlalchemy import text

from app.core.binary_copy import TID, TidArray, TidArrayDumper, columns_sql, read_columns, read_rows, rows_bytes

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


COLUMNS = [("tidsend(t)", "t"), ("convert_to(c, 'UTF8')", "c"), ("float8send(x)", "x"), ("int2send(n)", "n")]
COLUMN_FIELDS = [("t", TID), ("c", "S3"), ("x", ">f8"), ("n", ">i2")]


def _columns(conn, rows_sql: str) -> tuple:
    with conn.connection.driver_connection.cursor(binary=True) as cur:
        return cur.execute(columns_sql(COLUMNS, COLUMN_FIELDS) + f" FROM ({rows_sql}) r").fetchone()


def test_columns_in_one_row_come_back_as_the_rows_in_their_order(engine):
    rows_sql = ("SELECT CAST('(' || i * 70000 || ',' || i % 300 || ')' AS tid) AS t, lpad(CAST(i % 1000 AS text), 3, "
                "'0') AS c, i / 7.0 AS x, CAST(i - 600 AS int2) AS n FROM generate_series(1, 1200) i")
    with engine.connect() as conn:
        back = read_columns(_columns(conn, rows_sql), COLUMN_FIELDS)
        empty = read_columns(_columns(conn, rows_sql + " WHERE false"), COLUMN_FIELDS)
    i = np.arange(1, 1201)
    assert len(back) == 1200 and len(empty) == 0
    assert (back["t"]["block"] == i * 70000).all() and (back["t"]["offset"] == i % 300).all()
    assert back["c"].astype("U3").tolist() == [f"{v % 1000:03d}" for v in i]
    assert (back["x"] == i / 7.0).all() and (back["n"] == i - 600).all()


@pytest.mark.parametrize("odd_row", [
    "SELECT CAST('(0,1)' AS tid), 'abcd', 1.0, CAST(1 AS int2)",   # a code one character too long
    "SELECT CAST('(0,1)' AS tid), 'ab', 1.0, CAST(1 AS int2)",     # and one too short: lengths add up
    "SELECT CAST('(0,1)' AS tid), 'abc', NULL, CAST(1 AS int2)",   # a NULL (string_agg skips it)
])
def test_columns_with_a_null_or_a_value_of_another_width_are_refused(engine, odd_row):
    good = "SELECT CAST('(0,2)' AS tid) AS t, 'abc' AS c, CAST(2.0 AS float8) AS x, CAST(2 AS int2) AS n"
    pair = f"{good} UNION ALL {odd_row}" if "'ab'," not in odd_row else \
        f"{good} UNION ALL {odd_row} UNION ALL SELECT CAST('(0,3)' AS tid), 'abcd', 3.0, CAST(3 AS int2)"
    with engine.connect() as conn:
        values = _columns(conn, pair)
    with pytest.raises(ValueError):
        read_columns(values, COLUMN_FIELDS)


@pytest.mark.parametrize("count", [0, 1, 5000])
def test_a_tid_array_parameter_names_exactly_those_rows(engine, count):
    with engine.connect() as conn, conn.begin():
        conn.execute(text("CREATE TEMP TABLE tid_check ON COMMIT DROP AS SELECT i FROM generate_series(1, 20000) i"))
        every = conn.execute(text("SELECT ctid, i FROM tid_check")).all()
        chosen = [every[k] for k in np.random.default_rng(count).choice(len(every), count, replace=False)]
        tids = np.zeros(count, TID)
        tids["block"] = [int(t.strip("()").split(",")[0]) for t, _ in chosen]
        tids["offset"] = [int(t.strip("()").split(",")[1]) for t, _ in chosen]
        with conn.connection.driver_connection.cursor() as cur:
            cur.adapters.register_dumper(TidArray, TidArrayDumper)
            found = cur.execute("SELECT i FROM tid_check WHERE ctid = ANY(%s)", (TidArray(tids),)).fetchall()
    assert sorted(i for (i,) in found) == sorted(i for _, i in chosen)
