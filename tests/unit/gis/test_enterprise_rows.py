"""Cleaning enterprise rows (pure: no database, no files)."""
import numpy as np
import pytest
from shapely.geometry import box

from gis.crs import wgs84_to_bd09, wgs84_to_gcj02
from gis.enterprise_rows import (
    ColumnError,
    TownInfo,
    canonical_column,
    map_columns,
    validate_rows,
)
from gis.enterprise_synth import CLASSES
from gis.uscc import check_character, make_uscc
from plan.industries import plan_industry_for

DISTRICT = box(121.0, 31.0, 121.3, 31.3)
TOWNS = [TownInfo("west", "西镇", box(121.0, 31.0, 121.15, 31.3), (121.07, 31.1)),
         TownInfo("east", "东街道", box(121.15, 31.0, 121.3, 31.3), (121.2, 31.2))]
RNG = np.random.default_rng(0)
GOOD = [make_uscc(RNG) for _ in range(5)]


def wrong_check(code):
    good = check_character(code[:17])
    return code[:17] + ("1" if good != "1" else "2")


def run(rows, crs="wgs84"):
    return validate_rows([(i + 2, r) for i, r in enumerate(rows)], crs, DISTRICT, TOWNS)


def row(**kw):
    base = {"uscc": GOOD[0], "name": "甲公司", "industry_code": "3973", "lon": 121.1, "lat": 31.1}
    base.update(kw)
    return base


def test_chinese_and_english_headers_map_to_the_same_columns():
    assert canonical_column("统一社会信用代码") == canonical_column(" USCC ") == "uscc"
    assert canonical_column("产值（万元）") == canonical_column("output_value (万元)") == "output_value"
    assert canonical_column("unrelated") is None
    cols = map_columns(["企业名称", "统一社会信用代码", "行业代码", "地址", "备注"])
    assert cols == {"name": 0, "uscc": 1, "industry_code": 2, "address": 3}


def test_missing_required_columns_are_each_named_with_the_header_row():
    with pytest.raises(ColumnError) as err:
        map_columns(["企业名称", "经度"])
    reasons = [r.reason for r in err.value.rejections]
    assert all(r.row == 1 for r in err.value.rejections)
    assert any("统一社会信用代码" in r for r in reasons) and any("行业代码" in r for r in reasons)
    assert any("纬度/lat" in r for r in reasons)


def test_a_clean_row_is_accepted_with_its_plan_industry_and_town():
    result = run([row(employees="1,200", output_value="3500.5", established="2015年")])
    assert not result.rejections
    rec = result.records[0]
    assert (rec.plan_industry, rec.town, rec.precision, rec.employees, rec.output_value, rec.established) == \
        ("ic", "west", "exact", 1200, 3500.5, 2015)


def test_gcj02_and_bd09_inputs_land_on_their_wgs84_truth():
    truth = (121.2234, 31.1777)
    for crs, convert in (("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)):
        lon, lat = convert(*truth)
        rec = run([row(lon=lon, lat=lat)], crs).records[0]
        assert abs(rec.lon - truth[0]) < 1e-7 and abs(rec.lat - truth[1]) < 1e-7
        assert rec.source_crs == crs and rec.town == "east"


@pytest.mark.parametrize("cells, column, fragment", [
    ({"uscc": "x"}, "uscc", "18 characters"),
    ({"industry_code": "9999"}, "industry_code", "unknown industry code"),
    ({"industry_code": "abc"}, "industry_code", "malformed"),
    ({"lon": 120.5}, "lon", "outside 青浦区"),
    ({"lon": 31.1, "lat": 121.1}, "lon", "swapped"),
    ({"lon": "东经121"}, "lon", "not a number"),
    ({"lat": None}, "lat", "both"),
    ({"name": ""}, "name", "empty"),
    ({"employees": -3}, "employees", "negative"),
    ({"established": "去年"}, "established", "year"),
    ({"lon": None, "lat": None}, "address", "no location"),
    ({"lon": None, "lat": None, "address": "上海市松江区某路1号"}, "address", "names no town"),
    ({"lon": None, "lat": None, "address": "西镇与东街道交界"}, "address", "several towns"),
])
def test_each_bad_cell_is_reported_with_row_column_and_reason(cells, column, fragment):
    result = run([row(uscc=GOOD[1]), row(**cells)])
    assert len(result.records) == 1 and result.records[0].uscc == GOOD[1]
    assert len(result.rejections) >= 1
    rej = result.rejections[0]
    assert rej.row == 3 and fragment in rej.reason
    assert rej.column.startswith({"uscc": "统一社会信用代码", "industry_code": "行业代码", "lon": "经度",
                                  "lat": "纬度", "name": "企业名称", "employees": "从业人员",
                                  "established": "成立年份", "address": "地址"}[column])


def test_a_wrong_check_character_names_the_expected_one():
    result = run([row(uscc=wrong_check(GOOD[2]))])
    assert "check character should be" in result.rejections[0].reason


def test_a_duplicate_credit_code_rejects_the_later_row():
    result = run([row(), row(name="乙公司")])
    assert [r.uscc for r in result.records] == [GOOD[0]]
    assert result.rejections[0].row == 3 and "already on row 2" in result.rejections[0].reason


def test_full_width_and_lower_case_codes_are_normalised():
    code = GOOD[3]
    messy = " " + code.lower().replace("9", "９", 1) + " "
    assert run([row(uscc=messy)]).records[0].uscc == code


def test_an_address_only_row_goes_to_its_town_seat():
    rec = run([row(lon=None, lat=None, address="上海市青浦区东街道某路8号")]).records[0]
    assert (rec.lon, rec.lat, rec.town, rec.precision) == (121.2, 31.2, "east", "town")


def test_every_demo_industry_class_maps_to_its_plan_industry():
    for industry, codes in CLASSES.items():
        for code in codes:
            assert plan_industry_for(code) == (industry or None), code
