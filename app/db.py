"""Database engine and sessions."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from app.settings import get_settings


@lru_cache
def engine_for(url: str) -> Engine:
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, future=True)


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url())
