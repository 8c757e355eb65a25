"""The vectorised validator and credit-code check give exactly what the row-by-row ones gave.

The oracle is the per-row validator as it was before the columnar rewrite (tests/unit/gis/reference_rows.py,
frozen); tables mix valid and corrupted cells of every kind a CSV, XLSX or GeoJSON reader hands over
(text, numbers, dates, None, NaN), and plain all-text columns, which take the vectorised paths.
"""
import math
import random
from datetime import date, datetime

import numpy as np
import pytest
from shapely.geometry import box

from gis import enterprise_rows
from gis.crs import wgs84_to_gcj02
from gis.enterprise_rows import TownInfo, validate_rows
from gis.uscc import ALPHABET, make_uscc, uscc_problems, validate_uscc
from tests.unit.gis import reference_rows

DISTRICT = box(121.0, 31.0, 121.3, 31.3)
TOWNS = [TownInfo("west", "西镇", box(121.0, 31.0, 121.15, 31.3), (121.07, 31.1)),
         TownInfo("east", "东街道", box(121.15, 31.0, 121.3, 31.3), (121.2, 31.2))]
CODES = [make_uscc(np.random.default_rng(s)) for s in range(400)]


def corrupt(code: str, rng: random.Random) -> str:
    kind = rng.randrange(7)
    pos = rng.randrange(18)
    if kind == 0:  # another character of the alphabet somewhere
        return code[:pos] + rng.choice(ALPHABET.replace(code[pos], "")) + code[pos + 1:]
    if kind == 1:  # two neighbours swapped
        pos = min(pos, 16)
        return code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:]
    if kind == 2:
        return code[:rng.choice([0, 17, 19]) if rng.random() < 0.5 else 17]
    if kind == 3:  # a letter the code never uses, or lower case
        return code[:pos] + rng.choice("IOZSVa") + code[pos + 1:]
    if kind == 4:  # not ASCII
        return code[:pos] + rng.choice("码９Ａ\u3000é") + code[pos + 1:]
    if kind == 5:
        return code + rng.choice(["0", "X", " "])
    return code


def test_vectorised_check_characters_equal_the_per_code_check_on_valid_and_corrupted_codes():
    rng = random.Random(3)
    good = [make_uscc(np.random.default_rng(s)) for s in range(300)]
    bad = [corrupt(c, rng) for c in good for _ in range(4)]
    odd = ["", " " * 18, "9" * 18, None, 91310118, "٣" * 18, "91310118MA1JL0XX0\x00", "9" * 17 + "Y"]
    codes = good + bad + odd
    rng.shuffle(codes)
    expected = [validate_uscc(c) for c in codes]
    assert uscc_problems(codes) == expected
    assert sum(p is None for p in expected) >= 300 and sum(p is not None for p in expected) >= 800
    assert any(p and "check character should be" in p for p in expected)
    assert uscc_problems([]) == []


def gcj(x, y):
    gx, gy = wgs84_to_gcj02(x, y)
    return f"{gx:.6f}", f"{gy:.6f}"


def plain_table(rng: random.Random, n: int, crs: str):
    """All-text columns as a CSV gives them: the shapes the vectorised paths take, some empty, some wrong."""
    rows = []
    for _ in range(n):
        x, y = rng.uniform(120.95, 121.35), rng.uniform(30.95, 31.35)  # some outside the district
        lon, lat = gcj(x, y) if crs == "gcj02" else (f"{x:.6f}", f"{y:.6f}")
        if rng.random() < 0.05:
            lon, lat = lat, lon
        if rng.random() < 0.05:
            lon = lat = ""
        code = rng.choice(CODES)
        def pick(good, *bad):
            return good if rng.random() < 0.9 else rng.choice(bad)
        rows.append({
            "uscc": corrupt(code, rng) if rng.random() < 0.1 else code,
            "name": pick(rng.choice(["青浦测试企业", "Qingpu Ltd ", "ｱｲ商事"]), "", "  "),
            "industry_code": pick(rng.choice(["3973", "C3973", "5920", "3914"]), "9999", "abc", ""),
            "lon": lon, "lat": lat,
            "address": pick(rng.choice(["上海市青浦区", "西镇某路1号", "东街道8号"]), "", "西镇与东街道交界"),
            "employees": pick(str(rng.randrange(0, 3000)), "", "-4", "12.5", "7.0", "0"),
            "output_value": pick(f"{rng.uniform(0, 9e4):.1f}", "", "-0", "-0.5", "-3.25", "12", "0.000001"),
            "established": pick(rng.choice(["2015", "1999"]), "", "1700", "3000", "2015年"),
        })
    return rows


ODD_CELLS = {
    "uscc": [None, "", "  ", 91310118.0, 913101181, True, math.nan, " 91310118ma1jl0xx00 "],
    "name": [None, "", 123, 1.0, 2.5, math.nan, "A\tB", "\u3000"],
    "industry_code": [None, 3973, 3973.0, 5, "05", "３９７３", " C 3973", True, 39.5, "Z12", "C1", math.inf, "C3914"],
    "employees": [None, " ", 12, 12.5, -1, True, "abc", "1e3", "１２", math.nan, "1,200", "9" * 20, " 5 ", "1_000"],
    "output_value": [None, 1.5, -2.0, -0.0, "inf", "nan", "1e400", "abc", "1,000.25", "－5", "3.5 "],
    "established": [None, 2015, 2015.0, 2015.5, datetime(2015, 1, 1), date(2016, 2, 2), "去年", True, "2015-03-01",
                    "2015/3", "2015年3月1日", "0", "19999"],
    "lon": [None, "", "东经121", 121.1, 121, "121,1", "200", math.nan, " 121.1", "１２１.１", True],
    "lat": [None, "", 31.1, "31", "north", 95.0, "31.1\n", math.inf],
    "address": [None, "", "  ", 12, "上海市松江区某路1号", "东街道", 3.0],
}


def mixed_table(rng: random.Random, n: int, crs: str):
    rows = plain_table(rng, n, crs)
    for row in rows:
        for column, odd in ODD_CELLS.items():
            if rng.random() < 0.15:
                row[column] = rng.choice(odd)
        if rng.random() < 0.05:
            del row[rng.choice(list(row))]
    return rows


def same_records(a, b) -> bool:
    """Equal field by field, and of the same types (12 is not 12.0, -0.0 is not 0.0): compared as repr."""
    return [repr(r) for r in a] == [repr(r) for r in b]


def both(rows, crs, headers=None):
    numbered = [(i + 2, r) for i, r in enumerate(rows)]
    args = (crs, DISTRICT, TOWNS)
    new = validate_rows(numbered, *args, headers=headers, this_year=2026)
    old = reference_rows.validate_rows(numbered, *args, headers=headers, this_year=2026)
    return new, old


@pytest.mark.parametrize("crs", ["wgs84", "gcj02"])
@pytest.mark.parametrize("seed", range(12))
def test_plain_text_tables_give_the_same_records_and_rejections(seed, crs):
    rows = plain_table(random.Random(seed), 80, crs)
    # the columns take the vectorised paths (else this test would compare the row-by-row rules with themselves)
    assert enterprise_rows._plain_numbers([r["lon"] for r in rows]) is not None
    assert enterprise_rows._plain_numbers([r["employees"] for r in rows]) is not None
    new, old = both(rows, crs, headers={"uscc": "统一社会信用代码", "lon": "经度"})
    assert same_records(new.records, old.records)
    assert new.rejections == old.rejections
    assert new.records and new.rejections


@pytest.mark.parametrize("seed", range(40))
def test_mixed_tables_of_every_cell_kind_give_the_same_records_and_rejections(seed):
    rng = random.Random(1000 + seed)
    crs = rng.choice(["wgs84", "gcj02", "bd09", "cgcs2000"])
    new, old = both(mixed_table(rng, 60, crs), crs)
    assert same_records(new.records, old.records)
    assert new.rejections == old.rejections


def test_a_column_missing_from_every_row_and_an_empty_table_agree():
    rows = [{"uscc": c, "name": "甲", "industry_code": "3973", "address": "西镇"} for c in CODES[:5]]
    new, old = both(rows, "wgs84")
    assert same_records(new.records, old.records) and len(new.records) == 5
    new, old = both([], "wgs84")
    assert new.records == old.records == [] and new.rejections == old.rejections == []


def test_plain_number_columns_convert_exactly_as_each_cell_would():
    rng = random.Random(5)
    cells = ["".join(rng.choice("0123456789.-") for _ in range(rng.randrange(1, 8))) for _ in range(3000)]
    cells += ["9" * 400, "-0", "0.1", "1" * 30, ".5", "5.", "-.5"]
    for cell in cells:
        try:
            expected = enterprise_rows._number(cell)
        except ValueError:
            expected = None
        got = enterprise_rows._plain_numbers([cell])
        assert (None if got is None else repr(float(got[0]))) == (None if expected is None else repr(expected)), cell
    column = ["121.5", "", "-3", "0.25"]
    assert repr(enterprise_rows._plain_numbers(column).tolist()) == repr([121.5, math.nan, -3.0, 0.25])
    assert enterprise_rows._plain_numbers(["1", " 2"]) is None and enterprise_rows._plain_numbers(["1", 2]) is None
