"""Database engines, and the one place that decides which database a process talks to."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from app.core.localdb import LocalCluster
from app.core.settings import Settings, normalize_url


def database_url(settings: Settings) -> str:
    """The configured DATABASE_URL, or the project's own cluster, started when needed.

    Settings never start a database by themselves: the CLI and the server factory call this."""
    if settings.database_url:
        return normalize_url(settings.database_url)
    return LocalCluster.from_settings(settings).ensure_running()


def make_engine(url: str) -> Engine:
    return create_engine(normalize_url(url), pool_size=10, max_overflow=20, pool_pre_ping=True, future=True)


@lru_cache
def engine_for(url: str) -> Engine:
    """One shared engine per database URL in a process (CLI commands, tests, benchmarks)."""
    return make_engine(url)
