"""`qingpu import reference FILE --name NAME`: a planner's reference layer (roads, rivers, parcels,
控规 plots) from GeoJSON, GeoPackage or Shapefile, all or nothing.

Coordinates: a file that declares its system (a .prj, a GeoPackage's SRS, e.g. CGCS2000 /
3-degree GK CM 120E = EPSG:4549) is reprojected to lon/lat; a file that declares none is read as
`--crs` says (wgs84, cgcs2000, gcj02, bd09 or epsg4549). Coordinates that are not lon/lat, or a
layer nowhere near the district, are refused as a wrong coordinate system.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from sqlalchemy.engine import Engine

from app.core.store import district_geometry
from app.imports.files import GEO_CRS_CHOICES, ImportFileError, frame_to_lonlat, read_geofile
from app.imports.report import ImportRefused, ImportReport, run_import
from app.reference.store import replace_layer
from gis.reference_check import reference_geometry
from layers.registry import REFERENCE_KINDS

CRS_CHOICES = GEO_CRS_CHOICES
NAME_COLUMNS = ("name", "名称", "NAME", "Name", "道路名称", "路名", "河流名称", "河道名称", "地块名称", "地块编号",
                "用地编号", "DKBH", "MC")
LAYER_NAME = re.compile(r"[\w-]{1,60}")
NEAR_DISTRICT_DEGREES = 0.1  # ~10 km: a layer with nothing this close to Qingpu is in the wrong place


class ReferenceImportError(ImportRefused):
    """The file was refused and no reference layer changed; the report lists why."""


def _refuse(report: ImportReport, reason: str) -> ReferenceImportError:
    report.reject(None, reason)
    return ReferenceImportError(report, f"{report.file} refused, reference layers unchanged: {reason}")


def _jsonable(value):
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, bytes):
        return None
    text = str(value)
    return None if text in ("NaT", "nan") else text


def import_reference_report(engine: Engine, path: str | Path, name: str, title: str | None = None,
                            kind: str = "other", crs: str | None = None, author: str = "cli") -> ImportReport:
    """Read, check and store the layer (replacing one of the same name), all or nothing."""
    path = Path(path)
    if not LAYER_NAME.fullmatch(name or ""):
        raise ValueError(f"layer name '{name}' must be 1–60 letters, digits, - or _ (it goes into URLs)")
    if kind not in REFERENCE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(REFERENCE_KINDS)}; got '{kind}'")
    if crs is not None and crs not in CRS_CHOICES:
        raise ValueError(f"crs must be one of {', '.join(CRS_CHOICES)}; got '{crs}'")

    def validate(conn, report: ImportReport):
        try:
            frame = read_geofile(path)
        except ImportFileError as exc:
            raise _refuse(report, str(exc)) from None
        report.format, report.rows = path.suffix.lower()[1:], len(frame)
        try:
            frame, geoms, report.source_crs = frame_to_lonlat(frame, crs)
        except ImportFileError as exc:
            raise _refuse(report, str(exc)) from None
        name_col = next((c for c in NAME_COLUMNS if c in frame.columns), None)
        attrs = [c for c in frame.columns if c != frame.geometry.name]
        near = district_geometry(conn).envelope.buffer(NEAR_DISTRICT_DEGREES)
        records, any_near = [], False
        for row, (geom, values) in enumerate(zip(geoms, frame[attrs].itertuples(index=False, name=None)), start=1):
            snapped, problem = reference_geometry(geom)
            if problem:
                report.reject(row, problem, "geometry")
                continue
            any_near = any_near or snapped.intersects(near)
            props = {str(k): _jsonable(v) for k, v in zip(attrs, values)}
            label = props.get(name_col) if name_col else None
            records.append((row, None if label is None else str(label), props, snapped.wkb))
        if records and not any_near:
            raise _refuse(report, "no feature lies within 10 km of Qingpu: the coordinate system is wrong "
                                  "(give --crs) or the file is of another place")
        report.accepted = len(records)
        report.rejected_rows = len({r["row"] for r in report.rejections if r["row"] is not None})
        if report.rejections:
            raise ReferenceImportError(report)
        return records

    def write(conn, records, report: ImportReport) -> tuple[int, int]:
        meta = {"name": name, "title": title or name, "kind": kind, "source_file": path.name,
                "source_crs": report.source_crs, "imported_by": author}
        inserted, replaced = replace_layer(conn, meta, records)
        if replaced:
            report.notes.append(f"replaced the layer's {replaced} earlier features")
        return inserted, 0

    return run_import(engine, ImportReport(file=path.name, what="reference layer"), validate, write)


def import_reference(engine: Engine, path: str | Path, name: str, title: str | None = None, kind: str = "other",
                     crs: str | None = None) -> str:
    """`qingpu import reference`: the one-line summary."""
    report = import_reference_report(engine, path, name, title, kind, crs)
    line = f"reference layer {name}: {report.inserted} features from {report.file} ({report.source_crs})"
    return "; ".join([line, *report.notes])
