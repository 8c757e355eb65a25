"""What every `qingpu` subcommand shares: the user-facing error, the CRS choices, the engine."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from app.core.db import database_url, engine_for
from app.core.settings import load_settings

CRS_CHOICES = ["wgs84", "cgcs2000", "gcj02", "bd09"]


class CliError(Exception):
    """An error meant for the user: printed as one line."""


def cli_database_url() -> str:
    """DATABASE_URL, or the project's own cluster (started when needed)."""
    return database_url(load_settings())


def cli_engine() -> Engine:
    return engine_for(cli_database_url())
