"""A large import into an empty enterprises table goes as a bulk load (secondary indexes and foreign keys
dropped, built and checked once after the COPY; app.enterprises.store). It must store exactly what the
row-by-row path stores, and leave the table with exactly its indexes and keys, all valid and enforced."""
import csv
import io

import numpy as np
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.core.db import engine_for
from app.core.store import data_versions, district_geometry
from app.enterprises import store
from app.enterprises.assignment import check_assignments
from app.enterprises.importer import import_enterprises
from app.layout.store import load_layout
from gis.crs import wgs84_to_gcj02
from gis.uscc import make_uscc
from plan.industries import plan_industry_for
from tests.conftest import sibling_database

N = store.BULK_MIN_ROWS + 500
HEADERS = ["统一社会信用代码", "企业名称", "行业代码", "经度", "纬度", "地址", "从业人员", "产值（万元）", "成立年份"]
STORED = ("uscc, name, industry_code, plan_industry, employees, output_value, established, address, town, precision, "
          "source_crs, synthetic, note, zones, primary_zone, primary_reason, encode(ST_AsEWKB(geom), 'hex')")
CATALOGUE = """
SELECT 'index', pg_get_indexdef(indexrelid), indisvalid::text FROM pg_index WHERE indrelid = 'enterprises'::regclass
UNION ALL
SELECT 'constraint', conname || ' ' || pg_get_constraintdef(oid), convalidated::text FROM pg_constraint
WHERE conrelid = 'enterprises'::regclass
UNION ALL
SELECT 'trigger', tgname, tgenabled::text FROM pg_trigger WHERE tgrelid = 'enterprises'::regclass AND NOT tgisinternal
ORDER BY 1, 2
"""


@pytest.fixture(scope="module")
def empty(database_url):
    """A database of its own with the layout and no enterprises (the test database holds other tests' rows)."""
    engine = engine_for(sibling_database(database_url, "bulk"))
    load_layout(engine)
    yield engine
    engine.dispose()


def district_file(engine, n: int, seed: int) -> bytes:
    """n rows inside the district in GCJ-02, with the cells COPY must escape and rows placed by address."""
    rng = np.random.default_rng(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    lon, lat = _inside(engine, n, rng)
    glon, glat = wgs84_to_gcj02(lon, lat)
    odd = ["制表\t符", "反斜\\杠", "换\n行", '引"号', "逗,号"]
    seen = set()
    for i in range(n):
        code = make_uscc(rng)
        while code in seen:
            code = make_uscc(rng)
        seen.add(code)
        name = f"批量测试企业{i}号" + (odd[i // 7 % len(odd)] if i % 7 == 0 else "")
        if i % 11 == 0:  # no coordinates: placed at the seat of the town its address names
            writer.writerow([code, name, "3399", "", "", "上海市青浦区华新镇某路1号", "", "", ""])
        else:
            writer.writerow([code, name, ["3973", "2710", "5920", "3399"][i % 4], f"{glon[i]:.6f}", f"{glat[i]:.6f}",
                             "\\N" if i % 13 == 5 else "上海市青浦区", int(rng.integers(1, 900)) if i % 3 else "",
                             round(float(rng.uniform(1, 9000)), 1), 2001 + i % 20])
    return out.getvalue().encode("gbk")


def _inside(engine, n, rng):
    with engine.connect() as conn:
        district = district_geometry(conn)
    x0, y0, x1, y1 = district.bounds
    xs, ys = [], []
    while len(xs) < n:
        x, y = rng.uniform(x0, x1, 4 * n), rng.uniform(y0, y1, 4 * n)
        keep = shapely.contains_xy(district.buffer(-0.002), x, y)
        xs.extend(x[keep].tolist())
        ys.extend(y[keep].tolist())
    return np.array(xs[:n]), np.array(ys[:n])


def stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT {STORED} FROM enterprises ORDER BY uscc"))]


def catalogue(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(CATALOGUE))]


def test_a_bulk_load_stores_what_the_row_path_stores_and_keeps_every_index_and_key(empty):
    data = district_file(empty, N, seed=3)
    before = catalogue(empty)
    assert any(kind == "index" and "gin_trgm_ops" in d for kind, d, _ in before)
    assert sum(kind == "constraint" and "FOREIGN KEY" in d for kind, d, _ in before) == 2
    with empty.connect() as conn:
        versions = data_versions(conn, ["enterprises", "enterprises:points"])

    report = import_enterprises(empty, data, "bulk.csv", crs="gcj02")
    assert report.loaded and report.inserted == N and report.updated == 0, report.summary()
    assert report.by_precision == {"exact": N - len(range(0, N, 11)), "town": len(range(0, N, 11))}
    assert catalogue(empty) == before  # the same indexes, keys and triggers, all valid
    bulk = stored(empty)
    with empty.connect() as conn:
        after = data_versions(conn, ["enterprises", "enterprises:points"])
        assert all(after[k] > versions[k] for k in versions)
        assert check_assignments(conn)["mismatched"] == []
        # written in Z-order: the rows that share a table page lie close together (in file order a
        # page's ten rows would span most of the district, half a degree)
        page_spread = conn.execute(text(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM (SELECT max(ST_X(geom)) - min(ST_X(geom)) "
            "+ max(ST_Y(geom)) - min(ST_Y(geom)) AS s FROM enterprises GROUP BY (ctid::text::point)[0]) p")).scalar_one()
        assert page_spread < 0.1
        # the trigram index answers a name search, and the cells COPY escapes came back as written
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(text("EXPLAIN SELECT uscc FROM enterprises WHERE name LIKE '%试企业7%'"))
                         .scalars())
        assert "enterprises_name_trgm_idx" in plan
        names = set(conn.execute(text("SELECT name FROM enterprises WHERE name LIKE '批量测试企业0号%' "
                                      "OR name LIKE '批量测试企业7号%' OR name LIKE '批量测试企业14号%'")).scalars())
        backslash_n = conn.execute(text("SELECT count(*) FROM enterprises WHERE address = '\\N'")).scalar_one()
    assert names == {"批量测试企业0号制表\t符", "批量测试企业7号反斜\\杠", "批量测试企业14号换\n行"}
    assert backslash_n == len([i for i in range(N) if i % 13 == 5 and i % 11])  # text, not NULL

    # The same file through the row-by-row path (the table is not empty): the same stored rows.
    with empty.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc <> (SELECT min(uscc) FROM enterprises)"))
    again = import_enterprises(empty, data, "rows.csv", crs="gcj02")
    assert again.inserted == N - 1 and again.updated == 1
    assert stored(empty) == bulk

    # The foreign keys are back and enforced.
    with pytest.raises(IntegrityError):
        with empty.begin() as conn:
            conn.execute(text("UPDATE enterprises SET plan_industry = 'no-such-industry' "
                              "WHERE uscc = (SELECT min(uscc) FROM enterprises)"))


def test_a_bulk_load_that_fails_after_dropping_the_indexes_leaves_the_table_as_it_was(empty):
    """The foreign key re-added after the COPY finds a plan industry that is not stored: the import fails
    and its transaction takes the dropped indexes and keys back with it."""
    with empty.begin() as conn:
        conn.execute(text("DELETE FROM enterprises"))
    before = catalogue(empty)
    data = district_file(empty, N, seed=4)
    missing = plan_industry_for("5920")
    assert missing
    try:
        with empty.begin() as conn:
            conn.execute(text("DELETE FROM plan_industries WHERE id = :i"), {"i": missing})
        with pytest.raises(IntegrityError, match="enterprises_plan_industry_fkey"):
            import_enterprises(empty, data, "bulk.csv", crs="gcj02")
    finally:
        load_layout(empty)  # puts the plan industry back
    assert catalogue(empty) == before
    with empty.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one() == 0


def test_a_reader_holding_the_table_makes_the_import_go_row_by_row_instead_of_waiting(empty):
    """A transaction that has read enterprises (and might next wait for the layout lock the import holds)
    is neither made to wait nor aborted as a deadlock: the import gives up the exclusive lock after
    BULK_LOCK_WAIT and writes row by row beside it, with the same result."""
    import threading

    with empty.begin() as conn:
        conn.execute(text("DELETE FROM enterprises"))
    before = catalogue(empty)
    data = district_file(empty, N, seed=5)
    reports = []
    with empty.connect() as reader:
        reader.begin()
        assert reader.execute(text("SELECT count(*) FROM enterprises")).scalar_one() == 0  # holds ACCESS SHARE
        worker = threading.Thread(target=lambda: reports.append(
            import_enterprises(empty, data, "beside-a-reader.csv", crs="gcj02")))
        worker.start()
        worker.join(120)
        finished = not worker.is_alive()
        seen = reader.execute(text("SELECT count(*) FROM enterprises")).scalar_one()  # the reader goes on
        reader.rollback()
    worker.join()
    assert finished, "the import waited for the reader"
    assert reports[0].loaded and reports[0].inserted == N and seen == N
    assert catalogue(empty) == before
    with empty.connect() as conn:
        assert check_assignments(conn)["mismatched"] == []
