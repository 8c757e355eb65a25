"""A reproducible synthetic enterprise population (pure: numpy Generator in, rows out).

Each enterprise gets a home: a zone (parks, the core and the clusters are denser than the
corridor) or, for a share, anywhere in the district. Its plan industry is drawn mostly from
its home zone's target industries, so the mix in each zone follows the plan's targets; the
national industry code is a real GB/T 4754-2017 class of that plan industry.
Same seed and same layout -> identical rows.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.assign import ZoneInfo
from gis.crs import lonlat_to_measure, measure_to_lonlat
from gis.enterprise_rows import EnterpriseRow, TownInfo, town_of
from gis.uscc import make_uscc
from plan.industries import PLAN_INDUSTRY_BY_ID, children_of, plan_industry_for

# Representative classes (GB/T 4754-2017) per plan industry; "" = industries outside the plan.
CLASSES: dict[str, tuple[str, ...]] = {
    "it": ("3911", "3921", "6311"),
    "ic": ("3973", "6520", "3972"),
    "software": ("6511", "6513", "6550", "6421"),
    "iot": ("6532", "3983"),
    "ai": ("3964",),
    "equip": ("3491", "3493", "3421", "3670", "3711"),
    "beidou": ("4023", "7449"),
    "rs": ("7441", "6571"),
    "biomed": ("2710", "2720", "2761", "3581", "7340"),
    "newmat": ("2651", "3091", "3985", "7513"),
    "aviation": ("3741", "3744", "5621", "3963"),
    "nev": ("3612",),
    "newenergy": ("3841", "3825", "3849", "7515"),
    "eco": ("4210", "4220", "3591", "7514", "7721"),
    "expo": ("7281", "7282", "7284", "7289"),
    "logistics": ("5431", "5810", "5821", "5920", "6020"),
    "trade": ("5193", "5292", "5181"),
    "iiot": ("6431",),
    "agri": ("0511", "7511"),
    "": ("1810", "3311", "6210", "7010", "2231"),
}
KIND_SHARE = {"park": 0.25, "core": 0.25, "cluster": 0.25, "corridor": 0.10}
BACKGROUND_SHARE = 0.15  # anywhere in the district, any industry
ON_TARGET = 0.8  # chance that an enterprise's industry is one its home zone targets


def _leaf_industries(targets: Sequence[str]) -> list[str]:
    """Target ids with codes; an umbrella target also brings its children."""
    out: list[str] = []
    for t in targets:
        for ind in (t, *children_of(t)):
            if ind in CLASSES and ind not in out:
                out.append(ind)
    return out


def points_in(geom: BaseGeometry, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform in area (drawn in metres, EPSG:4549) inside ``geom``."""
    if n == 0:
        return np.zeros(0), np.zeros(0)
    shapely.prepare(geom)
    minx, miny, maxx, maxy = geom.bounds
    (x0, x1), (y0, y1) = lonlat_to_measure(np.array([minx, maxx]), np.array([miny, maxy]))
    xs, ys = [], []
    got = 0
    while got < n:
        mx = rng.uniform(x0, x1, 2 * (n - got) + 16)
        my = rng.uniform(y0, y1, len(mx))
        lon, lat = measure_to_lonlat(mx, my)
        inside = shapely.intersects_xy(geom, lon, lat)
        xs.append(lon[inside])
        ys.append(lat[inside])
        got += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def synthesize(n: int, seed: int, zones: Sequence[ZoneInfo], district: BaseGeometry,
               towns: Sequence[TownInfo], taken: set[str] = frozenset(), progress=None) -> list[EnterpriseRow]:
    """``n`` synthetic enterprises; ``taken`` credit codes are never produced."""
    rng = np.random.default_rng(seed)
    zones = sorted(zones, key=lambda z: z.id)
    homes: list[ZoneInfo | None] = []
    weights: list[float] = []
    for kind, share in KIND_SHARE.items():
        of_kind = [z for z in zones if z.kind == kind and z.geom is not None]
        total = sum(z.area_km2 for z in of_kind)
        for z in of_kind:
            homes.append(z)
            weights.append(share * z.area_km2 / total)
    homes.append(None)
    weights.append(BACKGROUND_SHARE)
    p = np.asarray(weights) / sum(weights)
    home_of = rng.choice(len(homes), size=n, p=p)
    lon = np.zeros(n)
    lat = np.zeros(n)
    for h, home in enumerate(homes):
        idx = np.flatnonzero(home_of == h)
        lon[idx], lat[idx] = points_in(home.geom if home else district, len(idx), rng)
    everything = sorted(CLASSES)
    town_index = town_of(lon, lat, towns)
    seen = set(taken)
    rows: list[EnterpriseRow] = []
    for i in range(n):
        home = homes[home_of[i]]
        on_target = _leaf_industries(home.target_industries) if home else []
        pool = on_target if on_target and rng.random() < ON_TARGET else everything
        industry = pool[rng.integers(len(pool))]
        code = CLASSES[industry][rng.integers(len(CLASSES[industry]))]
        uscc = make_uscc(rng)
        while uscc in seen:
            uscc = make_uscc(rng)
        seen.add(uscc)
        employees = int(rng.lognormal(3.3, 1.1)) + 1
        output = round(employees * float(rng.lognormal(4.0, 0.6)), 1)
        label = PLAN_INDUSTRY_BY_ID[industry].zh if industry else "其他行业"
        town = towns[town_index[i]] if town_index[i] >= 0 else None
        rows.append(EnterpriseRow(
            row=i + 1, uscc=uscc, name=f"示例{label}企业{i + 1:05d}", industry_code=code,
            plan_industry=plan_industry_for(code), lon=round(float(lon[i]), 7), lat=round(float(lat[i]), 7),
            town=town.code if town else None, precision="exact", source_crs="wgs84",
            address=f"上海市青浦区{town.name_zh}（示例）" if town else None, employees=employees,
            output_value=output, established=int(rng.integers(1992, 2026))))
        if progress:
            progress(1)
    return rows


def stable_rng(name: str) -> np.random.Generator:
    """A generator fixed by a name, so a named enterprise keeps its demo credit code."""
    return np.random.default_rng(zlib.crc32(name.encode("utf-8")))
