"""/analytics: zone metrics, H3 hex bins, Gi* hotspots, density surfaces, plan targets, and the page.

Thin: parameters are checked here (unknown or bad ones give 400 problem+json), data comes from
app.analytics_data (SQL), the statistics from gis/. Role rules come from the layer registry, as for
the enterprise items: output values (万元, confidential) appear only for the roles that may see the
enterprises' output_value field (investment and above).
"""
from __future__ import annotations

import base64
import json
import time

import numpy as np
import shapely
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.analytics import store as data
from app.core.assets import CHART_JS, LEAFLET_CSS, LEAFLET_JS
from app.core.auth import Principal, current_principal
from app.core.db import reader
from app.core.errors import bad_request
from app.core.http import templates
from app.core.params import choice, int_in, parse_query
from app.core.store import district_geometry, zone_exists
from gis import density, hexbin, hotspots, metrics
from gis.crs import lonlat_to_measure
from layers.registry import (
    HEX_BAND_COLOURS,
    HEX_CLASS_COLOURS,
    HOTSPOT_COLOURS,
    HOTSPOT_WORDS,
    LAYERS,
    LQ_CLASSES,
    LQ_UNRELIABLE_COLOUR,
    VALUE_WORDS,
    ZONE_COLORS,
    ZONE_DENSITY_COLOURS,
    role_allows,
)
from plan.chains import CHAINS
from plan.industries import PLAN_INDUSTRIES, PLAN_INDUSTRY_BY_ID
from plan.targets import TARGET_YEAR, TARGETS, implied_target

router = APIRouter(tags=["analytics"])
FALLBACK_OUTPUT_ROLE = "investment"


def _enterprise_roles() -> tuple[str, str]:
    """(least role for the enterprises layer, least role for output_value), from the layer registry."""
    layer = LAYERS.get("enterprises")
    field = layer.field("output_value") if layer else None
    return (layer.least_role if layer else "public"), (field.least_role if field else FALLBACK_OUTPUT_ROLE)
GEOJSON = "application/geo+json"


# -- parameters ------------------------------------------------------------------------------------
def _resolution(raw: str) -> int:
    value = int(raw)
    if value not in hexbin.RESOLUTIONS:
        raise ValueError(f"H3 resolution must be one of {', '.join(map(str, hexbin.RESOLUTIONS))}")
    return value


def _positive_metres(raw: str) -> float:
    value = float(raw)
    if not np.isfinite(value) or value <= 0:
        raise ValueError("must be a positive number of metres")
    if value > 50000:
        raise ValueError("must be at most 50000 m")
    return value


def _industry(raw: str) -> str:
    return data.check_industry(raw)


def _zone_id(raw: str) -> str:
    # Whether the zone exists is checked against the database when the result is computed (_check_zone).
    if len(raw) > 100 or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in raw):
        raise ValueError("must be a zone id (letters, digits, '-', '_' or '.'), e.g. core, cluster-expo")
    return raw


def _check_zone(conn, zone: str | None) -> None:
    """A 400 naming the known zones when ``zone`` is given and no such zone exists (one index probe)."""
    if zone is not None and not zone_exists(conn, zone):
        raise bad_request(f"zone={zone!r}: no such zone; use one of {', '.join(data.zone_names(conn))}")


def _zone_filter(conn, zone: str | None) -> dict | None:
    """The zone's outline (GeoJSON), or None without a zone; an unknown zone is a 400 naming the known ones."""
    if zone is None:
        return None
    outline = data.zone_outline(conn, zone)
    if outline is None:
        _check_zone(conn, zone)  # raises: no such zone
    return outline


# Descriptions of the query parameters, for the OpenAPI document (the parsing is _params').
PARAM_DOCS = {
    "min_count": "LQ is flagged unreliable below this zone-industry firm count (default 5)",
    "year": "reference year for growth (default: the latest year established in the data)",
    "span": "growth window in years (default 5)",
    "kind": "only zones of this kind: core, corridor, cluster, park",
    "resolution": "H3 resolution 7, 8 (default) or 9",
    "plan_industry": "a plan industry id (with its children), e.g. ic, biomed, it",
    "zone": "only the enterprises inside this zone (an id, e.g. core, cluster-expo); on /analytics/zones the "
            "zone and the zones within it; on /analytics/targets the zone's contribution to the district targets",
    "permutations": "conditional-randomisation permutations, 99–9999 (default 9999)",
    "seed": "random seed of the permutations (default fixed, so results reproduce)",
    "fdr": "bh (Benjamini–Hochberg, default) or none (raw p-values)",
    "variable": "count (default) or employees per cell",
    "only": "all cells (default) or only significant ones",
    "bandwidth": "Gaussian kernel bandwidth in metres (default: Scott's rule in EPSG:4549)",
    "cell": "grid cell size in metres (default 250; grows to keep at most 300 cells a side)",
    "weight": "none (firms per km², default) or employees (employees per km²)",
    "format": "contours (GeoJSON polygons, default), overlay (JSON with a PNG data URL and bounds) or png",
    "levels": "number of contour levels, evenly spaced fractions of the maximum (default 5)",
}


def _openapi(spec: dict) -> dict:
    return {"parameters": [{"name": name, "in": "query", "required": False, "schema": {"type": "string"},
                            "description": PARAM_DOCS.get(name, "")} for name in spec]}


# -- the shared request flow -----------------------------------------------------------------------
def _run(request: Request, principal: Principal, endpoint: str, params: dict, compute):
    """Compute (or fetch from the cache) a result; returns (result, metadata)."""
    least, output_role = _enterprise_roles()
    principal.require(least)  # the same role rules as the enterprise items
    show_output = role_allows(principal.role, output_role)
    engine = reader(request, principal)
    # One snapshot for the version counters and the data, so a result is never filed under a version
    # older than the rows it was computed from (writers bump the counter in the same transaction).
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        version = data.versions(conn)
        key = (endpoint, tuple(sorted((k, str(v)) for k, v in params.items())), show_output,
               tuple(sorted(version.items())))

        def fresh():
            return {"value": compute(conn, params, show_output), "at": time.time()}

        # What the pages ask for first (no parameters) has a cache of its own, so that a flood of other
        # parameter combinations cannot evict it.
        cache = data.DEFAULT_VIEW_CACHE if not request.query_params else data.CACHE
        entry, cached = cache.get_or_compute(key, fresh)
        value = entry["value"]
        meta = data.metadata_block(conn, endpoint, {**params, **value.get("resolved", {})}, version,
                                   principal.role, cached, entry["at"], output_visible=show_output,
                                   **value.get("meta", {}))
    return value, meta


def _geojson(features: list, meta: dict, **members) -> JSONResponse:
    return JSONResponse({"type": "FeatureCollection", "features": features, **members, "metadata": meta},
                        media_type=GEOJSON)


# -- zones -----------------------------------------------------------------------------------------
ZONE_PARAMS = {"min_count": (int_in(1, 1000), metrics.MIN_COUNT), "year": (int_in(1800, 2100), None),
               "span": (int_in(1, 50), 5), "kind": (choice("core", "corridor", "cluster", "park"), None),
               "plan_industry": (_industry, None), "zone": (_zone_id, None)}


# Umbrella industries with children (it, beidou_rs, newenergy) also get rolled-up rows.
_GROUPS = {p.id: data.industry_family(p.id)[1:] for p in PLAN_INDUSTRIES if data.industry_family(p.id)[1:]}


def _selected(entries: list[dict], industry: str, n_zone: int, district: dict, min_count: int) -> dict:
    """One zone's row for the chosen plan industry (an umbrella's rolled-up row first); a zero row when the
    zone holds none of its firms, so every zone has the LQ the page colours it by."""
    rows = [e for e in entries if e["industry"] == industry]
    row = next((e for e in rows if e["group"]), rows[0] if rows else None)
    if row is not None:
        return row
    d_rows = [e for e in district["industries"] if e["industry"] == industry]
    d_row = next((e for e in d_rows if e["group"]), d_rows[0] if d_rows else None)
    n_i = d_row["firms"] if d_row else 0
    return {"industry": industry, "firms": 0, "employees": 0, "density_per_km2": 0.0, "share": 0.0 if n_zone else None,
            "lq": metrics.lq(0, n_zone, n_i, district["firms"]),
            "lq_counts": {"zone_industry": 0, "zone": n_zone, "district_industry": n_i, "district": district["firms"]},
            "lq_reliable": 0 >= min_count, "group": bool(_GROUPS.get(industry)), "new_firms": 0,
            "stock_growth_per_year": None}


def _zones(conn, params, show_output):
    zone = params["zone"]
    _check_zone(conn, zone)
    zones = [z for z in data.zones_table(conn) if params["kind"] in (None, z["kind"])
             and zone in (None, z["id"], z["parent_zone"])]
    zone_tally, district_tally = data.tallies(conn)
    result = metrics.zone_metrics(zone_tally, district_tally, {z["id"]: z["area_km2"] for z in zones},
                                  min_count=params["min_count"], year=params["year"], span=params["span"],
                                  include_output=show_output, groups=_GROUPS)
    by_id = {m["zone"]: m for m in result["zones"]}
    features = []
    for z in zones:
        props = {k: z[k] for k in ("kind", "name_zh", "name_en", "target_industries", "parent_zone", "schematic")}
        props.update(by_id[z["id"]])
        for entry in props["industries"]:
            entry["targeted"] = entry["industry"] in z["target_industries"]
        if params["plan_industry"]:
            props["selected_industry"] = _selected(props["industries"], params["plan_industry"], props["firms"],
                                                   result["district"], params["min_count"])
        features.append({"type": "Feature", "id": z["id"], "geometry": z["geometry"], "properties": props})
    return {"features": features, "district": result["district"],
            "resolved": {"year": result["year"]},
            "meta": {"synthetic": data.synthetic_summary(conn),
                     "definitions": {
                         "overlaps": "a firm counts in every zone that contains it and once in the district",
                         "lq": "(zone industry / zone all) / (district industry / district all), by firm counts",
                         "lq_reliable": f"false when the zone-industry count is below min_count ({params['min_count']})",
                         "hhi": "sum of squared firm shares over plan industries plus 'other'",
                         "selected_industry": "with plan_industry: that industry's row of the zone (an umbrella's "
                                              "rolled-up row), zeros where the zone holds none of its firms",
                         "group": "true on rolled-up rows of an umbrella industry (itself and its children); "
                                  "HHI and totals use the other rows only",
                         "area": "zones.area_km2, measured in EPSG:4549",
                         "growth": "firms established in (year - span, year]; stock growth per year of surviving firms"}}}


@router.get("/analytics/zones", summary="Zone × plan-industry metrics: density, share, LQ, HHI, growth",
            openapi_extra=_openapi(ZONE_PARAMS))
def analytics_zones(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, ZONE_PARAMS)
    value, meta = _run(request, principal, "zones", params, _zones)
    return _geojson(value["features"], meta, district=value["district"])


# -- hex bins --------------------------------------------------------------------------------------
HEX_PARAMS = {"resolution": (_resolution, 8), "plan_industry": (_industry, None), "zone": (_zone_id, None)}


def hex_classes(counts) -> tuple[hexbin.CountClasses, dict]:
    """Quantile classes of the cells' counts and their description (labels, breaks, colours) for legends."""
    classes = hexbin.quantile_classes(counts, len(HEX_CLASS_COLOURS), len(HEX_CLASS_COLOURS))
    return classes, {"method": "quantiles of the non-empty cells' counts (about equally many cells per class)",
                     "labels": list(classes.labels), "lower": list(classes.lower), "upper": list(classes.upper),
                     "colours": [HEX_CLASS_COLOURS[r] for r in classes.ramp]}


def _hexbins(conn, params, show_output):
    _check_zone(conn, params["zone"])
    pts = data.enterprise_points(conn, params["plan_industry"], params["zone"])
    bins = hexbin.bin_points(pts["lon"], pts["lat"], params["resolution"], pts["employees"],
                             pts["output"] if show_output else None)
    classes, described = hex_classes(bins.count)
    which = classes.classify(bins.count)
    features = []
    for i, cell in enumerate(bins.cells.tolist()):
        props = {"h3": hexbin.cell_strings([cell])[0], "count": int(bins.count[i]), "employees": int(bins.employees[i]),
                 "band": classes.labels[which[i]], "band_class": classes.ramp[which[i]]}
        if show_output:
            props["output_value"] = round(float(bins.output[i]), 2)
        features.append({"type": "Feature", "geometry": hexbin.cell_polygon(cell), "properties": props})
    return {"features": features,
            "meta": {"indexing": "h3.api.basic_int.latlng_to_cell(lat, lon, res) on WGS84 degrees, per point",
                     "h3_version": hexbin.h3.__version__, "cells": len(features), "firms": int(bins.count.sum()),
                     "classes": described,
                     "synthetic": data.synthetic_summary(conn)}}


@router.get("/analytics/hexbins", summary="Enterprises and employees per H3 cell (resolution 7–9)",
            openapi_extra=_openapi(HEX_PARAMS))
def analytics_hexbins(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, HEX_PARAMS)
    value, meta = _run(request, principal, "hexbins", params, _hexbins)
    return _geojson(value["features"], meta)


# -- hotspots --------------------------------------------------------------------------------------
PUBLIC_PERMUTATIONS = (99, 199, 999, hotspots.DEFAULT_PERMUTATIONS)
HOT_PARAMS = {"resolution": (_resolution, 8), "plan_industry": (_industry, None), "zone": (_zone_id, None),
              "permutations": (int_in(99, 9999), hotspots.DEFAULT_PERMUTATIONS),
              "seed": (int_in(0, 2**31 - 1), hotspots.DEFAULT_SEED), "fdr": (choice(*hotspots.FDR_METHODS), "bh"),
              "variable": (choice("count", "employees"), "count"),
              "only": (choice("all", "significant"), "all")}


def _hotspots(conn, params, show_output):
    res = params["resolution"]
    # With a zone, the study area is the zone (its cells and its firms) rather than the district.
    outline = _zone_filter(conn, params["zone"]) or data.district_outline(conn)
    pts = data.enterprise_points(conn, params["plan_industry"], params["zone"])
    bins = hexbin.bin_points(pts["lon"], pts["lat"], res, pts["employees"])
    cells = hexbin.study_area_cells(outline, res, bins.cells)
    counts = np.zeros(cells.size)
    employees = np.zeros(cells.size)
    where = np.searchsorted(cells, bins.cells)
    counts[where], employees[where] = bins.count, bins.employees
    rows, cols = hexbin.k1_neighbours(cells)
    x = counts if params["variable"] == "count" else employees
    if cells.size < 3:
        raise bad_request("too few cells: Gi* needs at least three cells in the study area")
    # With no variation at all (e.g. no enterprises yet) every z is 0 and every p is 1: nothing is hot.
    result = hotspots.hotspots(x, rows, cols, params["permutations"], params["seed"], params["fdr"])
    names = hexbin.cell_strings(cells)
    features = [{"type": "Feature", "geometry": hexbin.cell_polygon(c),
                 "properties": {"h3": names[i], "count": int(counts[i]), "employees": int(employees[i]),
                                "gi_z": round(float(result.z[i]), 6), "p_value": round(float(result.p_value[i]), 6),
                                "q_value": round(float(result.q_value[i]), 6), "class": result.klass[i],
                                "neighbours": int(result.neighbours[i])}}
                for i, c in enumerate(cells.tolist())
                if params["only"] == "all" or result.klass[i] != "not_significant"]
    classes = {k: int(v) for k, v in zip(*np.unique(result.klass.astype(str), return_counts=True))}
    fdr = ({"method": "Benjamini-Hochberg", "alpha": 0.10, "levels": [0.01, 0.05, 0.10],
            "applied_to": "two-sided permutation p-values; class by BH-adjusted p (q_value)"}
           if params["fdr"] == "bh" else
           {"method": "none", "alpha": 0.10, "levels": [0.01, 0.05, 0.10],
            "applied_to": "raw two-sided permutation p-values: expect false positives"})
    return {"features": features,
            "meta": {"fdr": fdr, "classes": classes, "cells": int(cells.size),
                     "min_p_value": 2.0 / (params["permutations"] + 1),
                     # BH flags nothing at level a unless at least m * min_p / a cells reach the floor
                     "bh_min_cells_at_floor": {str(a): int(np.ceil(cells.size * 2.0 / (params["permutations"] + 1) / a))
                                               for a in (0.10, 0.05, 0.01)},
                     "statistic": "Getis-Ord Gi* (z: analytic, as esda.G_Local star=True transform=B)",
                     "neighbourhood": "the cell and its k=1 H3 ring, binary weights; ring cells outside the study "
                                      "area are left out",
                     "study_area": "every H3 cell whose centre lies in the district outline (with zone: in the "
                                   "zone), plus any cell holding an enterprise counted; empty cells count as zeros",
                     "firms": int(pts["lon"].size),
                     "p_value": "conditional randomisation (neighbours drawn from the other cells, x_i fixed), "
                                "two-sided, fixed seed",
                     "synthetic": data.synthetic_summary(conn)}}


@router.get("/analytics/hotspots", summary="Getis-Ord Gi* hotspots on the H3 grid with permutation p and FDR",
            openapi_extra=_openapi(HOT_PARAMS))
def analytics_hotspots(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, HOT_PARAMS)
    # Each new seed costs seconds of CPU: anonymous callers get the fixed seed and a few permutation counts,
    # so what they can ask for is a small set whose results the cache keeps.
    if params["seed"] != hotspots.DEFAULT_SEED or params["permutations"] not in PUBLIC_PERMUTATIONS:
        principal.require("investment")
    value, meta = _run(request, principal, "hotspots", params, _hotspots)
    return _geojson(value["features"], meta)


# -- density ---------------------------------------------------------------------------------------
DENSITY_PARAMS = {"bandwidth": (_positive_metres, None), "cell": (_positive_metres, 250.0),
                  "weight": (choice("none", "employees"), "none"), "plan_industry": (_industry, None),
                  "zone": (_zone_id, None),
                  "format": (choice("contours", "overlay", "png"), "contours"),
                  "levels": (int_in(1, 12), 5)}
_PAD_M = 2000.0


def _density(conn, params, show_output):
    outline = _zone_filter(conn, params["zone"])
    pts = data.enterprise_points(conn, params["plan_industry"], params["zone"])
    if pts["lon"].size < 2:
        raise bad_request("a density surface needs at least two enterprises")
    x, y = lonlat_to_measure(pts["lon"], pts["lat"])
    weights = None if params["weight"] == "none" else np.nan_to_num(pts["employees"])
    if weights is not None and weights.sum() <= 0:
        raise bad_request("no employees to weight by")
    try:
        bandwidth = params["bandwidth"] or density.scott_bandwidth(x, y, weights)
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    dx, dy = lonlat_to_measure(*_outline_bounds(conn, outline))
    grid = density.make_grid((min(dx.min(), x.min()) - _PAD_M, min(dy.min(), y.min()) - _PAD_M,
                              max(dx.max(), x.max()) + _PAD_M, max(dy.max(), y.max()) + _PAD_M), params["cell"])
    surface = density.kde_grid(x, y, grid, bandwidth, weights)
    unit = "firms per km²" if weights is None else "employees per km²"
    resolved = {"bandwidth": round(bandwidth, 3), "cell": grid.cell,
                "bandwidth_rule": "given" if params["bandwidth"] else "Scott: sigma * n_eff^(-1/6), EPSG:4549 metres"}
    meta = {"crs_of_computation": "EPSG:4549", "kernel": "Gaussian", "unit": unit, "max": float(surface.max()),
            "grid": {"nx": int(grid.x.size), "ny": int(grid.y.size), "bounds_epsg4549": list(grid.bounds)},
            "firms": int(pts["lon"].size), "synthetic": data.synthetic_summary(conn)}
    if params["format"] == "contours":
        fractions = np.linspace(0, 1, params["levels"] + 2)[1:-1]
        bands = density.contour_polygons(surface, grid, surface.max() * fractions)
        features = [{"type": "Feature", "geometry": json.loads(_to_geojson(poly)),
                     "properties": {"level": round(level, 6), "fraction_of_max": round(float(f), 4), "unit": unit}}
                    for (level, poly), f in zip(bands, fractions)]
        return {"features": features, "resolved": resolved, "meta": meta}
    png, bounds, vmax = density.raster_png(surface, grid)
    return {"png": png, "bounds": bounds, "vmax": vmax, "resolved": resolved, "meta": meta}


def _to_geojson(geom) -> str:
    return shapely.to_geojson(shapely.set_precision(geom, 1e-6))


def _outline_bounds(conn, outline: dict | None = None):
    """Corners of the district's (or the given outline's) bounding box, as lon and lat arrays."""
    minx, miny, maxx, maxy = (shapely.geometry.shape(outline) if outline else district_geometry(conn)).bounds
    return np.array([minx, maxx, minx, maxx]), np.array([miny, miny, maxy, maxy])


@router.get("/analytics/density", summary="Kernel density in EPSG:4549: contours (GeoJSON) or a PNG overlay",
            openapi_extra=_openapi(DENSITY_PARAMS))
def analytics_density(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, DENSITY_PARAMS)
    value, meta = _run(request, principal, "density", params, _density)
    if params["format"] == "contours":
        return _geojson(value["features"], meta)
    if params["format"] == "png":
        return Response(value["png"], media_type="image/png",
                        headers={"X-Bounds": json.dumps(value["bounds"]),
                                 "X-Data-Version": json.dumps(meta["data_version"])})
    url = "data:image/png;base64," + base64.b64encode(value["png"]).decode()
    return JSONResponse({"image": url, "bounds": value["bounds"], "max": value["vmax"], "metadata": meta})


# -- plan targets ----------------------------------------------------------------------------------
TARGET_PARAMS = {"plan_industry": (_industry, None), "zone": (_zone_id, None)}


def _targets(conn, params, show_output):
    zone = params["zone"]
    _check_zone(conn, zone)
    # Targets are the district's: a share is always of the whole district's output, and with a zone the
    # figures are that zone's firms' contribution toward the district target.
    firms, output_wan = data.industry_totals(conn, zone)
    total_output = sum(data.industry_totals(conn)[1].values())
    synthetic = data.synthetic_summary(conn)
    family = set(data.industry_family(params["plan_industry"])) if params["plan_industry"] else None
    out = []
    for t in TARGETS:
        if family is not None and not family & set(t.plan_industries):
            continue
        goal = implied_target(t)
        entry = {"id": t.id, "indicator_zh": t.indicator_zh, "indicator_en": t.indicator_en, "unit": t.unit,
                 "base": t.base, "base_year": t.base_year, "target": t.target, "target_year": TARGET_YEAR,
                 "growth_per_year": t.growth_per_year, "target_level": None if goal is None else round(goal, 4),
                 "plan_industries": list(t.plan_industries), "source": t.source, "note": t.note,
                 "firms": sum(firms.get(i, 0) for i in t.plan_industries) if t.plan_industries else None,
                 "measurable": t.measure is not None, "current": None, "progress": None, "status": None}
        if t.measure is None:
            entry["status"] = "not measurable from enterprise data"
        elif not show_output:
            entry["status"] = f"output_value is confidential: sign in with role {_enterprise_roles()[1]} or above"
        else:
            industry_output = sum(output_wan.get(i, 0.0) for i in t.plan_industries)
            if t.measure == "output_sum":
                current = industry_output / 1e4  # 万元 -> 亿元
            else:  # output_share, in %
                current = 100.0 * industry_output / total_output if total_output else None
            entry["current"] = None if current is None else round(current, 4)
            if current is not None and goal:
                entry["progress"] = round(current / goal, 6)
            entry["status"] = "proxy from enterprise output_value" + (" (synthetic data)" if synthetic["synthetic"] else "")
        entry["scope"] = "district" if zone is None else "zone"
        out.append(entry)
    scope = ("the district's firms" if zone is None else
             f"the firms in zone {zone} only: their contribution toward the district's target")
    return {"targets": out, "firms_per_industry": firms,
            "meta": {"synthetic": synthetic, "scope": scope,
                     "units": {"output": "万元 in the table; 亿元 in targets (1 亿 = 10 000 万)"}}}


@router.get("/analytics/targets", summary="The plan's 2025 targets against current totals per plan industry",
            openapi_extra=_openapi(TARGET_PARAMS))
def analytics_targets(request: Request, principal: Principal = Depends(current_principal)):
    params = parse_query(request, TARGET_PARAMS)
    value, meta = _run(request, principal, "targets", params, _targets)
    return JSONResponse({"targets": value["targets"], "firms_per_industry": value["firms_per_industry"],
                         "metadata": meta})


# -- the page --------------------------------------------------------------------------------------
# The page's sections below the map, in order: each a template of its own (with its script), so a new
# section (e.g. 产业链 chains) is one more entry here and one more partial.
ANALYTICS_SECTIONS = ("analytics/_zones.html", "analytics/_targets.html", "_analytics_chains.html",
                      "analytics/_notes.html")


def _page_config(conn) -> dict:
    """What the page needs to name and colour things: industries (with the children a choice includes),
    zones by kind, and the palettes of the layer registry."""
    kinds = {k: VALUE_WORDS[("kind", k)] for k in ("core", "corridor", "cluster", "park")}
    zones = [{"id": z["id"], "kind": z["kind"], "zh": z["name_zh"], "en": z["name_en"], "parent": z["parent_zone"]}
             for z in data.zones_table(conn)]
    return {
        "industries": {p.id: {"zh": p.zh, "en": p.en, "family": data.industry_family(p.id)} for p in PLAN_INDUSTRIES},
        "zones": zones, "kinds": kinds, "kindColours": ZONE_COLORS,
        "lqClasses": [{"min": lo, "colour": c, "label": w} for lo, c, w in LQ_CLASSES],
        "lqUnreliable": LQ_UNRELIABLE_COLOUR, "minCount": metrics.MIN_COUNT,
        "zoneDensityColours": list(ZONE_DENSITY_COLOURS),
        "hotColours": HOTSPOT_COLOURS, "hotWords": HOTSPOT_WORDS,
        "hexColours": list(HEX_BAND_COLOURS.values()),
        "densityRamp": ["rgb(%d,%d,%d)" % tuple(int(v) for v in c) for c in density.RAMP],
        "outputRole": _enterprise_roles()[1]}


@router.get("/analytics", response_class=HTMLResponse, summary="The analytics page")
def analytics_page(request: Request):
    with request.app.state.engine.connect() as conn:
        config = _page_config(conn)
    return templates.TemplateResponse(request, "analytics.html", {
        "leaflet_js": LEAFLET_JS, "leaflet_css": LEAFLET_CSS, "chart_js": CHART_JS, "config": config,
        "industries": PLAN_INDUSTRIES, "zones": config["zones"], "kinds": config["kinds"],
        "resolutions": hexbin.RESOLUTIONS, "sections": ANALYTICS_SECTIONS,
        "chain_industries": [{"id": i, "zh": PLAN_INDUSTRY_BY_ID[i].zh, "en": PLAN_INDUSTRY_BY_ID[i].en} for i in CHAINS]})
