"""The site-search request: its JSON shape (pydantic) and the checks that need the vocabularies.

Every problem is a ValueError / Problem with a message that names the field and the bad value.
"""
from __future__ import annotations

from typing import Literal

import shapely
from pydantic import BaseModel, ConfigDict, Field
from shapely.geometry import shape

from app.core.errors import bad_request
from gis.crs import SQM_PER_MU
from gis.site_scoring import (
    DEFAULT_CRITERIA,
    DEFAULT_RADIUS_M,
    NEEDS_INDUSTRY,
    RADIUS_CRITERIA,
    Criterion,
    Transform,
    validate_criteria,
)
from plan.industries import PLAN_INDUSTRIES, PLAN_INDUSTRY_BY_ID
from plan.site_rules import AVAILABILITY, LAND_USES, SITE_KINDS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AreaRange(_Strict):
    min: float | None = None
    max: float | None = None
    unit: Literal["mu", "m2"] = "mu"


class Constraints(_Strict):
    kinds: list[str] | None = None
    availability: list[str] | None = None
    land_uses: list[str] | None = None
    any_land_use: bool = Field(default=False, description=(
        "true to drop the default rule that a site's land use must be one the investor's industry may build on "
        "(plan/land_use.py); naming land_uses replaces that rule too"))
    zones: list[str] | None = None
    area: AreaRange | None = None
    max_station_m: float | None = None
    max_highway_m: float | None = None
    max_corridor_m: float | None = None
    exclude: dict | None = Field(default=None, description="GeoJSON (Multi)Polygon, Feature or FeatureCollection")


class Profile(_Strict):
    industry: str | None = None
    investment_wan: float | None = None
    land_need_mu: float | None = None


class TransformIn(_Strict):
    type: Literal["linear", "threshold", "ideal"]
    best: float | None = None
    worst: float | None = None
    threshold: float | None = None
    better: Literal["below", "above"] = "below"
    ideal: float | None = None
    tolerance: float | None = None


class CriterionIn(_Strict):
    id: str
    weight: float
    transform: TransformIn | None = None
    building_transform: TransformIn | None = None
    radius_m: float | None = None
    scale: Literal["data", "given"] | None = Field(default=None, description=(
        "same_industry and chain only: 'data' sets the transform from the candidates' own counts (0 at the 10th "
        "percentile, full at the 98th); 'given' uses the transform as stated. Default: 'data' when no transform "
        "is given, else 'given'"))


EXAMPLE = {
    "constraints": {"availability": ["available"], "kinds": ["parcel"], "land_uses": ["M1", "M2"],
                    "zones": ["core", "cluster-green"], "area": {"min": 30, "max": 120, "unit": "mu"},
                    "max_station_m": 5000, "max_highway_m": 3000},
    "profile": {"industry": "newmat", "investment_wan": 35000, "land_need_mu": 40},
    "criteria": [
        {"id": "station", "weight": 25, "transform": {"type": "linear", "best": 500, "worst": 5000}},
        {"id": "highway", "weight": 15, "transform": {"type": "threshold", "threshold": 2000, "better": "below"}},
        {"id": "same_industry", "weight": 15, "radius_m": 3000, "transform": {"type": "linear", "best": 20, "worst": 0}},
        {"id": "chain", "weight": 15, "radius_m": 5000, "transform": {"type": "linear", "best": 30, "worst": 0}},
        {"id": "zone_fit", "weight": 20, "transform": {"type": "linear", "best": 1, "worst": 0}},
        {"id": "price", "weight": 10, "transform": {"type": "ideal", "ideal": 60, "tolerance": 150},
         "building_transform": {"type": "linear", "best": 0.8, "worst": 3.5}}],
    "limit": 20,
}


class SearchIn(_Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    constraints: Constraints = Constraints()
    profile: Profile = Profile()
    criteria: list[CriterionIn] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    sensitivity: bool = True


def _nonneg(value: float | None, name: str) -> None:
    if value is not None and value < 0:
        raise bad_request(f"{name} must not be negative, got {value:g}")


def _known(values: list[str] | None, vocabulary, name: str) -> None:
    for v in values or []:
        if v not in vocabulary:
            raise bad_request(f"unknown {name} {v!r}; use one of {', '.join(vocabulary)}")


def resolve_industry(value: str) -> str:
    """A plan-industry id from its id or its Chinese name."""
    v = value.strip()
    if v in PLAN_INDUSTRY_BY_ID:
        return v
    for p in PLAN_INDUSTRIES:
        if p.zh == v:
            return p.id
    raise bad_request(f"unknown industry {value!r}; use a plan industry id or name: "
                      + ", ".join(f"{p.id} ({p.zh})" for p in PLAN_INDUSTRIES))


def exclusion_geometry(geojson: dict):
    """A shapely (Multi)Polygon in WGS84 from GeoJSON; 400 when it is not one."""
    try:
        if geojson.get("type") == "FeatureCollection":
            geoms = [shape(f["geometry"]) for f in geojson.get("features", [])]
            geom = shapely.union_all(geoms) if geoms else None
        elif geojson.get("type") == "Feature":
            geom = shape(geojson["geometry"])
        else:
            geom = shape(geojson)
    except Exception as exc:
        raise bad_request(f"constraints.exclude is not valid GeoJSON: {exc}")
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise bad_request("constraints.exclude must be GeoJSON polygons (Polygon, MultiPolygon, Feature or "
                          "FeatureCollection of them)")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise bad_request("constraints.exclude must be in WGS84 longitude/latitude")
    return shapely.make_valid(geom) if not geom.is_valid else geom


def _transform(t: TransformIn | None, default: Transform | None) -> Transform | None:
    if t is None:
        return default
    return Transform(t.type, best=t.best, worst=t.worst, threshold=t.threshold, better=t.better,
                     ideal=t.ideal, tolerance=t.tolerance)


def build_criteria(items: list[CriterionIn] | None) -> tuple[Criterion, ...]:
    """Criteria of the request (defaults for omitted transforms and radii), validated."""
    if items is None:
        return DEFAULT_CRITERIA
    defaults = {c.id: c for c in DEFAULT_CRITERIA}
    out = []
    for item in items:
        d = defaults.get(item.id)
        if d is None:
            raise bad_request(f"unknown criterion {item.id!r}; use one of {', '.join(defaults)}")
        radius = item.radius_m if item.radius_m is not None else DEFAULT_RADIUS_M.get(item.id)
        if item.scale == "data" and item.id not in RADIUS_CRITERIA:
            raise bad_request(f"criterion {item.id}: scale 'data' applies only to {' and '.join(RADIUS_CRITERIA)}")
        scale = (item.scale or ("given" if item.transform is not None else "data")) if item.id in RADIUS_CRITERIA \
            else "given"
        out.append(Criterion(item.id, item.weight, _transform(item.transform, d.transform),
                             _transform(item.building_transform, d.building_transform) if item.id == "price" else None,
                             radius if item.id in RADIUS_CRITERIA else None, scale))
    criteria = tuple(out)
    try:
        validate_criteria(criteria)
    except ValueError as exc:
        raise bad_request(str(exc))
    return criteria


def check_search(body: SearchIn, zone_ids: set[str]) -> tuple[tuple[Criterion, ...], str | None]:
    """Validate what pydantic cannot: vocabularies, signs, known zones and industry.
    Returns the criteria and the investor's plan-industry id."""
    c, p = body.constraints, body.profile
    _known(c.kinds, SITE_KINDS, "site kind")
    _known(c.availability, AVAILABILITY, "availability")
    _known(c.land_uses, LAND_USES, "land use")
    for z in c.zones or []:
        if z not in zone_ids:
            raise bad_request(f"unknown zone {z!r}; known zones: {', '.join(sorted(zone_ids))}")
    if c.area:
        _nonneg(c.area.min, "constraints.area.min")
        _nonneg(c.area.max, "constraints.area.max")
        if c.area.min is not None and c.area.max is not None and c.area.min > c.area.max:
            raise bad_request(f"constraints.area.min ({c.area.min:g}) exceeds constraints.area.max ({c.area.max:g})")
    for name in ("max_station_m", "max_highway_m", "max_corridor_m"):
        _nonneg(getattr(c, name), f"constraints.{name}")
    if c.exclude is not None:
        exclusion_geometry(c.exclude)
    _nonneg(p.investment_wan, "profile.investment_wan")
    _nonneg(p.land_need_mu, "profile.land_need_mu")
    industry = resolve_industry(p.industry) if p.industry else None
    criteria = build_criteria(body.criteria)
    if industry is None:
        needing = [cr.id for cr in criteria if cr.id in NEEDS_INDUSTRY and cr.weight > 0]
        if needing:
            raise bad_request(f"criteria {', '.join(needing)} need the investor's industry: set profile.industry")
    return criteria, industry


def area_m2_range(area: AreaRange) -> tuple[float | None, float | None]:
    k = SQM_PER_MU if area.unit == "mu" else 1.0
    return (area.min * k if area.min is not None else None, area.max * k if area.max is not None else None)
