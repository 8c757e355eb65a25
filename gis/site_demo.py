"""Synthetic demo sites, reproducible from a seed: rectangular parcels and building footprints placed
inside the district, most of them in or near the parks of the layout (where real vacant land is).

Everything is drawn in EPSG:4549 (metres) and returned in WGS84. Pure numpy/shapely: the caller passes
the district outline and the park polygons it read from the database.
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import SQM_PER_MU, from_measure, to_measure

# land use -> (share of parcels, price range 万元/亩, FAR limit range)
PARCEL_USES = {"M1": (0.34, (40, 110), (1.2, 2.0)), "M2": (0.22, (35, 90), (1.0, 1.6)),
               "RD": (0.16, (150, 380), (2.0, 3.5)), "C65": (0.08, (180, 420), (2.0, 4.0)),
               "W": (0.12, (45, 100), (1.0, 2.0)), "B": (0.08, (300, 800), (2.0, 4.0))}
BUILDING_USES = {"M1": (0.5, (0.8, 1.8)), "RD": (0.3, (1.5, 3.5)), "W": (0.2, (0.8, 1.6))}
AVAILABILITY = (("available", 0.7), ("negotiating", 0.18), ("reserved", 0.12))
NEAR_PARK_SHARE = 0.6


def _pick(rng, table: dict, n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k][0] for k in keys], dtype=float)
    return np.array(keys)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _points_in(rng, region_m: BaseGeometry, n: int) -> np.ndarray:
    """n uniform random points (x, y) inside a polygon in metres, by rejection in batches."""
    minx, miny, maxx, maxy = region_m.bounds
    shapely.prepare(region_m)
    out = np.empty((0, 2))
    while len(out) < n:
        batch = rng.uniform((minx, miny), (maxx, maxy), size=(max(2 * (n - len(out)), 64), 2))
        inside = shapely.contains_xy(region_m, batch[:, 0], batch[:, 1])
        out = np.vstack([out, batch[inside]])
    return out[:n]


def _rectangles(cx, cy, area, aspect, angle) -> np.ndarray:
    """Polygons of the given areas (m²), aspect ratios and rotations centred on (cx, cy)."""
    w = np.sqrt(area * aspect)
    h = area / w
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    dx = corners[None, :, 0] * w[:, None]
    dy = corners[None, :, 1] * h[:, None]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = cx[:, None] + dx * c - dy * s
    y = cy[:, None] + dx * s + dy * c
    return shapely.polygons(np.stack([x, y], axis=-1))


def generate_sites(district: BaseGeometry, parks: list[BaseGeometry], count: int, seed: int,
                   building_share: float = 0.25, id_prefix: str = "DEMO-S") -> list[dict]:
    """``count`` synthetic sites as dicts (id, name, kind, land_use, availability, area_m2, far_max,
    price, geom in WGS84, synthetic=True). Same inputs and seed, same sites."""
    rng = np.random.default_rng(seed)
    region = to_measure(district)
    park_region = shapely.intersection(shapely.union_all([to_measure(p).buffer(1500) for p in parks]), region) \
        if parks else region
    n_park = int(round(count * NEAR_PARK_SHARE)) if not park_region.is_empty else 0
    xy = np.vstack([_points_in(rng, park_region, n_park), _points_in(rng, region, count - n_park)])
    xy = xy[rng.permutation(count)]
    is_building = rng.random(count) < building_share
    kinds = np.where(is_building, "building", "parcel")
    # parcels 8-300 亩, log-normal around 40 亩; building footprints 1,500-12,000 m² on 2-6 floors
    parcel_mu = np.clip(rng.lognormal(np.log(40), 0.7, count), 8, 300)
    footprint = rng.uniform(1500, 12000, count)
    floors = rng.integers(2, 7, count)
    area = np.where(is_building, footprint, parcel_mu * SQM_PER_MU)
    geoms_m = _rectangles(xy[:, 0], xy[:, 1], area, rng.uniform(1, 2.2, count), rng.uniform(0, np.pi / 2, count))
    parcel_use = _pick(rng, PARCEL_USES, count)
    building_use = _pick(rng, BUILDING_USES, count)
    avail_p = np.array([p for _k, p in AVAILABILITY])
    avail = np.array([k for k, _p in AVAILABILITY])[rng.choice(len(AVAILABILITY), size=count, p=avail_p)]
    u = rng.random(count)
    geoms = from_measure(geoms_m)
    sites = []
    for i in range(count):
        if is_building[i]:
            use = str(building_use[i])
            lo, hi = BUILDING_USES[use][1]
            price, far, floor_area = lo + u[i] * (hi - lo), None, float(footprint[i] * floors[i])
            name = f"示例厂房 {i + 1:05d}（{floors[i]}层）"
        else:
            use = str(parcel_use[i])
            _share, (plo, phi), (flo, fhi) = PARCEL_USES[use]
            price, far, floor_area = plo + u[i] * (phi - plo), round(flo + u[i] * (fhi - flo), 1), None
            name = f"示例地块 {i + 1:05d}"
        sites.append({"id": f"{id_prefix}-{i + 1:05d}", "name": name, "kind": str(kinds[i]), "land_use": use,
                      "availability": str(avail[i]), "area_m2": floor_area, "far_max": far,
                      "price": round(float(price), 2), "geom": geoms[i], "synthetic": True,
                      "note": "synthetic demo site (seed %d)" % seed})
    return sites
