"""Build the benchmark database (default qingpu_bench, in the project's own cluster): schema, the default
layout, and N synthetic enterprises (default 1,000,000) spread like a real district — dense around town
seats and parks, sparse elsewhere, all inside the district outline.

    .venv/bin/python bench/bench_data.py [--rows 1000000] [--db qingpu_bench] [--reuse]

Rows are inserted with SQL directly (the import pipeline is not what is measured) and flagged synthetic;
the data version of `enterprises` is bumped afterwards as every writer does. They are then placed in the
zones and the table rewritten compactly (in Z-order with --spatial-order), so every row carries its
placement on a page with half its space free, as one import leaves the table: the importer places rows
before it writes them. (Rows first stored without placements grow when they are placed; on the pages'
free half only 60% of those updates stayed heap-only, and that first assignment took 19-21 s instead of
7-9 s at 1,000,000.)
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

INSERT = """
WITH d AS (SELECT ST_Union(geom) AS g FROM district),
seats AS (SELECT row_number() OVER () - 1 AS k, ST_X(ST_Centroid(geom)) AS x, ST_Y(ST_Centroid(geom)) AS y
          FROM (SELECT geom FROM towns UNION ALL SELECT geom FROM zones WHERE kind = 'park') s),
n AS (SELECT count(*) AS c FROM seats),
pts AS (
  SELECT i,
         -- 70 % around a seat (Gaussian, about 2 km), 30 % uniform over the district's box
         CASE WHEN random() < 0.7 THEN s.x + 0.02 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())
              ELSE 120.853 + random() * 0.466 END AS x,
         CASE WHEN random() < 0.7 THEN s.y + 0.018 * sqrt(-2 * ln(random())) * sin(2 * pi() * random())
              ELSE 30.941 + random() * 0.353 END AS y
  FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS i
  CROSS JOIN n
  JOIN seats s ON s.k = (i * 7919) % n.c
)
INSERT INTO enterprises (uscc, name, industry_code, plan_industry, employees, output_value, established, address,
                         town, precision, source_crs, synthetic, zones, primary_zone, primary_reason, geom)
SELECT 'B' || lpad(i::text, 17, '0'), '青浦示例企业' || i || '号', lpad(((i % 40) + 13)::text, 2, '0') || '01',
       NULL, (i % 500) + 1, ((i * 37) % 100000)::float, 1980 + (i % 45), '示例地址 ' || i, NULL,
       'exact', 'wgs84', true, '{}', NULL, NULL, ST_SetSRID(ST_MakePoint(x, y), 4326)
FROM pts, d
WHERE ST_Intersects(d.g, ST_SetSRID(ST_MakePoint(x, y), 4326))
"""


def build(rows: int, db: str, reuse: bool, spatial_order: bool = False) -> str:
    """The database's URL; with ``spatial_order`` its rows are in Z-order (as one import writes them,
    gis.spatial_order), else in the order they were generated (no spatial order at all)."""
    from app.core.db import engine_for
    from app.core.localdb import LocalCluster
    from app.core.migrate import upgrade
    from app.core.settings import load_settings
    from app.core.store import bump_version
    from app.enterprises.assignment import assign_all
    from app.layout.store import load_layout

    cluster = LocalCluster.from_settings(load_settings())
    cluster.ensure_running()
    url = cluster.url(db)
    if reuse:
        cluster.ensure_database(db)
        engine = engine_for(url)
        with engine.connect() as conn:
            try:
                have = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
            except Exception:
                have = -1
        if have >= rows * 0.95:
            upgrade(url)  # a database kept from an older checkout gets the current schema and triggers
            if spatial_order:
                _put_in_z_order(engine)
            print(f"reusing {db}: {have:,} enterprises")
            return url
    cluster._psql(f"DROP DATABASE IF EXISTS {db} WITH (FORMAT)".replace("FORMAT", "FORCE"))
    cluster.ensure_database(db)
    upgrade(url)
    engine = engine_for(url)
    load_layout(engine)
    t0 = time.perf_counter()
    inserted, start, chunk = 0, 1, 200_000
    while inserted < rows:
        with engine.begin() as conn:
            n = conn.execute(text(INSERT), {"start": start, "stop": start + chunk - 1}).rowcount
        inserted += n
        start += chunk
        print(f"  {min(inserted, rows):,} / {rows:,} enterprises", flush=True)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc > :last"), {"last": "B" + str(_last_id(conn, rows)).zfill(17)})
        bump_version(conn, "enterprises")
    with engine.begin() as conn:
        assign_all(conn)
    if spatial_order:
        _put_in_z_order(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not spatial_order:
            conn.execute(text("VACUUM FULL enterprises"))  # the rows the placing moved, back in place
        conn.execute(text("VACUUM ANALYZE enterprises"))
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
    print(f"{db}: {total:,} enterprises in {time.perf_counter() - t0:.0f} s")
    return url


def page_spread(engine) -> float:
    """Median extent (degrees, x + y) of the rows that share a table page, over a 1 % sample of pages."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) FROM (SELECT max(ST_X(geom)) - min(ST_X(geom)) "
            "+ max(ST_Y(geom)) - min(ST_Y(geom)) AS s FROM enterprises TABLESAMPLE SYSTEM (1) "
            "GROUP BY (ctid::text::point)[0]) p")).scalar() or 0.0


def _put_in_z_order(engine) -> None:
    """Rewrite the table in Z-order (ST_GeoHash interleaves the bits of lon and lat as gis.spatial_order
    does) unless it is already: the order one import of all the rows would leave."""
    if page_spread(engine) < 0.05:
        return
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX bench_z_order ON enterprises (ST_GeoHash(geom, 12))"))
        conn.execute(text("CLUSTER enterprises USING bench_z_order"))
        conn.execute(text("DROP INDEX bench_z_order"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE enterprises"))
    print(f"  rows put in Z-order in {time.perf_counter() - t0:.0f} s (median page spread {page_spread(engine):.4f}°)")


def _last_id(conn, rows: int) -> int:
    return conn.execute(text("SELECT substr(uscc, 2)::bigint FROM enterprises ORDER BY uscc OFFSET :n LIMIT 1"),
                        {"n": rows - 1}).scalar() or 10**16


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--db", default="qingpu_bench")
    ap.add_argument("--reuse", action="store_true", help="keep an existing database that already has the rows")
    ap.add_argument("--spatial-order", action="store_true", help="rows in Z-order, as one import writes them")
    args = ap.parse_args()
    print(build(args.rows, args.db, args.reuse, args.spatial_order))


if __name__ == "__main__":
    main()
