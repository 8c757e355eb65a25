"""Benchmark: assigning enterprises to zones, and re-assigning after a zone edit.

    .venv/bin/python bench/bench_assign.py [--n 1000000] [--db qingpu_bench_ent] [--reuse] [--pure-only | --db-only]

1. Pure assignment (gis.assign.assign_points: every containing zone + primary zone + reason) of N points
   against the default layout's 22 zones, beside geopandas.sjoin(predicate="intersects") on the same
   points and zones in the same run. sjoin only finds the (point, zone) pairs; it does not choose a
   primary zone, so the baseline does less work than we do. Targets: <= 5 s and no slower than sjoin.
2. Re-assignment after a typical zone edit with N enterprises in PostGIS (database built by
   bench/bench_data.py): a planner drags 智慧物流组团's boundary about a kilometre into the core;
   app.enterprises.assignment.reassign_changed_area runs in the edit's transaction (rolled back afterwards).
   Baseline in the same run: recomputing every enterprise of the old and new zone. Target: <= 0.5 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def default_zones():
    """The default layout's zones and district, computed without a database."""
    from gis.assign import ZoneInfo
    from gis.crs import area_km2
    from layers.default_layout import default_zones as build_zones
    from layers.default_layout import schematic_towns
    from layers.district import district_outline

    district, _ = district_outline()
    towns = schematic_towns(district)
    zones = [ZoneInfo(z.id, z.name_zh, z.kind, area_km2(z.geom), tuple(z.target_industries), z.geom)
             for z in build_zones(towns, district)]
    return zones, district, towns


def sample_points(n: int, district, towns, rng):
    """70 % around town seats and parks (about 2 km spread), 30 % uniform, all inside the district."""
    import shapely

    from gis.enterprise_synth import points_in
    from layers.qingpu import PARKS, TOWNS

    seats = np.array([t.seat for t in TOWNS] + [(p.lon, p.lat) for p in PARKS])
    n_near = int(n * 0.7)
    k = rng.integers(len(seats), size=n_near * 2)
    x = seats[k, 0] + rng.normal(0, 0.02, len(k))
    y = seats[k, 1] + rng.normal(0, 0.018, len(k))
    shapely.prepare(district)
    keep = shapely.intersects_xy(district, x, y)
    x, y = x[keep][:n_near], y[keep][:n_near]
    ux, uy = points_in(district, n - len(x), rng)
    return np.concatenate([x, ux]), np.concatenate([y, uy])


def bench_pure(n: int) -> None:
    import geopandas as gpd

    from gis.assign import assign_points
    from gis.enterprise_synth import CLASSES

    zones, district, towns = default_zones()
    rng = np.random.default_rng(1)
    x, y = sample_points(n, district, towns, rng)
    industries = np.array(sorted(k for k in CLASSES if k) + [None], dtype=object)[rng.integers(len(CLASSES), size=n)]
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    frame = gpd.GeoDataFrame({"zone": [z.id for z in zones]}, geometry=[z.geom for z in zones], crs=4326)
    ours, theirs = [], []
    for _ in range(3):
        t = time.perf_counter()
        result = assign_points(x, y, industries, zones)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        pairs = gpd.sjoin(points, frame, predicate="intersects", how="inner")
        theirs.append(time.perf_counter() - t)
    our_pairs = sum(len(p.zones) for p in result)
    assert our_pairs == len(pairs), f"pair counts differ: {our_pairs} vs {len(pairs)}"
    print(f"assign {n:,} enterprises to {len(zones)} zones (best of 3)")
    print(f"  qingpu gis.assign.assign_points (zones + primary + reason): {min(ours):6.2f} s")
    print(f"  baseline geopandas.sjoin (containing pairs only):           {min(theirs):6.2f} s")
    print(f"  {our_pairs:,} (enterprise, zone) pairs in both; "
          f"{sum(1 for p in result if p.primary is None):,} enterprises in no zone")


TYPICAL_EDIT = """
-- Bulge the zone's boundary out where it faces the core (inside the district, among enterprises).
WITH z AS (SELECT geom FROM zones WHERE id = :zone),
p AS (SELECT ST_ClosestPoint(ST_Boundary(z.geom), ST_Centroid(c.geom)) AS pt FROM z, zones c WHERE c.id = 'core')
SELECT ST_AsBinary(geom), ST_AsBinary(ST_Multi(ST_Union(geom,
       ST_Buffer(pt::geography, :radius)::geometry))) FROM z, p
"""

def bench_reassign(n: int, db: str, reuse: bool) -> None:
    from bench_data import build
    from sqlalchemy import text

    from app.core.db import engine_for
    from app.enterprises.assignment import (
        _assign,
        _write,
        assign_all,
        load_zones,
        preview_zone_change,
        reassign_changed_area,
    )

    url = build(n, db, reuse)
    engine = engine_for(url)
    with engine.begin() as conn:
        unassigned = conn.execute(text("SELECT count(*) FROM enterprises WHERE primary_reason IS NULL")).scalar_one()
        if unassigned:
            t = time.perf_counter()
            changed = assign_all(conn)
            print(f"assign_all through PostGIS (read, assign, write {changed:,} rows): "
                  f"{time.perf_counter() - t:.1f} s")
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
    zone = "cluster-logistics"
    for label, radius in (("typical edit: boundary pushed ~1 km into the core", 1000), ("large edit: a 3 km bulge", 3000)):
        ours, baseline, preview, moved = [], [], [], 0
        for _ in range(3):
            with engine.connect() as conn:
                trans = conn.begin()
                old, new = (bytes(g) for g in conn.execute(text(TYPICAL_EDIT), {"zone": zone, "radius": radius}).one())
                t = time.perf_counter()
                preview_zone_change(conn, zone, new)
                preview.append(time.perf_counter() - t)
                conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) WHERE id = :z"),
                             {"g": new, "z": zone})
                t = time.perf_counter()
                impact = reassign_changed_area(conn, old, new, zone_id=zone)
                ours.append(time.perf_counter() - t)
                moved = sum(len(v) for v in impact["entered"].values()) + sum(len(v) for v in impact["left"].values())
                trans.rollback()
            with engine.connect() as conn:  # baseline: everyone in the old or new zone
                trans = conn.begin()
                conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) WHERE id = :z"),
                             {"g": new, "z": zone})
                t = time.perf_counter()
                rows = conn.execute(text(
                    "SELECT DISTINCT ON (e.uscc) e.uscc, e.name, ST_X(e.geom), ST_Y(e.geom), e.plan_industry, "
                    "e.zones, e.primary_zone, e.primary_reason FROM enterprises e JOIN (SELECT ST_Subdivide("
                    "ST_Union(ST_SetSRID(ST_GeomFromWKB(:a), 4326), ST_SetSRID(ST_GeomFromWKB(:b), 4326)), 128) "
                    "AS g) p ON ST_Intersects(e.geom, p.g)"), {"a": old, "b": new}).all()
                _write(conn, rows, _assign(rows, load_zones(conn)))
                baseline.append(time.perf_counter() - t)
                trans.rollback()
        print(f"re-assign after a zone edit, {total:,} enterprises loaded; {label} (median of 3)")
        print(f"  qingpu reassign_changed_area (symmetric difference, writes): {statistics.median(ours):6.3f} s"
              f"  ({moved:,} zone memberships changed)")
        print(f"  qingpu preview_zone_change (dry run, no writes):             {statistics.median(preview):6.3f} s")
        print(f"  baseline: recompute every enterprise of the old+new zone:    {statistics.median(baseline):6.3f} s"
              f"  ({len(rows):,} enterprises)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--db", default="qingpu_bench_ent")
    ap.add_argument("--reuse", action="store_true", help="reuse the benchmark database when it has the rows")
    ap.add_argument("--pure-only", action="store_true", help="skip the PostGIS part")
    ap.add_argument("--db-only", action="store_true", help="skip the pure part")
    args = ap.parse_args()
    if not args.db_only:
        bench_pure(args.n)
    if not args.pure_only:
        bench_reassign(args.n, args.db, args.reuse)


if __name__ == "__main__":
    main()
