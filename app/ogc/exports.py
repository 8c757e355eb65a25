"""Downloads of a whole collection (or what a filter selects): GeoJSON, GeoPackage, CSV, XLSX.

`/collections/{id}/export?format=geojson|gpkg|csv|xlsx` takes the same filters as /items and the
same role rules: a field the caller's role may not see is never selected from the database.
CSV is plain UTF-8 text with a byte-order mark; its geometry is WKT. A spreadsheet program that
opens a CSV guesses types and turns identifiers into numbers (a 统一社会信用代码 loses digits,
industry code 0511 becomes 511), so for Excel and LibreOffice there is XLSX: every text field a
text cell, numbers with a number format, times as dates in Asia/Shanghai local time.
GeoPackage is version 1.2 (read by Debian 12's GDAL and QGIS without warnings), with an integer
fid, the text id in column `id` and real DateTime columns (UTC).
"""
from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import os
import tempfile
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pyogrio.raw
import shapely
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, StreamingResponse
from openpyxl.cell import WriteOnlyCell
from starlette.background import BackgroundTask

from app.core.auth import Principal, current_principal
from app.core.cells import safe_cell
from app.core.db import reader
from app.core.errors import bad_request
from app.ogc.access import visible_layer
from app.ogc.features import iter_rows, jsonable
from app.ogc.params import OPENAPI_ITEM_PARAMETERS, parse_items
from layers.registry import Field, Layer

router = APIRouter(tags=["exports"])

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
# Excel number formats per field type; text cells use "@" so that a later edit stays text too.
XLSX_FORMATS = {"string": "@", "array": "@", "integer": "0", "number": "#,##0.00####",
                "datetime": "yyyy-mm-dd hh:mm"}
BOM = "\ufeff"


def csv_text_rows(fields: tuple[Field, ...], rows) -> "iter[str]":
    """CSV lines (with the BOM first) from (id, shapely geometry or WKT, properties dict) tuples."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", *(f.name for f in fields), "geometry_wkt"])
    yield BOM + buf.getvalue()
    for fid, wkt, props in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow([safe_cell(fid), *(_csv_cell(props.get(f.name)) for f in fields), wkt or ""])
        yield buf.getvalue()


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return safe_cell(";".join(str(v) for v in value))
    return safe_cell(jsonable(value))


def _db_rows(conn, layer, fields, query):
    for row in iter_rows(conn, layer, fields, query):
        m = row._mapping
        yield m["__id"], (bytes(m["__wkb"]) if m["__wkb"] is not None else None), {f.name: m[f.name] for f in fields}


def _filename(layer: Layer, ext: str) -> str:
    return f"{layer.id}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.{ext}"


@router.get("/collections/{collection_id}/export", summary="Download a collection as GeoJSON, GeoPackage, CSV or XLSX",
            openapi_extra={"parameters": [*OPENAPI_ITEM_PARAMETERS,
                                          {"name": "format", "in": "query", "required": False,
                                           "schema": {"type": "string", "enum": list(FORMATS)}}]})
def export(collection_id: str, request: Request, principal: Principal = Depends(current_principal)):
    layer = visible_layer(collection_id, principal, request)
    fmt = request.query_params.get("format", "geojson")
    if fmt not in FORMATS:
        raise bad_request(f"format '{fmt}' is not offered; use one of {', '.join(FORMATS)}")
    parsed = parse_items(request, layer, principal.role, extra={"format", *layer.query_params}, default_limit=None,
                         max_limit=None)
    media, ext = FORMATS[fmt]
    engine = reader(request, principal)
    headers = {"Content-Disposition": f'attachment; filename="{_filename(layer, ext)}"',
               "Content-Crs": f"<{parsed.query.crs.uri}>",
               "Cache-Control": "private, no-store" if principal.name else "no-cache"}
    if fmt in ("gpkg", "xlsx"):
        path = (_write_gpkg if fmt == "gpkg" else _write_xlsx)(engine, layer, parsed)
        return FileResponse(path, media_type=media, headers=headers,
                            background=BackgroundTask(os.unlink, path))
    # Validate the query before streaming, so a database error is still a clean response.
    conn = engine.connect()
    try:
        rows = _db_rows(conn, layer, parsed.fields, parsed.query)
        first = next(rows, None)
    except Exception:
        conn.close()
        raise

    def chained():
        try:
            if first is not None:
                yield first
            yield from rows
        finally:
            conn.close()

    if fmt == "csv":
        body = csv_text_rows(parsed.fields, ((fid, shapely.from_wkb(g).wkt if g else None, p) for fid, g, p in chained()))
        return StreamingResponse((s.encode("utf-8") for s in body), media_type=media, headers=headers)
    return StreamingResponse(_geojson_stream(layer, parsed, chained()), media_type=media, headers=headers)


def _geojson_stream(layer, parsed, rows):
    crs = parsed.query.crs
    yield ('{"type":"FeatureCollection","name":' + json.dumps(layer.id) + ',"crs":'
           + json.dumps({"type": "name", "properties": {"name": crs.uri}}) + ',"features":[')
    first = True
    for fid, wkb, props in rows:
        geom = shapely.geometry.mapping(shapely.from_wkb(wkb)) if wkb else None
        feature = {"type": "Feature", "id": fid, "geometry": geom,
                   "properties": {k: jsonable(v) for k, v in props.items()}}
        yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "]}"


GPKG_BATCH = 50_000  # rows per write, so a million-row export never sits in memory at once
_NUMPY = {"integer": ("int64", 0), "number": ("float64", 0.0), "boolean": ("bool", False)}


def _gpkg_columns(fields: tuple[Field, ...], rows: list) -> tuple[list, list, list]:
    """numpy columns (the text id first) and null masks for one batch; types do not depend on the batch."""
    data, masks = [np.array([str(r[0]) for r in rows], dtype=object)], [None]
    for f in fields:
        values = [r[2][f.name] for r in rows]
        missing = np.array([v is None for v in values], dtype=bool)
        if f.type in _NUMPY:
            dtype, fill = _NUMPY[f.type]
            data.append(np.array([fill if v is None else v for v in values], dtype=dtype))
            masks.append(missing if missing.any() else None)
            continue
        if f.type == "array":
            values = [";".join(map(str, v)) if v is not None else None for v in values]
        elif f.type == "datetime":  # a real DateTime column, in UTC
            data.append(np.array([np.datetime64(v.astimezone(timezone.utc).replace(tzinfo=None), "ms")
                                  if v is not None else np.datetime64("NaT") for v in values], dtype="datetime64[ms]"))
            masks.append(missing if missing.any() else None)
            continue
        data.append(np.array(values, dtype=object))
        masks.append(None)
    return data, masks, [_ID_COLUMN, *(f.name for f in fields)]


_ID_COLUMN = "id"


def _write_gpkg(engine, layer: Layer, parsed) -> str:
    # GeoPackage readers expect x = longitude / easting whatever the CRS's official axis order.
    query = dataclasses.replace(parsed.query, crs=dataclasses.replace(parsed.query.crs, swapped=False))
    fd, path = tempfile.mkstemp(suffix=".gpkg", prefix=f"qingpu-{layer.id}-")
    os.close(fd)
    os.unlink(path)
    written = 0
    with engine.connect() as conn:
        rows_iter = _db_rows(conn, layer, parsed.fields, query)
        while True:
            batch = list(itertools.islice(rows_iter, GPKG_BATCH))
            if not batch and written:
                break
            data, masks, names = _gpkg_columns(parsed.fields, batch)
            pyogrio.raw.write(path, np.array([r[1] for r in batch], dtype=object), data, fields=names,
                              field_mask=masks if any(m is not None for m in masks) else None, layer=layer.id,
                              driver="GPKG", geometry_type=layer.geometry_type, crs=f"EPSG:{parsed.query.crs.srid}",
                              append=written > 0, layer_options=None if written else {"FID": "fid"},
                              dataset_options=None if written else {"VERSION": "1.2"})
            written += len(batch)
            if len(batch) < GPKG_BATCH:
                break
    return path


def _xlsx_value(f: Field, value):
    if value is None:
        return None
    if f.type == "array":
        return safe_cell(";".join(map(str, value)))
    if f.type == "datetime":  # Excel has no time zones: local time, said in the header
        return value.astimezone(LOCAL_TZ).replace(tzinfo=None)
    if f.type == "string":
        return safe_cell(str(value))
    return value


def _xlsx_header(f: Field) -> str:
    return f"{f.name} (Asia/Shanghai)" if f.type == "datetime" else f.name


def _write_xlsx(engine, layer: Layer, parsed) -> str:
    """A workbook streamed row by row (openpyxl write-only): the features, then a sheet naming each field."""
    fields = parsed.fields
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(layer.id)
    ws.freeze_panes = "A2"
    lonlat = parsed.query.crs.srid in (4326, 4490)
    position = ["lon", "lat"] if lonlat else ["x", "y"]
    ws.append(["id", *(_xlsx_header(f) for f in fields), *position])

    def cell(value, number_format):
        c = WriteOnlyCell(ws, value=value)
        c.number_format = number_format
        return c

    with engine.connect() as conn:
        for fid, wkb, props in _db_rows(conn, layer, fields, parsed.query):
            point = shapely.from_wkb(wkb) if wkb else None
            if point is not None and point.geom_type != "Point":
                point = point.representative_point()
            # The crs's axis order is for JSON; a spreadsheet reads east first, like GeoPackage.
            xy = (point.x, point.y) if point is not None else (None, None)
            if point is not None and parsed.query.crs.swapped:
                xy = (point.y, point.x)
            ws.append([cell(safe_cell(str(fid)), "@"),
                       *(cell(_xlsx_value(f, props.get(f.name)), XLSX_FORMATS.get(f.type, "General")) for f in fields),
                       *(cell(v, "0.000000" if lonlat else "0.00") for v in xy)])
    about = wb.create_sheet("fields 字段")
    about.append(["column", "title", "type"])
    about.append(["id", "标识 identifier", "text"])
    for f in fields:
        about.append([_xlsx_header(f), f.title, f.type])
    about.append([position[0], "经度 longitude (a point inside shapes)" if lonlat else "easting", "number"])
    about.append([position[1], "纬度 latitude" if lonlat else "northing", "number"])
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix=f"qingpu-{layer.id}-")
    os.close(fd)
    wb.save(path)
    return path
