"""H3 hex bins as Mapbox vector tiles: /analytics/hexbins/tiles/WebMercatorQuad/{z}/{x}/{y}.

The cells are those of /analytics/hexbins: gis.hexbin bins the enterprises once per resolution, plan
industry, role view and enterprises data version (one REPEATABLE READ snapshot holds the version and
the rows). A tile takes the cells whose bounding box meets the tile and its buffer, hands their polygons
(WKB) and values (arrays) to PostGIS through unnest, and PostGIS builds the tile with
ST_AsMVTGeom(ST_TileEnvelope(z, x, y)) and ST_AsMVT. One layer, ``hexbins``, with ``h3``, ``count``,
``employees``, ``band`` (its quantile class, e.g. "3–5"),
``band_class`` (0–4) and, for roles that may see enterprises' output values, ``output_value``.

Resolution by zoom when ``resolution`` is not given (RESOLUTION_BY_ZOOM): z <= 11 -> 7, z 12-13 -> 8,
z >= 14 -> 9, so a cell is some 25-45 px across where its resolution starts.

Freshness: tiles and binnings are cached per application, keyed by the enterprises data version read
in the request's snapshot; every writer bumps that counter in its own transaction, so no process serves
a tile older than the last committed edit or import. The ETag is that key; Cache-Control is public for
the public view and private otherwise (both revalidate).
"""
from __future__ import annotations

import math
import re
import threading

import numpy as np
import shapely
from fastapi import APIRouter, Depends, Request, Response

from app.analytics import store as data
from app.analytics.routes import (
    _check_zone,
    _enterprise_roles,
    _industry,
    _resolution,
    _zone_id,
    hex_classes,
)
from app.core.auth import Principal, current_principal
from app.core.cache import LruCache
from app.core.db import reader
from app.core.errors import bad_request
from app.core.http import base_url, etag_for, not_modified
from app.core.params import parse_query
from app.ogc.tiles import BUFFER, EXTENT, MAX_ZOOM, MVT
from gis import hexbin
from layers.registry import role_allows

router = APIRouter(tags=["analytics"])

LAYER = "hexbins"
TILE_PATH = "/analytics/hexbins/tiles/WebMercatorQuad"
# (highest zoom, resolution) in order; zooms above the last entry use the finest resolution.
RESOLUTION_BY_ZOOM = ((11, 7), (13, 8), (MAX_ZOOM, 9))
TILE_PARAMS = {"resolution": (_resolution, None), "plan_industry": (_industry, None), "zone": (_zone_id, None)}
WORLD = 20037508.342789244  # half the WebMercatorQuad extent, metres
_INT = re.compile(r"^[0-9]{1,7}$")


def resolution_for_zoom(z: int) -> int:
    return next(res for top, res in RESOLUTION_BY_ZOOM if z <= top)


def _tile_address(z: str, x: str, y: str) -> tuple[int, int, int]:
    if not all(_INT.match(v) for v in (z, x, y)):
        raise bad_request(f"tile {z}/{x}/{y}: z, x and y must be non-negative integers")
    zi, xi, yi = int(z), int(x), int(y)
    if zi > MAX_ZOOM:
        raise bad_request(f"zoom {zi} is outside the WebMercatorQuad levels 0..{MAX_ZOOM}")
    if not (xi < 2 ** zi and yi < 2 ** zi):
        raise bad_request(f"tile {zi}/{xi}/{yi} is outside the WebMercatorQuad matrix (0..{2 ** zi - 1} at zoom {zi})")
    return zi, xi, yi


def tile_lonlat_bounds(z: int, x: int, y: int, margin: float = 0.0) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees of a tile grown by ``margin`` (a fraction of its size)."""
    size = 2 * WORLD / 2 ** z
    west, east = -WORLD + (x - margin) * size, -WORLD + (x + 1 + margin) * size
    north, south = WORLD - (y - margin) * size, WORLD - (y + 1 + margin) * size

    def lat(my):
        return math.degrees(math.atan(math.sinh(my / 6378137.0)))
    return west / 6378137.0 * 180 / math.pi, lat(south), east / 6378137.0 * 180 / math.pi, lat(north)


# -- the caches of one application -----------------------------------------------------------------
_STATE_LOCK = threading.Lock()


def _caches(app) -> tuple[LruCache, LruCache]:
    state = app.state
    if getattr(state, "hexbin_tiles", None) is None:
        with _STATE_LOCK:
            if getattr(state, "hexbin_tiles", None) is None:
                state.hexbin_cells = LruCache(max_entries=24)
                state.hexbin_tiles = LruCache(max_bytes=32 * 1024 * 1024)
    return state.hexbin_tiles, state.hexbin_cells


def _binned_cells(conn, resolution: int, industry: str | None, zone: str | None, show_output: bool) -> dict:
    """Every occupied cell of the district (or of one zone's firms): WKB polygon, bounding box and values
    (as /analytics/hexbins)."""
    pts = data.enterprise_points(conn, industry, zone)
    bins = hexbin.bin_points(pts["lon"], pts["lat"], resolution, pts["employees"],
                             pts["output"] if show_output else None)
    polygons = np.array([shapely.Polygon(hexbin.cell_polygon(c)["coordinates"][0]) for c in bins.cells.tolist()],
                        dtype=object)
    counts = bins.count.astype(np.int64)
    classes, described = hex_classes(counts)
    which = classes.classify(counts)
    return {"classes": described,"wkb": shapely.to_wkb(polygons), "bounds": shapely.bounds(polygons).reshape(-1, 4),
            "h3": np.array(hexbin.cell_strings(bins.cells), dtype=object),
            "count": counts, "employees": np.rint(bins.employees).astype(np.int64),
            "band": np.array([classes.labels[i] for i in which], dtype=object),
            "band_class": np.array([classes.ramp[i] for i in which], dtype=np.int64),
            "output": None if bins.output is None else np.round(bins.output, 2)}


def _mvt(conn, cells: dict, z: int, x: int, y: int) -> bytes:
    w, s, e, n = tile_lonlat_bounds(z, x, y, BUFFER / EXTENT)
    b = cells["bounds"]
    pick = np.nonzero((b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s))[0]
    if pick.size == 0:
        return b""
    columns = [("wkb", "bytea"), ("h3", "text"), ("count", "bigint"), ("employees", "bigint"), ("band", "text"),
               ("band_class", "int")]
    if cells["output"] is not None:
        columns.append(("output", "float8"))
    params = {name: [v.item() if hasattr(v, "item") else v for v in cells[name][pick]] for name, _ in columns}
    return data.cells_mvt(conn, LAYER, columns, params, z, x, y, EXTENT, BUFFER)


# -- routes ----------------------------------------------------------------------------------------
def _role_view(principal: Principal) -> bool:
    """Checks the role may see enterprises at all; True when it may also see output values."""
    least, output_role = _enterprise_roles()
    principal.require(least)
    return role_allows(principal.role, output_role)


@router.get(TILE_PATH + "/tilejson.json", summary="TileJSON of the H3 hex-bin vector tiles")
def hexbin_tilejson(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, TILE_PARAMS)
    show_output = _role_view(principal)
    query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    fields = {"h3": "string: H3 cell index", "count": "integer: enterprises in the cell",
              "employees": "integer: their employees", "band": "string: the cell's count class (quantile breaks, e.g. 3–5)",
              "band_class": "integer: the class's step 0–4 on the colour ramp (HEX_CLASS_COLOURS)"}
    if show_output:
        fields["output_value"] = "number: their output value, 万元 (confidential)"
    rule = [{"minzoom": lo, "maxzoom": hi, "resolution": res} for (lo, (hi, res)) in
            zip([0] + [top + 1 for top, _ in RESOLUTION_BY_ZOOM[:-1]], RESOLUTION_BY_ZOOM)]
    # The count classes of each resolution the tiles use (what a legend shows), from the tiles' own binnings.
    _, binnings = _caches(request.app)
    resolutions = [params["resolution"]] if params["resolution"] is not None else [r["resolution"] for r in rule]
    classes = {}
    with request.app.state.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        _check_zone(conn, params["zone"])
        version = data.versions(conn)["enterprises"]
        for res in resolutions:
            cells, _ = binnings.get_or_compute(
                (res, params["plan_industry"], params["zone"], show_output, version),
                lambda r=res: _binned_cells(conn, r, params["plan_industry"], params["zone"], show_output))
            classes[str(res)] = cells["classes"]
    return {"tilejson": "3.0.0", "name": "企业密度 H3 六边形 Enterprises per H3 cell", "scheme": "xyz",
            "tiles": [f"{base_url(request)}{TILE_PATH}/{{z}}/{{x}}/{{y}}" + (f"?{query}" if query else "")],
            "minzoom": 0, "maxzoom": MAX_ZOOM, "bounds": [120.85, 30.94, 121.32, 31.30], "center": [121.09, 31.12, 11],
            "vector_layers": [{"id": LAYER, "description": "Enterprises and employees per H3 cell", "minzoom": 0,
                               "maxzoom": MAX_ZOOM, "fields": fields}],
            "resolution": params["resolution"] if params["resolution"] is not None else {"by_zoom": rule},
            "classes": classes,
            "attribution": "青浦区产业布局 Qingpu industrial layout"}


@router.get(TILE_PATH + "/{z}/{x}/{y}", summary="Enterprises and employees per H3 cell as a vector tile",
            description="resolution 7–9; when omitted it follows the zoom: z ≤ 11 → 7, 12–13 → 8, ≥ 14 → 9. "
                        "plan_industry and zone filter like /analytics/hexbins.")
def hexbin_tile(z: str, x: str, y: str, request: Request, principal: Principal = Depends(current_principal)):
    zi, xi, yi = _tile_address(z, x, y)
    params = parse_query(request, TILE_PARAMS)
    show_output = _role_view(principal)
    resolution = params["resolution"] or resolution_for_zoom(zi)
    industry, zone = params["plan_industry"], params["zone"]
    tiles, binnings = _caches(request.app)
    engine = reader(request, principal)
    # One snapshot: the version that keys the cache and the rows binned under it.
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        _check_zone(conn, zone)
        version = data.versions(conn)["enterprises"]
        key = (resolution, industry, zone, show_output, zi, xi, yi, version)
        etag = etag_for("hexbins", *key)
        headers = {"ETag": etag, "Cache-Control": "private, no-cache" if show_output else "public, no-cache",
                   "Vary": "Authorization", "X-H3-Resolution": str(resolution)}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        tile = tiles.get(key)
        if tile is None:
            cells, _ = binnings.get_or_compute((resolution, industry, zone, show_output, version),
                                               lambda: _binned_cells(conn, resolution, industry, zone, show_output))
            tile = _mvt(conn, cells, zi, xi, yi)
            tiles.put(key, tile)
    return Response(tile, media_type=MVT, headers=headers)
