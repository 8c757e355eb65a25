"""Enterprise rows for the OGC, tile, export and map tests, inserted with SQL (not the import code).

Three named rows sit at known places; the rest are spread over the district from a fixed seed.
Every row has an output_value, the confidential field a public caller must never receive.
"""
from __future__ import annotations

from sqlalchemy import text

from app.core.store import bump_version

NAMED = [
    # uscc, name, lon, lat, employees, output_value, established, plan_industry-less industry code
    ("T00000000000000001", "华新智慧物流测试企业", 121.215, 31.228, 420, 98765.0, 2012, "5429"),
    ("T00000000000000002", "西岑芯片测试企业", 120.962, 31.076, 80, 4321.5, 2021, "3973"),
    ("T00000000000000003", "徐泾会展测试企业", 121.290, 31.192, 15, 321.0, 1999, "7281"),
]
N_RANDOM = 300
SECRET_OUTPUT = 98765.0


def seed_enterprises(engine) -> int:
    with engine.begin() as conn:
        have = conn.execute(text("SELECT count(*) FROM enterprises WHERE uscc LIKE 'T%'")).scalar_one()
        if have >= N_RANDOM + len(NAMED):
            return have
        for uscc, name, lon, lat, emp, out, est, code in NAMED:
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, employees, output_value, established, town, "
                "precision, source_crs, synthetic, zones, geom) VALUES (:u, :n, :c, :e, :o, :y, NULL, 'exact', "
                "'wgs84', true, '{}', ST_SetSRID(ST_MakePoint(:x, :lat), 4326)) ON CONFLICT DO NOTHING"),
                {"u": uscc, "n": name, "c": code, "e": emp, "o": out, "y": est, "x": lon, "lat": lat})
        conn.execute(text("SELECT setseed(0.42)"))
        conn.execute(text("""
            WITH d AS (SELECT ST_Union(geom) AS g FROM district)
            INSERT INTO enterprises (uscc, name, industry_code, employees, output_value, established, precision,
                                     source_crs, synthetic, zones, geom)
            SELECT 'T' || lpad((1000 + i)::text, 17, '0'), '测试企业' || i || '号', '3' || (i % 10) || '01',
                   i % 300, 100 + i, 1990 + (i % 30), 'exact', 'wgs84', true, '{}',
                   (SELECT (ST_Dump(ST_GeneratePoints(d.g, 1, i))).geom)
            FROM generate_series(1, :n) AS i, d
            ON CONFLICT DO NOTHING"""), {"n": N_RANDOM})
        # Zones each enterprise lies in, as the assignment would record them (the tests filter on it).
        conn.execute(text("""
            UPDATE enterprises e SET zones = coalesce((SELECT array_agg(z.id ORDER BY z.id) FROM zones z
                                                       WHERE ST_Intersects(z.geom, e.geom)), '{}')
            WHERE e.uscc LIKE 'T%'"""))
        bump_version(conn, "enterprises")
        return conn.execute(text("SELECT count(*) FROM enterprises WHERE uscc LIKE 'T%'")).scalar_one()
