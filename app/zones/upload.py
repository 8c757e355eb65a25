"""POST /zones/boundary-file: a polygon from a planner's file (GeoJSON, GeoPackage, Shapefile, in any
supported CRS) as a WGS84 boundary for the editor, which then previews and saves it as any edit.
Reads only; nothing is stored."""
from __future__ import annotations

import shapely
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.core.auth import Principal, requires
from app.core.errors import Problem
from app.core.params import check_params
from app.imports.files import GEO_CRS_CHOICES, ImportFileError, frame_to_lonlat, read_uploaded_geofile
from gis.crs import area_km2
from gis.partition import as_multipolygon
from gis.precision import snap

router = APIRouter(tags=["zone editing"])
MAX_BOUNDARY_BYTES = 64 * 2**20
MAX_PARTS = 8


def boundary_from_files(parts: list[tuple[str, bytes]], crs: str | None) -> dict:
    """The union of the file's polygons as a GeoJSON Feature in WGS84 (on the served grid)."""
    try:
        frame = read_uploaded_geofile(parts)
        frame, geoms, source = frame_to_lonlat(frame, crs)
    except ImportFileError as exc:
        raise Problem(422, "Unusable boundary file", str(exc)) from None
    polygons, others = [], []
    for row, geom in enumerate(geoms, start=1):
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            others.append(f"feature {row} is a {geom.geom_type}")
        elif not geom.is_valid:
            others.append(f"feature {row} is an invalid polygon: {shapely.is_valid_reason(geom)}")
        else:
            polygons.append(shapely.force_2d(geom))
    if others or not polygons:
        raise Problem(422, "Unusable boundary file",
                      "a boundary must be polygons: " + ("; ".join(others[:5]) if others else "the file has none"))
    merged = as_multipolygon(snap(shapely.union_all(polygons)))
    return {"type": "Feature", "geometry": merged.__geo_interface__,
            "properties": {"features": len(polygons), "source_crs": source, "area_km2": round(area_km2(merged), 6),
                           "file": parts[0][0]}}


@router.post("/zones/boundary-file", summary="Read a boundary polygon from a file (planner; stores nothing)")
async def boundary_file(request: Request, file: list[UploadFile] = File(...), crs: str | None = Form(None),
                        principal: Principal = Depends(requires("planner"))):
    """One GeoJSON or GeoPackage, a Shapefile's .shp/.shx/.dbf/.prj together, or a .zip of either.
    `crs` names the system of a file that declares none (wgs84, cgcs2000, gcj02, bd09, epsg4549).
    Several polygons are merged into one boundary. The answer is a GeoJSON Feature in WGS84."""
    check_params(request, set())
    if crs is not None and crs not in GEO_CRS_CHOICES:
        raise Problem(400, "Bad request", f"crs must be one of {', '.join(GEO_CRS_CHOICES)}; got '{crs}'")
    if len(file) > MAX_PARTS:
        raise Problem(400, "Bad request", f"send at most {MAX_PARTS} files (a Shapefile's parts, or one zip)")
    parts, total = [], 0
    for upload in file:
        data = await upload.read(MAX_BOUNDARY_BYTES + 1)
        total += len(data)
        if total > MAX_BOUNDARY_BYTES:
            raise Problem(413, "Payload too large", f"boundary files over {MAX_BOUNDARY_BYTES // 2**20} MB are not accepted")
        parts.append((upload.filename or "upload", data))
    feature = await run_in_threadpool(boundary_from_files, parts, crs)
    return JSONResponse(feature, media_type="application/geo+json")
