"""Zone metrics against small hand-computed tables (LQ, HHI, density, overlaps, growth)."""
import pytest

from gis.metrics import hhi, lq, tally_firms, zone_metrics

# Ten firms. Zones A and B overlap: firms 2 and 3 lie in both. Firm 9 lies in no zone.
#  firm:        0      1      2       3       4       5       6      7      8       9
INDUSTRY = ["ic", "ic", "ic", "biomed", "biomed", "biomed", "ic", None, "ic", "biomed"]
EMPLOYEES = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
OUTPUT = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
ESTABLISHED = [2010, 2015, 2019, 2020, 2021, 2022, 2023, None, 2024, 2018]
MEMBERS = {0: ["A"], 1: ["A"], 2: ["A", "B"], 3: ["A", "B"], 4: ["B"], 5: ["B"], 6: ["B"], 7: ["A"], 8: ["B"], 9: []}
AREAS = {"A": 2.0, "B": 4.0}


def _metrics(**kw):
    firm, zone = [], []
    for f, zs in MEMBERS.items():
        for z in zs:
            firm.append(f)
            zone.append(["A", "B"].index(z))
    zt, dt = tally_firms(INDUSTRY, EMPLOYEES, OUTPUT, ESTABLISHED, firm, zone, ["A", "B"])
    return zone_metrics(zt, dt, AREAS, **kw)


def _zone(m, z):
    return next(e for e in m["zones"] if e["zone"] == z)


def _ind(zone, i):
    return next(e for e in zone["industries"] if e["industry"] == i)


def test_firms_count_in_every_zone_that_holds_them_and_once_in_the_district():
    m = _metrics()
    a, b = _zone(m, "A"), _zone(m, "B")
    # A: firms 0,1,2,3,7 ; B: firms 2,3,4,5,6,8 ; district: all ten once
    assert (a["firms"], b["firms"], m["district"]["firms"]) == (5, 6, 10)
    assert a["employees"] == 10 + 20 + 30 + 40 + 80 and b["employees"] == 30 + 40 + 50 + 60 + 70 + 90
    assert m["district"]["employees"] == 550 and m["district"]["output_value"] == 55


def test_density_share_and_location_quotient_equal_the_hand_table():
    m = _metrics()
    a, b = _zone(m, "A"), _zone(m, "B")
    # district: ic 5 firms (0,1,2,6,8), biomed 4 (3,4,5,9), other 1 (7); N = 10
    # A: ic 3 (0,1,2), biomed 1 (3), other 1  -> LQ ic = (3/5)/(5/10) = 1.2, biomed = (1/5)/(4/10) = 0.5
    # B: ic 3 (2,6,8), biomed 3 (3,4,5)      -> LQ ic = (3/6)/(5/10) = 1.0, biomed = (3/6)/(4/10) = 1.25
    assert _ind(a, "ic")["lq"] == pytest.approx(1.2) and _ind(a, "biomed")["lq"] == pytest.approx(0.5)
    assert _ind(b, "ic")["lq"] == pytest.approx(1.0) and _ind(b, "biomed")["lq"] == pytest.approx(1.25)
    assert _ind(a, "ic")["lq_counts"] == {"zone_industry": 3, "zone": 5, "district_industry": 5, "district": 10}
    assert _ind(a, "ic")["density_per_km2"] == pytest.approx(1.5) and b["density_per_km2"] == pytest.approx(1.5)
    assert _ind(a, "ic")["share"] == pytest.approx(0.6)
    assert _ind(a, "ic")["output_value"] == 1 + 2 + 3


def test_small_counts_are_flagged_unreliable_at_the_stated_threshold():
    m = _metrics(min_count=3)
    a = _zone(m, "A")
    assert m["min_count"] == 3
    assert _ind(a, "ic")["lq_reliable"] is True and _ind(a, "biomed")["lq_reliable"] is False


def test_hhi_equals_the_hand_value():
    m = _metrics()
    # A shares 3/5, 1/5, 1/5 -> .36 + .04 + .04 = .44 ; B 1/2, 1/2 -> .5 ; district .25 + .16 + .01 = .42
    assert _zone(m, "A")["hhi"] == pytest.approx(0.44)
    assert _zone(m, "B")["hhi"] == pytest.approx(0.5) and _zone(m, "B")["effective_industries"] == pytest.approx(2)
    assert m["district"]["hhi"] == pytest.approx(0.42)
    assert hhi([1, 1, 1, 1]) == pytest.approx(0.25) and lq(1, 0, 1, 1) is None


def test_growth_by_year_established():
    m = _metrics(year=2024, span=5)
    b = _zone(m, "B")
    # B established: 2019, 2020, 2021, 2022, 2023, 2024 -> before or in 2019: 1; by 2024: 6
    assert b["new_firms"] == 5 and b["stock_growth_per_year"] == pytest.approx(6 ** (1 / 5) - 1, abs=1e-6)
    assert b["firms_by_year"] == {2019: 1, 2020: 1, 2021: 1, 2022: 1, 2023: 1, 2024: 1}
    a = _zone(m, "A")  # firm 7 has no year: in the counts, not in growth
    assert a["new_firms"] == 1 and a["stock_growth_per_year"] == pytest.approx((4 / 3) ** (1 / 5) - 1, abs=1e-6)


def test_output_can_be_left_out_for_roles_that_may_not_see_it():
    m = _metrics(include_output=False)
    text = repr(m)
    assert "output_value" not in text


def test_a_zone_with_no_firms_has_zero_counts_and_no_ratios():
    firm, zone = [0], [0]
    zt, dt = tally_firms(["ic"], [1], [1], [2020], firm, zone, ["A"])
    m = zone_metrics(zt, dt, {"A": 1.0, "EMPTY": 3.0})
    empty = _zone(m, "EMPTY")
    assert empty["firms"] == 0 and empty["hhi"] is None and empty["industries"] == []


def test_groups_roll_up_members_beside_them_and_leave_hhi_and_totals_alone():
    plain = _metrics()
    m = _metrics(groups={"health_it": ["ic", "biomed"]})
    a = _zone(m, "A")
    rolled = next(e for e in a["industries"] if e["industry"] == "health_it")
    # A: ic 3 + biomed 1 = 4 of 5 ; district: 5 + 4 = 9 of 10 -> LQ (4/5)/(9/10)
    assert rolled["group"] is True and rolled["firms"] == 4
    assert rolled["lq"] == pytest.approx((4 / 5) / (9 / 10))
    assert a["firms"] == 5 and a["hhi"] == pytest.approx(_zone(plain, "A")["hhi"])
    assert m["district"]["firms"] == 10 and m["district"]["hhi"] == pytest.approx(0.42)
    assert not _ind(a, "ic")["group"]
