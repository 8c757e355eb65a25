"""Benchmark: how long an investor brief takes as a PDF, beside the same brief as HTML, in one run.

    .venv/bin/python bench/bench_brief.py [--runs 5]

Builds a scratch database qingpu_bench_brief (dropped and rebuilt) with the default layout, the demo
enterprises and 400 demo sites, then times POST /sites/brief through the app (TestClient) for the top site of
a 新材料 search with two others compared: the HTML page (the baseline: the same queries, maps and template) and
the PDF (the same HTML rendered by WeasyPrint). The first PDF of a process is reported apart (it loads Pango
and the CJK fonts). Writes bench/results/brief.json.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DB = "qingpu_bench_brief"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from fastapi.testclient import TestClient

    from app.core.users import add_user
    from app.enterprises.demo import load_demo
    from app.main import create_app
    from app.sites.importer import load_demo_sites
    from bench.servers import fresh_layout_database

    url, engine = fresh_layout_database(DB)
    load_demo(engine)
    load_demo_sites(engine)
    add_user(engine, "bench-staff", "investment", "bench-staff-password-1")
    with TestClient(create_app(url)) as client:
        token = client.post("/auth/token", data={"username": "bench-staff", "password": "bench-staff-password-1"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        search = {"profile": {"industry": "newmat"}, "limit": 3}
        ids = [r["id"] for r in client.post("/sites/search", json=search, headers=headers).json()["results"]]
        body = {"search": search, "site_id": ids[0], "compare": ids[1:3]}

        def timed(fmt: str) -> tuple[float, int]:
            t0 = time.perf_counter()
            res = client.post(f"/sites/brief?format={fmt}", json=body, headers=headers)
            assert res.status_code == 200, res.text
            return time.perf_counter() - t0, len(res.content)

        first_pdf, _ = timed("pdf")
        html = [timed("html") for _ in range(args.runs)]
        pdf = [timed("pdf") for _ in range(args.runs)]
    result = {
        "runs": args.runs, "html_median_s": round(statistics.median(t for t, _ in html), 3),
        "pdf_median_s": round(statistics.median(t for t, _ in pdf), 3), "pdf_first_in_process_s": round(first_pdf, 3),
        "html_bytes": html[0][1], "pdf_bytes": pdf[0][1],
        "load_average_1_5_15": [round(x, 1) for x in os.getloadavg()],
        "note": "one process on the project machine (2 cores shared with other work); TestClient, demo data",
    }
    out = Path(__file__).resolve().parent / "results" / "brief.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
