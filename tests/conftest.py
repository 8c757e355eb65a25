"""Shared fixtures: a fresh PostGIS test database, the app, a live server, headless Chromium.

The test database is a separate one in the project's own cluster (QINGPU_TEST_DB, default
qingpu_test), dropped and rebuilt by migrations at the start of a run; TEST_DATABASE_URL
points the suite at another PostGIS instead.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = Path(os.environ.get("QINGPU_SHARED_DATA", SHARED / "data"))


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"reference data {relative} is not beside the checkout")
    return path


def _fresh_local_database(name: str) -> str:
    from app.core.localdb import LocalCluster
    from app.core.settings import load_settings

    cluster = LocalCluster.from_settings(load_settings())
    cluster.ensure_running()
    cluster._psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    cluster.ensure_database(name)
    return cluster.url(name)


@pytest.fixture(scope="session")
def database_url() -> str:
    from app.core.db import engine_for
    from app.core.migrate import upgrade
    from app.layout.store import load_layout

    url = os.environ.get("TEST_DATABASE_URL") or _fresh_local_database(os.environ.get("QINGPU_TEST_DB", "qingpu_test"))
    upgrade(url)
    load_layout(engine_for(url))
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    from app.core.db import engine_for

    return engine_for(database_url)


@pytest.fixture(scope="session")
def app(database_url):
    from app.main import create_app

    return create_app(database_url)


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(database_url):
    """The app served by uvicorn in its own process on a free loopback port, for real HTTP clients.

    A separate process, as in production: clients such as GDAL hold the GIL while they wait.
    """
    import subprocess
    import sys
    import urllib.request

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:serve_app", "--factory",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120  # a loaded 2-core machine imports the app slowly
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/conformance", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the test server exited at start")
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("the test server did not start")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


CHROMIUM = os.environ.get("QINGPU_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: ./test.sh installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


# -- one fixture per role: a user of that role and its bearer token ----------------------------
ROLE_PASSWORD = "Qp-test-passphrase-2026"


def bearer_headers(client, user: str, password: str) -> dict:
    """Sign in through POST /auth/token; the Authorization header of that user."""
    res = client.post("/auth/token", data={"username": user, "password": password})
    assert res.status_code == 200, res.text
    return {"Authorization": f"Bearer {res.json()['access_token']}"}


def _role_headers(client, engine, role: str) -> dict:
    from app.core.users import add_user

    add_user(engine, f"test-{role}", role, ROLE_PASSWORD)
    return bearer_headers(client, f"test-{role}", ROLE_PASSWORD)


@pytest.fixture(scope="session")
def investment_auth(client, engine) -> dict:
    """Authorization headers of an investment-promotion officer."""
    return _role_headers(client, engine, "investment")


@pytest.fixture(scope="session")
def planner_auth(client, engine) -> dict:
    """Authorization headers of a planner."""
    return _role_headers(client, engine, "planner")


@pytest.fixture(scope="session")
def admin_auth(client, engine) -> dict:
    """Authorization headers of an administrator."""
    return _role_headers(client, engine, "admin")


@pytest.fixture(scope="session")
def other_database_url(database_url) -> str:
    """A second, separate database on the same server with the migrations applied (and no users)."""
    return sibling_database(database_url, "other")


def sibling_database(database_url: str, suffix: str) -> str:
    """A fresh database named after the test database plus ``suffix``, with the migrations applied."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.core.migrate import upgrade

    url = make_url(database_url)
    name = f"{url.database}_{suffix}"
    if not os.environ.get("TEST_DATABASE_URL"):
        other = _fresh_local_database(name)
    else:  # another server: its role must be allowed to create databases and PostGIS
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        other = url.set(database=name).render_as_string(hide_password=False)
    upgrade(other)
    return other


@pytest.fixture
def clean_sites(engine):
    """No sites before the test and none after it."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))


@pytest.fixture(autouse=True)
def _owslib_headers_stay_with_their_client():
    """OWSLib (0.35) copies a client's headers, a bearer token included, into its module-wide
    REQUEST_HEADERS, so every later client in the process would send that token: a public reader would
    read as a planner. Each test starts and ends with OWSLib's own defaults."""
    try:
        import owslib.ogcapi as ogcapi
    except ImportError:  # only the unit tests run without the test extras
        yield
        return
    saved = dict(ogcapi.REQUEST_HEADERS)
    yield
    ogcapi.REQUEST_HEADERS.clear()
    ogcapi.REQUEST_HEADERS.update(saved)
