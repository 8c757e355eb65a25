"""Cleaning enterprise rows for import: pure, no SQL, no files.

Input is rows already read from a file (a row number and the cell values by canonical
column name); output is the accepted records and one ``Rejection`` per problem found
(row number, column as the file names it, the value, the reason). Coordinates are
converted to WGS84 and checked against the district in one vectorised pass.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import SOURCE_SYSTEMS, to_wgs84
from gis.uscc import normalize_uscc, uscc_problems
from plan.industries import is_known_code, normalize_industry_code, plan_industry_for

__all__ = ["COLUMNS", "REQUIRED", "TownInfo", "Rejection", "EnterpriseRow", "Validation", "ColumnError",
           "canonical_column", "map_columns", "validate_rows", "validate_columns", "town_of"]

# Canonical name -> accepted spellings (compared after NFKC, lower case, no blanks, no unit suffix).
COLUMNS: dict[str, tuple[str, ...]] = {
    "uscc": ("统一社会信用代码", "信用代码", "社会信用代码", "uscc", "credit_code", "creditcode"),
    "name": ("企业名称", "名称", "单位名称", "name", "enterprise", "company"),
    "industry_code": ("行业代码", "国民经济行业代码", "行业分类代码", "industry_code", "industrycode", "industry"),
    "lon": ("经度", "lon", "lng", "long", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
    "address": ("地址", "注册地址", "经营地址", "address", "addr"),
    "employees": ("从业人员", "从业人数", "职工人数", "employees", "staff"),
    "output_value": ("产值", "工业总产值", "output_value", "outputvalue", "output"),
    "established": ("成立年份", "成立年", "成立日期", "established", "year_established", "founded"),
}
REQUIRED = ("uscc", "name", "industry_code")
LABELS = {"uscc": "统一社会信用代码/uscc", "name": "企业名称/name", "industry_code": "行业代码/industry_code",
          "lon": "经度/lon", "lat": "纬度/lat", "address": "地址/address", "employees": "从业人员/employees",
          "output_value": "产值/output_value", "established": "成立年份/established"}
_LOOKUP = {alias: canon for canon, aliases in COLUMNS.items() for alias in aliases}
_UNIT = re.compile(r"[（(][^）)]*[）)]$")


@dataclass(frozen=True)
class TownInfo:
    code: str
    name_zh: str
    geom: BaseGeometry
    seat: tuple[float, float]  # where a town-precision enterprise is put (inside the town)


@dataclass(frozen=True)
class Rejection:
    row: int | None  # the row as the file shows it (header = 1); None for the file as a whole
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class EnterpriseRow:
    row: int
    uscc: str
    name: str
    industry_code: str
    plan_industry: str | None
    lon: float
    lat: float
    town: str | None
    precision: str  # exact | address | town
    source_crs: str
    address: str | None = None
    employees: int | None = None
    output_value: float | None = None
    established: int | None = None


@dataclass
class Validation:
    records: list[EnterpriseRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected_rows(self) -> set[int | None]:
        return {r.row for r in self.rejections}


class ColumnError(ValueError):
    """The header lacks what every row needs: nothing can be imported."""

    def __init__(self, rejections: list[Rejection]):
        super().__init__("; ".join(r.reason for r in rejections))
        self.rejections = rejections


def canonical_column(header) -> str | None:
    """The canonical name of a header cell (统一社会信用代码 -> uscc), None when unknown."""
    if header is None:
        return None
    text = unicodedata.normalize("NFKC", str(header)).strip().lower()
    text = _UNIT.sub("", text).strip()
    text = re.sub(r"\s+", "", text)
    return _LOOKUP.get(text)


def map_columns(headers: Sequence, header_row: int | None = 1) -> dict[str, int]:
    """Canonical column -> index in ``headers``. Raises ColumnError naming each missing column."""
    found: dict[str, int] = {}
    problems: list[Rejection] = []
    for i, header in enumerate(headers):
        canon = canonical_column(header)
        if canon is None:
            continue
        if canon in found:
            problems.append(Rejection(header_row, str(header), str(header),
                                      f"column {LABELS[canon]} appears twice ({headers[found[canon]]}, {header})"))
        else:
            found[canon] = i
    for canon in REQUIRED:
        if canon not in found:
            problems.append(Rejection(header_row, LABELS[canon], "", f"missing required column {LABELS[canon]}"))
    has_xy = "lon" in found and "lat" in found
    if ("lon" in found) != ("lat" in found):
        missing = "lat" if "lon" in found else "lon"
        problems.append(Rejection(header_row, LABELS[missing], "", f"missing column {LABELS[missing]} "
                                  f"(coordinates need both 经度/lon and 纬度/lat)"))
    elif not has_xy and "address" not in found:
        problems.append(Rejection(header_row, "经度/纬度/地址", "",
                                  "missing location: need 经度/lon and 纬度/lat columns, or 地址/address"))
    if problems:
        raise ColumnError(problems)
    return found


# -- cell parsing --------------------------------------------------------------------------------
def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        (isinstance(value, str) and not value.strip())


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def _number(value) -> float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        number = float(_text(value).replace(",", ""))
    if not math.isfinite(number):
        raise ValueError
    return number


def _year(value) -> int:
    if isinstance(value, (datetime, date)):
        return value.year
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        raise ValueError
    match = re.fullmatch(r"(\d{4})(?:年|[-/.]\d{1,2}(?:[-/.]\d{1,2})?|年\d{1,2}月(?:\d{1,2}日)?)?", _text(value))
    if not match:
        raise ValueError
    return int(match.group(1))


# -- cells of one column at a time -------------------------------------------------------------------
# Each rule below is written once, for one cell (exactly what a row-by-row reader does); the column
# functions apply it to every cell, once per distinct text where cells repeat (industry codes, years,
# addresses), and take a vectorised equivalent for the shapes nearly every file uses (text credit codes,
# plain decimal numbers). tests/unit/gis/test_enterprise_rows_equivalence.py compares the result with
# the row-by-row validator this replaced. A column function returns (the cleaned values, {row index: reason}).
_MISS = object()
_PLAIN_NUMBERS = re.compile(r"[0-9.\-]*")
_BLANKS = re.compile(r"\s")  # what str.split() splits on, for ASCII text


def _all_text(cells: Sequence) -> bool:
    """Every cell is a str (not a subclass): what a CSV gives."""
    return set(map(type, cells)) <= {str}


def _per_distinct(rule: Callable, cells: Sequence) -> tuple[list, dict[int, str]]:
    """rule(cell) -> (value, reason or None) for every cell, computed once per distinct text."""
    if _all_text(cells):  # as read from a CSV: one dictionary look-up per cell
        results = {cell: rule(cell) for cell in set(cells)}
        values = list(map({cell: r[0] for cell, r in results.items()}.__getitem__, cells))
        bad = {cell: r[1] for cell, r in results.items() if r[1] is not None}
        return values, ({i: bad[cell] for i, cell in enumerate(cells) if cell in bad} if bad else {})
    seen: dict = {}
    values, reasons = [], {}
    for i, cell in enumerate(cells):
        if type(cell) is str:
            result = seen.get(cell, _MISS)
            if result is _MISS:
                result = seen[cell] = rule(cell)
        else:
            result = rule(cell)
        values.append(result[0])
        if result[1] is not None:
            reasons[i] = result[1]
    return values, reasons


def _each(rule: Callable, cells: Sequence) -> tuple[list, dict[int, str]]:
    results = [rule(c) for c in cells]
    return [r[0] for r in results], {i: r[1] for i, r in enumerate(results) if r[1] is not None}


def _plain_numbers(cells: Sequence) -> np.ndarray | None:
    """The cells as floats (NaN for ""), when every cell is "" or a finite decimal written with digits,
    '.' and '-' only; else None. For such text _number(cell) is float(cell): NFKC, strip and the
    thousands separator change nothing."""
    try:
        if not _PLAIN_NUMBERS.fullmatch("".join(cells)):
            return None
        if "" in cells:
            numbers = np.array([float(c) if c else math.nan for c in cells], dtype=float)
        else:
            numbers = np.array(list(map(float, cells)), dtype=float)
    except (TypeError, ValueError):  # a cell that is not text, or not a number ("1-2", "-")
        return None
    return numbers if len(numbers) and not np.isinf(numbers).any() else None


def _name_cell(raw):
    return (None, "企业名称 is empty") if _blank(raw) else (_text(raw), None)


def _name_cells(cells: Sequence) -> tuple[list, dict[int, str]]:
    if not _all_text(cells):
        return _each(_name_cell, cells)
    # _text of a text cell is its NFKC form, stripped; blank when it strips to nothing. A line break is
    # stable under NFKC, so the joined column is normalised exactly when every cell is.
    if unicodedata.is_normalized("NFKC", "\n".join(cells)):
        names = [c.strip() or None for c in cells]
        return names, {i: "企业名称 is empty" for i, name in enumerate(names) if name is None}
    names = [unicodedata.normalize("NFKC", c).strip() if c.strip() else None for c in cells]
    return names, {i: "企业名称 is empty" for i, name in enumerate(names) if name is None}


def _uscc_cell(raw):
    """(normalised code, None), or (None, reason) when there is no code to check."""
    if _blank(raw):
        return None, "统一社会信用代码 is empty"
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return None, "the credit code is stored as a number and may have lost digits; store the column as text"
    return normalize_uscc(_text(raw)), None


def _uscc_cells(cells: Sequence) -> tuple[list, dict[int, str]]:
    """The normalised codes (kept when invalid, as the duplicate check skips them anyway), and the reasons."""
    # An ASCII text cell: NFKC changes nothing, so normalize_uscc(_text(c)) is c without blanks, upper case.
    joined = "".join(cells) if _all_text(cells) else None
    if joined is not None and joined.isascii() and not _BLANKS.search(joined) and joined == joined.upper() \
            and "" not in cells:
        codes = list(cells)  # what the line below gives for every cell, checked for the column at once
    else:
        codes = ["".join(c.split()).upper() if type(c) is str and c.isascii() else None for c in cells]
    reasons: dict[int, str] = {}
    for i in [i for i, code in enumerate(codes) if not code]:  # not ASCII text, or blank
        codes[i], reason = _uscc_cell(cells[i])
        if reason:
            reasons[i] = reason
    checked = [i for i, code in enumerate(codes) if code is not None] if reasons else range(len(codes))
    problems = uscc_problems([codes[i] for i in checked])
    for k in [k for k, p in enumerate(problems) if p]:
        reasons[checked[k]] = f"invalid 统一社会信用代码: {problems[k]}"
    return codes, reasons


def _industry_cell(raw):
    """((code, plan industry), None) or (None, reason)."""
    if _blank(raw):
        return None, "行业代码 is empty"
    try:
        code = normalize_industry_code(int(raw) if isinstance(raw, float) and raw.is_integer() else raw)
    except ValueError as exc:
        return None, f"malformed industry code: {exc}"
    if not is_known_code(code):
        return None, f"unknown industry code {code}: division {code[:2]} is not in GB/T 4754-2017"
    return (code, plan_industry_for(code)), None


def _quantity_cell(raw, column: str, whole: bool):
    if _blank(raw):
        return None, None
    try:
        number = _number(raw)
        if whole and not number.is_integer():
            raise ValueError
    except ValueError:
        return None, f"{LABELS[column]} must be a {'whole ' if whole else ''}number"
    if number < 0:
        return None, f"{LABELS[column]} must not be negative"
    return (int(number) if whole else number), None


def _quantity_cells(cells: Sequence, column: str, whole: bool) -> tuple[list, dict[int, str]]:
    numbers = _plain_numbers(cells)
    if numbers is None:
        return _each(lambda c: _quantity_cell(c, column, whole), cells)
    empty = np.isnan(numbers)
    fraction = (numbers != np.floor(numbers)) & ~empty if whole else np.zeros(len(numbers), dtype=bool)
    negative = (numbers < 0) & ~fraction
    if whole:
        values = [None if x != x else int(x) for x in numbers.tolist()]
    else:
        values = [None if x != x else x for x in numbers.tolist()]
    reasons = {}
    for mask, reason in ((fraction, f"{LABELS[column]} must be a whole number"),
                         (negative, f"{LABELS[column]} must not be negative")):
        for i in np.flatnonzero(mask).tolist():
            values[i] = None
            reasons[i] = reason
    return values, reasons


def _established_cell(raw, this_year: int):
    if _blank(raw):
        return None, None
    try:
        year = _year(raw)
    except ValueError:
        return None, "成立年份 must be a year such as 2015 (or a date)"
    if not 1800 <= year <= this_year:
        return None, f"成立年份 must be between 1800 and {this_year}"
    return year, None


def _location_cell(lon, lat, address):
    """((x, y), None), (None, (column, reason)) or (None, None) for one row (``address`` cleaned)."""
    lon = None if _blank(lon) else lon
    lat = None if _blank(lat) else lat
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            return None, ("lon" if lon is None else "lat", "经度 and 纬度 must both be given (or both left empty)")
        try:
            x, y = _number(lon), _number(lat)
        except ValueError:
            bad = "lat"
            try:
                _number(lon)
            except ValueError:
                bad = "lon"
            return None, (bad, f"{LABELS[bad]} is not a number")
        if not (-180 <= x <= 180 and -90 <= y <= 90):
            hint = "; 经度 and 纬度 look swapped" if -90 <= x <= 90 and -180 <= y <= 180 else ""
            return None, ("lon", f"coordinates ({x}, {y}) are not longitude/latitude in degrees{hint}")
        return (x, y), None
    if address is None:
        return None, ("address", "no location: give 经度/纬度 or an 地址 naming a town of 青浦区")
    return None, None


def _locations(lon_cells: Sequence, lat_cells: Sequence, addresses: list):
    """(x, y: the coordinates, NaN where a row has none; {row index: (column, reason)})."""
    n = len(addresses)
    x, y = _plain_numbers(lon_cells), _plain_numbers(lat_cells)
    if x is None or y is None:
        x, y = np.full(n, np.nan), np.full(n, np.nan)
        rest = range(n)
    else:
        with np.errstate(invalid="ignore"):
            plain = (x >= -180) & (x <= 180) & (y >= -90) & (y <= 90)  # NaN (an empty cell): False
        x[~plain] = y[~plain] = np.nan
        rest = np.flatnonzero(~plain).tolist()
    problems = {}
    for i in rest:
        xy, problem = _location_cell(lon_cells[i], lat_cells[i], addresses[i])
        if xy is not None:
            x[i], y[i] = xy
        elif problem is not None:
            problems[i] = problem
    return x, y, problems


def _towns_named(address: str, towns: Sequence[TownInfo]) -> list[TownInfo]:
    return [t for t in towns if t.name_zh in address]


def validate_rows(rows: Iterable[tuple[int, Mapping[str, object]]], source_crs: str, district: BaseGeometry,
                  towns: Sequence[TownInfo], headers: Mapping[str, str] | None = None,
                  progress: Callable[[int], None] | None = None, this_year: int | None = None) -> Validation:
    """Clean rows of (row number, {canonical column: raw value}): validate_columns on their columns."""
    numbers: list[int] = []
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    for number, cells in rows:
        numbers.append(number)
        for column, values in columns.items():
            values.append(cells.get(column))
    return validate_columns(numbers, columns, source_crs, district, towns, headers, progress, this_year)


def validate_columns(numbers: Sequence[int], columns: Mapping[str, Sequence], source_crs: str,
                     district: BaseGeometry, towns: Sequence[TownInfo], headers: Mapping[str, str] | None = None,
                     progress: Callable[[int], None] | None = None, this_year: int | None = None) -> Validation:
    """Clean a table given as its row numbers and {canonical column: the cells of every row}.

    ``source_crs`` is the system of the coordinates (wgs84, cgcs2000, gcj02, bd09); ``headers``
    maps canonical columns to the file's own header text for the report. A row with
    coordinates is placed exactly (after conversion) and must fall inside ``district``; a row
    with only an address goes to the seat of the one town its address names (precision
    'town'). A credit code seen on an earlier row rejects the later row. A row's problems are
    listed in the order: credit code, name, industry, employees, output, year, location,
    duplicate code, outside the district, town of the address.
    """
    if source_crs not in SOURCE_SYSTEMS:
        raise ValueError(f"unknown coordinate system {source_crs!r}; use one of {', '.join(SOURCE_SYSTEMS)}")
    headers = dict(headers or {})
    this_year = this_year or date.today().year
    n = len(numbers)
    nothing = [None] * n

    def cells(column: str) -> Sequence:
        values = columns.get(column)
        return nothing if values is None else values

    def label(column: str) -> str:
        return headers.get(column, LABELS.get(column, column))

    codes, code_reasons = _uscc_cells(cells("uscc"))
    names, name_reasons = _name_cells(cells("name"))
    industries, industry_reasons = _per_distinct(_industry_cell, cells("industry_code"))
    employees, employee_reasons = _quantity_cells(cells("employees"), "employees", True)
    outputs, output_reasons = _quantity_cells(cells("output_value"), "output_value", False)
    years, year_reasons = _per_distinct(lambda c: _established_cell(c, this_year), cells("established"))
    addresses, _ = _per_distinct(lambda c: (None if _blank(c) else _text(c), None), cells("address"))
    x, y, location_problems = _locations(cells("lon"), cells("lat"), addresses)
    if progress and n:
        progress(n)
    # (row index, stage, column, reason); the stage orders a row's problems
    problems = [(i, stage, column, reason) for stage, column, reasons in (
        (0, "uscc", code_reasons), (1, "name", name_reasons), (2, "industry_code", industry_reasons),
        (3, "employees", employee_reasons), (4, "output_value", output_reasons), (5, "established", year_reasons))
        for i, reason in reasons.items()]
    problems += [(i, 6, column, reason) for i, (column, reason) in location_problems.items()]

    # A credit code seen on an earlier row rejects the later one; a row with a problem in the column
    # labelled as the credit code's takes no part.
    code_label = label("uscc")
    blocked = {i for i, _, column, _ in problems if label(column) == code_label}
    first_row_of: dict[str, int] = {}
    for i, code in enumerate(codes):
        if code and i not in blocked:
            first = first_row_of.setdefault(code, i)
            if first != i:
                problems.append((i, 7, "uscc", f"duplicate 统一社会信用代码 {code}: already on row {numbers[first]}"))

    # Coordinates: convert and test all at once.
    town_codes = np.array([t.code for t in towns] + [None], dtype=object)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    town = np.full(n, None, dtype=object)
    exact = ~np.isnan(x)
    with_xy = np.flatnonzero(exact)
    if len(with_xy):
        lon[with_xy], lat[with_xy] = to_wgs84(x[with_xy], y[with_xy], source_crs)
        shapely.prepare(district)
        inside = shapely.intersects_xy(district, lon[with_xy], lat[with_xy])
        for i in with_xy[~inside].tolist():
            problems.append((i, 8, "lon", f"coordinates lie outside 青浦区 (after {source_crs} to WGS84: "
                                          f"{lon[i]:.6f}, {lat[i]:.6f})"))
        inside_rows = with_xy[inside]
        town[inside_rows] = town_codes[town_of(lon[inside_rows], lat[inside_rows], towns)]  # -1: None
    bad = np.zeros(n, dtype=bool)
    bad[[p[0] for p in problems]] = True
    named: dict[str, list[TownInfo]] = {}
    for i in np.flatnonzero(~exact & ~bad).tolist():
        address = addresses[i]
        if not address:
            continue
        hits = named.get(address)
        if hits is None:
            hits = named[address] = _towns_named(address, towns)
        if not hits:
            problems.append((i, 9, "address", "address names no town or subdistrict of 青浦区 (such as 华新镇 or 夏阳街道)"))
            bad[i] = True
        elif len({t.code for t in hits}) > 1:
            problems.append((i, 9, "address", "address names several towns: " + ", ".join(t.name_zh for t in hits)))
            bad[i] = True
        else:
            (lon[i], lat[i]), town[i] = hits[0].seat, hits[0].code

    result = Validation()
    keep = np.flatnonzero(~bad).tolist()
    precision = ["exact" if e else "town" for e in exact[keep].tolist()]

    def kept(values: Sequence) -> Sequence:
        return values if len(keep) == n else [values[i] for i in keep]

    industry = kept(industries)
    result.records = list(map(
        EnterpriseRow, kept(numbers), kept(codes), kept(names), [c[0] for c in industry], [c[1] for c in industry],
        lon[keep].tolist(), lat[keep].tolist(), town[keep].tolist(), precision,
        [source_crs if p == "exact" else "wgs84" for p in precision], kept(addresses), kept(employees),
        kept(outputs), kept(years)))
    problems.sort(key=lambda p: (p[0], p[1]))
    rejections = []
    for i, _, column, reason in problems:
        value = cells(column)[i]
        rejections.append(Rejection(numbers[i], label(column), "" if _blank(value) else _text(value), reason))
    result.rejections = sorted(rejections, key=lambda r: (r.row is not None, r.row or 0))
    return result


def town_of(lon: np.ndarray, lat: np.ndarray, towns: Sequence[TownInfo]) -> np.ndarray:
    """Index of the town containing each point, -1 for none (first match wins on a shared border)."""
    index = np.full(len(lon), -1, dtype=int)
    for j, town in enumerate(towns):
        shapely.prepare(town.geom)
        todo = np.flatnonzero(index < 0)
        if not len(todo):
            break
        hit = shapely.intersects_xy(town.geom, lon[todo], lat[todo])
        index[todo[hit]] = j
    return index
