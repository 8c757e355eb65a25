"""The optional basemap of the maps (/map, /edit): none (the default: works offline), 天地图 with a key,
OpenStreetMap, or a local tile set for an intranet — a folder of {z}/{x}/{y}.png|jpg|webp tiles or an
MBTiles file — served by the app itself at /basemap/tiles/{z}/{x}/{y} (never from a CDN)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.core.errors import not_found
from app.core.http import etag_for, not_modified
from app.core.settings import Settings
from app.pages.store import local_tile

router = APIRouter(tags=["pages"])
LOCAL_URL = "/basemap/tiles/{z}/{x}/{y}"
TIANDITU = ("https://t0.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER={layer}"
            "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")


def basemap_layers(settings: Settings) -> list[dict]:
    """The tile layers of the configured basemap, bottom first: {url, attribution, name_zh, name_en, overlay}."""
    if settings.basemap == "osm":
        return [{"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "name_zh": "OpenStreetMap 底图",
                 "name_en": "OpenStreetMap basemap", "attribution": "© OpenStreetMap contributors", "overlay": False}]
    if settings.basemap == "tianditu" and settings.tianditu_key:
        return [{"url": TIANDITU.format(layer=layer, key=settings.tianditu_key), "name_zh": zh, "name_en": en,
                 "attribution": "天地图 Tianditu", "overlay": layer == "cva"}
                for layer, zh, en in (("vec", "天地图 矢量", "Tianditu vector"), ("cva", "天地图 注记", "Tianditu labels"))]
    if settings.basemap == "local" and settings.basemap_tiles:
        return [{"url": LOCAL_URL, "name_zh": "本地底图", "name_en": "Local basemap",
                 "attribution": settings.basemap_attribution or "local tiles", "overlay": False}]
    return []


@router.get("/basemap/tiles/{z}/{x}/{y}", summary="A tile of the local basemap (QINGPU_BASEMAP=local)")
def basemap_tile(z: int, x: int, y: int, request: Request):
    settings: Settings = request.app.state.settings
    if settings.basemap != "local" or not settings.basemap_tiles:
        raise not_found("no local basemap: set QINGPU_BASEMAP=local and QINGPU_BASEMAP_TILES to a folder or .mbtiles")
    if not (0 <= z <= 22 and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
        raise not_found(f"no tile {z}/{x}/{y}")
    found = local_tile(settings.basemap_tiles, z, x, y)
    if found is None:
        raise not_found(f"the local basemap has no tile {z}/{x}/{y}")
    data, media = found
    tag = etag_for(settings.basemap_tiles, z, x, y, len(data))
    headers = {"ETag": tag, "Cache-Control": "public, max-age=86400"}
    if not_modified(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=media, headers=headers)
