"""A/B of one zone edit between two checkouts of this project, on the same database.

    .venv/bin/python bench/edit_ab.py CHECKOUT DB RADIUS_M RUNS
    e.g. git worktree add /tmp/before <commit>; for r in /tmp/before .; do
             .venv/bin/python bench/edit_ab.py $r qingpu_bench_edits_zorder 1000 8; done

Runs the code of CHECKOUT (app/ and bench/bench_edits.py's shapes): per run the edit (the bulge of
RADIUS_M metres into the core, committed, timed), its undo (committed, untimed) and a dry run (timed; with
``dry_run`` where that checkout has it). Prints the medians without the first run (a new process), and
the median CPU time this process spent in a commit (the app's own work, which the server's does not
hide and which competes with it for the cores under load). Run the two checkouts alternately, more than
once: on a shared machine run-to-run noise is ±15%, and more when the host's other tenants change.
"""
import os
import statistics
import sys
import time

root = os.path.abspath(sys.argv[1])
# The database cluster is this project's (its var/), whichever checkout's code runs.
os.environ.setdefault("QINGPU_HOME", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, root)
sys.path.insert(0, os.path.join(root, "bench"))

import bench_edits  # noqa: E402
from shapely import wkb as shapely_wkb  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.db import engine_for  # noqa: E402
from app.core.localdb import LocalCluster  # noqa: E402
from app.core.settings import load_settings  # noqa: E402
from app.zones.store import apply_change, current, etag  # noqa: E402

ZONE = bench_edits.ZONE


def main() -> None:
    db, radius, runs = sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    engine = engine_for(LocalCluster.from_settings(load_settings()).url(db))
    with engine.connect() as conn:
        old = conn.execute(text("SELECT ST_AsBinary(geom) FROM zones WHERE id = :z"), {"z": ZONE}).scalar()
        new = conn.execute(text(bench_edits.BULGE), {"zone": ZONE, "radius": radius}).scalar()
    edited, original = shapely_wkb.loads(bytes(new)), shapely_wkb.loads(bytes(old))
    has_dry_run = "dry_run" in apply_change.__code__.co_varnames

    def edit(geom, commit: bool) -> float:
        with engine.connect() as conn:
            t, cpu = time.perf_counter(), time.process_time()
            tx = conn.begin()
            state = current(conn, ZONE)
            apply_change(conn, "update", ZONE, "bench", "a/b", dict(state.attrs), geom,
                         if_match=etag(ZONE, state.version), **({"dry_run": True} if has_dry_run and not commit else {}))
            tx.commit() if commit else tx.rollback()
            cpus.append(time.process_time() - cpu)
            return time.perf_counter() - t
    commits, dries, cpus, commit_cpus = [], [], [], []
    for _ in range(runs):
        commits.append(edit(edited, True))
        commit_cpus.append(cpus[-1])
        edit(original, True)
        dries.append(edit(edited, False))
    print(f"{root}: {radius:.0f} m, commit median {statistics.median(commits[1:]):.3f} s, dry run "
          f"{statistics.median(dries[1:]):.3f} s; app CPU in a commit {statistics.median(commit_cpus[1:]):.3f} s; "
          f"commits {[round(c, 3) for c in commits]}")


if __name__ == "__main__":
    main()
