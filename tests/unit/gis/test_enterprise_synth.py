"""The synthetic enterprise population (no database)."""
import numpy as np
from shapely.geometry import box

from gis.assign import ZoneInfo, assign_points
from gis.enterprise_rows import TownInfo
from gis.enterprise_synth import synthesize
from gis.uscc import validate_uscc

DISTRICT = box(121.0, 31.0, 121.3, 31.3)
TOWNS = [TownInfo("west", "西镇", box(121.0, 31.0, 121.15, 31.3), (121.07, 31.1)),
         TownInfo("east", "东镇", box(121.15, 31.0, 121.3, 31.3), (121.2, 31.2))]
ZONES = [ZoneInfo("park-bio", "生物医药园", "park", 4.0, ("biomed",), box(121.02, 31.02, 121.04, 31.04)),
         ZoneInfo("cluster-log", "物流组团", "cluster", 200.0, ("logistics", "expo"), box(121.15, 31.0, 121.3, 31.3)),
         ZoneInfo("corridor", "干线", "corridor", 40.0, ("it",), box(121.0, 31.14, 121.3, 31.16))]


def test_same_seed_gives_identical_rows_and_another_seed_does_not():
    a = synthesize(400, 9, ZONES, DISTRICT, TOWNS)
    assert a == synthesize(400, 9, ZONES, DISTRICT, TOWNS)
    assert a != synthesize(400, 10, ZONES, DISTRICT, TOWNS)


def test_rows_are_valid_inside_the_district_and_unique():
    rows = synthesize(500, 1, ZONES, DISTRICT, TOWNS, taken={"X"})
    assert len({r.uscc for r in rows}) == 500 and all(validate_uscc(r.uscc) is None for r in rows)
    assert all(DISTRICT.covers(box(r.lon, r.lat, r.lon, r.lat)) for r in rows)
    assert {r.town for r in rows} == {"west", "east"}


def test_the_industry_mix_of_each_zone_follows_its_targets():
    rows = synthesize(3000, 2, ZONES, DISTRICT, TOWNS)
    placed = assign_points(np.array([r.lon for r in rows]), np.array([r.lat for r in rows]),
                           [r.plan_industry for r in rows], ZONES)
    in_park = [r for r, p in zip(rows, placed) if "park-bio" in p.zones]
    assert len(in_park) > 100
    assert sum(r.plan_industry == "biomed" for r in in_park) / len(in_park) > 0.6
    in_corridor_only = [r for r, p in zip(rows, placed) if p.zones == ("corridor",)]
    it_family = {"it", "ic", "ai", "software", "iot"}
    assert sum(r.plan_industry in it_family for r in in_corridor_only) / len(in_corridor_only) > 0.5
