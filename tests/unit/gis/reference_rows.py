"""The per-row enterprise validator as it was before the columnar rewrite (commit 31de179), frozen
here as the oracle the vectorised gis.enterprise_rows.validate_rows is compared against
(test_enterprise_rows_equivalence.py). Not used by the application."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.crs import SOURCE_SYSTEMS, to_wgs84
from gis.enterprise_rows import LABELS, EnterpriseRow, Rejection, TownInfo, Validation
from gis.uscc import normalize_uscc, validate_uscc
from plan.industries import is_known_code, normalize_industry_code, plan_industry_for


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


class _Row:
    """Collects the problems of one row while its cells are parsed."""

    def __init__(self, number: int, cells: Mapping[str, object], headers: Mapping[str, str]):
        self.number, self.cells, self.headers = number, cells, headers
        self.problems: list[Rejection] = []

    def reject(self, column: str, reason: str) -> None:
        value = self.cells.get(column)
        self.problems.append(Rejection(self.number, self.headers.get(column, LABELS.get(column, column)),
                                       "" if _blank(value) else _text(value), reason))

    def get(self, column: str):
        value = self.cells.get(column)
        return None if _blank(value) else value


def _parse_scalars(row: _Row, this_year: int) -> dict | None:
    out: dict = {}
    raw = row.get("uscc")
    if raw is None:
        row.reject("uscc", "统一社会信用代码 is empty")
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        row.reject("uscc", "the credit code is stored as a number and may have lost digits; store the column as text")
    else:
        code = normalize_uscc(_text(raw))
        problem = validate_uscc(code)
        if problem:
            row.reject("uscc", f"invalid 统一社会信用代码: {problem}")
        out["uscc"] = code
    name = row.get("name")
    if name is None:
        row.reject("name", "企业名称 is empty")
    else:
        out["name"] = _text(name)
    raw = row.get("industry_code")
    if raw is None:
        row.reject("industry_code", "行业代码 is empty")
    else:
        try:
            code = normalize_industry_code(int(raw) if isinstance(raw, float) and raw.is_integer() else raw)
        except ValueError as exc:
            row.reject("industry_code", f"malformed industry code: {exc}")
        else:
            if not is_known_code(code):
                row.reject("industry_code", f"unknown industry code {code}: division {code[:2]} is not in GB/T 4754-2017")
            else:
                out["industry_code"], out["plan_industry"] = code, plan_industry_for(code)
    for column, kind in (("employees", "int"), ("output_value", "float")):
        raw = row.get(column)
        if raw is None:
            continue
        try:
            number = _number(raw)
            if kind == "int" and not number.is_integer():
                raise ValueError
        except ValueError:
            row.reject(column, f"{LABELS[column]} must be a {'whole ' if kind == 'int' else ''}number")
            continue
        if number < 0:
            row.reject(column, f"{LABELS[column]} must not be negative")
            continue
        out[column] = int(number) if kind == "int" else number
    raw = row.get("established")
    if raw is not None:
        try:
            year = _year(raw)
        except ValueError:
            row.reject("established", "成立年份 must be a year such as 2015 (or a date)")
        else:
            if not 1800 <= year <= this_year:
                row.reject("established", f"成立年份 must be between 1800 and {this_year}")
            else:
                out["established"] = year
    address = row.get("address")
    out["address"] = _text(address) if address is not None else None
    lon, lat = row.get("lon"), row.get("lat")
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            row.reject("lon" if lon is None else "lat", "经度 and 纬度 must both be given (or both left empty)")
        else:
            try:
                x, y = _number(lon), _number(lat)
            except ValueError:
                bad = "lat"
                try:
                    _number(lon)
                except ValueError:
                    bad = "lon"
                row.reject(bad, f"{LABELS[bad]} is not a number")
            else:
                if not (-180 <= x <= 180 and -90 <= y <= 90):
                    hint = "; 经度 and 纬度 look swapped" if -90 <= x <= 90 and -180 <= y <= 180 else ""
                    row.reject("lon", f"coordinates ({x}, {y}) are not longitude/latitude in degrees{hint}")
                else:
                    out["xy"] = (x, y)
    elif out["address"] is None:
        row.reject("address", "no location: give 经度/纬度 or an 地址 naming a town of 青浦区")
    return out


def _towns_named(address: str, towns: Sequence[TownInfo]) -> list[TownInfo]:
    return [t for t in towns if t.name_zh in address]


def validate_rows(rows: Iterable[tuple[int, Mapping[str, object]]], source_crs: str, district: BaseGeometry,
                  towns: Sequence[TownInfo], headers: Mapping[str, str] | None = None,
                  progress: Callable[[int], None] | None = None, this_year: int | None = None) -> Validation:
    """Clean rows of (row number, {canonical column: raw value}).

    ``source_crs`` is the system of the coordinates (wgs84, cgcs2000, gcj02, bd09); ``headers``
    maps canonical columns to the file's own header text for the report. A row with
    coordinates is placed exactly (after conversion) and must fall inside ``district``; a row
    with only an address goes to the seat of the one town its address names (precision
    'town'). A credit code seen on an earlier row rejects the later row.
    """
    if source_crs not in SOURCE_SYSTEMS:
        raise ValueError(f"unknown coordinate system {source_crs!r}; use one of {', '.join(SOURCE_SYSTEMS)}")
    headers = dict(headers or {})
    this_year = this_year or date.today().year
    result = Validation()
    parsed: list[tuple[_Row, dict]] = []
    first_row_of: dict[str, int] = {}
    for number, cells in rows:
        row = _Row(number, cells, headers)
        values = _parse_scalars(row, this_year)
        code = values.get("uscc")
        if code and not any(p.column == headers.get("uscc", LABELS["uscc"]) for p in row.problems):
            if code in first_row_of:
                row.reject("uscc", f"duplicate 统一社会信用代码 {code}: already on row {first_row_of[code]}")
            else:
                first_row_of[code] = number
        parsed.append((row, values))
        if progress:
            progress(1)

    # Coordinates: convert and test all at once.
    with_xy = [(row, values) for row, values in parsed if "xy" in values]
    if with_xy:
        raw = np.array([values["xy"] for _, values in with_xy], dtype=float)
        lon, lat = to_wgs84(raw[:, 0], raw[:, 1], source_crs)
        shapely.prepare(district)
        inside = shapely.intersects_xy(district, lon, lat)
        town_index = town_of(lon, lat, towns)
        for k, (row, values) in enumerate(with_xy):
            if not inside[k]:
                row.reject("lon", f"coordinates lie outside 青浦区 (after {source_crs} to WGS84: "
                                  f"{lon[k]:.6f}, {lat[k]:.6f})")
                continue
            values["wgs84"] = (float(lon[k]), float(lat[k]))
            values["town"] = towns[town_index[k]].code if town_index[k] >= 0 else None
            values["precision"] = "exact"

    for row, values in parsed:
        if "xy" not in values and values.get("address") and not row.problems:
            named = _towns_named(values["address"], towns)
            if not named:
                row.reject("address", "address names no town or subdistrict of 青浦区 (such as 华新镇 or 夏阳街道)")
            elif len({t.code for t in named}) > 1:
                row.reject("address", "address names several towns: " + ", ".join(t.name_zh for t in named))
            else:
                town = named[0]
                values.update(wgs84=town.seat, town=town.code, precision="town")
        if row.problems:
            result.rejections.extend(row.problems)
            continue
        lon, lat = values["wgs84"]
        result.records.append(EnterpriseRow(
            row=row.number, uscc=values["uscc"], name=values["name"], industry_code=values["industry_code"],
            plan_industry=values["plan_industry"], lon=lon, lat=lat, town=values.get("town"),
            precision=values["precision"], source_crs=source_crs if values["precision"] == "exact" else "wgs84",
            address=values.get("address"), employees=values.get("employees"),
            output_value=values.get("output_value"), established=values.get("established")))
    result.rejections.sort(key=lambda r: (r.row is not None, r.row or 0))
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
