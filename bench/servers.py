"""Start this project's server and the tipg baseline on loopback against the same benchmark database.

Both run as one uvicorn process each; tipg runs from its own virtualenv (default /tmp/tipg-venv, install
with `python -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install tipg uvicorn`), never from the
project's dependencies.
"""
from __future__ import annotations

import contextlib
import math
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIPG_PYTHON = os.environ.get("TIPG_PYTHON", "/tmp/tipg-venv/bin/python")
QINGPU_BOUNDS = (120.86, 30.95, 121.31, 31.29)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def qingpu_server(database_url: str, workers: int = 1):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    many = ["--workers", str(workers), "--timeout-worker-healthcheck", "60"] if workers > 1 else []
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:serve_app", "--factory", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning", "--no-access-log", *many], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/conformance", proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextlib.contextmanager
def tipg_server(database_url: str):
    if not Path(TIPG_PYTHON).exists():
        raise SystemExit("tipg baseline missing: python -m venv /tmp/tipg-venv && /tmp/tipg-venv/bin/pip install tipg uvicorn")
    port = free_port()
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": plain, "TIPG_DB_TABLES": '["public.enterprises"]',
           "TIPG_DB_SCHEMAS": '["public"]', "HOME": os.environ.get("HOME", "/tmp")}
    proc = subprocess.Popen([TIPG_PYTHON, "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning", "--no-access-log"], cwd="/tmp", env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/collections/public.enterprises", proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def fresh_layout_database(db: str):
    """A scratch database in the project's own cluster, dropped and rebuilt with the schema and the
    default layout: (url, engine)."""
    from app.core.db import engine_for
    from app.core.localdb import LocalCluster
    from app.core.migrate import upgrade
    from app.core.settings import load_settings
    from app.layout.store import load_layout

    cluster = LocalCluster.from_settings(load_settings())
    cluster.ensure_running()
    cluster._psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    cluster.ensure_database(db)
    url = cluster.url(db)
    upgrade(url)
    engine = engine_for(url)
    load_layout(engine)
    return url, engine


def bench_url(db: str = "qingpu_bench") -> str:
    """The URL of an existing bench database, its schema brought up to the code's (a database built by an
    older checkout lacks the newer tables the server reads)."""
    from app.core.localdb import LocalCluster
    from app.core.migrate import upgrade
    from app.core.settings import load_settings

    cluster = LocalCluster.from_settings(load_settings())
    cluster.ensure_running()
    url = cluster.url(db)
    upgrade(url)
    return url


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def sample_tiles(zooms=range(10, 17), per_zoom: int = 20, seed: int = 7) -> list[tuple[int, int, int]]:
    """Distinct tiles per zoom, under random points of the district's box (the same set for every server)."""
    rng = random.Random(seed)
    out = []
    for z in zooms:
        seen = set()
        tries = 0
        while len(seen) < per_zoom and tries < per_zoom * 50:
            tries += 1
            seen.add(tile_for(rng.uniform(QINGPU_BOUNDS[0], QINGPU_BOUNDS[2]),
                              rng.uniform(QINGPU_BOUNDS[1], QINGPU_BOUNDS[3]), z))
        out += sorted(seen)
    return out


def sample_tiles_under_data(database_url: str, zooms=range(10, 17), per_zoom: int = 20, seed: int = 7):
    """Distinct tiles per zoom under randomly drawn enterprises: where a map viewer actually looks, so
    dense tiles come up as often as the data is dense."""
    from sqlalchemy import text

    from app.core.db import engine_for

    with engine_for(database_url).connect() as conn:
        pts = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM enterprises TABLESAMPLE BERNOULLI (0.5) "
                                "REPEATABLE (:s) LIMIT 3000"), {"s": seed}).all()
    out = []
    for z in zooms:
        seen = []
        for lon, lat in pts:
            t = tile_for(lon, lat, z)
            if t not in seen:
                seen.append(t)
            if len(seen) == per_zoom:
                break
        out += seen
    return out


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def bump_enterprises(database_url: str) -> None:
    """What every writer does after an edit: server tile caches of `enterprises` are now cold."""
    from app.core.db import engine_for
    from app.core.store import bump_version

    with engine_for(database_url).begin() as conn:
        bump_version(conn, "enterprises")
