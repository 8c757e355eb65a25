"""Benchmark: the typical zone edit while autovacuum works on enterprises, beside the same edit without it.

    .venv/bin/python bench/bench_edit_autovacuum.py [--db NAME] [--runs 3]

A zone edit locks enterprises against other writers (app.enterprises.assignment.lock_enterprises). An
autovacuum of the table holds a lock in the way until the edit's deadlock check cancels it: after
deadlock_timeout, 1 s by default, which the edit shortens for its own transaction where the role may set it.
Here autovacuum is made to pick enterprises (table options: any dead row is enough, and the vacuum crawls,
so it is still running when the edit comes); each run waits until a worker is on the table (up to the
server's autovacuum_naptime), then times the typical edit of bench_edits.py (apply_change + COMMIT) and
undoes it. Runs alternate between the app's wait and the server's (the same edit with the wait set to
1 s). The baseline in the same run is that edit with autovacuum switched off for the table. The table
options are put back at the end. Uses the database of bench_edits.py (reused, or built with 1,000,000 rows in Z-order).
Results go to bench/results/edit_autovacuum.json.
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

from bench_data import build  # noqa: E402
from bench_edits import BULGE, ZONE, edit  # noqa: E402
from shapely import wkb as shapely_wkb  # noqa: E402
from sqlalchemy import text  # noqa: E402

import app.enterprises.assignment as assignment  # noqa: E402
from app.core.db import engine_for  # noqa: E402

CRAWL = ("autovacuum_enabled = true, autovacuum_vacuum_threshold = 1, autovacuum_vacuum_scale_factor = 0, "
         "autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1")
OPTIONS = ("autovacuum_enabled", "autovacuum_vacuum_threshold", "autovacuum_vacuum_scale_factor",
           "autovacuum_vacuum_cost_delay", "autovacuum_vacuum_cost_limit")


def table_options(engine, options: str | None) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE enterprises SET ({options})" if options else
                          f"ALTER TABLE enterprises RESET ({', '.join(OPTIONS)})"))


def vacuum_running(engine) -> bool:
    with engine.connect() as conn:
        # By the lock it holds: to a role that is not a superuser, pg_stat_activity shows neither the
        # query nor the backend type of a worker. Nothing else in this run takes that lock.
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks WHERE relation = 'enterprises'::regclass "
            "AND mode = 'ShareUpdateExclusiveLock' AND granted")).scalar())


def edit_behind_autovacuum(engine, geom, original, wait: str, patience: float) -> tuple[float, float]:
    """(edit seconds, seconds waited for autovacuum to start on the table)."""
    edit(engine, geom, "dead rows", commit=True)  # leaves dead rows for autovacuum to find
    edit(engine, original, "undo", commit=True)
    start = time.perf_counter()
    while not vacuum_running(engine):
        if time.perf_counter() - start > patience:
            raise SystemExit(f"no autovacuum on enterprises within {patience:.0f} s (is autovacuum on?)")
        time.sleep(0.2)
    waited = time.perf_counter() - start
    time.sleep(0.3)  # well inside its crawl
    assignment.LOCK_WAIT_BEFORE_CHECK, kept = wait, assignment.LOCK_WAIT_BEFORE_CHECK
    try:
        seconds, _ = edit(engine, geom, "behind autovacuum", commit=True)
    finally:
        assignment.LOCK_WAIT_BEFORE_CHECK = kept
    edit(engine, original, "undo", commit=True)
    return seconds, waited


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="qingpu_bench_edits_zorder")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    engine = engine_for(build(1_000_000, args.db, True, spatial_order=True))
    with engine.connect() as conn:
        original = shapely_wkb.loads(bytes(conn.execute(
            text("SELECT ST_AsBinary(geom) FROM zones WHERE id = :z"), {"z": ZONE}).scalar()))
        geom = shapely_wkb.loads(bytes(conn.execute(text(BULGE), {"zone": ZONE, "radius": 1000}).scalar()))
        naptime = conn.execute(text("SELECT extract(epoch FROM current_setting('autovacuum_naptime')::interval)")
                               ).scalar()
        may_set = conn.execute(text("SELECT has_parameter_privilege('deadlock_timeout', 'SET')")).scalar()
    app_wait = assignment.LOCK_WAIT_BEFORE_CHECK
    print(f"{args.db}; the app's role {'may' if may_set else 'may NOT'} shorten the wait; "
          f"autovacuum_naptime {naptime:.0f} s; load average {os.getloadavg()[0]:.2f}")
    timings: dict[str, list[float]] = {"app": [], "server": [], "no autovacuum": []}
    try:
        table_options(engine, "autovacuum_enabled = false")
        edit(engine, geom, "warm", commit=True)
        edit(engine, original, "undo", commit=True)
        for _ in range(args.runs):
            timings["no autovacuum"].append(edit(engine, geom, "baseline", commit=True)[0])
            edit(engine, original, "undo", commit=True)
        table_options(engine, CRAWL)
        for run in range(args.runs):
            for name, wait in (("app", app_wait), ("server", "1s")):
                seconds, waited = edit_behind_autovacuum(engine, geom, original, wait, 3 * naptime + 30)
                timings[name].append(seconds)
                print(f"  run {run + 1}, wait {wait}: {seconds:.3f} s (autovacuum started {waited:.0f} s after "
                      f"the dead rows)", flush=True)
    finally:
        table_options(engine, None)
    medians = {k: statistics.median(v) for k, v in timings.items()}
    print(f"typical edit behind autovacuum, median of {args.runs}:")
    print(f"  the app (wait {app_wait} before the check):   {medians['app']:.3f} s  {timings['app']}")
    print(f"  the server's wait (1 s):                {medians['server']:.3f} s  {timings['server']}")
    print(f"  baseline, no autovacuum (same run):     {medians['no autovacuum']:.3f} s")
    out = Path(__file__).resolve().parent / "results" / "edit_autovacuum.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "db": args.db,
                               "role_may_set": bool(may_set), "app_wait": app_wait, "timings_s": timings,
                               "medians_s": medians, "load_average": os.getloadavg()[0]}, indent=2))
    print(out)


if __name__ == "__main__":
    main()
