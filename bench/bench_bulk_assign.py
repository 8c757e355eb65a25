"""Benchmark: re-assigning every enterprise to the zones through the database, beside plain PostGIS.

    .venv/bin/python bench/bench_bulk_assign.py [--n 1000000] [--db qingpu_bench_bulk] [--reuse] [--previous]

Builds (or reuses) a bench database with N synthetic enterprises (bench/bench_data.py), then in one run:

- baselines: the plain PostGIS set queries into a fresh, unindexed table, memberships only (no primary
  zone, no reason, nothing written to enterprises):
  `CREATE TABLE … AS SELECT e.uscc, array_agg(z.id) FROM enterprises e JOIN zones z ON ST_Contains(z.geom, e.geom)
  GROUP BY e.uscc` and, as pairs, `CREATE TABLE … AS SELECT e.uscc, z.id … ST_Contains` (no GROUP BY);
- ours, every row changes: app.enterprises.assignment.assign_all after the stored assignments were cleared
  (untimed), i.e. a first assignment after a bulk load — zones, primary zone and reason written into the
  indexed enterprises table;
- ours, nothing changes: assign_all again (the `check assignments` repair on a consistent table);
- with --previous, the row-wise path (every row fetched through SQLAlchemy, compared in Python, written by
  one UPDATE … FROM unnest(arrays)), after the assignments were cleared again, every row changing;
- the baselines again, so the load of the shared machine shows in the spread.

Each of our runs is committed. Results go to bench/results/bulk_assign-<n>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_data import build  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.db import engine_for  # noqa: E402
from app.enterprises.assignment import _assign, _compare, _fetch_points, _write, assign_all, load_zones  # noqa: E402

BASELINES = {
    "grouped": ("CREATE TABLE bench_contains AS SELECT e.uscc, array_agg(z.id) AS zones FROM enterprises e "
                "JOIN zones z ON ST_Contains(z.geom, e.geom) GROUP BY e.uscc",
                "SELECT sum(cardinality(zones)) FROM bench_contains"),
    "pairs": ("CREATE TABLE bench_contains AS SELECT e.uscc, z.id AS zone FROM enterprises e "
              "JOIN zones z ON ST_Contains(z.geom, e.geom)", "SELECT count(*) FROM bench_contains"),
}


def baseline(engine, kind: str = "grouped") -> tuple[float, int]:
    create, count = BASELINES[kind]
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_contains"))
    with engine.begin() as conn:
        t = time.perf_counter()
        conn.execute(text(create))
    elapsed = time.perf_counter() - t  # includes the commit, as ours does
    with engine.begin() as conn:
        memberships = conn.execute(text(count)).scalar_one()
        conn.execute(text("DROP TABLE bench_contains"))
    return elapsed, int(memberships or 0)


def ours(engine) -> tuple[float, int, int]:
    with engine.begin() as conn:
        t = time.perf_counter()
        changed = assign_all(conn)
    elapsed = time.perf_counter() - t  # includes the commit
    with engine.connect() as conn:
        memberships = conn.execute(text("SELECT sum(cardinality(zones)) FROM enterprises")).scalar_one()
    return elapsed, changed, int(memberships or 0)


def previous(engine) -> tuple[float, int]:
    with engine.begin() as conn:
        t = time.perf_counter()
        rows = _fetch_points(conn, "", {})
        assignment = _assign(rows, load_zones(conn))
        changed = _write(conn, rows, assignment, _compare(rows, assignment)[1])
    return time.perf_counter() - t, changed


def clear(engine) -> None:
    """Untimed: the table as a bulk load leaves it (no assignment stored)."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE enterprises SET zones = '{}', primary_zone = NULL, primary_reason = NULL"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE enterprises"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--db", default="qingpu_bench_bulk")
    ap.add_argument("--reuse", action="store_true", help="keep an existing database that already has the rows")
    ap.add_argument("--previous", action="store_true", help="also time the old row-wise path (slow at 1M)")
    args = ap.parse_args()
    url = build(args.n, args.db, args.reuse)
    engine = engine_for(url)
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one()
        fillfactor = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'enterprises'")).scalar()
    load_before = os.getloadavg()
    print(f"{total:,} enterprises; table options {fillfactor}; load average {load_before[0]:.2f}")
    clear(engine)
    base = {"grouped": [], "pairs": []}
    for kind in base:
        s, base_memberships = baseline(engine, kind)
        base[kind].append(round(s, 3))
        print(f"baseline CREATE TABLE … AS … ST_Contains ({kind}): {s:.2f} s ({base_memberships:,} memberships)")
    all_s, all_changed, our_memberships = ours(engine)
    print(f"qingpu assign_all, every row changes ({all_changed:,} written): {all_s:.2f} s")
    none_s, none_changed, _ = ours(engine)
    print(f"qingpu assign_all, nothing changes ({none_changed:,} written): {none_s:.2f} s")
    prev_s = prev_changed = None
    if args.previous:
        clear(engine)
        prev_s, prev_changed = previous(engine)
        print(f"previous row-wise assign_all, every row changes ({prev_changed:,} written): {prev_s:.2f} s")
    for kind in base:
        s, _ = baseline(engine, kind)
        base[kind].append(round(s, 3))
        print(f"baseline again ({kind}): {s:.2f} s")
    load_after = os.getloadavg()
    best = min(min(v) for v in base.values())
    print(f"memberships: ours {our_memberships:,}, ST_Contains {base_memberships:,}; "
          f"ours every row {all_s:.2f} s vs the fastest baseline {best:.2f} s ({best / all_s:.2f}x); "
          f"load average {load_before[0]:.1f} → {load_after[0]:.1f}")
    result = {
        "when": datetime.now(timezone.utc).isoformat(timespec="minutes"), "enterprises": total,
        "cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after,
        "table_options": fillfactor,
        "baseline_create_table_as_grouped_s": base["grouped"], "baseline_create_table_as_pairs_s": base["pairs"],
        "assign_all_every_row_changes_s": round(all_s, 3), "rows_changed": all_changed,
        "assign_all_nothing_changes_s": round(none_s, 3), "rows_changed_second": none_changed,
        "previous_rowwise_every_row_changes_s": prev_s and round(prev_s, 3),
        "memberships": {"ours": our_memberships, "st_contains": base_memberships},
    }
    out = Path(__file__).resolve().parent / "results" / f"bulk_assign-{args.n}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(out)


if __name__ == "__main__":
    main()
