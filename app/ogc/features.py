"""The SQL of the OGC layers: features of a registered layer under a role's field rules, and their vector tiles.

Every identifier in the SQL comes from the layer registry; every value is a bound parameter.
Items, exports and the map share `ItemQuery` and `where_sql`, so they filter the same way.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.core.store import data_version_sql, point_log_sql
from app.ogc.crs import CRS84, OgcCrs
from layers.registry import Field, Layer

# numberMatched is an exact count when the planner expects at most this many matches: then the page
# query counts its matches itself (count(*) OVER (), in the same scan its ORDER BY needs anyway). Above
# it a count would cost a scan of that many rows, so the response gives the planner's estimate instead
# (numberMatched left out, `numberMatchedEstimate` set) and paging relies on fetching limit + 1 rows.
EXACT_COUNT_LIMIT = 100_000


@dataclass
class ItemQuery:
    bbox: bytes | None = None  # WKB of a WGS84 polygon
    limit: int | None = 100
    offset: int = 0
    equals: dict[str, object] = field(default_factory=dict)  # queryable name -> typed value
    filter_sql: str | None = None  # compiled CQL2 over alias t
    filter_params: dict = field(default_factory=dict)
    sortby: list[tuple[str, bool]] = field(default_factory=list)  # (field name, descending)
    crs: OgcCrs = CRS84
    as_of: datetime | None = None  # read the layer's history as it stood then
    # OGC `datetime`: the layer's temporal field within [start, end] (None: open); an instant has start == end.
    time_range: tuple[datetime | None, datetime | None] | None = None

    def source(self, layer: Layer) -> str:
        if self.as_of is None:
            return layer.table
        if layer.history_sql is None:
            raise ValueError(f"collection {layer.id} keeps no history")
        return layer.history_sql


@dataclass
class ItemPage:
    features: list[dict]
    matched: int | None  # exact, or None when only an estimate is known
    estimate: int | None
    has_next: bool


def where_sql(layer: Layer, q: ItemQuery, params: dict) -> str:
    clauses = []
    if q.bbox is not None:
        params["bbox"] = q.bbox
        clauses.append("t.geom && ST_GeomFromWKB(:bbox, 4326) AND ST_Intersects(t.geom, ST_GeomFromWKB(:bbox, 4326))")
    for i, (name, value) in enumerate(q.equals.items()):
        f = layer.field(name)
        params[f"eq{i}"] = value
        clauses.append(f":eq{i} = ANY({f.expr})" if f.type == "array" else f"{f.expr} = :eq{i}")
    if q.time_range is not None and layer.temporal:
        expr = layer.field(layer.temporal).expr
        start, end = q.time_range
        if start is not None:
            params["t_start"] = start
            clauses.append(f"{expr} >= :t_start")
        if end is not None:
            params["t_end"] = end
            clauses.append(f"{expr} <= :t_end")
    if q.filter_sql:
        params.update(q.filter_params)
        clauses.append(q.filter_sql)
    return ("WHERE " + " AND ".join(clauses)) if clauses else ""


def select_sql(layer: Layer, fields: tuple[Field, ...], crs: OgcCrs = CRS84, source: str | None = None,
               extra: str = "") -> str:
    cols = ", ".join(f"{f.expr} AS \"{f.name}\"" for f in fields)
    return (f"SELECT t.{layer.id_column} AS __id, ST_AsGeoJSON({crs.output_sql()}, {crs.decimals}) AS __geom"
            + (f", {cols}" if cols else "") + extra + f" FROM {source or layer.table} t")


def order_sql(layer: Layer, q: ItemQuery) -> str:
    keys = [f"{layer.field(n).expr} {'DESC' if desc else 'ASC'} NULLS LAST" for n, desc in q.sortby]
    # The registry order, then the id, keeps paging stable whatever the sort keys.
    return "ORDER BY " + ", ".join([*keys, layer.order_by, f"t.{layer.id_column}"])


def jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _feature(row, fields: tuple[Field, ...]) -> dict:
    m = row._mapping
    return {"type": "Feature", "id": m["__id"],
            "geometry": json.loads(m["__geom"]) if m["__geom"] else None,
            "properties": {f.name: jsonable(m[f.name]) for f in fields}}


def fetch_items(conn: Connection, layer: Layer, fields: tuple[Field, ...], q: ItemQuery) -> ItemPage:
    params: dict = {"offset": q.offset}
    where = where_sql(layer, q, params)
    if q.as_of is not None:
        params["as_of"] = q.as_of
    limit, estimate, counted = "", None, ""
    if q.limit is not None:
        params["limit"] = q.limit + 1  # one extra row says whether a next page exists
        limit = "LIMIT :limit"
        estimate = estimate_matches(conn, layer, where, params, q)
        if estimate <= EXACT_COUNT_LIMIT:
            counted = ", count(*) OVER () AS __matched"
    rows = conn.execute(text(f"{select_sql(layer, fields, q.crs, q.source(layer), counted)} {where} "
                             f"{order_sql(layer, q)} {limit} OFFSET :offset"), params).all()
    has_next = q.limit is not None and len(rows) > q.limit
    rows = rows[:q.limit] if q.limit is not None else rows
    if not has_next:  # the last page: the count is known without asking
        matched = q.offset + len(rows) if rows or q.offset == 0 else _count(conn, layer, where, params, q)
    elif counted:
        matched = int(rows[0]._mapping["__matched"])
    else:
        matched = None
    return ItemPage([_feature(r, fields) for r in rows], matched, None if matched is not None else estimate, has_next)


def _count_params(params: dict) -> dict:
    return {k: v for k, v in params.items() if k not in ("limit", "offset")}


def estimate_matches(conn: Connection, layer: Layer, where: str, params: dict, q: ItemQuery) -> int:
    plan = conn.execute(text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {q.source(layer)} t {where}"),
                        _count_params(params)).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def _count(conn: Connection, layer: Layer, where: str, params: dict, q: ItemQuery) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {q.source(layer)} t {where}"), _count_params(params)).scalar_one())


def fetch_item(conn: Connection, layer: Layer, fields: tuple[Field, ...], fid: str, crs: OgcCrs = CRS84,
               as_of: datetime | None = None) -> dict | None:
    source = ItemQuery(as_of=as_of).source(layer)
    row = conn.execute(text(f"{select_sql(layer, fields, crs, source)} WHERE t.{layer.id_column}::text = :fid"),
                       {"fid": fid, "as_of": as_of}).first()
    return _feature(row, fields) if row else None


def iter_rows(conn: Connection, layer: Layer, fields: tuple[Field, ...], q: ItemQuery, batch: int = 5000):
    """All matching rows (id, WKB geometry in q.crs, properties...) streamed with a server-side cursor."""
    params: dict = {"as_of": q.as_of}
    where = where_sql(layer, q, params)
    geom = q.crs.output_sql()
    cols = ", ".join(f"{f.expr} AS \"{f.name}\"" for f in fields)
    sql = (f"SELECT t.{layer.id_column} AS __id, ST_AsBinary({geom}) AS __wkb" + (f", {cols}" if cols else "")
           + f" FROM {q.source(layer)} t {where} {order_sql(layer, q)}")
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(text(sql), params)
    yield from result


def extent(conn: Connection, layer: Layer) -> list[float] | None:
    # On big tables ST_EstimatedExtent reads the planner's statistics instead of scanning every row.
    # A layer whose table is a subquery (a draft's zones) is small: no statistics to ask.
    big = not layer.table.startswith("(") and conn.execute(text(
        "SELECT reltuples > 50000 FROM pg_class WHERE oid = to_regclass(:t)"), {"t": layer.table}).scalar()
    agg = f"ST_EstimatedExtent('{layer.table}', 'geom')" if big else f"(SELECT ST_Extent(geom) FROM {layer.table} t)"
    row = conn.execute(text(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT {agg} AS e) s")).first()
    return [round(v, 6) for v in row] if row and row[0] is not None else None


def temporal_extent(conn: Connection, layer: Layer) -> list[str | None] | None:
    """[first, last] of the layer's temporal field as RFC 3339 UTC times, or None without one."""
    if not layer.temporal:
        return None
    expr = layer.field(layer.temporal).expr
    row = conn.execute(text(f"SELECT min({expr}), max({expr}) FROM {layer.table} t")).first()
    return [_utc(v) for v in row] if row else [None, None]


def _utc(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_names(conn: Connection, layer: Layer, names: list[str], q: str, limit: int) -> list:
    """Rows of a layer whose name columns (Chinese first, English last) contain q: id, names, a
    point on the surface as GeoJSON and the bbox; exact names first, then shorter names."""
    zh, en = names[0], names[-1]
    # A trigram index answers ILIKE for three characters or more; shorter text would make
    # the planner walk the whole index, so it is matched by a plain scan instead.
    if len(q) >= 3:
        match = " OR ".join(f"t.{n} ILIKE :p" for n in names)
    else:
        match = " OR ".join(f"strpos(lower(t.{n}), lower(:q)) > 0" for n in names)
    return conn.execute(text(
        f"SELECT t.{layer.id_column}::text AS id, t.{zh} AS name_zh, t.{en} AS name_en, "
        f"ST_AsGeoJSON(ST_PointOnSurface(t.geom), 6) AS point, "
        f"ST_XMin(t.geom) AS x1, ST_YMin(t.geom) AS y1, ST_XMax(t.geom) AS x2, ST_YMax(t.geom) AS y2 "
        f"FROM {layer.table} t WHERE {match} "
        f"ORDER BY (t.{zh} = :q OR t.{en} = :q) DESC, length(t.{zh}), t.{zh} LIMIT :n"),
        {"p": f"%{_escape_like(q)}%", "q": q, "n": limit}).all()


# -- vector tiles (app.ogc.tiles decides what to draw and caches; the SQL is here) -------------------
def _mvt_prop_sql(f) -> str:
    # MVT values are scalars: lists become comma-joined text, times ISO text.
    if f.type == "array":
        return f"array_to_string({f.expr}, ',') AS \"{f.name}\""
    if f.type == "datetime":
        return f"to_char({f.expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \"{f.name}\""
    return f"{f.expr} AS \"{f.name}\""


def layer_tile(conn: Connection, layer: Layer, fields, z: int, x: int, y: int, extent: int,
               buffer: int, industries: tuple[str, ...] | None = None, zone: str | None = None) -> tuple[int, bytes]:
    """(the layer's data version, its MVT at z/x/y) from one statement, so the two agree; optionally only
    the rows of these plan industries and/or inside one zone (its ``zones`` holds it)."""
    bounds = f"t.geom && ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => {buffer / extent}), 4326)"
    mvt_geom = f"ST_AsMVTGeom(ST_Transform(t.geom, 3857), ST_TileEnvelope(:z, :x, :y), {extent}, {buffer}, true)"
    cols = ", ".join(["t.%s::text AS id" % layer.id_column, *(_mvt_prop_sql(f) for f in fields)])
    body = f"SELECT {cols}, {mvt_geom} AS geom FROM {layer.table} t WHERE {bounds}"
    if industries is not None:
        body += " AND t.plan_industry = ANY(:inds)"
    if zone is not None:
        body += " AND :zone = ANY(t.zones)"
    # A small tile is faster without parallel workers (starting them costs ~10 ms).
    conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    row = conn.execute(text(
        f"SELECT {data_version_sql('layer')} AS version, (SELECT ST_AsMVT(q, '{layer.id}', {extent}, 'geom') "
        f"FROM ({body}) q WHERE q.geom IS NOT NULL) AS mvt"),
        {"z": z, "x": x, "y": y, "layer": layer.id, "inds": list(industries or ()), "zone": zone}).one()
    return int(row.version or 0), bytes(row.mvt or b"")


def point_coordinates(conn: Connection, layer: Layer, version_key: str, industries: tuple[str, ...] | None = None,
                      zone: str | None = None) -> tuple[int, np.ndarray, np.ndarray]:
    """(the data version ``version_key``, lon, lat of every point, optionally of these plan industries
    and/or inside one zone) in one statement, so the version and the points agree."""
    terms = (["plan_industry = ANY(:inds)"] if industries is not None else []) + \
        ([":zone = ANY(zones)"] if zone is not None else [])
    where = (" WHERE " + " AND ".join(terms)) if terms else ""
    row = conn.execute(text(
        f"SELECT {data_version_sql('c')} AS version, "
        f"array_agg(ST_X(geom)) AS lon, array_agg(ST_Y(geom)) AS lat FROM {layer.table}{where}"),
        {"c": version_key, "inds": list(industries or ()), "zone": zone}).one()
    return int(row.version or 0), np.asarray(row.lon or [], dtype=float), np.asarray(row.lat or [], dtype=float)


# More changes than this since a process's pyramid and it reads the points again (a big import).
MAX_LOGGED_CHANGES = 50_000


def point_changes_since(conn: Connection, version_key: str, held: int, industries: tuple[str, ...] | None = None):
    """(current version, lon, lat, delta) of the points that changed under ``version_key`` after ``held``
    (-1 where a point was, +1 where it is; migration 0014), optionally of these plan industries; None when
    the log cannot stand in for the points (app.core.store.point_log_sql) or the changes are too many:
    then the caller reads every point again. One statement: the version and the changes agree."""
    current = "(SELECT current FROM v)"
    rows = conn.execute(text(
        f"WITH v AS (SELECT {data_version_sql('c')} AS current), {point_log_sql('c', 'held', current)} "
        f"SELECT v.current, (SELECT ok FROM point_log_complete), m.delta, m.lon, m.lat, m.plan_industry "
        f"FROM v LEFT JOIN (SELECT * FROM point_log WHERE delta <> 0 ORDER BY version "
        f"LIMIT {MAX_LOGGED_CHANGES + 1}) m ON true"), {"c": version_key, "held": held}).all()
    if not rows[0][1] or len(rows) > MAX_LOGGED_CHANGES:
        return None
    moved = [r for r in rows if r[2] and (industries is None or r[5] in industries)]
    return (int(rows[0][0] or 0), np.array([r[3] for r in moved], dtype=float),
            np.array([r[4] for r in moved], dtype=float), np.array([r[2] for r in moved], dtype=np.int64))


def count_tile(conn: Connection, layer: Layer, xs: list[int], ys: list[int], counts: list[int], extent: int) -> bytes:
    """An MVT of point counts at tile pixel positions (the aggregated view of a point layer)."""
    mvt = conn.execute(text(
        f"SELECT ST_AsMVT(q, '{layer.id}', {extent}, 'geom') FROM (SELECT c AS point_count, ST_Point(px, py) AS geom "
        f"FROM unnest(CAST(:xs AS int[]), CAST(:ys AS int[]), CAST(:cs AS int[])) AS u(px, py, c)) q"),
        {"xs": xs, "ys": ys, "cs": counts}).scalar_one()
    return bytes(mvt or b"")
