"""The authored site tables and the synthetic demo sites."""
import shapely
from shapely.geometry import box

from gis.crs import area_mu
from gis.site_demo import generate_sites
from gis.site_svg import site_map_svg
from plan.industries import PLAN_INDUSTRY_BY_ID
from plan.site_rules import (
    LAND_USES,
    MIN_INTENSITY_WAN_PER_MU,
    SUPPLY_CHAIN,
    chain_of,
    industry_family,
    min_intensity,
)


def test_every_plan_industry_has_an_intensity_and_a_chain_of_known_industries():
    for pid in PLAN_INDUSTRY_BY_ID:
        assert min_intensity(pid) > 0
        up, down = chain_of(pid)
        assert pid in SUPPLY_CHAIN, pid
        for other in (*up, *down):
            assert other in PLAN_INDUSTRY_BY_ID and other != pid
    assert set(MIN_INTENSITY_WAN_PER_MU) <= set(PLAN_INDUSTRY_BY_ID)


def test_chips_need_more_investment_per_mu_than_logistics():
    assert min_intensity("ic") > min_intensity("newmat") > min_intensity("logistics")


def test_umbrella_family_includes_children():
    assert set(industry_family("it")) == {"it", "ic", "ai", "software", "iot"}
    assert industry_family("newmat") == ("newmat",)


DISTRICT = box(121.0, 31.05, 121.3, 31.25)
PARKS = [box(121.10, 31.15, 121.12, 31.17)]


def test_demo_sites_are_reproducible_synthetic_and_inside_the_district():
    a = generate_sites(DISTRICT, PARKS, 60, seed=4)
    b = generate_sites(DISTRICT, PARKS, 60, seed=4)
    c = generate_sites(DISTRICT, PARKS, 60, seed=5)
    assert [(s["id"], s["price"], s["geom"].wkb) for s in a] == [(s["id"], s["price"], s["geom"].wkb) for s in b]
    assert [s["geom"].wkb for s in a] != [s["geom"].wkb for s in c]
    assert all(s["synthetic"] for s in a)
    assert all(DISTRICT.buffer(0.02).contains(s["geom"]) for s in a)
    assert {s["land_use"] for s in a} <= set(LAND_USES)
    parcels = [s for s in a if s["kind"] == "parcel"]
    assert parcels and all(8 * 0.99 <= area_mu(s["geom"]) <= 300 * 1.01 for s in parcels)
    assert all(s["area_m2"] > 0 for s in a if s["kind"] == "building")


def test_site_map_svg_draws_the_site_and_a_station_in_frame():
    site = box(0, 0, 200, 100)
    svg = site_map_svg(site, [("青浦新城", shapely.Point(800, 0)), ("far", shapely.Point(90000, 0))],
                       [("G50", "expressway", shapely.LineString([(-5000, -300), (5000, -300)]))], [])
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "青浦新城" in svg and ">far<" not in svg
    assert 'stroke="#ff7f00"' in svg and "km</text>" in svg
