"""Benchmark: a storm of 50 map clients right after an edit, beside the same storm on warm tiles and tipg.

    .venv/bin/python bench/bench_tile_storm.py [--db qingpu_bench] [--clients 50] [--per-zoom 8] [--no-tipg]

Needs a benchmark database with assigned enterprises (bench/bench_data.py, then bench_bulk_assign.py or
bench_edits.py assign it). One server process of this project (uvicorn, as bench/servers.py starts it).
Tiles: enterprise tiles under randomly drawn enterprises, `--per-zoom` per zoom, in two sets — low zoom
(z10–z14, the point-count tiles a district map opens on) and the full mix z10–z16 (z15–z16 carry every
firm with its primary zone). Each of the `--clients` threads asks every tile of the set once, in its own
order, over its own keep-alive connection; latencies of all requests give p50 / p95 / p99.

Runs, one after the other, in the same process:
1. warm: the set asked once (untimed), then the storm;
2. cold after a zone edit: the typical edit (智慧物流组团 pushed ~1 km into the core) committed through
   app.zones.store.apply_change (what PUT runs), then at once the storm; the edit is undone afterwards;
3. cold after an enterprise moved: one firm's point moved by SQL (positions changed: the low-zoom tiles are
   rebuilt, from the pyramid adjusted by the logged change, migration 0014), then at once the storm; moved
   back afterwards;
4. tipg 1.x on the same database and tiles (no cache: every storm is cold for it), unless --no-tipg.

Results go to bench/results/tile_storm.json with the load average before and after each run.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import bench_url, percentile, qingpu_server, sample_tiles_under_data, tipg_server  # noqa: E402
from shapely import wkb as shapely_wkb  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.db import engine_for  # noqa: E402
from app.zones.store import apply_change, current, etag  # noqa: E402

ZONE = "cluster-logistics"
BULGE = """
WITH z AS (SELECT geom FROM zones WHERE id = :zone),
p AS (SELECT ST_ClosestPoint(ST_Boundary(z.geom), ST_Centroid(c.geom)) AS pt FROM z, zones c WHERE c.id = 'core')
SELECT ST_AsBinary(geom), ST_AsBinary(ST_Multi(ST_Union(geom, ST_Buffer(pt::geography, 1000)::geometry))) FROM z, p
"""
FIELDS = "name,industry_code,plan_industry,primary_zone,employees"


def storm(base: str, paths: list[str], clients: int) -> dict:
    """Every client asks every path once (its own shuffled order, one keep-alive connection)."""
    host = urlparse(base)
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(seed: int) -> None:
        order = paths[:]
        random.Random(seed).shuffle(order)
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
        mine = []
        start.wait()
        for path in order:
            t = time.perf_counter()
            try:
                conn.request("GET", path)
                res = conn.getresponse()
                res.read()
                ok = res.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
            mine.append(time.perf_counter() - t)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    t0 = time.perf_counter()
    start.wait()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    ms = [t * 1000 for t in times]
    return {"requests": len(ms), "errors": errors[0], "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1), "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms), 1), "requests_per_s": round(len(ms) / wall, 1), "load": round(os.getloadavg()[0], 2)}


def zone_edit(engine, geom, comment: str) -> float:
    with engine.begin() as conn:
        t = time.perf_counter()
        state = current(conn, ZONE)
        apply_change(conn, "update", ZONE, "bench", comment, dict(state.attrs), geom, if_match=etag(ZONE, state.version))
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="qingpu_bench")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--per-zoom", type=int, default=8)
    ap.add_argument("--no-tipg", action="store_true")
    args = ap.parse_args()
    url = bench_url(args.db)
    engine = engine_for(url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
        old, new = (shapely_wkb.loads(bytes(g)) for g in conn.execute(text(BULGE), {"zone": ZONE}).one())
        firm, fx, fy = conn.execute(text("SELECT uscc, ST_X(geom), ST_Y(geom) FROM enterprises ORDER BY uscc LIMIT 1")).one()
    sets = {"low zoom z10-z14": sample_tiles_under_data(url, range(10, 15), args.per_zoom),
            "mix z10-z16": sample_tiles_under_data(url, range(10, 17), args.per_zoom)}
    print(f"{total:,} enterprises, {args.clients} clients; load average {os.getloadavg()[0]:.2f}")
    results = {"when": datetime.now(timezone.utc).isoformat(timespec="minutes"), "enterprises": total,
               "clients": args.clients, "cpus": os.cpu_count(), "runs": {}}
    out = Path(__file__).resolve().parent / "results" / "tile_storm.json"
    out.parent.mkdir(exist_ok=True)

    def save(name: str, label: str, r: dict) -> None:  # after every storm: a long run keeps what it measured
        print(f"  {name} / {label:32s} p50 {r['p50_ms']:8.1f}  p95 {r['p95_ms']:8.1f}  p99 {r['p99_ms']:8.1f} ms  "
              f"{r['requests_per_s']:6.1f} req/s  errors {r['errors']}  load {r['load']}", flush=True)
        out.write_text(json.dumps(results, indent=2))

    with qingpu_server(url) as base:
        for name, tiles in sets.items():
            paths = [f"/collections/enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in tiles]
            runs = results["runs"].setdefault(name, {"tiles": len(paths), "qingpu": {}})["qingpu"]
            storm(base, paths, 1)  # warm-up: every tile built once
            runs["warm"] = storm(base, paths, args.clients)
            save(name, "warm", runs["warm"])
            edit_s = zone_edit(engine, new, "storm bench: typical edit")
            runs["cold after a zone edit"] = {**storm(base, paths, args.clients), "edit_commit_s": round(edit_s, 3)}
            save(name, "cold after a zone edit", runs["cold after a zone edit"])
            zone_edit(engine, old, "storm bench: undo")
            storm(base, paths, 1)
            with engine.begin() as conn:
                conn.execute(text("UPDATE enterprises SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE uscc = :u"),
                             {"x": fx + 0.001, "y": fy, "u": firm})
            runs["cold after an enterprise moved"] = storm(base, paths, args.clients)
            save(name, "cold after an enterprise moved", runs["cold after an enterprise moved"])
            with engine.begin() as conn:
                conn.execute(text("UPDATE enterprises SET geom = ST_SetSRID(ST_MakePoint(:x, :y), 4326) WHERE uscc = :u"),
                             {"x": fx, "y": fy, "u": firm})
    if not args.no_tipg:
        with tipg_server(url) as base:
            for name, tiles in sets.items():
                paths = [f"/collections/public.enterprises/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={FIELDS}"
                         for z, x, y in tiles]
                storm(base, paths[:5], 1)
                results["runs"][name]["tipg"] = storm(base, paths, args.clients)
                save(name, "tipg (no cache)", results["runs"][name]["tipg"])
    for name, block in results["runs"].items():
        print(f"{name}: {block['tiles']} tiles x {args.clients} clients")
        rows = [(f"qingpu {k}", v) for k, v in block["qingpu"].items()] + \
            ([("tipg (no cache)", block["tipg"])] if "tipg" in block else [])
        for label, r in rows:
            print(f"  {label:38s} p50 {r['p50_ms']:8.1f}  p95 {r['p95_ms']:8.1f}  p99 {r['p99_ms']:8.1f} ms  "
                  f"{r['requests_per_s']:6.1f} req/s  errors {r['errors']}  load {r['load']}")
        warm, cold = block["qingpu"]["warm"]["p95_ms"], block["qingpu"]["cold after a zone edit"]["p95_ms"]
        moved = block["qingpu"]["cold after an enterprise moved"]["p95_ms"]
        print(f"  cold-after-edit p95 / warm p95 = {cold / warm:.2f}; after a moved firm {moved / warm:.2f}")
    out.write_text(json.dumps(results, indent=2))
    print(out)


if __name__ == "__main__":
    main()
