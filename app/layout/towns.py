"""`qingpu import towns FILE`: replace the schematic towns with an official file, all or nothing."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from app.core.store import bump_version, district_geometry, polygon_wkb, town_geometries, town_rows
from app.enterprises.assignment import reassign_changed_area
from app.imports.files import ImportFileError, read_geofile
from app.imports.report import ImportRefused, ImportReport, run_import
from app.layout.store import delete_towns, insert_town
from app.zones.store import replace_zone_geometry, zone_exists, zone_geometry_if_untouched
from gis.crs import geometry_to_wgs84
from gis.enterprise_rows import Rejection
from gis.towns_check import check_towns, describe, looks_like_degrees
from layers.default_layout import derived_zone_geometry
from layers.qingpu import CLUSTERS, CORE, TOWNS

NAME_COLUMNS = ("name_zh", "名称", "镇街", "乡镇", "name", "NAME", "Name")
GEOGRAPHIC_EPSG = {4326, 4490}
_BY_ANY_NAME = {key: town for town in TOWNS for key in (town.name_zh, town.name_en, town.code)}


class TownsImportError(ImportRefused):
    """The towns file was refused and the towns are unchanged; the report lists why, row by row."""

    def __init__(self, report: ImportReport, message: str | None = None):
        super().__init__(report, message or f"{report.file} refused, towns unchanged: " +
                         "; ".join(describe(Rejection(**r)) for r in report.rejections))


def _refuse(report: ImportReport, reason: str) -> TownsImportError:
    """A file that cannot be read as towns at all: one rejection of the whole file."""
    report.reject(None, reason)
    return TownsImportError(report, reason)


def read_towns(path: str | Path, crs: str | None, report: ImportReport | None = None) -> list[tuple[str, object]]:
    """(Chinese name, WGS84 geometry) per row of the file."""
    path = Path(path)
    report = report or ImportReport(file=path.name, what="towns")
    try:
        frame = read_geofile(path)
    except ImportFileError as exc:
        raise _refuse(report, str(exc)) from None
    report.format, report.rows = path.suffix.lower()[1:], len(frame)
    name_col = next((c for c in NAME_COLUMNS if c in frame.columns), None)
    if name_col is None:
        raise _refuse(report, f"{path.name} has no name column (one of {', '.join(NAME_COLUMNS)})")
    if frame.crs is not None and frame.crs.to_epsg() not in GEOGRAPHIC_EPSG:
        frame = frame.to_crs(4326)
    if not looks_like_degrees(frame.total_bounds):
        # GeoJSON always claims WGS84, so projected coordinates show up here too.
        raise _refuse(report,
                      f"{path.name}: coordinates are not longitude/latitude degrees "
                      f"(bounds {', '.join(f'{v:.0f}' for v in frame.total_bounds)}); the file's coordinate system "
                      f"is missing or wrong: reproject it to WGS84 or declare its CRS")
    geoms = list(frame.geometry)
    report.source_crs = crs or "wgs84"
    if crs in ("gcj02", "bd09"):
        geoms = [geometry_to_wgs84(g, crs) if g is not None and not g.is_empty else g for g in geoms]
    names = [_canonical_name(v) for v in frame[name_col]]
    return list(zip(names, geoms))


def _canonical_name(value) -> str:
    raw = "" if value is None else str(value).strip()
    town = _BY_ANY_NAME.get(raw)
    return town.name_zh if town else raw


def import_towns_report(engine: Engine, path: str | Path, crs: str | None = None) -> ImportReport:
    """Replace the towns with the file's, all or nothing (TownsImportError lists every reason);
    zones derived from towns follow unless a person has edited them."""
    path = Path(path)

    def validate(conn, report: ImportReport):
        rows = read_towns(path, crs, report)
        district = district_geometry(conn)
        for rejection in check_towns(rows, district, [t.name_zh for t in TOWNS]):
            report.rejections.append(rejection.as_dict())
        report.rejected_rows = len({r["row"] for r in report.rejections if r["row"] is not None})
        report.accepted = report.rows - report.rejected_rows
        if report.rejections:
            raise TownsImportError(report)
        return [(name, geom, district) for name, geom in rows]

    def write(conn, rows, report: ImportReport) -> tuple[int, int]:
        by_name = {t.name_zh: t for t in TOWNS}
        district = rows[0][2]
        replaced = len(town_rows(conn))
        delete_towns(conn)
        for name, geom, _ in rows:
            insert_town(conn, by_name[name], geom.intersection(district), schematic=False,
                        source=f"imported from {path.name}")
        rederived, kept = _rederive_zones(conn, town_geometries(conn), district, path.name)
        bump_version(conn, "towns", *(["zones"] if rederived else []))
        if rederived:
            report.notes.append(f"re-derived {', '.join(rederived)}")
        if kept:
            report.notes.append(f"kept as edited by planners: {', '.join(kept)}")
        return max(len(rows) - replaced, 0), min(replaced, len(rows))

    return run_import(engine, ImportReport(file=path.name, what="towns"), validate, write)


def import_towns(engine: Engine, path: str | Path, crs: str | None = None) -> str:
    """`qingpu import towns`: the one-line summary of import_towns_report."""
    report = import_towns_report(engine, path, crs)
    summary = f"imported {report.accepted} towns from {report.file}"
    return "; ".join([summary, *report.notes])


def _rederive_zones(conn, towns, district, filename: str) -> tuple[list[str], list[str]]:
    """Zones built from towns follow the new towns unless a person has edited them."""
    rederived, kept = [], []
    for spec in (CORE, *CLUSTERS):
        old = zone_geometry_if_untouched(conn, spec.id)
        if old is None:
            if zone_exists(conn, spec.id):
                kept.append(spec.id)
            continue
        geom = derived_zone_geometry(spec.id, towns, district)
        replace_zone_geometry(conn, spec.id, polygon_wkb(geom), "system:import",
                              f"re-derived from towns imported from {filename}")
        reassign_changed_area(conn, old.wkb, polygon_wkb(geom))
        rederived.append(spec.id)
    return rederived, kept
