"""Zone × plan-industry metrics: counts, employees, output, density, share, location quotient,
diversity (HHI) and growth by year established.

Everything starts from two tallies (pandas DataFrames with columns industry, year, firms,
employees, output; the zone tally also has ``zone``):
- the zone tally counts a firm in EVERY zone that holds it (zones overlap: 华新镇 lies in three
  clusters), so zone rows do not add up to the district;
- the district tally counts every firm once, whether or not it lies in a zone.
The service builds both with SQL GROUP BY; ``tally_firms`` builds them from arrays (tests, bench).

Definitions (n = firms):
- density = n_zi / area_z (km², measured in EPSG:4549); share = n_zi / n_z;
- LQ_zi = (n_zi / n_z) / (N_i / N) with N the district total; the four counts are reported beside
  it, and ``lq_reliable`` is false when n_zi < min_count (default 5): with fewer firms one firm
  more or less moves the LQ by 20 % or more;
- HHI_z = Σ_i share_zi² over the plan industries plus one "other" category for firms with no plan
  industry (1 = one industry only; 1 / HHI is the "effective number" of industries);
- growth: firms established in (Y - span, Y] and the yearly growth of the stock of firms,
  (n(≤Y) / n(≤Y - span))^(1/span) - 1. Closures are not recorded, so this is growth of the
  surviving stock; firms with no year of establishment are left out of growth only.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["OTHER", "MIN_COUNT", "tally_firms", "zone_metrics", "lq", "hhi"]

OTHER = "other"  # firms with no plan industry
MIN_COUNT = 5
NO_YEAR = -1
_ROLLED = "*"  # internal suffix of rolled-up group labels (plan industry ids never hold it)
_COLUMNS = ["industry", "year", "firms", "employees", "output"]


def lq(n_zi, n_z, n_i, n) -> float | None:
    """Location quotient (n_zi / n_z) / (n_i / n); None where a denominator is zero."""
    if not n_z or not n_i or not n:
        return None
    return (n_zi / n_z) / (n_i / n)


def hhi(counts) -> float | None:
    counts = np.asarray(list(counts), dtype=float)
    total = counts.sum()
    if total <= 0:
        return None
    return float(np.sum((counts / total) ** 2))


def tally_firms(industry, employees, output, established, member_firm, member_zone,
                zone_names) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zone and district tallies from per-firm arrays and exploded zone memberships.

    ``member_firm[k]`` lies in zone ``zone_names[member_zone[k]]``; a firm may appear many times.
    ``industry`` may hold None for unclassified firms; ``established`` NaN or None when unknown.
    """
    codes, labels = pd.factorize(pd.Series(industry, dtype=object).fillna(OTHER))
    labels = np.asarray(labels, dtype=object)
    years, ycode = np.unique(pd.Series(established, dtype=float).fillna(NO_YEAR).to_numpy().astype(np.int64),
                             return_inverse=True)
    emp = np.nan_to_num(np.asarray(employees, dtype=float))
    out = np.nan_to_num(np.asarray(output, dtype=float))
    n_ind, n_year = max(labels.size, 1), max(years.size, 1)
    # One integer key per (industry, year) and per (zone, industry, year); sums by bincount.
    firm_key = codes.astype(np.int64) * n_year + ycode

    def table(key: np.ndarray, weights_of, size: int, names: dict) -> pd.DataFrame:
        firms = np.bincount(key, minlength=size)
        used = np.flatnonzero(firms)
        frame = pd.DataFrame({name: decode(used) for name, decode in names.items()})
        frame["firms"] = firms[used].astype(np.int64)
        for column, values in weights_of.items():
            frame[column] = np.bincount(key, weights=values, minlength=size)[used]
        return frame

    district = table(firm_key, {"employees": emp, "output": out}, n_ind * n_year,
                     {"industry": lambda k: labels[k // n_year], "year": lambda k: years[k % n_year]})[_COLUMNS]
    member_firm = np.asarray(member_firm, dtype=np.int64)
    zone_names = np.asarray(zone_names, dtype=object)
    zone_key = np.asarray(member_zone, dtype=np.int64) * (n_ind * n_year) + firm_key[member_firm]
    zones = table(zone_key, {"employees": emp[member_firm], "output": out[member_firm]},
                  zone_names.size * n_ind * n_year,
                  {"zone": lambda k: zone_names[k // (n_ind * n_year)],
                   "industry": lambda k: labels[(k // n_year) % n_ind], "year": lambda k: years[k % n_year]})
    return zones[["zone", *_COLUMNS]], district


_EMPTY = pd.Series(dtype=float)


def _split(series: pd.Series, nkeys: int) -> dict:
    """{key: series over the last index level} for a series indexed by (*keys, year)."""
    if series.empty:
        return {}
    level = list(range(nkeys))
    return {k: g.droplevel(level) for k, g in series.groupby(level=level if nkeys > 1 else 0, sort=False)}


def _rolled(labels) -> np.ndarray:
    return np.fromiter((str(v).endswith(_ROLLED) for v in labels), dtype=bool, count=len(labels))


def _with_groups(tally: pd.DataFrame, groups: dict) -> pd.DataFrame:
    """The tally plus rolled-up rows per group, labelled "<group>*": members and the umbrella's own
    firms (e.g. firms coded to "it" itself) summed. The umbrella's own rows stay as a leaf."""
    if not groups:
        return tally
    extra = []
    for group, members in groups.items():
        part = tally[tally["industry"].isin([group, *members])]
        if len(part):
            keys = [c for c in ("zone", "year") if c in part.columns]
            rolled = part.groupby(keys, sort=False)[["firms", "employees", "output"]].sum().reset_index()
            rolled["industry"] = group + _ROLLED
            extra.append(rolled)
    return pd.concat([tally, *extra], ignore_index=True)[tally.columns] if extra else tally


def _growth(by_year: pd.Series, year: int, span: int) -> dict:
    """by_year: firms per year established (NO_YEAR excluded by the caller)."""
    now = int(by_year[by_year.index <= year].sum())
    before = int(by_year[by_year.index <= year - span].sum())
    rate = (now / before) ** (1 / span) - 1 if before > 0 else None
    return {"new_firms": now - before, "stock_growth_per_year": None if rate is None else round(rate, 6)}


def _num(v, digits=6):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return round(float(v), digits)


def zone_metrics(zone_tally: pd.DataFrame, district_tally: pd.DataFrame, areas_km2: dict[str, float], *,
                 min_count: int = MIN_COUNT, year: int | None = None, span: int = 5,
                 include_output: bool = True, history: int = 10, groups: dict | None = None) -> dict:
    """Metrics per zone and per (zone, industry), and district figures, as plain JSON-ready dicts.

    ``groups`` maps an umbrella id to its member industries (e.g. it -> ic, ai, software, iot): each
    gets rolled-up rows marked ``"group": true`` beside the members; HHI uses the members only.
    """
    if min_count < 1 or span < 1:
        raise ValueError("min_count and span must be at least 1")
    groups = groups or {}
    zone_tally = _with_groups(zone_tally, groups)
    district_tally = _with_groups(district_tally, groups)
    known_years = district_tally.loc[district_tally["year"] != NO_YEAR, "year"]
    if year is None:
        year = int(known_years.max()) if len(known_years) else 0

    d_ind = district_tally.groupby("industry")[["firms", "employees", "output"]].sum()
    d_leaves = d_ind.loc[~_rolled(d_ind.index)]
    n_all = int(d_leaves["firms"].sum())
    z_ind = zone_tally.groupby(["zone", "industry"])[["firms", "employees", "output"]].sum()
    dated = zone_tally[zone_tally["year"] != NO_YEAR]
    z_year = dated[~_rolled(dated["industry"])].groupby(["zone", "year"])["firms"].sum()
    zi_year = dated.groupby(["zone", "industry", "year"])["firms"].sum()
    d_dated = district_tally[district_tally["year"] != NO_YEAR]
    d_year = d_dated[~_rolled(d_dated["industry"])].groupby("year")["firms"].sum()
    di_year = district_tally[district_tally["year"] != NO_YEAR].groupby(["industry", "year"])["firms"].sum()

    # per-key year series, split once (looking each key up in a MultiIndex is slow)
    zi_years = _split(zi_year, 2)
    z_years = _split(z_year, 1)
    di_years = _split(di_year, 1)

    def money(v):
        return _num(v, 2) if include_output else None

    zones_out = []
    for zone in sorted(areas_km2):
        area = areas_km2[zone]
        rows = z_ind.loc[zone] if zone in z_ind.index.get_level_values(0) else z_ind.iloc[0:0].droplevel(0)
        leaves = rows.loc[~_rolled(rows.index)]
        n_z = int(leaves["firms"].sum())
        years = z_years.get(zone, _EMPTY)
        industries = []
        for industry, r in rows.sort_values("firms", ascending=False).iterrows():
            n_zi, n_i = int(r["firms"]), int(d_ind.loc[industry, "firms"])
            iy = zi_years.get((zone, industry), _EMPTY)
            entry = {"industry": industry.removesuffix(_ROLLED), "firms": n_zi, "employees": int(r["employees"]),
                     "density_per_km2": _num(n_zi / area if area else None),
                     "employees_per_km2": _num(r["employees"] / area if area else None),
                     "share": _num(n_zi / n_z), "lq": _num(lq(n_zi, n_z, n_i, n_all)),
                     "lq_counts": {"zone_industry": n_zi, "zone": n_z, "district_industry": n_i, "district": n_all},
                     "lq_reliable": n_zi >= min_count, "group": industry.endswith(_ROLLED),
                     **_growth(iy, year, span)}
            if include_output:
                entry["output_value"] = money(r["output"])
            industries.append(entry)
        h = hhi(rows.loc[~_rolled(rows.index), "firms"]) if n_z else None
        zone_entry = {"zone": zone, "area_km2": _num(area), "firms": n_z,
                      "employees": int(leaves["employees"].sum()),
                      "density_per_km2": _num(n_z / area if area else None),
                      "hhi": _num(h), "effective_industries": _num(1 / h if h else None),
                      **_growth(years, year, span),
                      "firms_by_year": {int(y): int(c) for y, c in years.items() if year - history < y <= year},
                      "industries": industries}
        if include_output:
            zone_entry["output_value"] = money(leaves["output"].sum())
        zones_out.append(zone_entry)

    district_industries = []
    for industry, r in d_ind.sort_values("firms", ascending=False).iterrows():
        iy = di_years.get(industry, _EMPTY)
        entry = {"industry": industry.removesuffix(_ROLLED), "firms": int(r["firms"]), "employees": int(r["employees"]),
                 "share": _num(r["firms"] / n_all if n_all else None), "group": industry.endswith(_ROLLED),
                 **_growth(iy, year, span)}
        if include_output:
            entry["output_value"] = money(r["output"])
        district_industries.append(entry)
    h = hhi(d_leaves["firms"]) if n_all else None
    district = {"firms": n_all, "employees": int(d_leaves["employees"].sum()), "hhi": _num(h),
                "effective_industries": _num(1 / h if h else None), **_growth(d_year, year, span),
                "industries": district_industries}
    if include_output:
        district["output_value"] = money(d_leaves["output"].sum())
    return {"year": year, "span": span, "min_count": min_count, "zones": zones_out, "district": district}
