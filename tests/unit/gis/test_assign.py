"""The primary-zone rule and the vectorised assignment (no database)."""
import numpy as np
import pytest
from shapely.geometry import box

from gis.assign import (
    ZoneInfo,
    assign_points,
    choose_primary,
    containing_mask,
    fits,
    order_flips,
)


def zone(id, kind, area, targets, geom=None, name=None):
    return ZoneInfo(id, name or id, kind, area, tuple(targets), geom)


# Three overlapping squares in degrees plus a park inside all of them.
CLUSTER_A = zone("cluster-a", "cluster", 100.0, ["logistics"], box(0, 0, 2, 2))
CLUSTER_B = zone("cluster-b", "cluster", 80.0, ["equip"], box(1, 0, 3, 2))
CORRIDOR = zone("corridor", "corridor", 50.0, ["software"], box(0, 0.9, 3, 1.1))
PARK = zone("park-x", "park", 2.0, ["biomed"], box(1.4, 1.4, 1.6, 1.6))
ZONES = [CLUSTER_A, CLUSTER_B, CORRIDOR, PARK]


def test_fit_beats_specificity():
    p = choose_primary("logistics", [PARK, CLUSTER_A, CLUSTER_B])
    assert p.primary == "cluster-a"
    assert p.zones == ("park-x", "cluster-b", "cluster-a")  # most specific first
    assert "logistics fits cluster-a (cluster)" in p.reason and "only fitting one of 3" in p.reason


def test_without_fit_the_most_specific_zone_wins():
    p = choose_primary("nev", [CLUSTER_A, CORRIDOR, PARK])
    assert p.primary == "park-x"
    assert "fits none of 3 containing zones" in p.reason and "park-x (park) is the most specific" in p.reason


def test_kind_order_park_core_cluster_corridor_then_area():
    core = zone("core", "core", 500.0, ["equip"])
    small_cluster = zone("c-small", "cluster", 10.0, ["equip"])
    corridor = zone("corr", "corridor", 1.0, ["equip"])
    park = zone("p", "park", 900.0, ["equip"])
    assert choose_primary("equip", [corridor, small_cluster, core, park]).primary == "p"
    assert choose_primary("equip", [corridor, small_cluster, core]).primary == "core"
    assert choose_primary("equip", [corridor, small_cluster]).primary == "c-small"
    big_cluster = zone("c-big", "cluster", 20.0, ["equip"])
    assert choose_primary("equip", [big_cluster, small_cluster]).primary == "c-small"


def test_a_child_industry_fits_a_zone_targeting_its_parent():
    umbrella = zone("core", "core", 90.0, ["it"])
    assert fits("ic", umbrella) == "parent"
    assert fits("it", zone("z", "park", 1.0, ["ic"])) is None  # not the other way round
    p = choose_primary("ic", [umbrella, zone("corr", "corridor", 10.0, ["beidou"])])
    assert p.primary == "core" and "via its parent it" in p.reason


def test_no_plan_industry_and_no_zone():
    assert choose_primary(None, [CLUSTER_A]).primary == "cluster-a"
    nothing = choose_primary("ic", [])
    assert nothing.primary is None and nothing.zones == () and "no zone" in nothing.reason


def test_ties_are_broken_by_id_whatever_the_input_order():
    a = zone("a", "cluster", 10.0, [])
    b = zone("b", "cluster", 10.0, [])
    assert choose_primary(None, [b, a]).primary == choose_primary(None, [a, b]).primary == "a"


def test_containing_mask_includes_boundaries_and_overlaps():
    x = np.array([1.5, 0.5, 2.5, 5.0, 2.0])
    y = np.array([1.5, 0.5, 0.5, 5.0, 1.0])
    mask = containing_mask(x, y, ZONES)
    assert mask[0].tolist() == [True, True, False, True]
    assert mask[1].tolist() == [True, False, False, False]
    assert mask[2].tolist() == [False, True, False, False]
    assert not mask[3].any()
    assert mask[4].tolist() == [True, True, True, False]  # on cluster-a's edge: covered


def test_assign_points_matches_the_scalar_rule_on_random_points():
    rng = np.random.default_rng(3)
    n = 5000
    x, y = rng.uniform(-0.5, 3.5, n), rng.uniform(-0.5, 2.5, n)
    industries = rng.choice(np.array(["logistics", "equip", "software", "biomed", "nev", None], dtype=object), n)
    result = assign_points(x, y, industries, ZONES)
    mask = containing_mask(x, y, ZONES)
    assert len(result) == n
    for i in rng.choice(n, 300, replace=False):
        expected = choose_primary(industries[i], [z for z, m in zip(ZONES, mask[i]) if m])
        assert result[i] == expected
    assert len(result.placements) < 60  # one rule evaluation per distinct combination


def test_order_flips_when_an_edit_changes_the_area_order():
    before = zone("cluster-b", "cluster", 80.0, [])
    after = zone("cluster-b", "cluster", 120.0, [])
    assert order_flips(before, after, ZONES) == ["cluster-a"]
    assert order_flips(before, zone("cluster-b", "cluster", 85.0, []), ZONES) == []


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n):
    result = assign_points(np.full(n, 1.5), np.full(n, 1.5), ["biomed"] * n, ZONES)
    assert len(result) == n
    if n:
        assert result[0].primary == "park-x"


def test_more_zones_than_bits_in_a_word_still_assign_the_same():
    many = [zone(f"p{i:02d}", "park", 1.0 + i, ["biomed"] if i % 2 else [], box(i, 0, i + 1.5, 1)) for i in range(70)]
    rng = np.random.default_rng(5)
    x, y = rng.uniform(0, 71, 2000), rng.uniform(0, 1, 2000)
    industries = rng.choice(np.array(["biomed", None], dtype=object), 2000)
    result = assign_points(x, y, industries, many)
    mask = containing_mask(x, y, many)
    for i in range(0, 2000, 37):
        assert result[i] == choose_primary(industries[i], [z for z, m in zip(many, mask[i]) if m])
