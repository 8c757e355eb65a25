"""Benchmark: a draft's round trip over HTTP — compare and publish — beside the live editor doing the same change.

    .venv/bin/python bench/bench_drafts.py [--n 20000] [--runs 3] [--db qingpu_bench_drafts]

A fresh database with the default layout and N demo enterprises (seed 1); one server process. The change:
智慧物流组团 shrunk to 重固镇 (华新镇 leaves it). Timed, each to the end of its response:

- draft: PATCH of the draft's zone (no If-Match, no comment), GET /drafts/{id}/compare (every moving firm,
  metrics, targets, overlaps, the rules for every zone), POST /drafts/{id}/publish (one transaction);
- baseline in the same run: the live editor's PUT /collections/zones/items/{id}?dryRun=true&details=true
  (the impact preview of the same change) and the committed PUT with If-Match and a comment.

After each run the zone is rolled back (untimed). Results go to bench/results/drafts-<n>.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import fresh_layout_database, qingpu_server  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.users import add_user  # noqa: E402
from app.enterprises.demo import load_demo  # noqa: E402

ZONE = "cluster-logistics"


def _call(base: str, method: str, path: str, headers: dict, body=None) -> tuple[float, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, method=method, data=data,
                                 headers={**headers, **({"Content-Type": "application/json"} if data else {})})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as r:
        raw = r.read()
        elapsed = time.perf_counter() - t
        return elapsed, (json.loads(raw) if raw else {}), dict(r.headers)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", default="qingpu_bench_drafts")
    args = ap.parse_args()
    url, engine = fresh_layout_database(args.db)
    load_demo(engine, args.n, 1)
    add_user(engine, "bench-planner", "planner", "bench-planner-pass-1")
    with engine.connect() as conn:
        chonggu = json.loads(conn.execute(text("SELECT ST_AsGeoJSON(geom) FROM towns WHERE code = 'chonggu'")).scalar_one())
        firms = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
    times: dict[str, list[float]] = {k: [] for k in ("draft_patch", "draft_compare", "draft_publish",
                                                     "live_preview", "live_commit")}
    moved = {}
    with qingpu_server(url) as base:
        token = json.loads(urllib.request.urlopen(urllib.request.Request(
            base + "/auth/token", data=urllib.parse.urlencode(
                {"username": "bench-planner", "password": "bench-planner-pass-1"}).encode())).read())["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        for run in range(args.runs):
            _, start, headers = _call(base, "GET", f"/collections/zones/items/{ZONE}", {})
            start_version = start["properties"]["version"]
            # The live editor: preview, then commit, then roll back (untimed).
            feature = {"type": "Feature", "geometry": chonggu, "properties": start["properties"], "comment": "bench"}
            t, preview, _ = _call(base, "PUT", f"/collections/zones/items/{ZONE}?dryRun=true&details=true",
                                  {**auth, "If-Match": headers["ETag"]}, feature)
            times["live_preview"].append(t)
            t, _, _ = _call(base, "PUT", f"/collections/zones/items/{ZONE}", {**auth, "If-Match": headers["ETag"]}, feature)
            times["live_commit"].append(t)
            _, _, now = _call(base, "GET", f"/collections/zones/items/{ZONE}", {})
            _call(base, "POST", f"/collections/zones/items/{ZONE}/rollback", {**auth, "If-Match": now["ETag"]},
                  {"version": start_version, "comment": "bench: undo"})
            # The draft: edit, compare, publish, then roll back (untimed).
            _, draft, _ = _call(base, "POST", "/drafts", auth, {"name": f"bench {run}"})
            t, _, _ = _call(base, "PATCH", f"/collections/{draft['collection']}/items/{ZONE}", auth, {"geometry": chonggu})
            times["draft_patch"].append(t)
            t, cmp, _ = _call(base, "GET", f"/drafts/{draft['id']}/compare", auth)
            times["draft_compare"].append(t)
            t, pub, _ = _call(base, "POST", f"/drafts/{draft['id']}/publish", auth, {"comment": "bench"})
            times["draft_publish"].append(t)
            moved = {"compare_moving": cmp["summary"]["enterprises_moving"], "published_moved": len(pub["enterprises"])}
            _, _, now = _call(base, "GET", f"/collections/zones/items/{ZONE}", {})
            _call(base, "POST", f"/collections/zones/items/{ZONE}/rollback", {**auth, "If-Match": now["ETag"]},
                  {"version": start_version, "comment": "bench: undo"})
    result = {"benchmark": "drafts", "enterprises": firms, "runs": args.runs, "change": f"{ZONE} shrunk to 重固镇",
              "at": datetime.now(timezone.utc).isoformat(), **moved,
              "median_s": {k: round(statistics.median(v), 4) for k, v in times.items()},
              "all_s": {k: [round(x, 4) for x in v] for k, v in times.items()}}
    out = Path(__file__).resolve().parent / "results" / f"drafts-{args.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result["median_s"], indent=2), moved)


if __name__ == "__main__":
    main()
