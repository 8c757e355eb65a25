"""The schematic towns partition the real district outline, and the zones derive from them."""
import pytest
import shapely
from shapely.geometry import Point

from gis.crs import area_km2
from gis.partition import voronoi_partition
from layers.default_layout import default_zones, schematic_towns
from layers.district import district_outline
from layers.qingpu import CLUSTERS, LINE17_STATIONS, TOWNS


@pytest.fixture(scope="module")
def district():
    return district_outline()[0]


@pytest.fixture(scope="module")
def towns(district):
    return schematic_towns(district)


def test_district_area_after_conversion_is_within_one_percent_of_667(district):
    assert area_km2(district) == pytest.approx(667.0, rel=0.01)


def test_towns_leave_no_gap_in_the_district(district, towns):
    union = shapely.union_all(list(towns.values()))
    assert area_km2(district.difference(union)) < 1e-6  # under 1 m²


def test_towns_do_not_overlap(towns):
    items = list(towns.items())
    for i, (a, ga) in enumerate(items):
        for b, gb in items[i + 1:]:
            assert area_km2(ga.intersection(gb)) < 1e-6, f"{a} overlaps {b}"


def test_each_town_holds_its_seat_and_is_one_piece(towns):
    for town in TOWNS:
        assert towns[town.code].contains(Point(town.seat)), town.code
        assert len(towns[town.code].geoms) == 1, town.code


def test_partition_rejects_a_seat_outside_the_outline():
    square = shapely.box(121.0, 31.0, 121.1, 31.1)
    with pytest.raises(ValueError, match="outside"):
        voronoi_partition(square, {"a": (121.05, 31.05), "b": (121.5, 31.05)})


def test_clusters_are_exactly_the_union_of_the_plans_towns(district, towns):
    zones = {z.id: z for z in default_zones(towns, district)}
    for spec in CLUSTERS:
        cluster = zones[spec.id].geom
        inside = {code for code, g in towns.items() if area_km2(g.intersection(cluster)) > 0.99 * area_km2(g)}
        touching = {code for code, g in towns.items() if area_km2(g.intersection(cluster)) > 0.01}
        assert inside == touching == set(spec.member_towns), spec.id


def test_corridor_holds_every_qingpu_station_of_line_17(district, towns):
    corridor = next(z for z in default_zones(towns, district) if z.id == "corridor").geom
    for st in LINE17_STATIONS:
        if district.contains(Point(st.lon, st.lat)):
            assert corridor.contains(Point(st.lon, st.lat)), st.name_zh


def test_parks_lie_inside_their_parent_zone(district, towns):
    zones = {z.id: z for z in default_zones(towns, district)}
    for zone in zones.values():
        if zone.kind == "park":
            parent = zones[zone.parent_zone].geom
            assert area_km2(zone.geom.difference(parent)) < 1e-4, zone.id
            assert area_km2(zone.geom) > 0.1, zone.id
