"""Reads from a streaming replica: a real primary and hot standby (PostgreSQL's own replication, set up
with pg_basebackup -R) on loopback, the app configured with DATABASE_URL and DATABASE_READ_URL.

Replay on the standby is paused while a planner edits, so the replica is surely behind: the planner's
own reads show the edit at once (served by the primary), the public's reads show exactly what the
replica has replayed, and once replay resumes every read shows the edit. Every answer is checked
against the zone's version: never older than the planner's own write (for the planner), never older
than the replica's replay (for everyone).
"""
from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.core.db import engine_for
from app.core.localdb import LocalCluster, LocalDbError
from app.core.migrate import upgrade
from app.core.settings import load_settings
from app.core.users import add_user
from app.layout.store import load_layout
from app.main import create_app

ZONE = "park-liantang-industrial"
TILE = "/collections/zones/tiles/WebMercatorQuad/12/3425/1676"  # holds the park
PASSWORD = "Streaming-standby-check-77"
# Ports for the two clusters: the first free ones from here (QINGPU_TEST_PG_PORT moves the range).
PORT_BASE = int(os.environ.get("QINGPU_TEST_PG_PORT", "55400"))


def _free_ports(n: int) -> list[int]:
    found = []
    for port in range(PORT_BASE, PORT_BASE + 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    pytest.fail(f"no {n} free ports in {PORT_BASE}..{PORT_BASE + 99} for the test clusters")


def _quick(cluster: LocalCluster) -> None:
    """Small and fast settings for throw-away test clusters (later lines win)."""
    with open(cluster.data_dir / "postgresql.conf", "a") as conf:
        conf.write("\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = '32MB'\n"
                   "max_connections = 80\nmax_wal_senders = 4\n")


def _wait(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture(scope="module")
def replicated():
    """(primary URL, standby URL, primary cluster, standby cluster), removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="qingpu-replica-"))
    root.chmod(0o755)  # the clusters belong to `postgres` when we are root
    primary_port, standby_port = _free_ports(2)
    primary = LocalCluster(root=root / "primary", port=primary_port)
    standby = None
    try:
        primary.init()
        _quick(primary)
        url = primary.ensure_running()  # starts it, creates the app's role, database and PostGIS
        upgrade(url)
        load_layout(engine_for(url))
        standby = primary.standby_at(root / "standby", standby_port)
        standby.start()
        standby_url = standby.url()
        _wait(lambda: standby.running() and standby._psql("SELECT pg_is_in_recovery()") == "t", "the hot standby")
        yield url, standby_url, primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster is not None and cluster.password_file.exists():
                engine_for(cluster.url()).dispose()
        if standby is not None:
            standby.stop("immediate")
        primary.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def _caught_up(primary: LocalCluster, standby: LocalCluster) -> bool:
    target = primary._psql("SELECT pg_current_wal_lsn()")
    return standby._psql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t"


def _replayed_zone(standby_url: str) -> tuple[int, str]:
    """The zone's version and English name as the standby has replayed them."""
    with engine_for(standby_url).connect() as conn:
        return tuple(conn.execute(text("SELECT version, name_en FROM zones WHERE id = :z"), {"z": ZONE}).one())


def _tile_names(res) -> set[str]:
    assert res.status_code == 200, res.text
    layers = mapbox_vector_tile.decode(res.content)
    return {f["properties"].get("name_en") for layer in layers.values() for f in layer["features"]}


def _zone(client, headers=None) -> tuple[int, str]:
    res = client.get(f"/collections/zones/items/{ZONE}", headers=headers or {})
    assert res.status_code == 200, res.text
    props = res.json()["properties"]
    return props["version"], props["name_en"]


def test_reads_are_never_older_than_the_planners_write_nor_the_replicas_replay(replicated):
    url, standby_url, primary, standby = replicated
    settings = load_settings().model_copy(update={"database_url": url, "database_read_url": standby_url})
    add_user(engine_for(url), "replica-planner", "planner", PASSWORD)
    _wait(lambda: _caught_up(primary, standby), "the standby to replay the layout")
    with TestClient(create_app(settings)) as client:
        token = client.post("/auth/token", data={"username": "replica-planner", "password": PASSWORD})
        planner = {"Authorization": f"Bearer {token.json()['access_token']}"}
        ready = client.get("/ready").json()
        assert ready["replica"]["reachable"] and ready["replica"]["standby"] and ready["replica"]["caught_up"]
        old_version, old_name = _zone(client)
        assert _tile_names(client.get(TILE)) >= {old_name}  # now cached under the replica's version

        standby._psql("SELECT pg_wal_replay_pause()")
        _wait(lambda: standby._psql("SELECT pg_get_wal_replay_pause_state()") == "paused", "replay to pause")
        feature = client.get(f"/collections/zones/items/{ZONE}", headers=planner)
        body = feature.json()
        new_name = f"{old_name} (replica test)"
        body["properties"]["name_en"] = new_name
        body["comment"] = "read replica test"
        res = client.put(f"/collections/zones/items/{ZONE}", json=body,
                         headers={**planner, "If-Match": feature.headers["etag"]})
        assert res.status_code == 200, res.text
        written = client.get(f"/collections/zones/items/{ZONE}", headers=planner).json()["properties"]["version"]
        assert written > old_version
        assert _replayed_zone(standby_url) == (old_version, old_name)  # the replica is behind, surely

        # The planner sees their own write at once, through every kind of read (the primary serves them).
        assert _zone(client, planner) == (written, new_name)
        assert new_name in _tile_names(client.get(TILE, headers=planner))
        found = client.get("/search", params={"q": "(replica test)"}, headers=planner).json()["features"]
        assert [f["properties"]["fid"] for f in found] == [ZONE]
        items = client.get("/collections/zones/items", params={"limit": 100}, headers=planner).json()["features"]
        assert {f["id"]: f["properties"]["name_en"] for f in items}[ZONE] == new_name
        # The public reads the replica: exactly its replay, the tile from the cache of that version.
        assert _zone(client) == (old_version, old_name)
        assert old_name in _tile_names(client.get(TILE))
        assert client.get("/search", params={"q": "(replica test)"}).json()["features"] == []
        assert client.get("/ready").json()["replica"]["caught_up"] is False

        standby._psql("SELECT pg_wal_replay_resume()")
        # From here on, request after request: no answer older than the replay before it was asked.
        seen_new = 0
        deadline = time.monotonic() + 30
        while seen_new < 20:
            assert time.monotonic() < deadline, "the replica did not replay the edit"
            replayed_version, _ = _replayed_zone(standby_url)
            public_version, public_name = _zone(client)
            assert public_version >= replayed_version
            assert _zone(client, planner) == (written, new_name)
            if public_version == written:
                assert public_name == new_name
                assert new_name in _tile_names(client.get(TILE))  # not the tile cached before the edit
                seen_new += 1
        assert _caught_up(primary, standby)
        assert client.get("/ready").json()["replica"]["caught_up"] is True
        last = standby._psql("SELECT pg_last_xact_replay_timestamp() IS NOT NULL")
        assert last == "t"


def test_a_replica_that_is_down_leaves_reads_to_the_primary(replicated):
    url, standby_url, primary, standby = replicated
    settings = load_settings().model_copy(update={"database_url": url, "database_read_url": standby_url})
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/collections/zones/items/{ZONE}").status_code == 200
        standby.stop()
        try:
            assert not standby.running()
            res = client.get(f"/collections/zones/items/{ZONE}")
            assert res.status_code == 200, res.text
            with engine_for(url).connect() as conn:
                current = conn.execute(text("SELECT version FROM zones WHERE id = :z"), {"z": ZONE}).scalar_one()
            assert res.json()["properties"]["version"] == current
            ready = client.get("/ready")
            assert ready.status_code == 200 and ready.json()["replica"]["reachable"] is False
        finally:
            standby.start()


def test_while_the_primary_is_down_the_public_reads_the_replica(replicated):
    url, standby_url, primary, standby = replicated
    settings = load_settings().model_copy(update={"database_url": url, "database_read_url": standby_url})
    _wait(lambda: _caught_up(primary, standby), "the standby to catch up")
    replayed = _replayed_zone(standby_url)
    with TestClient(create_app(settings)) as client:
        primary.stop("immediate")
        try:
            assert not primary.running()
            assert _zone(client) == replayed  # the public: from the replica
            assert client.get(TILE).status_code == 200
            assert client.get("/ready").status_code == 503  # writes and sign-ins cannot be served
        finally:
            primary.start()


def test_the_local_cluster_refuses_a_postgresql_that_is_not_its_own(replicated, tmp_path):
    _, _, primary, _ = replicated
    assert primary.serves_this_cluster()
    stranger = LocalCluster(root=tmp_path / "pg", port=primary.port)  # another checkout, the same port
    with pytest.raises(LocalDbError, match=f"another PostgreSQL answers on 127.0.0.1:{primary.port}"):
        stranger.ensure_running()
    assert not stranger.initialized()  # refused before creating anything
