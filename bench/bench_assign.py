"""Benchmark: assigning enterprises to zones, without a database.

    .venv/bin/python bench/bench_assign.py [--n 1000000]

Pure assignment (gis.assign.assign_points: every containing zone + primary zone + reason) of N points
against the default layout's 22 zones, beside geopandas.sjoin(predicate="intersects") on the same
points and zones in the same run. sjoin only finds the (point, zone) pairs; it does not choose a
primary zone, so the baseline does less work than we do. Targets: <= 5 s and no slower than sjoin.
Through PostGIS: bench_bulk_assign.py (every enterprise) and bench_edits.py (after a zone edit).
"""
from __future__ import annotations

import argparse
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args()
    bench_pure(args.n)


if __name__ == "__main__":
    main()
