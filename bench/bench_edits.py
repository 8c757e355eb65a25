"""Benchmark: zone edits with N enterprises loaded — typical, large and whole-zone redraw, committed and dry run.

    .venv/bin/python bench/bench_edits.py [--n 1000000] [--db NAME] [--reuse] [--runs 3] [--vacuum]
                                          [--generated-order]

The database comes from bench/bench_data.py (built or reused); unassigned rows are assigned first (untimed).
Its rows are in Z-order, as one import writes them (app.enterprises.store, gis.spatial_order); with
--generated-order they stay in the order they were generated, no two neighbours on one page.
Each edit goes through app.zones.store.apply_change — what PUT /collections/zones/items/{id} runs: the
layout lock, validation, the zone row and its history, re-assignment of the enterprises in the changed
area, the data versions — and is timed to the end of its COMMIT. The edit is then undone by the same
path (untimed) so every run starts from the same layout. Beside each:

- the dry run (the API's ?dryRun=true: the same work but the enterprises' write, rolled back), and
- the baseline in the same run: the old-and-new-zone recomputation (every enterprise inside the old or
  new boundary read, assigned, and its changed rows written by the previous UPDATE … FROM unnest of
  per-row arrays, keyed by credit code), rolled back.

With --vacuum, each timed edit starts from a vacuumed table (VACUUM enterprises, untimed), as autovacuum
leaves it between a planner's edits; without it each edit right after its undo first prunes the row versions
the undo left on the same pages.

Edits: typical = 智慧物流组团 pushed ~1 km into the core; large = a 3 km bulge there; whole-zone redraw =
the same zone replaced by a disc of similar area 6 km away (everything it held leaves, everything under
the disc enters). Results go to bench/results/edits-<n>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from bench_data import build, page_spread  # noqa: E402
from shapely import wkb as shapely_wkb  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.db import engine_for  # noqa: E402
from app.enterprises.assignment import assign_all, load_zones  # noqa: E402
from app.zones.store import apply_change, current, etag  # noqa: E402
from gis.assign import assign_points  # noqa: E402

ZONE = "cluster-logistics"
BULGE = """
WITH z AS (SELECT geom FROM zones WHERE id = :zone),
p AS (SELECT ST_ClosestPoint(ST_Boundary(z.geom), ST_Centroid(c.geom)) AS pt FROM z, zones c WHERE c.id = 'core')
SELECT ST_AsBinary(ST_Multi(ST_Union(geom, ST_Buffer(pt::geography, :radius)::geometry))) FROM z, p
"""
REDRAW = """
SELECT ST_AsBinary(ST_Multi(ST_Intersection(d.g, ST_Buffer(ST_Project(ST_Centroid(z.geom)::geography, 6000,
       radians(200))::geometry::geography, sqrt(ST_Area(z.geom::geography) / pi()))::geometry)))
FROM zones z, (SELECT ST_Union(geom) AS g FROM district) d WHERE z.id = :zone
"""


def edit(engine, geom, comment: str, commit: bool) -> tuple[float, int]:
    with engine.connect() as conn:
        t = time.perf_counter()
        tx = conn.begin()
        state = current(conn, ZONE)
        impact = apply_change(conn, "update", ZONE, "bench", comment, dict(state.attrs), geom,
                              if_match=etag(ZONE, state.version), dry_run=not commit)
        tx.commit() if commit else tx.rollback()
        elapsed = time.perf_counter() - t
    moved = impact["enterprises"]
    return elapsed, sum(len(v) for v in moved["entered"].values()) + sum(len(v) for v in moved["left"].values())


def vacuum(engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM enterprises"))


def baseline(engine, old_wkb: bytes, new_wkb: bytes) -> tuple[float, int]:
    """The previous way: everyone inside the old or new zone, written by credit code (rolled back)."""
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(text("UPDATE zones SET geom = ST_SetSRID(ST_GeomFromWKB(:g), 4326) WHERE id = :z"),
                     {"g": new_wkb, "z": ZONE})
        t = time.perf_counter()
        rows = conn.execute(text(
            "SELECT DISTINCT ON (e.uscc) e.uscc, e.name, ST_X(e.geom), ST_Y(e.geom), e.plan_industry, "
            "e.zones, e.primary_zone, e.primary_reason FROM enterprises e JOIN (SELECT ST_Subdivide("
            "ST_Union(ST_SetSRID(ST_GeomFromWKB(:a), 4326), ST_SetSRID(ST_GeomFromWKB(:b), 4326)), 128) "
            "AS g) p ON ST_Intersects(e.geom, p.g)"), {"a": old_wkb, "b": new_wkb}).all()
        assignment = assign_points(np.array([r[2] for r in rows], float), np.array([r[3] for r in rows], float),
                                   [r[4] for r in rows], load_zones(conn))
        changed = [(r[0], ",".join(p.zones), p.primary, p.reason) for r, p in zip(rows, assignment)
                   if tuple(r[5] or ()) != p.zones or r[6] != p.primary or r[7] != p.reason]
        if changed:
            u, z, p, r = (list(c) for c in zip(*changed))
            conn.execute(text(
                "UPDATE enterprises e SET zones = string_to_array(u.z, ','), primary_zone = u.p, "
                "primary_reason = u.r, updated_at = now() FROM unnest(CAST(:u AS text[]), CAST(:z AS text[]), "
                "CAST(:p AS text[]), CAST(:r AS text[])) AS u(uscc, z, p, r) WHERE e.uscc = u.uscc"),
                {"u": u, "z": z, "p": p, "r": r})
        elapsed = time.perf_counter() - t
        tx.rollback()
    return elapsed, len(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--db", help="default qingpu_bench_edits_zorder, or qingpu_bench_edits with --generated-order")
    ap.add_argument("--generated-order", action="store_true",
                    help="keep the rows in the order they were generated (no spatial order) instead of the Z-order an "
                         "import writes them in (gis.spatial_order)")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--vacuum", action="store_true",
                    help="VACUUM enterprises (untimed) before each timed edit, as autovacuum leaves the table between "
                         "a planner's edits minutes apart; without it each edit reads the rows its undo just rewrote")
    args = ap.parse_args()
    db = args.db or ("qingpu_bench_edits" if args.generated_order else "qingpu_bench_edits_zorder")
    engine = engine_for(build(args.n, db, args.reuse, spatial_order=not args.generated_order))
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM enterprises WHERE primary_reason IS NULL")).scalar_one():
            print(f"assigning first (untimed): {assign_all(conn):,} rows")
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
        old_wkb = bytes(conn.execute(text("SELECT ST_AsBinary(geom) FROM zones WHERE id = :z"), {"z": ZONE}).scalar())
        def shape(sql, **params):
            return bytes(conn.execute(text(sql), {"zone": ZONE, **params}).scalar())
        shapes = {
            "typical: boundary pushed ~1 km into the core": shape(BULGE, radius=1000),
            "large: a 3 km bulge": shape(BULGE, radius=3000),
            "whole-zone redraw: a disc of its area 6 km away": shape(REDRAW),
        }
    original = shapely_wkb.loads(old_wkb)
    results, load = [], [os.getloadavg()[0]]
    spread = page_spread(engine)
    print(f"{total:,} enterprises; rows sharing a table page span {spread:.4f}° (median); load average {load[0]:.2f}")
    for label, new_wkb in shapes.items():
        geom = shapely_wkb.loads(new_wkb)
        commits, dries, bases, moved, considered = [], [], [], 0, 0
        for _ in range(args.runs):
            if args.vacuum:
                vacuum(engine)
            s, moved = edit(engine, geom, "bench " + label, commit=True)
            commits.append(s)
            edit(engine, original, "bench: undo", commit=True)  # untimed: the same layout for the next run
            if args.vacuum:
                vacuum(engine)
            dries.append(edit(engine, geom, "bench dry run", commit=False)[0])
        # The baseline after the edits, not between them: its rolled-back UPDATE of every enterprise in
        # the two zones leaves ~150,000 dead rows that no planner's edit would meet (autovacuum clears
        # them) and that would otherwise sit in the next timed edit's read.
        for _ in range(args.runs):
            b, considered = baseline(engine, old_wkb, new_wkb)
            bases.append(b)
        vacuum(engine)  # (untimed) the next shape starts from a table as autovacuum leaves it
        load.append(os.getloadavg()[0])
        row = {"edit": label, "memberships_changed": moved, "committed_median_s": round(statistics.median(commits), 3),
               "committed_s": [round(v, 3) for v in commits], "dry_run_median_s": round(statistics.median(dries), 3),
               "baseline_old_and_new_zone_median_s": round(statistics.median(bases), 3),
               "baseline_enterprises_read": considered, "load": round(load[-1], 2)}
        results.append(row)
        print(f"{label} ({moved:,} memberships change; median of {args.runs}, load {load[-1]:.1f})\n"
              f"  qingpu apply_change + COMMIT:            {row['committed_median_s']:7.3f} s  {row['committed_s']}\n"
              f"  qingpu dry run (no enterprise write):    {row['dry_run_median_s']:7.3f} s\n"
              f"  baseline: old+new zone recomputed:       {row['baseline_old_and_new_zone_median_s']:7.3f} s"
              f"  ({considered:,} enterprises read)", flush=True)
    out = Path(__file__).resolve().parent / "results" / f"edits-{args.n}{'-generated-order' if args.generated_order else ''}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": datetime.now(timezone.utc).isoformat(timespec="minutes"), "enterprises": total,
                               "vacuum_before_each_edit": args.vacuum, "database": db, "page_spread_deg": round(spread, 5),
                               "row_order": "generated" if args.generated_order else "z-order (as imported)",
                               "cpus": os.cpu_count(), "load": load, "edits": results}, indent=2))
    print(out)


if __name__ == "__main__":
    main()
