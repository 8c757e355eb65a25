"""A heavy zone edit for the event-loop test and benchmark: ~60,000 enterprises inside cluster-logistics,
and a dry-run edit shrinking the cluster to 重固镇 that re-assigns every one of them outside it."""
from __future__ import annotations

import json
import urllib.request

from sqlalchemy import text

from app.core.store import bump_version
from app.enterprises.assignment import assign_all

PREFIX = "E4LOOP"
SEED = """
INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, synthetic, geom)
SELECT :prefix || lpad(i::text, 12, '0'), '事件循环测试企业 ' || i, '5429', 'logistics', 'exact', 'wgs84', true, p
FROM (SELECT i, ST_SetSRID(ST_MakePoint(ST_XMin(b) + random() * (ST_XMax(b) - ST_XMin(b)),
                                        ST_YMin(b) + random() * (ST_YMax(b) - ST_YMin(b))), 4326) AS p
      FROM generate_series(1, :n) AS i, (SELECT geom AS g, geom::box2d AS b FROM zones WHERE id = 'cluster-logistics') z) s,
     (SELECT geom AS g FROM zones WHERE id = 'cluster-logistics') z
WHERE ST_Contains(z.g, s.p)
ON CONFLICT (uscc) DO NOTHING
"""


def seed(engine, n: int = 100_000) -> int:
    """Random points in the cluster's box, those inside it kept (about 60,000 of 100,000); returns how many."""
    with engine.begin() as conn:
        conn.execute(text(SEED), {"prefix": PREFIX, "n": n})
        assign_all(conn)
        bump_version(conn, "enterprises")
        return conn.execute(text("SELECT count(*) FROM enterprises WHERE uscc LIKE :p"),
                            {"p": PREFIX + "%"}).scalar_one()


def unseed(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        bump_version(conn, "enterprises")


def shrink_request(base: str, engine, headers: dict) -> urllib.request.Request:
    """PUT ?dryRun=true of cluster-logistics shrunk to 重固镇 (commits nothing, computes the whole impact)."""
    with engine.connect() as conn:
        chonggu = json.loads(conn.execute(text(
            "SELECT ST_AsGeoJSON(geom) FROM towns WHERE code = 'chonggu'")).scalar_one())
    with urllib.request.urlopen(f"{base}/collections/zones/items/cluster-logistics") as res:
        feature, etag = json.loads(res.read()), res.headers["ETag"]
    feature["geometry"] = chonggu
    feature["comment"] = "event-loop check (dry run)"
    return urllib.request.Request(f"{base}/collections/zones/items/cluster-logistics?dryRun=true", method="PUT",
                                  data=json.dumps(feature).encode(),
                                  headers={**headers, "If-Match": etag, "Content-Type": "application/geo+json"})


# Tiles over the district at zoom 12 (each a different one, so each is built, not taken from a cache).
TILES = [(12, x, y) for x in range(3421, 3427) for y in range(1664, 1670)]
