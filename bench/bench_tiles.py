"""Enterprise vector tiles z10–z16 on 1,000,000 enterprises: this project against tipg, same database, same run.

    .venv/bin/python bench/bench_data.py --reuse        # once: the qingpu_bench database
    .venv/bin/python bench/bench_tiles.py [--per-zoom 20] [--concurrency 8]

Cold: the tile is not in the server's tile cache (the data version was bumped before the pass, as an
edit does); the point-count pyramid of that version is built first by one untimed z5 request and its
build time is reported on its own. Warm: the same tiles again. tipg caches nothing, so its second pass
is its "warm". Throughput: the same tile set fetched by `--concurrency` parallel clients, cold.
Tiles are sampled under random enterprises (`--sample data`, where viewers look and the data is dense) or
under random points of the district's box (`--sample box`, many sparse or empty tiles).
Both servers run one uvicorn process. Results go to bench/results/tiles-<sample>.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.servers import (  # noqa: E402
    bench_url,
    bump_enterprises,
    percentile,
    qingpu_server,
    sample_tiles,
    sample_tiles_under_data,
    tipg_server,
)

FIELDS = "name,industry_code,plan_industry,primary_zone,employees"  # what a public tile of ours carries


def ours(base, z, x, y):
    return f"{base}/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}"


def theirs(base, z, x, y):
    return f"{base}/collections/public.enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={FIELDS}"


def timed_pass(client: httpx.Client, urls: list[str]) -> tuple[list[float], int]:
    times, size = [], 0
    for url in urls:
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        size += len(r.content)
    return times, size


def throughput(urls: list[str], concurrency: int) -> float:
    with httpx.Client(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        t = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            for r in pool.map(client.get, urls):
                r.raise_for_status()
        return len(urls) / (time.perf_counter() - t)


def by_zoom(tiles, times):
    out = {}
    for (z, _, _), ms in zip(tiles, times):
        out.setdefault(z, []).append(ms)
    return {z: round(statistics.median(v), 1) for z, v in sorted(out.items())}


def summary(name, tiles, cold, warm, size, tps):
    return {"server": name, "tiles": len(tiles), "cold_median_ms": round(statistics.median(cold), 1),
            "cold_p95_ms": round(percentile(cold, 95), 1), "warm_median_ms": round(statistics.median(warm), 2),
            "warm_p95_ms": round(percentile(warm, 95), 2), "cold_median_by_zoom_ms": by_zoom(tiles, cold),
            "mean_tile_kb": round(size / len(tiles) / 1024, 1), "tiles_per_second_cold": round(tps, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="qingpu_bench")
    ap.add_argument("--per-zoom", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--sample", choices=["box", "data"], default="data",
                    help="tiles under random enterprises (data, default) or under random points of the district's box")
    args = ap.parse_args()
    url = bench_url(args.db)
    tiles = sample_tiles(per_zoom=args.per_zoom) if args.sample == "box" else \
        sample_tiles_under_data(url, per_zoom=args.per_zoom)
    results = {"sample": args.sample}
    with qingpu_server(url) as base, httpx.Client(timeout=120) as client:
        bump_enterprises(url)
        t = time.perf_counter()
        client.get(ours(base, 5, 26, 13)).raise_for_status()  # builds the point pyramid of this version
        pyramid_s = time.perf_counter() - t
        cold, size = timed_pass(client, [ours(base, *t_) for t_ in tiles])
        warm, _ = timed_pass(client, [ours(base, *t_) for t_ in tiles])
        bump_enterprises(url)
        client.get(ours(base, 5, 26, 13)).raise_for_status()
        tps = throughput([ours(base, *t_) for t_ in tiles], args.concurrency)
        results["qingpu"] = summary("qingpu-layout", tiles, cold, warm, size, tps)
        results["qingpu"]["pyramid_build_s"] = round(pyramid_s, 2)
    with tipg_server(url) as base, httpx.Client(timeout=300) as client:
        client.get(theirs(base, 16, 54817, 26795))  # first connection and catalog
        cold, size = timed_pass(client, [theirs(base, *t_) for t_ in tiles])
        warm, _ = timed_pass(client, [theirs(base, *t_) for t_ in tiles])
        tps = throughput([theirs(base, *t_) for t_ in tiles], args.concurrency)
        results["tipg"] = summary("tipg (baseline)", tiles, cold, warm, size, tps)
    q, b = results["qingpu"], results["tipg"]
    results["ratio_tiles_per_second"] = round(q["tiles_per_second_cold"] / b["tiles_per_second_cold"], 2)
    results["targets"] = {"cold_median_le_50ms": q["cold_median_ms"] <= 50, "warm_median_le_5ms": q["warm_median_ms"] <= 5,
                          "at_least_3x_tipg": results["ratio_tiles_per_second"] >= 3}
    out = Path(__file__).parent / "results" / f"tiles-{args.sample}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"Enterprise tiles z10-z16, {len(tiles)} tiles (up to {args.per_zoom} per zoom, sampled under the "
          f"{'enterprises' if args.sample == 'data' else 'district box'}), same database, same run")
    print(f"{'':24}{'qingpu-layout':>16}{'tipg':>12}")
    for key, label in (("cold_median_ms", "cold median (ms)"), ("cold_p95_ms", "cold p95 (ms)"),
                       ("warm_median_ms", "warm median (ms)"), ("warm_p95_ms", "warm p95 (ms)"),
                       ("mean_tile_kb", "mean tile (KiB)"), ("tiles_per_second_cold", f"tiles/s (c={args.concurrency})")):
        print(f"{label:24}{q[key]:>16}{b[key]:>12}")
    for z in q["cold_median_by_zoom_ms"]:
        print(f"  z{z} cold median (ms){q['cold_median_by_zoom_ms'][z]:>18}{b['cold_median_by_zoom_ms'][z]:>12}")
    print(f"point pyramid build for this data version: {q['pyramid_build_s']} s (once per edit, per process)")
    print(f"tiles/s ratio: {results['ratio_tiles_per_second']}x; targets: {results['targets']}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
