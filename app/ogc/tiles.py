"""Mapbox vector tiles (ST_AsMVT) of every registered layer, cached by the layer's data version.

`/collections/{id}/tiles/WebMercatorQuad/{z}/{x}/{y}` serves one layer, `/tiles/WebMercatorQuad/{z}/{x}/{y}
?collections=a,b` several in one tile (the map uses it). A tile carries the fields the caller's role
may see, and nothing else.

Freshness: every writer bumps `data_versions` in the transaction that changes the data. A request
reads the versions of its layers (one indexed query) and keys the cache and the ETag on them; a
tile built on a miss reads its data and the version in one statement (one snapshot) and is stored
under that version. So no process ever serves a tile older than the last committed edit.

Points below `POINT_DETAIL_ZOOM` are merged per cell of 64 tile units (64 x 64 cells a tile, 4 px
of a 256-px tile), each carrying only `point_count`: a district-wide tile of a million enterprises stays
small and draws the same picture. The counts come from a per-process pyramid (gis.point_grid) built
once per data version from one snapshot, so such a tile is a binary search plus ST_AsMVT of at most
4,096 points, never a scan of the table. Those tiles and the pyramid key on the layer's points
version (`<layer>:points`, bumped by a database trigger only when positions or plan industries may
have changed; migration 0011), not on the layer's version: a zone edit rewrites assignments only, so
after it every process keeps its pyramid and its low-zoom tiles, and the first such tile costs what a
warm one does. When points do move (an import, a corrected address), the enterprises' triggers log
what moved (migration 0014) and each process adjusts its pyramid's counts from the log instead of
reading every point again; it rebuilds only when a version is not fully logged (a big import).

Filters: `plan_industry=` (an industry with its children) and `zone=` (points whose `zones` hold it, as
the items' `zones IN (…)`) apply to the layers that carry those fields. A zone-filtered pyramid keys on
the layer's own version, since a zone edit changes which points it holds.
"""
from __future__ import annotations

import threading

from fastapi import APIRouter, Depends, Request, Response

from app.core.auth import Principal, current_principal
from app.core.cache import LruCache
from app.core.db import reader
from app.core.errors import bad_request, not_found
from app.core.http import base_url, etag_for, not_modified
from app.core.params import check_params
from app.core.store import data_versions, display_names, points_version_key, zone_exists
from app.ogc.access import visible_layer, visible_layers
from app.ogc.features import count_tile, layer_tile, point_changes_since, point_coordinates
from gis.point_grid import CELLS, PointGrid
from layers.registry import Layer
from plan.industries import PLAN_INDUSTRY_BY_ID
from plan.site_rules import industry_family

router = APIRouter(tags=["vector tiles"])

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096
BUFFER = 64
CELL = EXTENT // CELLS  # tile units per merged point cell below POINT_DETAIL_ZOOM
POINT_DETAIL_ZOOM = 15
MAX_ZOOM = 22
CACHE_BYTES = 96 * 1024 * 1024


_STATE_LOCK = threading.Lock()


def app_caches(app) -> tuple[LruCache, "GridStore"]:
    """The tile cache and point pyramids of one application (so one per database it serves)."""
    state = app.state
    if getattr(state, "tile_cache", None) is None:
        with _STATE_LOCK:
            if getattr(state, "tile_cache", None) is None:
                state.tile_grids = GridStore()
                state.tile_cache = LruCache(max_bytes=CACHE_BYTES)
    return state.tile_cache, state.tile_grids


class GridStore:
    """The point-count pyramid of each point layer, kept at the layer's points version: updated in place
    from the logged changes since (layers with ``points_logged``), else built again from every point."""

    def __init__(self):
        self._grids: dict[str, tuple[int, PointGrid]] = {}
        self._lock = threading.Lock()
        self.builds = 0  # pyramids built from every point, and updated from the change log (for tests)
        self.updates = 0

    def get(self, conn, layer: Layer, version: int, industries: tuple[str, ...] | None = None,
            zone: str | None = None) -> tuple[int, PointGrid]:
        key = (layer.id, industries, zone)
        held = self._grids.get(key)
        if held and held[0] >= version:
            return held
        with self._lock:  # one build per process, version and filter, the others wait for it
            held = self._grids.get(key)
            if held and held[0] >= version:
                return held
            if held and zone is None and layer.points_logged:
                changes = point_changes_since(conn, _grid_version_key(layer, zone), held[0], industries)
                if changes is not None and changes[0] >= version:
                    current, lon, lat, delta = changes
                    try:
                        held = (current, held[1].updated(lon, lat, delta))
                    except ValueError:  # the log and the pyramid disagree: trust the table
                        held = None
                    if held is not None:
                        self._grids[key] = held
                        self.updates += 1
                        return held
            built, lon, lat = point_coordinates(conn, layer, _grid_version_key(layer, zone), industries, zone)
            held = (built, PointGrid.build(lon, lat, POINT_DETAIL_ZOOM - 1))
            self._grids[key] = held
            self.builds += 1
            return held


def _grid_version_key(layer: Layer, zone: str | None) -> str:
    """What a layer's low-zoom point counts depend on: the points alone, or with a zone filter the
    assignments too (a zone edit changes which points it holds)."""
    return points_version_key(layer.id) if zone is None else layer.id


def _grid_tile(grids: "GridStore", conn, layer: Layer, version: int, z: int, x: int, y: int,
               industries: tuple[str, ...] | None, zone: str | None) -> tuple[int, bytes]:
    built_version, grid = grids.get(conn, layer, version, industries, zone)
    cols, rows, counts = grid.tile(z, x, y)
    if len(counts) == 0:
        return built_version, b""
    return built_version, count_tile(conn, layer, (cols * CELL + CELL // 2).tolist(),
                                     (rows * CELL + CELL // 2).tolist(), counts.tolist(), EXTENT)


def tile_fields(layer: Layer, role: str):
    names = getattr(layer, "tile_fields", None)
    fields = layer.fields_for(role)
    return tuple(f for f in fields if names is None or f.name in names)


def _check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise not_found(f"zoom {z} is outside the WebMercatorQuad levels 0..{MAX_ZOOM}")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise not_found(f"tile {z}/{x}/{y} is outside the WebMercatorQuad matrix (0..{2 ** z - 1} at zoom {z})")


def _role_is_public_view(layers: list[Layer], role: str) -> bool:
    return all(layer.least_role == "public" and tile_fields(layer, role) == tile_fields(layer, "public")
               for layer in layers)


def _industry_filter(request: Request) -> tuple[str, ...] | None:
    """`plan_industry=` (an id, with its children): only such points in the layers that carry the field."""
    raw = request.query_params.get("plan_industry")
    if raw is None:
        return None
    if raw not in PLAN_INDUSTRY_BY_ID:
        raise bad_request(f"unknown plan_industry {raw!r}; use one of {', '.join(PLAN_INDUSTRY_BY_ID)}")
    return tuple(industry_family(raw))


def _zone_filter(request: Request, conn) -> str | None:
    """`zone=` (a zone id): only the points inside that zone, in the layers that carry `zones`."""
    raw = request.query_params.get("zone")
    if raw is None:
        return None
    if not zone_exists(conn, raw):
        raise bad_request(f"unknown zone {raw[:100]!r}; use one of {', '.join(sorted(display_names(conn)['zones']))}")
    return raw


def render_tile(request: Request, principal: Principal, layers: list[Layer], z: int, x: int, y: int) -> Response:
    _check_tile(z, x, y)
    industries = _industry_filter(request)
    layers = [layer for layer in layers if layer.min_zoom <= z <= layer.max_zoom]
    role = principal.role
    public_view = _role_is_public_view(layers, role)
    field_keys = {layer.id: tuple(f.name for f in tile_fields(layer, role)) for layer in layers}
    cache_control = "public, no-cache" if public_view else "private, no-cache"
    cache, grids = app_caches(request.app)
    with reader(request, principal).connect() as conn:
        zone = _zone_filter(request, conn)
        in_zone = {layer.id: zone if layer.field("zones") else None for layer in layers}
        grid = {layer.id for layer in layers if layer.geometry_type == "Point" and z < POINT_DETAIL_ZOOM}
        keys = {layer.id: _grid_version_key(layer, in_zone[layer.id]) if layer.id in grid else layer.id
                for layer in layers}
        read = data_versions(conn, sorted(set(keys.values()))) if layers else {}
        versions = {layer_id: read[key] for layer_id, key in keys.items()}
        etag = etag_for(z, x, y, sorted(versions.items()), sorted(field_keys.items()), industries, zone)
        headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Authorization"}
        if not_modified(request, etag):
            return Response(status_code=304, headers=headers)
        parts = []
        for layer in layers:
            only, zone_of = (industries if layer.field("plan_industry") else None), in_zone[layer.id]
            key = (layer.id, z, x, y, field_keys[layer.id], only, zone_of, versions[layer.id])
            tile = cache.get(key)
            if tile is None:
                if layer.id in grid:
                    built, tile = _grid_tile(grids, conn, layer, versions[layer.id], z, x, y, only, zone_of)
                else:
                    built, tile = layer_tile(conn, layer, tile_fields(layer, role), z, x, y, EXTENT, BUFFER, only,
                                             zone_of)
                cache.put((layer.id, z, x, y, field_keys[layer.id], only, zone_of, built), tile)
            parts.append(tile)
    return Response(b"".join(parts), media_type=MVT, headers=headers)


@router.get("/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}", summary="A vector tile of one collection")
def collection_tile(collection_id: str, z: int, x: int, y: int, request: Request,
                    principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    check_params(request, {"f", "plan_industry", "zone", *layer.query_params})
    if request.query_params.get("f", "mvt") != "mvt":
        raise bad_request("tiles are offered as f=mvt only")
    return render_tile(request, principal, [layer], z, x, y)


def _named_layers(request: Request, principal: Principal) -> list[Layer]:
    raw = request.query_params.get("collections")
    if raw is None:
        return visible_layers(principal.role)
    ids = [c.strip() for c in raw.split(",") if c.strip()]
    if not ids:
        raise bad_request("collections must name at least one collection")
    return [visible_layer(c, principal, request) for c in ids]


@router.get("/tiles/WebMercatorQuad/{z}/{x}/{y}", summary="A vector tile of several collections (one layer each)")
def multi_tile(z: int, x: int, y: int, request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"collections", "f", "plan_industry", "zone"})
    return render_tile(request, principal, _named_layers(request, principal), z, x, y)


def _vector_layer(layer: Layer, role: str) -> dict:
    fields = {f.name: f.type for f in tile_fields(layer, role)}
    if layer.geometry_type == "Point":
        fields["point_count"] = f"integer (below zoom {POINT_DETAIL_ZOOM}: points merged per 1/64-tile cell)"
    return {"id": layer.id, "description": layer.title, "minzoom": layer.min_zoom,
            "maxzoom": min(layer.max_zoom, MAX_ZOOM), "fields": fields}


def _tilejson(request: Request, layers: list[Layer], role: str, url: str, name: str) -> dict:
    return {"tilejson": "3.0.0", "name": name, "scheme": "xyz", "tiles": [url],
            "minzoom": min((layer.min_zoom for layer in layers), default=0),
            "maxzoom": max((min(layer.max_zoom, MAX_ZOOM) for layer in layers), default=MAX_ZOOM),
            "bounds": [120.85, 30.94, 121.32, 31.30], "center": [121.09, 31.12, 11],
            "vector_layers": [_vector_layer(layer, role) for layer in layers],
            "attribution": "青浦区产业布局 Qingpu industrial layout (schematic)"}


@router.get("/collections/{collection_id}/tiles/WebMercatorQuad/tilejson.json", summary="TileJSON of one collection")
def collection_tilejson(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    check_params(request, set(layer.query_params))
    url = f"{base_url(request)}/collections/{layer.id}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}"
    return _tilejson(request, [layer], principal.role, url, layer.title)


@router.get("/tiles/WebMercatorQuad/tilejson.json", summary="TileJSON of several collections")
def multi_tilejson(request: Request, principal: Principal = Depends(current_principal)):
    check_params(request, {"collections"})
    layers = _named_layers(request, principal)
    query = f"?collections={','.join(layer.id for layer in layers)}"
    url = f"{base_url(request)}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}{query}"
    return _tilejson(request, layers, principal.role, url, "青浦区产业布局 Qingpu layout")
