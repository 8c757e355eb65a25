"""Importing sites from GeoJSON, GeoPackage or CSV, and loading the synthetic demo set.

All-or-nothing: every row is checked first and every rejected row is reported; nothing is written
unless all rows pass (or on --dry-run). Existing sites with the same id are updated.
Every site is a polygon (a parcel's land, a building's footprint); CSV rows carry it as WKT
(column wkt / 几何).
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import shapely
from shapely import wkt as shapely_wkt
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.core.store import bump_version, district_geometry
from app.imports.files import ImportFileError, read_csv, read_geofile
from app.imports.report import ImportRefused, ImportReport, run_import
from app.sites.store import lock_sites, refresh_derived
from gis.crs import SOURCE_SYSTEMS, geometry_to_wgs84
from gis.site_demo import generate_sites
from plan.site_rules import (
    AVAILABILITY,
    AVAILABILITY_ALIASES,
    LAND_USE_ALIASES,
    LAND_USES,
    SITE_KINDS,
)

COLUMNS = {  # accepted header -> field
    "id": "id", "地块编号": "id", "编号": "id",
    "name": "name", "名称": "name",
    "kind": "kind", "类型": "kind",
    "land_use": "land_use", "用地性质": "land_use",
    "availability": "availability", "状态": "availability", "供应状态": "availability",
    "area_m2": "area_m2", "面积": "area_m2", "建筑面积": "area_m2",
    "far_max": "far_max", "容积率上限": "far_max", "容积率": "far_max",
    "price": "price", "价格": "price",
    "address": "address", "地址": "address",
    "note": "note", "备注": "note",
    "wkt": "wkt", "geometry_wkt": "wkt", "几何": "wkt",
}
KIND_ALIASES = {"地块": "parcel", "土地": "parcel", "厂房": "building", "楼宇": "building", "厂房/楼宇": "building"}


class SiteImportError(ImportRefused):
    """Rows were rejected and nothing was imported; ``rejected`` holds one line per rejected row."""

    def __init__(self, report: ImportReport):
        self.rejected = report.rejection_lines()
        super().__init__(report, f"{len(self.rejected)} of {report.rows} row(s) rejected, nothing imported; "
                                 f"first: {self.rejected[0]}")


def _read(path: Path, report: ImportReport):
    """(row numbers as the file shows them, attributes, geometries in lon/lat or None for CSV, the
    declared datum or None), read through app.imports.files.

    A file in a projected system (e.g. EPSG:4549) is unprojected to lon/lat here; its datum is
    reported ("cgcs2000" or "wgs84") so that the import records where the coordinates came from."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = read_csv(path.read_bytes())
        report.format, report.encoding = "csv", table.encoding
        width = len(table.headers)
        cells = [[("" if v is None else v) for v in (values + [""] * width)[:width]] for _, values in table.rows]
        for rejection in table.broken:
            report.reject(rejection.row, rejection.reason)
        return [n for n, _ in table.rows], pd.DataFrame(cells, columns=table.headers, dtype=str), None, None
    report.format = suffix[1:]
    gdf = read_geofile(path)
    declared = None
    if gdf.crs is not None:
        declared = "cgcs2000" if "CGCS2000" in gdf.crs.name.upper() or gdf.crs.to_epsg() == 4490 else "wgs84"
        if gdf.crs.is_projected or gdf.crs.to_epsg() not in (4326, 4490):
            gdf = gdf.to_crs(4326)
            declared += ":projected"
    numbers = list(range(1, len(gdf) + 1))  # feature n is row n
    return numbers, pd.DataFrame(gdf.drop(columns="geometry")), list(gdf.geometry), declared


def _num(value, name: str, errors: list[str], required: bool = False) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        if required:
            errors.append(f"{name} is missing")
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        errors.append(f"{name} must be a number, got {value!r}")
        return None
    if not math.isfinite(number) or number < 0:
        errors.append(f"{name} must be a non-negative number, got {value!r}")
        return None
    return number


def _parse_row(rec: dict, geom, crs: str) -> tuple[dict | None, list[str]]:
    errors: list[str] = []
    sid = str(rec.get("id") or "").strip()
    if not sid:
        errors.append("id is missing")
    kind = str(rec.get("kind") or "").strip()
    kind = KIND_ALIASES.get(kind, kind.lower())
    if kind not in SITE_KINDS:
        errors.append(f"kind must be parcel/地块 or building/厂房, got {rec.get('kind')!r}")
    use_raw = str(rec.get("land_use") or "").strip()
    use = LAND_USE_ALIASES.get(use_raw, use_raw.upper())
    if use not in LAND_USES:
        errors.append(f"land use {use_raw!r} is unknown; use one of {', '.join(LAND_USES)}")
    av_raw = str(rec.get("availability") or "available").strip()
    avail = AVAILABILITY_ALIASES.get(av_raw, av_raw.lower())
    if avail not in AVAILABILITY:
        errors.append(f"availability {av_raw!r} is unknown; use available/可供, reserved/已预留 or negotiating/洽谈中")
    area = _num(rec.get("area_m2"), "area_m2", errors, required=(kind == "building"))
    far = _num(rec.get("far_max"), "far_max", errors)
    price = _num(rec.get("price"), "price", errors)
    if geom is None:
        wkt = str(rec.get("wkt") or "").strip()
        if wkt:
            try:
                geom = shapely_wkt.loads(wkt)
            except Exception:
                errors.append("wkt is not valid WKT")
    if geom is None or geom.is_empty:
        if not any(e.startswith("wkt") for e in errors):
            errors.append("no geometry (give the parcel polygon or the building footprint, as WKT in CSV)")
    else:
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(f"geometry must be a polygon (parcel land or building footprint), got {geom.geom_type}")
        else:
            geom = geometry_to_wgs84(geom, crs)
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
                if geom.geom_type not in ("Polygon", "MultiPolygon"):
                    errors.append("the polygon is invalid and cannot be repaired")
            minx, miny, maxx, maxy = geom.bounds
            if not (120.5 <= minx and maxx <= 121.6 and 30.7 <= miny and maxy <= 31.5):
                errors.append(f"geometry lies outside the Qingpu area (bounds {minx:.3f},{miny:.3f},{maxx:.3f},{maxy:.3f})")
    if errors:
        return None, errors
    return {"id": sid, "name": str(rec.get("name") or sid).strip(), "kind": kind, "land_use": use,
            "availability": avail, "area_m2": area, "far_max": far, "price": price,
            "address": (str(rec.get("address")).strip() or None) if rec.get("address") else None,
            "note": (str(rec.get("note")).strip() or None) if rec.get("note") else None,
            "geom": geom, "source_crs": crs, "synthetic": False}, []


def parse_sites(path: str | Path, crs: str | None = None, report: ImportReport | None = None) -> tuple[list[dict], list[str]]:
    """Rows of a file as site dicts, and one message per rejected row (file row numbers); the
    rejections also go into ``report``."""
    path = Path(path)
    report = report or ImportReport(file=path.name, what="sites")
    if not path.exists():
        raise ImportFileError(f"no such file: {path}")
    if path.suffix.lower() not in (".csv", ".geojson", ".json", ".gpkg"):
        raise ImportFileError(f"unsupported file type {path.suffix}; use GeoJSON, GeoPackage or CSV")
    crs = (crs or "wgs84").lower()  # the lon/lat system of the coordinates (GCJ-02/BD-09 are converted)
    if crs not in SOURCE_SYSTEMS:
        raise ImportFileError(f"unknown --crs {crs}; use one of {', '.join(SOURCE_SYSTEMS)}")
    numbers, df, geoms, declared = _read(path, report)
    if declared and declared.endswith(":projected"):
        if crs in ("gcj02", "bd09"):
            raise ImportFileError(f"--crs {crs} applies to lon/lat files; {path.name} declares a projected system")
        crs = declared.split(":")[0]
    elif declared == "cgcs2000" and crs == "wgs84":
        crs = "cgcs2000"
    report.source_crs = crs
    df = df.rename(columns={c: COLUMNS[str(c).strip()] for c in df.columns if str(c).strip() in COLUMNS})
    sites, seen = [], {}
    for n, (number, rec) in enumerate(zip(numbers, df.to_dict("records"))):
        site, errors = _parse_row(rec, geoms[n] if geoms is not None else None, crs)
        if site and site["id"] in seen:
            errors = [f"id {site['id']} repeats row {seen[site['id']]}"]
        if errors:
            report.reject(number, "; ".join(errors))
        else:
            seen[site["id"]] = number
            sites.append(site)
    report.rows = len(df) + sum(1 for r in report.rejections if r["row"] not in numbers)  # + undecodable lines
    report.accepted = len(sites)
    report.rejections.sort(key=lambda r: r["row"] or 0)
    report.rejected_rows = len({r["row"] for r in report.rejections})
    if not len(df) and not report.rejections:
        report.reject(None, "the file has no rows")
    return sites, report.rejection_lines()


INSERT_SQL = text("""
INSERT INTO sites (id, name, kind, land_use, availability, area_m2, far_max, price, address, note, source_crs,
                   synthetic, geom)
VALUES (:id, :name, :kind, :land_use, :availability, coalesce(:area_m2, 1), :far_max, :price, :address, :note,
        :source_crs, :synthetic, ST_Multi(ST_SetSRID(ST_GeomFromWKB(:wkb), 4326)))
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, land_use = EXCLUDED.land_use,
  availability = EXCLUDED.availability, area_m2 = EXCLUDED.area_m2, far_max = EXCLUDED.far_max,
  price = EXCLUDED.price, address = EXCLUDED.address, note = EXCLUDED.note, source_crs = EXCLUDED.source_crs,
  synthetic = EXCLUDED.synthetic, geom = EXCLUDED.geom, updated_at = now(), layout_stamp = NULL
RETURNING (xmax = 0) AS inserted
""")


def write_sites(conn, sites: list[dict], progress=None) -> tuple[int, int]:
    """Upsert sites (parcels' area_m2 is recomputed from the polygon by the table's trigger)."""
    inserted = updated = 0
    for s in sites:
        row = {k: v for k, v in s.items() if k != "geom"} | {"wkb": s["geom"].wkb}
        if conn.execute(INSERT_SQL, row).scalar_one():
            inserted += 1
        else:
            updated += 1
        if progress is not None:
            progress.update(1)
    return inserted, updated


def import_sites(engine: Engine, path, crs: str | None = None, dry_run: bool = False, progress=None) -> ImportReport:
    """All or nothing: SiteImportError (listing every rejected row) unless every row passes."""

    def validate(conn, report: ImportReport):
        sites, _ = parse_sites(path, crs, report)
        if report.rejections:
            raise SiteImportError(report)
        return sites

    def write(conn, sites: list[dict], report: ImportReport) -> tuple[int, int]:
        lock_sites(conn)
        counts = write_sites(conn, sites, progress)
        refresh_derived(conn)
        bump_version(conn, "sites")
        return counts

    return run_import(engine, ImportReport(file=Path(path).name, what="sites"), validate, write, dry_run=dry_run)


def load_demo_sites(engine: Engine, count: int = 400, seed: int = 17, progress=None) -> str:
    """Replace the synthetic sites by ``count`` new ones from ``seed``; real sites are not touched."""

    if count < 1:
        raise ValueError("--count must be at least 1")
    with engine.begin() as conn:
        district = district_geometry(conn)
        parks = [shapely.from_wkb(r[0]) for r in conn.execute(
            text("SELECT ST_AsBinary(geom) FROM zones WHERE kind = 'park' ORDER BY id")).all()]
        sites = generate_sites(district, parks, count, seed)
        lock_sites(conn)
        conn.execute(text("DELETE FROM sites WHERE synthetic"))
        clash = conn.execute(text("SELECT count(*) FROM sites WHERE id LIKE 'DEMO-S-%'")).scalar_one()
        if clash:
            raise ValueError("real sites use the DEMO-S- id prefix; rename them before loading demo sites")
        for s in sites:
            s.update(source_crs="wgs84", address=None)
        write_sites(conn, sites, progress)
        refresh_derived(conn)
        bump_version(conn, "sites")
    return f"demo sites: {count} synthetic site(s) from seed {seed}"
