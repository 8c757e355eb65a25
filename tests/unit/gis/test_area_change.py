"""The area figures of a zone change, as the editor's impact shows them."""
import pytest
from shapely.geometry import Point, box

from gis.crs import area_km2
from gis.zone_rules import area_change


def test_gained_and_lost_are_the_two_differences():
    before = box(121.05, 31.10, 121.10, 31.15)
    after = before.difference(Point(121.10, 31.12).buffer(0.01)).union(box(121.10, 31.14, 121.12, 31.16))
    change = area_change(before, after)
    assert change["gained_km2"] == pytest.approx(area_km2(after.difference(before)), abs=1e-6)
    assert change["lost_km2"] == pytest.approx(area_km2(before.difference(after)), abs=1e-6)
    assert change["before_km2"] - change["lost_km2"] + change["gained_km2"] == pytest.approx(change["after_km2"],
                                                                                              abs=1e-4)
    assert change["gained_km2"] > 3 and change["lost_km2"] > 0.5


def test_a_new_zone_gains_all_and_a_deleted_one_loses_all_and_disjoint_ones_swap():
    square = box(121.05, 31.10, 121.10, 31.15)
    created, deleted = area_change(None, square), area_change(square, None)
    assert created["gained_km2"] == created["after_km2"] > 20 and created["lost_km2"] == created["before_km2"] == 0
    assert deleted["lost_km2"] == deleted["before_km2"] == created["after_km2"] and deleted["gained_km2"] == 0
    elsewhere = area_change(square, box(121.20, 31.10, 121.25, 31.15))
    assert elsewhere["lost_km2"] == elsewhere["before_km2"] and elsewhere["gained_km2"] == elsewhere["after_km2"]
    unchanged = area_change(square, square)
    assert unchanged["gained_km2"] == unchanged["lost_km2"] == 0
