"""/search over 1,000,000 enterprises: the trigram index against a plain scan, in the same run.

    .venv/bin/python bench/bench_search.py [--db qingpu_bench]

Uses the 1M-row database that bench/bench_data.py builds (qingpu_bench). The baseline runs the same
request with bitmap and index scans switched off for its connection, i.e. without the index.
"""
from __future__ import annotations

import argparse
import statistics
import time

from fastapi.testclient import TestClient
from sqlalchemy import event

from app.core.localdb import LocalCluster
from app.core.settings import load_settings
from app.main import create_app

QUERIES = ["示例企业16233", "企业1623", "华新镇", "华新", "Xujing"]


def timed(client: TestClient, q: str, runs: int = 5) -> tuple[float, int]:
    client.get("/search", params={"q": q})
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        res = client.get("/search", params={"q": q})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, res.json()["numberReturned"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="qingpu_bench")
    args = parser.parse_args()
    url = LocalCluster.from_settings(load_settings()).url(args.db)
    indexed = TestClient(create_app(url))
    plain_app = create_app(url)
    # A separate engine for the baseline: the URL differs only by a query flag, so it is its own pool.
    from app.core.db import Reads, engine_for

    plain_app.state.engine = engine_for(url + "?application_name=bench_noindex")
    plain_app.state.reads = Reads(plain_app.state.engine)

    @event.listens_for(plain_app.state.engine, "connect")
    def _no_index(dbapi_conn, _):
        with dbapi_conn.cursor() as cur:
            cur.execute("SET enable_bitmapscan = off; SET enable_indexscan = off")
        dbapi_conn.commit()  # else the pool's reset on check-in rolls the settings back
    plain = TestClient(plain_app)
    print(f"{'query':<16}{'found':>6}{'indexed ms':>12}{'plain scan ms':>15}")
    for q in QUERIES:
        ms, found = timed(indexed, q)
        base, _ = timed(plain, q)
        print(f"{q:<16}{found:>6}{ms:>12.0f}{base:>15.0f}")


if __name__ == "__main__":
    main()
