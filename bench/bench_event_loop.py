"""Benchmark: does a long zone edit hold up everyone else? /conformance and tile latency during edits,
beside the same requests with no edit running (the baseline, measured in the same run).

    .venv/bin/python bench/bench_event_loop.py [--firms 100000] [--edits 4] [--db qingpu_bench_loop]

Builds its own database (dropped and rebuilt): the default layout and random enterprises inside
智慧物流组团 (about 60 % of --firms land inside), then serves it with one uvicorn process as in
production. Each edit is a dry-run PUT that shrinks the cluster to 重固镇, which re-assigns tens of
thousands of enterprises and commits nothing; --parallel edits run at once. Writes
bench/results/event_loop-<UTC time>.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.users import add_user  # noqa: E402
from bench.servers import fresh_layout_database, percentile, qingpu_server  # noqa: E402
from tests.integration.zones.edit_load import TILES, seed, shrink_request  # noqa: E402

PASSWORD = "Bench-loop-passphrase-2026"


def _timed(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as res:
        res.read()
    return time.perf_counter() - start


def _probe(base: str, until, tile_offset: int) -> dict:
    conformance, tiles, i = [], [], 0
    while not until(i):
        conformance.append(_timed(f"{base}/conformance"))
        z, x, y = TILES[(tile_offset + i) % len(TILES)]
        tiles.append(_timed(f"{base}/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}"))
        i += 1
    return {"requests": len(conformance), **_stats("conformance", conformance), **_stats("tile", tiles)}


def _stats(name: str, values: list[float]) -> dict:
    return {f"{name}_median_ms": round(statistics.median(values) * 1000, 1),
            f"{name}_p95_ms": round(percentile(values, 95) * 1000, 1),
            f"{name}_max_ms": round(max(values) * 1000, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--edits", type=int, default=4)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--db", default="qingpu_bench_loop")
    args = ap.parse_args()

    url, engine = fresh_layout_database(args.db)
    firms = seed(engine, args.firms)
    add_user(engine, "bench-planner", "planner", PASSWORD)
    with qingpu_server(url) as base:
        req = urllib.request.Request(f"{base}/auth/token", data=f"username=bench-planner&password={PASSWORD}".encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req) as res:
            auth = {"Authorization": f"Bearer {json.loads(res.read())['access_token']}"}

        _probe(base, lambda i: i >= 5, 0)  # warm the process
        baseline = _probe(base, lambda i: i >= len(TILES), 0)

        done, durations, moved = threading.Event(), [], []

        def edit():
            for _ in range(args.edits // args.parallel):
                start = time.perf_counter()
                with urllib.request.urlopen(shrink_request(base, engine, auth), timeout=300) as res:
                    impact = json.loads(res.read())
                durations.append(time.perf_counter() - start)
                moved.append(len(impact["enterprises"]["left"].get("cluster-logistics", [])))

        workers = [threading.Thread(target=edit) for _ in range(args.parallel)]
        for w in workers:
            w.start()
        time.sleep(0.2)
        watcher = threading.Thread(target=lambda: ([w.join() for w in workers], done.set()))
        watcher.start()
        during = _probe(base, lambda i: done.is_set(), len(TILES) // 2)
        watcher.join()

    result = {"benchmark": "event_loop", "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "firms": firms, "edits": len(durations), "parallel_edits": args.parallel,
              "edit_seconds": [round(d, 2) for d in durations], "reassigned_per_edit": moved,
              "baseline_no_edit": baseline, "during_edits": during}
    out = ROOT / "bench" / "results" / f"event_loop-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
