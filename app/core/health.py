"""Operations: /health (the process answers; touches no database) and /ready (the database is reachable
and its schema is at the migrations' head). Not ready is a 503 problem+json with Retry-After."""
from __future__ import annotations

import os

from fastapi import APIRouter, Request
from sqlalchemy.exc import SQLAlchemyError

from app.core.db import caught_up
from app.core.errors import Problem
from app.core.migrate import current_revision, head_revision
from app.core.store import all_data_versions, replay_status

router = APIRouter(tags=["operations"])
RETRY_AFTER_SECONDS = 5


def _not_ready(detail: str) -> Problem:
    return Problem(503, "Service unavailable", detail, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


@router.get("/health", summary="The process is alive (no database work)")
def health():
    # Which worker process answered: behind a load balancer and with `serve --workers N` it tells them apart.
    return {"status": "alive", "process": os.getpid()}


@router.get("/ready", summary="Ready to serve: the database answers and its schema is current")
def ready(request: Request):
    try:
        current = current_revision(request.app.state.engine)
    except SQLAlchemyError:
        raise _not_ready("the database cannot be reached (or has no schema); retry shortly")
    if current != head_revision():
        raise _not_ready(f"the database schema is at {current}, the code expects {head_revision()}: run `qingpu db upgrade`")
    body = {"status": "ready", "database": "reachable", "migration": current}
    reads = request.app.state.reads
    if reads.replica is not None:  # a replica that is down is reported, not fatal: the primary serves reads
        body["replica"] = _replica(reads)
    return body


def _replica(reads) -> dict:
    try:
        with reads.replica.connect() as conn:
            status, replayed = replay_status(conn), all_data_versions(conn)
        with reads.primary.connect() as conn:
            wanted = all_data_versions(conn)
    except SQLAlchemyError:
        return {"reachable": False, "reads": "from the primary until the replica answers"}
    at = status["replayed_at"]
    return {"reachable": True, "standby": status["standby"], "last_replayed_commit": at.isoformat() if at else None,
            "caught_up": caught_up(replayed, wanted)}
