"""Query parameters of item requests (OGC API – Features Parts 1–3), checked strictly.

Items and exports take the same parameters and so filter the same way. A mistake is a 400
problem naming the parameter; nothing unknown is ignored silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import shapely
from fastapi import Request

from app.core.errors import bad_request
from app.core.params import check_params, int_param
from app.ogc import cql2
from app.ogc.crs import CRS84, OgcCrs, bbox_polygon, parse_crs
from app.ogc.features import ItemQuery
from layers.registry import Field, Layer

FILTER_PARAMS = {"bbox", "bbox-crs", "filter", "filter-lang", "filter-crs", "sortby", "properties", "crs"}
FILTER_LANGS = ("cql2-text", "cql2-json")


@dataclass
class ParsedItems:
    query: ItemQuery
    fields: tuple[Field, ...]  # the properties to return, in registry order


def queryables(layer: Layer, role: str) -> dict[str, Field]:
    return {f.name: f for f in layer.fields_for(role) if f.queryable}


def typed_value(f: Field, raw: str):
    try:
        if f.type == "integer":
            return int(raw)
        if f.type == "number":
            return float(raw)
        if f.type == "boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError
            return raw.lower() == "true"
        if f.type == "datetime":
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    except ValueError:
        raise bad_request(f"{f.name} must be of type {f.type}; got '{raw}'")
    return raw


def parse_filter(request: Request, fields: dict[str, Field]) -> tuple[str | None, dict]:
    raw = request.query_params.get("filter")
    lang = request.query_params.get("filter-lang", "cql2-text")
    if lang not in FILTER_LANGS:
        raise bad_request(f"filter-lang '{lang}' is not supported; use {' or '.join(FILTER_LANGS)}")
    filter_crs = parse_crs(request.query_params.get("filter-crs"), "filter-crs")
    if raw is None:
        if "filter-lang" in request.query_params or "filter-crs" in request.query_params:
            raise bad_request("filter-lang and filter-crs need a filter")
        return None, {}
    try:
        tree = cql2.parse(raw, lang)
        compiler = cql2.Compiler(fields, to_storage=filter_crs.to_storage)
        return compiler.compile(tree), compiler.params
    except cql2.Cql2Error as exc:
        raise bad_request(str(exc), position=exc.position, filter_lang=lang)


def parse_sortby(raw: str | None, fields: dict[str, Field]) -> list[tuple[str, bool]]:
    if raw is None:
        return []
    keys = []
    for part in raw.split(","):
        part = part.strip()
        desc = part.startswith("-")
        name = part.lstrip("+-").strip()
        f = fields.get(name)
        if f is None or f.type == "array":
            raise bad_request(f"sortby: '{name}' is not a sortable property; use one of "
                              f"{', '.join(n for n, x in fields.items() if x.type != 'array')} with an optional + or -")
        keys.append((name, desc))
    return keys


def parse_properties(raw: str | None, visible: tuple[Field, ...]) -> tuple[Field, ...]:
    if raw is None:
        return visible
    names = [n.strip() for n in raw.split(",") if n.strip()]
    by_name = {f.name: f for f in visible}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise bad_request(f"properties: unknown propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                          f"use names from {', '.join(by_name)}")
    return tuple(f for f in visible if f.name in names)


def parse_items(request: Request, layer: Layer, role: str, *, extra: set[str], default_limit: int | None,
                max_limit: int | None) -> ParsedItems:
    visible = layer.fields_for(role)
    qfields = queryables(layer, role)
    check_params(request, extra | FILTER_PARAMS | set(qfields) | ({"limit", "offset"} if max_limit else set())
                 | ({"asOf"} if layer.history_sql else set()) | ({"datetime"} if layer.temporal else set()))
    p = request.query_params
    bbox = None
    if "bbox" in p:
        poly, _ = bbox_polygon(p["bbox"], parse_crs(p.get("bbox-crs"), "bbox-crs"))
        bbox = shapely.to_wkb(poly)
    elif "bbox-crs" in p:
        raise bad_request("bbox-crs needs a bbox")
    filter_sql, filter_params = parse_filter(request, qfields)
    query = ItemQuery(
        bbox=bbox,
        # A limit above the maximum is served at the maximum (OGC API – Features Part 1, /req/core/fc-limit-response).
        limit=min(int_param(request, "limit", default_limit, 1, 10**9), max_limit) if max_limit else None,
        offset=int_param(request, "offset", 0, 0, 10**9) if max_limit else 0,
        equals={n: typed_value(qfields[n], v) for n, v in p.items() if n in qfields},
        filter_sql=filter_sql, filter_params=filter_params,
        sortby=parse_sortby(p.get("sortby"), qfields),
        crs=parse_crs(p.get("crs"), "crs"),
        as_of=parse_as_of(p["asOf"]) if "asOf" in p else None,
        time_range=parse_datetime(p["datetime"]) if "datetime" in p else None)
    return ParsedItems(query, parse_properties(p.get("properties"), visible))


def parse_as_of(raw: str) -> datetime:
    """asOf=<ISO 8601 time with a zone>: the layer as it stood then."""
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"asOf must be an ISO 8601 time such as 2026-11-27T10:00:00Z; got '{raw}'")
    if when.tzinfo is None:
        raise bad_request("asOf needs a time zone, e.g. 2026-11-27T10:00:00+08:00 or ...Z")
    return when


def _instant(raw: str, end: bool) -> datetime | None:
    """One end of a datetime interval: '..' or '' is open; a date alone covers its whole (UTC) day."""
    if raw in ("", ".."):
        return None
    if raw.startswith("0000-"):  # QGIS writes an open start as year 0000, which Python cannot hold
        return None
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).replace(tzinfo=timezone.utc)
            return day + timedelta(days=1, microseconds=-1) if end else day
        when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise bad_request(f"datetime: '{raw}' is not an RFC 3339 time such as 2026-11-27T10:00:00Z or a date "
                          "such as 2026-11-27")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def parse_datetime(raw: str) -> tuple[datetime | None, datetime | None]:
    """datetime=<instant> | <start>/<end> with '..' (or nothing) for an open end (Part 1, /req/core/fc-time)."""
    if "/" not in raw:
        if raw.strip() in ("", ".."):
            raise bad_request("datetime: an instant cannot be open; use start/.. or ../end for an open interval")
        return _instant(raw.strip(), False), _instant(raw.strip(), True)
    parts = raw.split("/")
    if len(parts) != 2:
        raise bad_request(f"datetime: '{raw}' has more than one '/'; use an instant or start/end")
    start, end = _instant(parts[0].strip(), False), _instant(parts[1].strip(), True)
    if start is None and end is None and parts[0].strip() == parts[1].strip() == "":
        raise bad_request("datetime: an interval needs at least one end; use '../..' for any time")
    if start is not None and end is not None and start > end:
        raise bad_request(f"datetime: the interval starts after it ends ({parts[0]} > {parts[1]})")
    return start, end


def output_crs(request: Request) -> OgcCrs:
    return parse_crs(request.query_params.get("crs"), "crs") if "crs" in request.query_params else CRS84


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


# The item parameters for the OpenAPI document (the routes read them from the query string themselves,
# so that an unknown one is a 400 rather than silently ignored). Queryables are listed per collection at
# /collections/{id}/queryables and may be given as ?name=value.
OPENAPI_ITEM_PARAMETERS = [
    _param("bbox", "minx,miny,maxx,maxy in the axis order of bbox-crs (CRS84: lon,lat)"),
    _param("bbox-crs", "CRS of bbox: CRS84 (default), EPSG:4326, EPSG:4490 or EPSG:4549 (URI or EPSG:n)"),
    _param("filter", "CQL2 filter (text or JSON, see filter-lang); properties from /queryables"),
    _param("filter-lang", "cql2-text (default) or cql2-json", {"type": "string", "enum": list(FILTER_LANGS)}),
    _param("filter-crs", "CRS of the geometries in filter (default CRS84)"),
    _param("sortby", "comma-separated queryables, each optionally prefixed with + or -"),
    _param("properties", "comma-separated properties to return"),
    _param("crs", "CRS of the response geometries (default CRS84)"),
    _param("datetime", "collections with a temporal property (see extent.temporal): an RFC 3339 instant "
                       "(2026-11-27T10:00:00Z), a date, or an interval start/end with '..' for an open end"),
]
OPENAPI_PAGING = [
    _param("limit", "features per page", {"type": "integer", "minimum": 1, "default": 100}),
    _param("offset", "features to skip", {"type": "integer", "minimum": 0, "default": 0}),
]

