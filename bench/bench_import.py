"""Benchmark: importing an enterprise CSV (GBK, GCJ-02 coordinates) including validation.

    .venv/bin/python bench/bench_import.py [--n 100000] [--db qingpu_bench_import] [--runs 3]

Builds a fresh database (schema and default layout) in the project's own cluster, writes N rows with
Chinese headers in GBK and GCJ-02 coordinates, and times app.enterprises.import_enterprises end to end:
encoding detection, cleaning every cell, credit-code checks, GCJ-02 -> WGS84, district and town tests,
zone assignment, COPY and upsert. Baseline in the same run: pandas.read_csv + GeoDataFrame.to_postgis
of the same file into a scratch table, with no validation and no conversion. Each run also times the same
file again (every row an update) and N other codes into the table then holding N (the row-by-row path:
no bulk load into a non-empty table). Prints every run and the medians; writes bench/results/import-<n>.json.
Target (issue 16): the import into the empty table within 2 x the baseline.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from bench_assign import default_zones, sample_points  # noqa: E402

HEADERS = ["统一社会信用代码", "企业名称", "行业代码", "经度", "纬度", "地址", "从业人员", "产值（万元）", "成立年份"]


def credit_codes(n: int, rng) -> list[str]:
    from gis.uscc import ALPHABET, check_character

    chars = np.array(list(ALPHABET))
    bodies = chars[rng.integers(len(ALPHABET), size=(n * 2, 9))]
    out, seen = [], set()
    for body in bodies:
        first17 = "91310118" + "".join(body)
        if first17 not in seen:
            seen.add(first17)
            out.append(first17 + check_character(first17))
        if len(out) == n:
            break
    return out


def make_csv(n: int, rng) -> bytes:
    from gis.crs import wgs84_to_gcj02
    from gis.enterprise_synth import CLASSES

    _, district, towns = default_zones()
    x, y = sample_points(n, district, towns, rng)
    gx, gy = wgs84_to_gcj02(x, y)
    codes = [c for cs in CLASSES.values() for c in cs]
    industry = rng.integers(len(codes), size=n)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i, code in enumerate(credit_codes(n, rng)):
        writer.writerow([code, f"青浦测试企业{i}号", codes[industry[i]], f"{gx[i]:.6f}", f"{gy[i]:.6f}",
                         "上海市青浦区", int(rng.integers(1, 2000)), round(float(rng.uniform(10, 90000)), 1),
                         int(rng.integers(1990, 2025))])
    return out.getvalue().encode("gbk")


def fresh_database(db: str) -> str:
    from app.core.db import engine_for
    from app.core.localdb import LocalCluster
    from app.core.migrate import upgrade
    from app.core.settings import load_settings
    from app.layout.store import load_layout

    cluster = LocalCluster.from_settings(load_settings())
    cluster.ensure_running()
    cluster._psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    cluster.ensure_database(db)
    url = cluster.url(db)
    upgrade(url)
    load_layout(engine_for(url))
    return url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--db", default="qingpu_bench_import")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    import geopandas as gpd
    import pandas as pd
    from sqlalchemy import text

    from app.core.db import engine_for
    from app.enterprises.importer import import_enterprises

    data = make_csv(args.n, np.random.default_rng(7))
    more = make_csv(args.n, np.random.default_rng(8))  # other credit codes, for an import into a full table
    times: dict[str, list[float]] = {"ours": [], "baseline": [], "again": [], "into_full": []}
    load = [os.getloadavg()[0]]
    print(f"import {args.n:,} CSV rows (GBK, GCJ-02) into PostGIS; {os.cpu_count()} CPUs, load {load[0]:.2f}", flush=True)
    for run in range(args.runs):
        engine = engine_for(fresh_database(args.db))  # untimed: an empty district each run

        t = time.perf_counter()
        report = import_enterprises(engine, data, "bench.csv", crs="gcj02")
        times["ours"].append(time.perf_counter() - t)
        assert report.loaded and report.inserted == args.n, report.summary()

        t = time.perf_counter()
        frame = pd.read_csv(io.BytesIO(data), encoding="gbk", dtype={"行业代码": str})
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["经度"], frame["纬度"]), crs=4326)
        gdf.to_postgis("bench_import_baseline", engine, if_exists="replace", index=False)
        times["baseline"].append(time.perf_counter() - t)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE bench_import_baseline"))

        t = time.perf_counter()
        again = import_enterprises(engine, data, "bench.csv", crs="gcj02")
        times["again"].append(time.perf_counter() - t)
        assert again.updated == args.n

        t = time.perf_counter()
        # partial: a sampled point can fall just outside the district once rounded and converted
        full = import_enterprises(engine, more, "more.csv", crs="gcj02", partial=True)
        times["into_full"].append(time.perf_counter() - t)
        assert full.loaded and full.inserted + full.updated == full.accepted >= args.n * 0.99, full.summary()
        engine.dispose()
        load.append(os.getloadavg()[0])
        print(f"  run {run + 1}: ours {times['ours'][-1]:.2f} s, baseline {times['baseline'][-1]:.2f} s "
              f"({times['ours'][-1] / times['baseline'][-1]:.2f} x), again {times['again'][-1]:.2f} s, "
              f"into the full table {times['into_full'][-1]:.2f} s; load {load[-1]:.2f}", flush=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    ratios = [o / b for o, b in zip(times["ours"], times["baseline"])]
    print(f"medians of {args.runs} runs (load {min(load):.2f}-{max(load):.2f}):")
    print(f"  qingpu import_enterprises into the empty table (detect, validate, convert, assign, write): {med['ours']:6.2f} s")
    print(f"  qingpu same file again (every row an upsert of an existing code):                        {med['again']:6.2f} s")
    print(f"  qingpu {args.n:,} other codes into the table holding {args.n:,} (row by row):               "
          f"{med['into_full']:6.2f} s")
    print(f"  baseline pandas.read_csv + to_postgis (no validation, no conversion):                     {med['baseline']:6.2f} s")
    print(f"  ours / baseline: {med['ours'] / med['baseline']:.2f} x (median of the runs' ratios "
          f"{statistics.median(ratios):.2f} x; target <= 2 x)")
    out = Path(__file__).resolve().parent / "results" / f"import-{args.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "when": datetime.now(timezone.utc).isoformat(timespec="minutes"), "rows": args.n, "cpus": os.cpu_count(),
        "load": [round(v, 2) for v in load], "runs": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "median_s": {k: round(v, 3) for k, v in med.items()}, "ratio_of_medians": round(med["ours"] / med["baseline"], 3),
        "median_ratio": round(statistics.median(ratios), 3)}, indent=2))
    print(out)


if __name__ == "__main__":
    main()
