"""The OpenAPI 3.0 document the service describes itself with (`/openapi.json`, rel=service-desc).

FastAPI writes OpenAPI 3.1; OGC API – Features Part 1 knows only 3.0 (conformance class oas30)
and QGIS, GDAL and generated clients read 3.0. So the generated document is converted to 3.0.3
(nullable instead of null types, boolean exclusive bounds, one example) and completed with what the
routes do but FastAPI cannot see, since they read the query string themselves: the bearer scheme,
the shared parameters under components (QGIS reads components.parameters.limit), problem+json for
every error, the real media types (vector tiles, GeoJSON, CSV, XLSX, GeoPackage, MapLibre styles),
the Feature bodies and If-Match of zone edits, and per-collection item paths with their queryables.
"""
from __future__ import annotations

import copy

from fastapi.openapi.utils import get_openapi

from app.ogc.params import FILTER_LANGS, queryables
from layers.registry import LAYERS, ROLES

PROBLEM = "application/problem+json"
GEOJSON = "application/geo+json"
MVT = "application/vnd.mapbox-vector-tile"
STATUS_TEXT = {400: "Bad request: a parameter or body is wrong (the detail names it)",
               401: "A bearer token is needed, or the one sent is invalid or expired",
               403: "The token's role may not do this",
               404: "No such collection, feature or resource (or not visible to this role)",
               406: "None of the accepted media types is offered",
               409: "Conflict with the current state",
               412: "If-Match does not name the current version (someone saved in between)",
               415: "Unsupported media type of the body",
               422: "The body is well-formed but not valid",
               428: "If-Match is required: fetch the feature and send its ETag",
               429: "Too many sign-in attempts; Retry-After says when to try again",
               503: "The layout is not loaded or the database is unavailable"}
# Media types of routes whose responses FastAPI describes as JSON.
MEDIA = {
    "/collections/{collection_id}/items": {GEOJSON: {"$ref": "#/components/schemas/FeatureCollection"},
                                          "text/html": {"type": "string"}, "text/csv": {"type": "string"}},
    "/collections/{collection_id}/items/{fid}": {GEOJSON: {"$ref": "#/components/schemas/Feature"},
                                                "text/html": {"type": "string"}},
    "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}": {MVT: {"type": "string", "format": "binary"}},
    "/tiles/WebMercatorQuad/{z}/{x}/{y}": {MVT: {"type": "string", "format": "binary"}},
    "/analytics/hexbins/tiles/WebMercatorQuad/{z}/{x}/{y}": {MVT: {"type": "string", "format": "binary"}},
    "/collections/{collection_id}/export": {
        GEOJSON: {"type": "object"}, "application/geopackage+sqlite3": {"type": "string", "format": "binary"},
        "text/csv": {"type": "string"},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"type": "string", "format": "binary"}},
    "/search": {GEOJSON: {"$ref": "#/components/schemas/FeatureCollection"}},
    "/analytics/zones": {GEOJSON: {"type": "object"}},
    "/analytics/hexbins": {GEOJSON: {"type": "object"}},
    "/analytics/hotspots": {GEOJSON: {"type": "object"}},
    "/analytics/density": {GEOJSON: {"type": "object"}, "image/png": {"type": "string", "format": "binary"}},
    "/sites/export": {"text/csv": {"type": "string"}, "application/geopackage+sqlite3": {"type": "string",
                                                                                        "format": "binary"}},
    "/styles/{style_id}": {"application/vnd.mapbox.style+json": {"type": "object"}},
    "/collections/{collection_id}/queryables": {"application/schema+json": {"type": "object"},
                                                "text/html": {"type": "string"}},
}
HTML_TOO = ("/", "/conformance", "/collections", "/collections/{collection_id}")
TILE_PATHS = [p for p, m in MEDIA.items() if MVT in m]


def _param(name: str, description: str, schema: dict, location: str = "query", **extra) -> dict:
    return {"name": name, "in": location, "required": False, "description": description, "schema": schema, **extra}


def shared_parameters(max_limit: int) -> dict:
    return {
        "limit": _param("limit", f"features per page; above {max_limit:,} the page is served at {max_limit:,}",
                        {"type": "integer", "minimum": 1, "maximum": max_limit, "default": 100},
                        style="form", explode=False),
        "offset": _param("offset", "features to skip (the next link pages for you)",
                         {"type": "integer", "minimum": 0, "default": 0}),
        "bbox": _param("bbox", "minx,miny,maxx,maxy in the axis order of bbox-crs (CRS84: lon,lat)",
                       {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                       style="form", explode=False),
        "datetime": _param("datetime", "on collections with a temporal property (extent.temporal): an RFC 3339 "
                                       "instant, a date, or start/end with '..' for an open end",
                           {"type": "string"}, style="form", explode=False),
        "bbox-crs": _param("bbox-crs", "CRS of bbox (URI or EPSG:n): CRS84, 4326, 4490 or 4549", {"type": "string"}),
        "crs": _param("crs", "CRS of the response geometries (URI or EPSG:n)", {"type": "string"}),
        "filter": _param("filter", "CQL2 filter over the queryables", {"type": "string"}),
        "filter-lang": _param("filter-lang", "language of filter", {"type": "string", "enum": list(FILTER_LANGS)}),
        "filter-crs": _param("filter-crs", "CRS of geometries in filter", {"type": "string"}),
        "sortby": _param("sortby", "comma-separated queryables, each optionally prefixed with + or -",
                         {"type": "string"}),
        "properties": _param("properties", "comma-separated properties to return", {"type": "string"}),
        "If-Match": _param("If-Match", "the ETag of the version being changed (from GET of the feature)",
                           {"type": "string"}, location="header", required=True),
    }


FEATURE = {"type": "object", "required": ["type", "geometry", "properties"],
           "properties": {"type": {"type": "string", "enum": ["Feature"]},
                          "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                          "geometry": {"type": "object", "nullable": True,
                                       "required": ["type"],
                                       "properties": {"type": {"type": "string"},
                                                      "coordinates": {"type": "array", "items": {}}}},
                          "properties": {"type": "object", "nullable": True},
                          "comment": {"type": "string", "description": "the change comment of a zone edit"},
                          "links": {"type": "array", "items": {"type": "object"}}}}
SCHEMAS = {
    "Problem": {"type": "object", "required": ["title", "status"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"},
                               "instance": {"type": "string"}}},
    "Feature": FEATURE,
    "FeatureCollection": {"type": "object", "required": ["type", "features"],
                          "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                         "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
                                         "numberMatched": {"type": "integer", "minimum": 0},
                                         "numberMatchedEstimate": {"type": "integer", "minimum": 0},
                                         "numberReturned": {"type": "integer", "minimum": 0},
                                         "timeStamp": {"type": "string", "format": "date-time"},
                                         "links": {"type": "array", "items": {"type": "object"}}}},
}
ITEM_REFS = ["bbox", "bbox-crs", "datetime", "limit", "offset", "filter", "filter-lang", "filter-crs", "sortby",
             "properties", "crs"]


def _down_convert(node):
    """OpenAPI 3.1 (JSON Schema 2020-12) constructs FastAPI emits, rewritten as their 3.0 equivalents."""
    if isinstance(node, list):
        return [_down_convert(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: _down_convert(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            del node[key]
            node.update(rest[0] if len(rest) == 1 else {key: rest})
            node["nullable"] = True
    if isinstance(node.get("type"), list):
        types = [t for t in node["type"] if t != "null"]
        if len(types) < len(node["type"]):
            node["nullable"] = True
        node["type"] = types[0] if len(types) == 1 else types
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), (int, float)) and not isinstance(node.get(bound), bool):
            node[flag], node[bound] = node[bound], True
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list) and "in" not in node:
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    if "contentMediaType" in node:
        node.pop("contentMediaType")
        node["format"] = "binary"
    return node


def _problem(status: int) -> dict:
    return {"description": STATUS_TEXT[status], "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _json_body(content: dict) -> dict:
    return {k: v for k, v in content.items()}


def openapi_document(app) -> dict:
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    doc = _down_convert(doc)
    doc["openapi"] = "3.0.3"
    max_limit = app.state.settings.max_items_limit
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {}).update(copy.deepcopy(SCHEMAS))
    components["parameters"] = shared_parameters(max_limit)
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": f"a token from POST /auth/token; roles: {', '.join(ROLES[1:])} (no token: public)"},
        "password": {"type": "oauth2", "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}}}}
    doc["security"] = [{}, {"bearer": []}]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            _complete(path, method, op)
    _zone_edits(doc["paths"])
    _per_collection_items(doc["paths"])
    _path_enums(doc["paths"])
    doc["paths"]["/search"]["get"]["parameters"] = [
        _param("q", "words of a name (1 to 100 characters)", {"type": "string", "minLength": 1, "maxLength": 100,
                                                               "pattern": r"\S"}, required=True),
        _param("limit", "at most this many per collection", {"type": "integer", "minimum": 1, "maximum": 50,
                                                             "default": 10})]
    app.openapi_schema = doc
    return doc


def _complete(path: str, method: str, op: dict) -> None:
    responses = op.setdefault("responses", {})
    responses.pop("422", None)  # validation errors are answered as 400 problems
    ok = responses.get("200") or responses.get("201") or responses.get("204")
    if method in ("get", "post") and path in MEDIA and "200" in responses:
        responses["200"]["content"] = {media: {"schema": schema} for media, schema in MEDIA[path].items()}
    if method == "get" and path in HTML_TOO and "200" in responses:
        responses["200"].setdefault("content", {})["text/html"] = {"schema": {"type": "string"}}
    if path in TILE_PATHS:
        responses["304"] = {"description": "Not modified (If-None-Match named the current ETag)"}
        responses["204"] = {"description": "An empty tile"}
    if method == "options":
        op["responses"] = {"204": {"description": "Allow lists the methods this caller may use here",
                                   "headers": {"Allow": {"schema": {"type": "string"}}}}}
        responses = op["responses"]
    for status in (400, 401, 404, 406, 503):
        responses.setdefault(str(status), _problem(status))
    if method in ("post", "put", "patch", "delete"):
        for status in (403, 409, 415, 422):
            responses.setdefault(str(status), _problem(status))
    if path.startswith("/auth/"):
        responses.setdefault("429", _problem(429))
    if ok is None and method != "options":
        responses.setdefault("200", {"description": "OK"})


def _zone_edits(paths: dict) -> None:
    feature = {"schema": {"$ref": "#/components/schemas/Feature"}}
    body = {"required": True, "content": {GEOJSON: feature, "application/json": feature}}
    merge = {"schema": {"type": "object", "properties": {"geometry": {"type": "object", "nullable": True},
                                                         "properties": {"type": "object"},
                                                         "comment": {"type": "string"}}}}
    edit_params = [{"$ref": "#/components/parameters/If-Match"},
                   _param("comment", "the change comment (or \"comment\" in the body, or X-Change-Comment)",
                          {"type": "string"}),
                   _param("dryRun", "true: answer with the impact and change nothing", {"type": "boolean"}),
                   _param("X-Change-Comment", "the change comment, percent-encoded", {"type": "string"},
                          location="header")]
    created = {"201": {"description": "Created; Location names the new zone",
                       "headers": {"Location": {"schema": {"type": "string"}}, "ETag": {"schema": {"type": "string"}}},
                       "content": {"application/json": {"schema": {"type": "object"}}}}}
    for path, ops in paths.items():
        if not path.startswith("/collections/zones/items"):
            continue
        for method, op in ops.items():
            if method == "post" and path == "/collections/zones/items":
                op["requestBody"] = body
                op["parameters"] = [p for p in edit_params if p.get("$ref") is None]
                op["responses"].update(created)
                op["security"] = [{"bearer": []}]
            elif method in ("put", "patch", "delete") or path.endswith("/rollback"):
                if method == "put":
                    op["requestBody"] = body
                elif method == "patch":
                    op["requestBody"] = {"required": True, "content": {"application/merge-patch+json": merge,
                                                                       "application/json": merge}}
                op["parameters"] = [*op.get("parameters", []), *edit_params]
                for status in (412, 428):
                    op["responses"].setdefault(str(status), _problem(status))
                op["security"] = [{"bearer": []}]


def _per_collection_items(paths: dict) -> None:
    """GET /collections/<id>/items for each collection, with its public queryables as ?name=value."""
    generic = paths["/collections/{collection_id}/items"]["get"]
    generic["parameters"] = [*(p for p in generic.get("parameters", []) if p.get("in") == "path"),
                             *({"$ref": f"#/components/parameters/{name}"} for name in ITEM_REFS),
                             _param("asOf", "zones only: the collection as it stood then", {"type": "string"}),
                             _param("f", "format", {"type": "string", "enum": ["json", "html", "csv"]})]
    for layer in LAYERS.values():
        params = [{"$ref": f"#/components/parameters/{name}"} for name in ITEM_REFS
                  if name != "datetime" or layer.temporal]
        for name, f in queryables(layer, layer.least_role).items():
            schema = {"integer": {"type": "integer"}, "number": {"type": "number"}, "boolean": {"type": "boolean"},
                      "datetime": {"type": "string", "format": "date-time"}}.get(f.type, {"type": "string"})
            params.append(_param(name, f"{f.title}: features whose {name} equals this", schema,
                                 style="form", explode=False))
        if layer.history_sql:
            params.append(_param("asOf", "the collection as it stood at this time (ISO 8601 with a zone)",
                                 {"type": "string", "format": "date-time"}))
        params.append(_param("f", "format", {"type": "string", "enum": ["json", "html", "csv"]}))
        op = copy.deepcopy(generic)
        op.update(operationId=f"items_{layer.id}", summary=f"{layer.title}: features", parameters=params)
        op.setdefault("tags", [])
        if layer.least_role != "public":
            op["security"] = [{"bearer": []}]
        paths.setdefault(f"/collections/{layer.id}/items", {})["get"] = op


# Path parameters whose values are a fixed list (a client can offer them; anything else is a 404).
PATH_ENUMS = {"collection_id": sorted(LAYERS), "tms": ["WebMercatorQuad"], "style_id": ["default"]}


def _path_enums(paths: dict) -> None:
    for ops in paths.values():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p.get("in") == "path" and p.get("name") in PATH_ENUMS:
                    p["schema"] = {"type": "string", "enum": PATH_ENUMS[p["name"]]}
