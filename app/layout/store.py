"""Writes the default layout into PostGIS (`qingpu layout load`). Idempotent: what exists stays."""
from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import Point
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from app.core.store import (
    GEOM,
    MULTI,
    bump_version,
    district_geometry,
    district_loaded,
    polygon_wkb,
    town_geometries,
    town_rows,
    wkb,
)
from app.zones.store import record_zone_version
from layers.default_layout import default_zones, route_lines, schematic_towns
from layers.district import district_outline
from layers.qingpu import (
    CORRIDOR_ROUTES,
    DISTRICT_ADCODE,
    DISTRICT_NAME_EN,
    DISTRICT_NAME_ZH,
    LINE17_STATIONS,
    STATION_PRECISION_M,
    TOWNS,
)
from plan.industries import PLAN_INDUSTRIES


@dataclass
class LoadReport:
    inserted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = [f"{k}: {self.inserted.get(k, 0)} new, {self.kept.get(k, 0)} kept"
                 for k in ("district", "towns", "zones", "corridor_routes", "stations", "plan_industries")]
        return "; ".join(parts)


def load_layout(engine: Engine, progress=None) -> LoadReport:
    """Insert what is missing of the default layout; never overwrite what a user changed."""
    report = LoadReport()
    step = progress.update if progress else (lambda n=1: None)
    district, source = district_outline()
    step()
    with engine.begin() as conn:
        if district_loaded(conn):
            report.kept["district"] = 1
        else:
            conn.execute(text(f"INSERT INTO district (adcode, name_zh, name_en, source, source_crs, geom) "
                              f"VALUES (:a, :zh, :en, :src, 'gcj02', {MULTI.format(name='g')})"),
                         {"a": DISTRICT_ADCODE, "zh": DISTRICT_NAME_ZH, "en": DISTRICT_NAME_EN, "src": source,
                          "g": polygon_wkb(district)})
            report.inserted["district"] = 1
        # Work on the stored outline so that towns and zones nest in exactly what is served.
        district = district_geometry(conn)
        step()

        for rank, ind in enumerate(PLAN_INDUSTRIES):
            res = conn.execute(text(
                "INSERT INTO plan_industries (id, name_zh, name_en, grp, parent, rank) "
                "VALUES (:id, :zh, :en, :grp, :parent, :rank) ON CONFLICT (id) DO UPDATE SET "
                "name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, grp = EXCLUDED.grp, "
                "parent = EXCLUDED.parent, rank = EXCLUDED.rank RETURNING (xmax = 0)"),
                {"id": ind.id, "zh": ind.zh, "en": ind.en, "grp": ind.group,
                 "parent": ind.parent, "rank": rank}).scalar_one()
            _count(report, "plan_industries", res)

        town_count = len(town_rows(conn))
        if town_count == 0:
            cells = schematic_towns(district)
            for town in TOWNS:
                insert_town(conn, town, cells[town.code], schematic=True,
                            source="schematic: Voronoi cells of approximate seats inside the district outline")
            report.inserted["towns"] = len(TOWNS)
        else:
            report.kept["towns"] = town_count
        step()

        towns = town_geometries(conn)
        lines = route_lines()
        for route in CORRIDOR_ROUTES:
            res = conn.execute(text(
                f"INSERT INTO corridor_routes (id, name_zh, name_en, mode, schematic, half_width_m, geom) "
                f"VALUES (:id, :zh, :en, :mode, :sch, :hw, {GEOM.format(name='g')}) "
                f"ON CONFLICT (id) DO NOTHING RETURNING 1"),
                {"id": route.id, "zh": route.name_zh, "en": route.name_en, "mode": route.mode,
                 "sch": route.schematic, "hw": route.half_width_m, "g": wkb(lines[route.id])}).first()
            _count(report, "corridor_routes", res is not None)

        for st in LINE17_STATIONS:
            res = conn.execute(text(
                "INSERT INTO stations (id, line, seq, name_zh, name_en, former_name, in_qingpu, precision_m, geom) "
                "VALUES (:id, '17', :seq, :zh, :en, :former, :inside, :prec, "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ON CONFLICT (id) DO NOTHING RETURNING 1"),
                {"id": f"l17-{st.seq:02d}", "seq": st.seq, "zh": st.name_zh, "en": st.name_en,
                 "former": st.former_name, "inside": district.intersects(Point(st.lon, st.lat)),
                 "prec": STATION_PRECISION_M, "lon": st.lon, "lat": st.lat}).first()
            _count(report, "stations", res is not None)
        step()

        missing = sorted({t.code for t in TOWNS} - set(towns))
        if missing:
            raise RuntimeError(f"towns table lacks {', '.join(missing)}: re-import the towns file")
        for zone in default_zones(towns, district):
            res = conn.execute(text(
                f"INSERT INTO zones (id, kind, name_zh, name_en, target_industries, target_phrases, member_towns, "
                f"parent_zone, schematic, description, rank, geom) VALUES (:id, :kind, :zh, :en, :ti, :tp, :mt, "
                f":parent, true, :descr, :rank, {MULTI.format(name='g')}) ON CONFLICT (id) DO NOTHING RETURNING 1"),
                {"id": zone.id, "kind": zone.kind, "zh": zone.name_zh, "en": zone.name_en,
                 "ti": zone.target_industries, "tp": zone.target_phrases, "mt": zone.member_towns,
                 "parent": zone.parent_zone, "descr": zone.description, "rank": zone.rank,
                 "g": polygon_wkb(zone.geom)}).first()
            _count(report, "zones", res is not None)
            if res is not None:
                record_zone_version(conn, zone.id, "load", "default layout")
        step()
        if report.inserted:
            bump_version(conn, *report.inserted)
    return report


def insert_town(conn: Connection, town, geom, schematic: bool, source: str) -> None:
    """One town of layers.qingpu.TOWNS with its outline (the one writer of the towns table)."""
    conn.execute(text(
        f"INSERT INTO towns (code, name_zh, name_en, kind, schematic, source, seat, geom) VALUES "
        f"(:code, :zh, :en, :kind, :schematic, :src, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), "
        f"{MULTI.format(name='g')})"),
        {"code": town.code, "zh": town.name_zh, "en": town.name_en, "kind": town.kind, "schematic": schematic,
         "src": source, "lon": town.seat[0], "lat": town.seat[1], "g": polygon_wkb(geom)})


def delete_towns(conn: Connection) -> None:
    conn.execute(text("DELETE FROM towns"))


def _count(report: LoadReport, table: str, inserted: bool) -> None:
    bucket = report.inserted if inserted else report.kept
    bucket[table] = bucket.get(table, 0) + 1
