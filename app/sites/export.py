"""Shortlist exports (CSV with a UTF-8 BOM for Excel, GeoPackage); the briefs are in app/briefs."""
from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import shape

from app.core.cells import safe_cell

CSV_COLUMNS = [("rank", "排名"), ("id", "编号"), ("name", "名称"), ("kind", "类型"), ("land_use", "用地性质"),
               ("availability", "状态"), ("area_mu", "面积(亩)"), ("area_m2", "面积(m²)"), ("far_max", "容积率上限"),
               ("price", "价格"), ("price_unit", "价格单位"), ("zones", "所在分区"), ("station", "最近17号线车站"),
               ("station_m", "距车站(m)"), ("highway_m", "距高速(m)"), ("corridor_m", "距数字干线(m)"),
               ("score", "总分"), ("synthetic", "示例数据")]


def _flat(r: dict) -> dict:
    row = {k: r.get(k) for k, _zh in CSV_COLUMNS}
    row["zones"] = " ".join(r.get("zones") or [])
    for c in r["criteria"]:
        row[f"{c['id']}_raw"] = c["raw"]
        row[f"{c['id']}_points"] = c["contribution"]
    return row


def shortlist_csv(results: list[dict]) -> bytes:
    buf = io.StringIO()
    crit = [c["id"] for c in results[0]["criteria"]] if results else []
    header = [f"{zh} {k}" for k, zh in CSV_COLUMNS] + [f"{c}_{s}" for c in crit for s in ("raw", "points")]
    keys = [k for k, _zh in CSV_COLUMNS] + [f"{c}_{s}" for c in crit for s in ("raw", "points")]
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in results:
        flat = _flat(r)
        w.writerow(["" if flat.get(k) is None else safe_cell(flat.get(k)) for k in keys])
    return "\ufeff".encode("utf-8") + buf.getvalue().encode("utf-8")


def shortlist_gpkg(results: list[dict]) -> bytes:

    rows = [_flat(r) for r in results]
    gdf = gpd.GeoDataFrame(rows, geometry=[shape(r["geometry"]) for r in results], crs="EPSG:4326")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shortlist.gpkg"
        gdf.to_file(path, layer="sites_shortlist", driver="GPKG", engine="pyogrio", geometry_type="MultiPolygon")
        return path.read_bytes()
