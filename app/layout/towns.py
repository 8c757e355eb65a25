"""`qingpu import towns FILE`: replace the schematic towns with an official file, all or nothing."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from sqlalchemy.engine import Engine

from app.core.store import bump_version, district_geometry, polygon_wkb, town_geometries
from app.enterprises.assignment import reassign_changed_area
from app.layout.store import delete_towns, insert_town
from app.zones.store import replace_zone_geometry, zone_exists, zone_geometry_if_untouched
from gis.crs import geometry_to_wgs84
from gis.towns_check import check_towns, looks_like_degrees
from layers.default_layout import derived_zone_geometry
from layers.qingpu import CLUSTERS, CORE, TOWNS

NAME_COLUMNS = ("name_zh", "名称", "镇街", "乡镇", "name", "NAME", "Name")
GEOGRAPHIC_EPSG = {4326, 4490}
_BY_ANY_NAME = {key: town for town in TOWNS for key in (town.name_zh, town.name_en, town.code)}


class TownsImportError(ValueError):
    pass


def read_towns(path: str | Path, crs: str | None) -> list[tuple[str, object]]:
    """(Chinese name, WGS84 geometry) per row of the file."""
    path = Path(path)
    if not path.exists():
        raise TownsImportError(f"no such file: {path}")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise TownsImportError(f"cannot read {path.name} as GeoJSON, GeoPackage or Shapefile: {exc}") from exc
    if frame.empty:
        raise TownsImportError(f"{path.name} holds no features")
    name_col = next((c for c in NAME_COLUMNS if c in frame.columns), None)
    if name_col is None:
        raise TownsImportError(f"{path.name} has no name column (one of {', '.join(NAME_COLUMNS)})")
    if frame.crs is not None and frame.crs.to_epsg() not in GEOGRAPHIC_EPSG:
        frame = frame.to_crs(4326)
    if not looks_like_degrees(frame.total_bounds):
        # GeoJSON always claims WGS84, so projected coordinates show up here too.
        raise TownsImportError(
            f"{path.name}: coordinates are not longitude/latitude degrees "
            f"(bounds {', '.join(f'{v:.0f}' for v in frame.total_bounds)}); the file's coordinate system is "
            f"missing or wrong: reproject it to WGS84 or declare its CRS")
    geoms = list(frame.geometry)
    if crs in ("gcj02", "bd09"):
        geoms = [geometry_to_wgs84(g, crs) if g is not None and not g.is_empty else g for g in geoms]
    names = [_canonical_name(v) for v in frame[name_col]]
    return list(zip(names, geoms))


def _canonical_name(value) -> str:
    raw = "" if value is None else str(value).strip()
    town = _BY_ANY_NAME.get(raw)
    return town.name_zh if town else raw


def import_towns(engine: Engine, path: str | Path, crs: str | None = None, author: str = "system:import") -> str:
    rows = read_towns(path, crs)
    with engine.begin() as conn:
        district = district_geometry(conn)
        errors = check_towns(rows, district, [t.name_zh for t in TOWNS])
        if errors:
            raise TownsImportError(f"{Path(path).name} refused, towns unchanged: " + "; ".join(errors))
        by_name = {t.name_zh: t for t in TOWNS}
        delete_towns(conn)
        for name, geom in rows:
            insert_town(conn, by_name[name], geom.intersection(district), schematic=False,
                        source=f"imported from {Path(path).name}")
        towns = town_geometries(conn)
        rederived, kept = _rederive_zones(conn, towns, district, Path(path).name)
        bump_version(conn, "towns", *(["zones"] if rederived else []))
    summary = f"imported {len(rows)} towns from {Path(path).name}"
    if rederived:
        summary += f"; re-derived {', '.join(rederived)}"
    if kept:
        summary += f"; kept as edited by planners: {', '.join(kept)}"
    return summary


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
