"""HTTP for enterprises: POST /enterprises/import (investment staff and above)."""
from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from app.core.auth import Principal, requires
from app.core.errors import Problem, bad_request
from app.enterprises.importer import MAX_UPLOAD_BYTES, import_enterprises
from gis.crs import SOURCE_SYSTEMS

router = APIRouter(tags=["enterprises"])


@router.post("/enterprises/import", summary="Import enterprises from CSV, XLSX, GeoJSON or GeoPackage")
async def import_endpoint(request: Request, file: UploadFile = File(...), crs: str | None = Form(None),
                          dryRun: bool = Form(False), partial: bool = Form(False),
                          principal: Principal = Depends(requires("investment"))):
    """All-or-nothing unless `partial`; `dryRun` validates only. The body is the import report;
    a rejected import is a 422 problem+json carrying the same report. `crs`, `dryRun` and
    `partial` may also be given as query parameters."""
    query = request.query_params
    crs = crs or query.get("crs")
    dryRun = dryRun or query.get("dryRun", "").lower() == "true"
    partial = partial or query.get("partial", "").lower() == "true"
    if crs is not None and crs not in SOURCE_SYSTEMS:
        raise bad_request(f"crs must be one of {', '.join(SOURCE_SYSTEMS)}; got '{crs}'")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Problem(413, "Payload too large", f"files over {MAX_UPLOAD_BYTES // 2**20} MB are not accepted")
    report = await run_in_threadpool(import_enterprises, request.app.state.engine, data, file.filename or "upload.csv",
                                     crs, dryRun, partial, principal.name or "api")
    if report.rejections and not report.loaded and not report.dry_run:
        raise Problem(422, "Import rejected",
                      f"{report.rejected_rows or len(report.rejections)} problem row(s); nothing was imported "
                      "(fix them, or send partial=true to load the valid rows)", **report.as_dict())
    return JSONResponse(report.as_dict())
