"""The SQL of reference layers (tables reference_layers and reference_features)."""
from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.store import bump_version

# The collections of layers/registry.py that show these rows (their data versions key the tile caches).
COLLECTIONS = ("reference_lines", "reference_areas")


def layer_exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM reference_layers WHERE name = :n"), {"n": name}).first() is not None


def replace_layer(conn: Connection, meta: dict, features: list[tuple[int, str | None, dict, bytes]]) -> tuple[int, int]:
    """Write a layer and its features (row number, name, attributes, WKB in WGS84), replacing a layer of
    the same name in this transaction. Returns (features inserted, features the old layer had)."""
    old = conn.execute(text("SELECT features FROM reference_layers WHERE name = :name FOR UPDATE"),
                       {"name": meta["name"]}).scalar()
    conn.execute(text("DELETE FROM reference_layers WHERE name = :name"), {"name": meta["name"]})
    conn.execute(text(
        "INSERT INTO reference_layers (name, title, kind, source_file, source_crs, features, imported_by) "
        "VALUES (:name, :title, :kind, :source_file, :source_crs, :features, :imported_by)"),
        {**meta, "features": len(features)})
    conn.execute(text(
        "INSERT INTO reference_features (layer, row_number, name, properties, geom) "
        "SELECT :layer, r, n, CAST(p AS jsonb), ST_Multi(ST_SetSRID(ST_GeomFromWKB(g), 4326)) "
        "FROM unnest(CAST(:rows AS int[]), CAST(:names AS text[]), CAST(:props AS text[]), CAST(:geoms AS bytea[])) "
        "AS u(r, n, p, g)"),
        {"layer": meta["name"], "rows": [f[0] for f in features], "names": [f[1] for f in features],
         "props": [json.dumps(f[2], ensure_ascii=False) for f in features], "geoms": [f[3] for f in features]})
    bump_version(conn, *COLLECTIONS)
    return len(features), int(old or 0)


def delete_layer(conn: Connection, name: str) -> bool:
    gone = conn.execute(text("DELETE FROM reference_layers WHERE name = :n RETURNING name"), {"n": name}).first()
    if gone:
        bump_version(conn, *COLLECTIONS)
    return gone is not None


def list_layers(conn: Connection) -> list[dict]:
    """Every layer with its counts by dimension and its bounding box (lon/lat)."""
    rows = conn.execute(text("""
        SELECT l.name, l.title, l.kind, l.source_file, l.source_crs, l.features, l.imported_at, l.imported_by,
               count(*) FILTER (WHERE ST_Dimension(f.geom) = 1) AS lines,
               count(*) FILTER (WHERE ST_Dimension(f.geom) = 2) AS areas,
               ST_XMin(ST_Extent(f.geom)) AS x1, ST_YMin(ST_Extent(f.geom)) AS y1,
               ST_XMax(ST_Extent(f.geom)) AS x2, ST_YMax(ST_Extent(f.geom)) AS y2
        FROM reference_layers l LEFT JOIN reference_features f ON f.layer = l.name
        GROUP BY l.name ORDER BY l.name""")).all()
    return [{"name": r.name, "title": r.title, "kind": r.kind, "source_file": r.source_file,
             "source_crs": r.source_crs, "features": r.features, "lines": r.lines, "areas": r.areas,
             "bbox": [round(v, 6) for v in (r.x1, r.y1, r.x2, r.y2)] if r.x1 is not None else None,
             "imported_at": r.imported_at.isoformat(), "imported_by": r.imported_by} for r in rows]
