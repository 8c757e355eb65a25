"""The full schemathesis run over every operation of the OpenAPI document, as the public and as a
planner, against a live server on a scratch database (the suite runs a bounded smoke subset of the
read routes: tests/integration/interop/test_openapi_document.py).

    QINGPU_HOME=… .venv/bin/python bench/schemathesis_full.py [--max-examples 25] [--db qingpu_bench_schema]

Exits non-zero when schemathesis reports any failure (a server error or a response that does not
match the document). Writes the schemathesis reports under bench/results/.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.core.users import add_user  # noqa: E402
from bench.servers import fresh_layout_database, qingpu_server  # noqa: E402

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "Schemathesis-run-2026"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--db", default="qingpu_bench_schema")
    args = parser.parse_args()
    url, engine = fresh_layout_database(args.db)
    add_user(engine, "schema-planner", "planner", PASSWORD)
    RESULTS.mkdir(exist_ok=True)
    status = 0
    with qingpu_server(url) as base:
        token = httpx.post(f"{base}/auth/token", data={"username": "schema-planner", "password": PASSWORD}).json()
        # The planner's run leaves out logout, which would revoke the very token it runs with.
        planner = ["-H", f"Authorization: Bearer {token['access_token']}", "--exclude-path", "/auth/logout"]
        for who, headers in (("public", []), ("planner", planner)):
            print(f"== schemathesis as {who}", flush=True)
            run = subprocess.run([str(Path(sys.executable).with_name("schemathesis")), "run", f"{base}/openapi.json",
                                  *headers, "--checks", CHECKS, "--max-examples", str(args.max_examples),
                                  "--mode", "positive", "--seed", "7",
                                  "--report", "junit", "--report-dir", str(RESULTS / f"schemathesis-{who}")])
            status = status or run.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
