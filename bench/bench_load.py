"""p50 and p95 under 50 concurrent clients on loopback (wrk), this project and tipg, same run.

    .venv/bin/python bench/bench_load.py [--duration 20] [--connections 50] [--workers 1,2]

Needs wrk (Debian: apt-get install wrk). Each server gets the same mix of enterprise tiles z10–z16
(the bench_tiles sample) and, separately, items?limit=100 with a small bbox, from 50 connections on
2 threads, after an unrecorded 5-second warm-up of the same mix (pools open; our tile cache fills, as in
production between edits). `--workers 1,2` runs this project once per worker count (uvicorn --workers,
the processes sharing the port, each with caches of its own); tipg runs as one process. Results go to
bench/results/load.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.bench_items import boxes  # noqa: E402
from bench.bench_tiles import FIELDS  # noqa: E402
from bench.servers import bench_url, qingpu_server, sample_tiles, tipg_server  # noqa: E402

LUA = r"""
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %.3f, "errors": %d, "non2xx": %d, "p50_ms": %.2f, ' ..
    '"p95_ms": %.2f, "p99_ms": %.2f}\n', summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def wrk(base: str, paths: list[str], duration: int, connections: int, warmup: int = 5) -> dict:
    """A warm-up run (not recorded: pools open, our tile cache fills), then the measured run."""
    if warmup:
        wrk(base, paths, warmup, connections, warmup=0)
    with tempfile.TemporaryDirectory() as tmp:
        lua, plist = Path(tmp) / "mix.lua", Path(tmp) / "paths.txt"
        lua.write_text(LUA)
        plist.write_text("\n".join(paths) + "\n")
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "-s", str(lua), base],
                             capture_output=True, text=True, env={"WRK_PATHS": str(plist), "PATH": "/usr/bin:/bin"},
                             check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["requests_per_second"] = round(result["requests"] / result["seconds"], 1)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="qingpu_bench")
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--workers", default="1", help="comma-separated worker counts for this project, e.g. 1,2")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    url = bench_url(args.db)
    tiles = sample_tiles(per_zoom=20)
    random.Random(3).shuffle(tiles)
    bbs = boxes(200, seed=5)
    small = [",".join(f"{float(v) + d:.5f}" for v, d in zip(b.split(","), (0.01, 0.009, -0.01, -0.009))) for b in bbs]
    results = {}
    for workers in (int(w) for w in args.workers.split(",")):
        name = "qingpu" if workers == 1 else f"qingpu {workers} workers"
        with qingpu_server(url, workers) as base:
            results[name] = {
                "tiles": wrk(base, [f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in tiles],
                             args.duration, args.connections),
                "items": wrk(base, [f"/collections/enterprises/items?limit=100&bbox={b}" for b in small],
                             args.duration, args.connections)}
    with tipg_server(url) as base:
        results["tipg"] = {
            "tiles": wrk(base, [f"/collections/public.enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={FIELDS}"
                                for z, x, y in tiles], args.duration, args.connections),
            "items": wrk(base, [f"/collections/public.enterprises/items?limit=100&bbox={b}" for b in small],
                         args.duration, args.connections)}
    out = Path(__file__).parent / "results" / "load.json"
    out.parent.mkdir(exist_ok=True)
    load = os.getloadavg()
    results["run"] = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "database": args.db,
                      "connections": args.connections, "duration_s": args.duration,
                      "load_average_after": [round(v, 2) for v in load], "cpus": os.cpu_count()}
    out.write_text(json.dumps(results, indent=2))
    print(f"{args.connections} concurrent clients (wrk, loopback), {args.duration} s per run; "
          f"load average after {load[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'':34}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
    for server in [k for k in results if k != "run"]:
        for kind in ("tiles", "items"):
            r = results[server][kind]
            print(f"{server + ' ' + kind:34}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['requests_per_second']:>9}"
                  f"{r['errors'] + r['non2xx']:>8}")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
