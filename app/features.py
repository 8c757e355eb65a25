"""Reading features of a registered layer from PostGIS, under a role's field rules."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from layers.registry import Field, Layer


@dataclass
class ItemQuery:
    bbox: tuple[float, float, float, float] | None = None
    limit: int = 100
    offset: int = 0
    equals: dict[str, object] = field(default_factory=dict)  # queryable name -> typed value


def _where(layer: Layer, q: ItemQuery, params: dict) -> str:
    clauses = []
    if q.bbox:
        params.update(minx=q.bbox[0], miny=q.bbox[1], maxx=q.bbox[2], maxy=q.bbox[3])
        clauses.append("t.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) AND "
                       "ST_Intersects(t.geom, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))")
    for i, (name, value) in enumerate(q.equals.items()):
        f = layer.field(name)
        params[f"eq{i}"] = value
        clauses.append(f":eq{i} = ANY({f.expr})" if f.type == "array" else f"{f.expr} = :eq{i}")
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def _select(layer: Layer, fields: tuple[Field, ...]) -> str:
    cols = ", ".join(f"{f.expr} AS \"{f.name}\"" for f in fields)
    return (f"SELECT t.{layer.id_column} AS __id, ST_AsGeoJSON(t.geom, 7) AS __geom"
            + (f", {cols}" if cols else "") + f" FROM {layer.table} t")


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _feature(row, fields: tuple[Field, ...]) -> dict:
    m = row._mapping
    return {"type": "Feature", "id": m["__id"],
            "geometry": json.loads(m["__geom"]) if m["__geom"] else None,
            "properties": {f.name: _jsonable(m[f.name]) for f in fields}}


def fetch_items(conn: Connection, layer: Layer, fields: tuple[Field, ...], q: ItemQuery) -> tuple[list[dict], int]:
    params: dict = {"limit": q.limit, "offset": q.offset}
    where = _where(layer, q, params)
    rows = conn.execute(text(f"{_select(layer, fields)} {where} ORDER BY {layer.order_by} "
                             f"LIMIT :limit OFFSET :offset"), params).all()
    matched = conn.execute(text(f"SELECT count(*) FROM {layer.table} t {where}"), params).scalar_one()
    return [_feature(r, fields) for r in rows], int(matched)


def fetch_item(conn: Connection, layer: Layer, fields: tuple[Field, ...], fid: str) -> dict | None:
    row = conn.execute(text(f"{_select(layer, fields)} WHERE t.{layer.id_column}::text = :fid"), {"fid": fid}).first()
    return _feature(row, fields) if row else None


def extent(conn: Connection, layer: Layer) -> list[float] | None:
    row = conn.execute(text(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                            f"FROM (SELECT ST_Extent(geom) AS e FROM {layer.table}) s")).first()
    return [round(v, 6) for v in row] if row and row[0] is not None else None
