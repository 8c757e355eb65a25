"""items?limit=1000 with a bbox on 1,000,000 enterprises: this project against tipg, same database, same run.

    .venv/bin/python bench/bench_items.py [--requests 30]

Each request asks for 1,000 enterprises inside a box of about 3 x 3 km around a random point of a town
or park (where enterprises are dense), as GeoJSON. Our response also carries numberMatched (exact when
the planner expects at most 100,000 matches). Results go to bench/results/items.json.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.servers import bench_url, percentile, qingpu_server, tipg_server  # noqa: E402

CENTRES = [(121.125, 31.145), (121.110, 31.160), (121.130, 31.195), (121.055, 31.110), (121.045, 31.010),
           (120.920, 31.040), (121.195, 31.160), (121.265, 31.175), (121.220, 31.235), (121.165, 31.215)]


def boxes(n: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        x, y = rng.choice(CENTRES)
        x, y = x + rng.uniform(-0.01, 0.01), y + rng.uniform(-0.01, 0.01)
        out.append(f"{x - 0.015:.5f},{y - 0.0135:.5f},{x + 0.015:.5f},{y + 0.0135:.5f}")
    return out


def run(client: httpx.Client, urls: list[str]) -> tuple[list[float], list[int]]:
    times, counts = [], []
    client.get(urls[0])  # connection and first planning
    for url in urls:
        t = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        counts.append(len(r.json()["features"]))
    return times, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="qingpu_bench")
    ap.add_argument("--requests", type=int, default=30)
    args = ap.parse_args()
    url = bench_url(args.db)
    bbs = boxes(args.requests)
    results = {}
    with qingpu_server(url) as base, httpx.Client(timeout=120) as client:
        t, c = run(client, [f"{base}/collections/enterprises/items?limit=1000&bbox={b}" for b in bbs])
        results["qingpu"] = {"median_ms": round(statistics.median(t), 1), "p95_ms": round(percentile(t, 95), 1),
                             "mean_features": round(statistics.mean(c))}
    with tipg_server(url) as base, httpx.Client(timeout=120) as client:
        t, c = run(client, [f"{base}/collections/public.enterprises/items?limit=1000&bbox={b}" for b in bbs])
        results["tipg"] = {"median_ms": round(statistics.median(t), 1), "p95_ms": round(percentile(t, 95), 1),
                           "mean_features": round(statistics.mean(c))}
    results["target_median_le_150ms"] = results["qingpu"]["median_ms"] <= 150
    out = Path(__file__).parent / "results" / "items.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"items?limit=1000&bbox (~3x3 km), {args.requests} requests, same database, same run")
    print(f"{'':20}{'qingpu-layout':>16}{'tipg':>10}")
    for key in ("median_ms", "p95_ms", "mean_features"):
        print(f"{key:20}{results['qingpu'][key]:>16}{results['tipg'][key]:>10}")
    print(f"target median <= 150 ms: {results['target_median_le_150ms']}; written to {out}")


if __name__ == "__main__":
    main()
