"""Database engines, and the one place that decides which database a process talks to.

Reads may go to a streaming replica (`DATABASE_READ_URL`, a PostgreSQL hot standby); writes, the user
store and everything a planner must see at once after an edit go to the primary (`DATABASE_URL`).
`Reads.engine` picks per request:

- the public (no token) reads the replica: what it sees is at most the replica's replay lag behind,
  and never older than what the replica has replayed (caches key on the data versions read from the
  same database, in the same snapshot as the data);
- a signed-in caller (who may just have written) reads the replica only when it has replayed every
  data version the primary has committed (`data_versions`, one tiny table, compared per request);
  otherwise the primary. So a planner's next read, through any worker or host, shows their own edit.
- a replica that cannot be reached is skipped for a few seconds and the primary serves the reads.
"""
from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.core.localdb import LocalCluster
from app.core.settings import Settings, normalize_url
from app.core.store import all_data_versions

log = logging.getLogger("qingpu.db")

REPLICA_RETRY_SECONDS = 5.0


def database_url(settings: Settings) -> str:
    """The configured DATABASE_URL, or the project's own cluster, started when needed.

    Settings never start a database by themselves: the CLI and the server factory call this."""
    if settings.database_url:
        return normalize_url(settings.database_url)
    return LocalCluster.from_settings(settings).ensure_running()


def make_engine(url: str, **connect_args) -> Engine:
    return create_engine(normalize_url(url), pool_size=10, max_overflow=20, pool_pre_ping=True, future=True,
                         connect_args=connect_args)


@lru_cache
def engine_for(url: str) -> Engine:
    """One shared engine per database URL in a process (CLI commands, tests, benchmarks)."""
    return make_engine(url)


def caught_up(replica: dict[str, int], primary: dict[str, int]) -> bool:
    """Whether the replica has every data version the primary has."""
    return all(replica.get(collection, 0) >= version for collection, version in primary.items())


class Reads:
    """Where one application's reads go: the primary, or its replica when that is fresh enough."""

    def __init__(self, primary: Engine, replica: Engine | None = None):
        self.primary, self.replica = primary, replica
        self._skip_until = 0.0
        self._lock = threading.Lock()

    def engine(self, signed_in: bool) -> Engine:
        replica = self.replica
        if replica is None or time.monotonic() < self._skip_until:
            return self.primary
        try:
            if not signed_in:
                with replica.connect():  # a pooled connection, pinged: the replica answers
                    return replica
            with self.primary.connect() as conn:
                wanted = all_data_versions(conn)
            with replica.connect() as conn:
                replayed = all_data_versions(conn)
        except OperationalError as exc:
            with self._lock:
                self._skip_until = time.monotonic() + REPLICA_RETRY_SECONDS
            log.warning("read replica unreachable, reading from the primary for %.0f s: %s",
                        REPLICA_RETRY_SECONDS, str(exc).splitlines()[0])
            return self.primary
        return replica if caught_up(replayed, wanted) else self.primary

    def dispose(self) -> None:
        self.primary.dispose()
        if self.replica is not None:
            self.replica.dispose()


def open_reads(settings: Settings) -> Reads:
    primary = make_engine(settings.database_url)
    # A replica that does not answer must not hold a request for long: the primary takes over.
    replica = make_engine(settings.database_read_url, connect_timeout=2) if settings.database_read_url else None
    return Reads(primary, replica)


def reader(request, principal=None) -> Engine:
    """The engine this request's reads go to (see the module's docstring); `principal` None is the public."""
    signed_in = principal is not None and principal.name is not None
    return request.app.state.reads.engine(signed_in)
