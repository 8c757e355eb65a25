"""/health and /ready, against the real database and against a port where no database listens."""
from __future__ import annotations

import os
import socket
import threading

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.main import create_app


def _dead_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_and_ready_on_a_working_database(client):
    assert client.get("/health").json() == {"status": "alive", "process": os.getpid()}  # TestClient: this one
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_ready_is_503_with_retry_after_when_the_database_is_down(database_url):
    down = make_url(database_url).set(host="127.0.0.1", port=_dead_port()).render_as_string(hide_password=False)
    with TestClient(create_app(down)) as c:
        assert c.get("/health").status_code == 200  # alive without a database
        res = c.get("/ready")
        assert res.status_code == 503
        assert res.headers["content-type"].startswith("application/problem+json")
        assert int(res.headers["Retry-After"]) > 0 and "cannot be reached" in res.json()["detail"]


def test_a_database_outage_answers_503_with_retry_after(database_url):
    down = make_url(database_url).set(host="127.0.0.1", port=_dead_port()).render_as_string(hide_password=False)
    with TestClient(create_app(down)) as c:
        res = c.get("/collections/zones/items")
        assert res.status_code == 503, res.text
        assert res.headers["content-type"].startswith("application/problem+json")
        assert int(res.headers["Retry-After"]) > 0


class _Link:
    """A TCP forwarder on a loopback port to the real database: cutting it is a network outage for
    the app behind it (every open connection dies, new ones are refused); opening it again on the
    same port is the database coming back."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, _dead_port()
        self._server, self._socks = None, []

    def open(self):
        self._server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self._server,), daemon=True).start()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        try:  # wakes the thread blocked in accept(); close() alone would leave the port listening
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        for s in self._socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self._socks = []


def test_the_service_recovers_by_itself_when_the_database_returns(database_url):
    url = make_url(database_url)
    link = _Link((url.host, url.port))
    link.open()
    through = url.set(host="127.0.0.1", port=link.port).render_as_string(hide_password=False)
    with TestClient(create_app(through)) as c:
        assert c.get("/collections/zones/items?limit=1").status_code == 200
        assert c.get("/ready").status_code == 200
        link.cut()  # the database goes away under open pooled connections
        for path in ("/collections/zones/items?limit=1", "/ready"):
            res = c.get(path)
            assert res.status_code == 503, res.text
            assert int(res.headers["Retry-After"]) > 0
        assert c.get("/health").status_code == 200
        link.open()  # it comes back on the same address: no restart of the service
        assert c.get("/collections/zones/items?limit=1").status_code == 200
        assert c.get("/ready").status_code == 200
    link.cut()
