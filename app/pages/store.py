"""The SQL the pages need beyond the OGC items (those come from app.ogc.features)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection


def enterprise_count(conn: Connection, exact_below: int) -> int:
    """The planner's estimate of the enterprises when it is large, else the exact count (cheap either way)."""
    estimate = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('enterprises')")).scalar()
    if estimate is not None and estimate > exact_below:
        return int(estimate)
    return int(conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one())
