"""`qingpu serve --workers 2`: two processes, each with caches of its own, answer as one.

Both workers first serve (and so cache) the zone, its tile and the zones analytics; a planner edits
the zone through one of them; then read after read on fresh connections, through both workers (told
apart by /health's `process`, asked on the same keep-alive connection just before), every answer
shows the edit: neither serves what it cached before it.
"""
from __future__ import annotations

import http.client
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import mapbox_vector_tile
import pytest

from app.core.users import add_user

ROOT = Path(__file__).resolve().parents[3]
ZONE = "park-xicen"
LON, LAT = 120.962, 31.076  # inside the park
PASSWORD = "Two-workers-one-truth-26"


def _tile_path(z: int = 12) -> str:
    n = 2 ** z
    x = int((LON + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(LAT))) / math.pi) / 2 * n)
    return f"/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}"


TILE = _tile_path()


def _request(conn, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    data = json.dumps(body) if body is not None else None
    conn.request(method, path, body=data, headers={**({"Content-Type": "application/json"} if data else {}),
                                                   **(headers or {})})
    res = conn.getresponse()
    raw = res.read()
    kind = res.getheader("content-type", "")
    return res.status, (json.loads(raw) if "json" in kind else raw), res.getheader("etag")


def _view(port: int) -> dict:
    """On one fresh connection (so one worker): who answers, then the zone, its tile, its analytics row."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        _, health, _ = _request(conn, "GET", "/health")
        status, item, _ = _request(conn, "GET", f"/collections/zones/items/{ZONE}")
        assert status == 200, item
        status, tile, _ = _request(conn, "GET", TILE)
        assert status == 200
        status, analytics, _ = _request(conn, "GET", "/analytics/zones")
        assert status == 200, analytics
    finally:
        conn.close()
    [row] = [f["properties"] for f in analytics["features"] if f["properties"].get("id", f.get("id")) == ZONE]
    return {"pid": health["process"], "version": item["properties"]["version"], "name": item["properties"]["name_en"],
            "tile_names": {f["properties"].get("name_en") for layer in mapbox_vector_tile.decode(tile).values()
                           for f in layer["features"]},
            "analytics_name": row["name_en"], "analytics_zones_version": analytics["metadata"]["data_version"]["zones"]}


def _views_from_both(port: int, each: int, timeout: float = 90) -> list[dict]:
    """Views until each of the two workers has given `each` (four at a time, so both get connections)."""
    views: list[dict] = []
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(4) as pool:
        while True:
            views += pool.map(lambda _: _view(port), range(4))
            per = {}
            for v in views:
                per[v["pid"]] = per.get(v["pid"], 0) + 1
            if len(per) == 2 and min(per.values()) >= each:
                return views
            if time.monotonic() > deadline:
                pytest.fail(f"views per worker process: {per}")


@pytest.fixture
def two_workers(database_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli.main", "serve", "--workers", "2", "--port", str(port)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"qingpu serve --workers 2 did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_caches_stay_exact_across_two_workers(two_workers, client, engine):
    port = two_workers
    add_user(engine, "workers-planner", "planner", PASSWORD)
    token = client.post("/auth/token", data={"username": "workers-planner", "password": PASSWORD}).json()
    planner = {"Authorization": f"Bearer {token['access_token']}"}

    before = _views_from_both(port, 1)  # each worker has now cached the zone's tile and the analytics
    old = before[0]
    assert all((v["version"], v["name"], v["analytics_name"]) == (old["version"], old["name"], old["name"])
               for v in before)
    assert old["name"] in old["tile_names"]

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    _, feature, etag = _request(conn, "GET", f"/collections/zones/items/{ZONE}", headers=planner)
    new_name = f"{old['name']} (two workers)"
    edited = dict(feature, comment="workers test", properties=dict(feature["properties"], name_en=new_name))
    status, answer, _ = _request(conn, "PUT", f"/collections/zones/items/{ZONE}", edited,
                                 {**planner, "If-Match": etag})
    conn.close()
    assert status == 200, answer
    try:
        after = _views_from_both(port, 10)
        for v in after:  # the worker that did not edit holds caches filled before the edit: never served
            assert (v["version"], v["name"]) == (old["version"] + 1, new_name), v
            assert new_name in v["tile_names"] and old["name"] not in v["tile_names"], v
            assert v["analytics_name"] == new_name and v["analytics_zones_version"] > old["analytics_zones_version"], v
    finally:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        back = dict(feature, comment="workers test undo")
        status, _, _ = _request(conn, "PUT", f"/collections/zones/items/{ZONE}", back,
                                {**planner, "If-Match": f'"zone-{ZONE}-v{old["version"] + 1}"'})
        conn.close()
        assert status == 200


def _search_on_one_worker(port: int, headers: dict, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        _, health, _ = _request(conn, "GET", "/health")
        status, answer, _ = _request(conn, "POST", "/sites/search", body, headers)
        assert status == 200, answer
    finally:
        conn.close()
    answer.pop("elapsed_ms")
    answer.pop("refreshed_sites")
    return health["process"], answer


def _searches_from_both(port: int, headers: dict, body: dict, each: int, timeout: float = 90) -> list[dict]:
    answers: dict[int, list] = {}
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(4) as pool:
        while len(answers) < 2 or min(len(v) for v in answers.values()) < each:
            for pid, answer in pool.map(lambda _: _search_on_one_worker(port, headers, body), range(4)):
                answers.setdefault(pid, []).append(answer)
            if time.monotonic() > deadline:
                pytest.fail(f"searches per worker process: { {p: len(v) for p, v in answers.items()} }")
    return [a for v in answers.values() for a in v]


def test_site_searches_stay_exact_across_two_workers(two_workers, client, engine):
    """Both workers hold the site facts and neighbour counts; a site is edited and moved in plain SQL; every
    later search through either worker (each catching up from the write log) equals a search by a process
    that forgot everything and read every site afresh."""
    from sqlalchemy import text

    from app.sites.importer import load_demo_sites
    from app.sites.search import clear_caches

    port = two_workers
    load_demo_sites(engine, count=150, seed=23)
    add_user(engine, "workers-investor", "investment", PASSWORD)
    token = client.post("/auth/token", data={"username": "workers-investor", "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    body = {"profile": {"industry": "newmat"}, "limit": 200, "sensitivity": False}

    def fresh() -> dict:
        clear_caches()
        res = client.post("/sites/search", json=body, headers=headers)
        assert res.status_code == 200, res.text
        return {k: v for k, v in res.json().items() if k not in ("elapsed_ms", "refreshed_sites")}

    try:
        before = _searches_from_both(port, headers, body, 2)
        assert all(a == before[0] for a in before) and before[0]["count"] > 20
        site = before[0]["results"][0]["id"]
        with engine.begin() as conn:  # and a peer firm moved onto the next site (the enterprises' point log)
            conn.execute(text("UPDATE sites SET price = 0.5, geom = ST_Translate(geom, 0.02, 0.01) WHERE id = :i"),
                         {"i": site})
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                "SELECT 'TSTWRK000000000001', '两进程测试企业', '3985', 'newmat', 'exact', 'wgs84', "
                "ST_PointOnSurface(geom) FROM sites WHERE id = :s"), {"s": before[0]["results"][1]["id"]})
        truth = fresh()
        assert truth != before[0]
        peer = next(r for r in truth["results"] if r["id"] == before[0]["results"][1]["id"])
        was = next(r for r in before[0]["results"] if r["id"] == peer["id"])
        same = [next(c["raw"] for c in r["criteria"] if c["id"] == "same_industry") for r in (was, peer)]
        assert same[1] == same[0] + 1
        assert next(r for r in truth["results"] if r["id"] == site)["price"] == 0.5
        for answer in _searches_from_both(port, headers, body, 3):
            assert answer == truth
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM sites WHERE synthetic"))
            conn.execute(text("DELETE FROM enterprises WHERE uscc = 'TSTWRK000000000001'"))
