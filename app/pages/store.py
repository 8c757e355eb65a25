"""The SQL the pages need beyond the OGC items (those come from app.ogc.features), and the reading of a
local basemap (a folder of tiles or an MBTiles file, which is SQLite)."""
from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection


def enterprise_count(conn: Connection, exact_below: int) -> int:
    """The planner's estimate of the enterprises when it is large, else the exact count (cheap either way)."""
    estimate = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass('enterprises')")).scalar()
    if estimate is not None and estimate > exact_below:
        return int(estimate)
    return int(conn.execute(text("SELECT count(*) FROM enterprises")).scalar_one())


TILE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


@lru_cache(maxsize=4)
def _mbtiles(path: str) -> sqlite3.Connection:
    # Read-only, shared by the thread pool (sqlite3 objects may cross threads when asked to).
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _sniff(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


def local_tile(source: str, z: int, x: int, y: int) -> tuple[bytes, str] | None:
    """(bytes, media type) of a tile from a folder of XYZ tiles or an MBTiles file (TMS rows), or None."""
    path = Path(source)
    if path.suffix.lower() == ".mbtiles":
        row = _mbtiles(str(path)).execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y)).fetchone()
        return (bytes(row[0]), _sniff(bytes(row[0]))) if row else None
    for suffix, media in TILE_TYPES.items():
        tile = path / str(z) / str(x) / f"{y}{suffix}"
        if tile.is_file():
            return tile.read_bytes(), media
    return None
