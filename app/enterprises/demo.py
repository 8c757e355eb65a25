"""`qingpu demo load`: the enterprises the plan names plus a seeded synthetic population.

Replaces the previous demo rows (synthetic = true) and never touches imported enterprises.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.core.store import bump_version
from app.enterprises.assignment import load_zones
from app.enterprises.importer import load_places, write_enterprises
from gis.crs import lonlat_to_measure, measure_to_lonlat
from gis.enterprise_rows import EnterpriseRow, town_of
from gis.enterprise_synth import stable_rng, synthesize
from gis.uscc import make_uscc
from layers.named_enterprises import NAMED_ENTERPRISES, NamedEnterprise
from layers.qingpu import PARKS, TOWNS
from plan.industries import plan_industry_for


@dataclass
class DemoReport:
    named: int
    synthetic: int
    removed: int
    seed: int

    def __str__(self) -> str:
        return (f"demo enterprises: {self.named} named in the plan (approximate places) and {self.synthetic} "
                f"synthetic (seed {self.seed}); {self.removed} earlier demo rows replaced")


def _place_of(entry: NamedEnterprise) -> tuple[float, float]:
    park = next((p for p in PARKS if p.id == entry.place), None)
    if park is not None:
        lon, lat = park.lon, park.lat
    else:
        lon, lat = next(t.seat for t in TOWNS if t.code == entry.place)
    x, y = lonlat_to_measure(lon, lat)
    return measure_to_lonlat(x + entry.offset_m[0], y + entry.offset_m[1])


def named_rows(towns) -> tuple[list[EnterpriseRow], list[str]]:
    rows, notes = [], []
    points = [_place_of(e) for e in NAMED_ENTERPRISES]
    index = town_of(np.array([p[0] for p in points]), np.array([p[1] for p in points]), towns)
    for i, (entry, (lon, lat)) in enumerate(zip(NAMED_ENTERPRISES, points)):
        rng = stable_rng(entry.name)
        town = towns[index[i]] if index[i] >= 0 else None
        rows.append(EnterpriseRow(
            row=i + 1, uscc=make_uscc(rng), name=entry.name, industry_code=entry.industry_code,
            plan_industry=plan_industry_for(entry.industry_code), lon=round(lon, 7), lat=round(lat, 7),
            town=town.code if town else None, precision=entry.precision, source_crs="wgs84",
            address=f"上海市青浦区{town.name_zh}（位置为示意）" if town else None))
        notes.append(f"demo placement of an enterprise the plan names ({entry.basis}); position approximate, "
                     f"credit code and figures synthetic")
    return rows, notes


def load_demo(engine: Engine, n: int = 2000, seed: int = 20210601, progress=None) -> DemoReport:
    with engine.begin() as conn:
        zones = load_zones(conn)
        if not zones:
            raise RuntimeError("no zones: run `qingpu layout load` first")
        district, towns = load_places(conn)
        removed = conn.execute(text("DELETE FROM enterprises WHERE synthetic")).rowcount
        real = {r[0] for r in conn.execute(text("SELECT uscc FROM enterprises"))}
        pairs = [(row, note) for row, note in zip(*named_rows(towns)) if row.uscc not in real]
        named, notes = [r for r, _ in pairs], [n for _, n in pairs]
        taken = real | {r.uscc for r in named}
        population = synthesize(n, seed, zones, district, towns, taken=taken, progress=progress)
        write_enterprises(conn, named, synthetic=True, notes=notes, overwrite_real=False)
        write_enterprises(conn, population, synthetic=True,
                          notes=[f"synthetic demo enterprise (seed {seed})"] * len(population), overwrite_real=False)
        bump_version(conn, "enterprises")
    return DemoReport(len(named), len(population), removed, seed)
