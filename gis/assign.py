"""Which zones contain each enterprise, and the one zone it is primarily counted in.

The rule for the primary zone (pure, documented here and in each stored reason):

1. Fit first. A zone fits an enterprise when the zone's ``target_industries`` hold the
   enterprise's plan industry, or that industry's parent (集成电路 fits a zone targeting
   高端信息技术). Fitting zones beat non-fitting ones.
2. Then the most specific zone: park before core before cluster before corridor, then the
   smaller area, then the zone id (so the choice never depends on input order).

Zones contain a point when it lies inside or on their boundary (like PostGIS ST_Intersects).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from plan.industries import PLAN_INDUSTRY_BY_ID

__all__ = ["KIND_ORDER", "ZoneInfo", "Placement", "Assignment", "fits", "specificity_key",
           "choose_primary", "containing_mask", "membership_bits", "assign_points", "order_flips",
           "changed_area"]

# Lower is more specific.
KIND_ORDER = {"park": 0, "core": 1, "cluster": 2, "corridor": 3}
NO_ZONE_REASON = "不在任何分区内 / in no zone"


@dataclass(frozen=True)
class ZoneInfo:
    id: str
    name_zh: str
    kind: str
    area_km2: float
    target_industries: tuple[str, ...]
    geom: BaseGeometry | None = None


@dataclass(frozen=True)
class Placement:
    zones: tuple[str, ...]  # every containing zone, most specific first
    primary: str | None
    reason: str


def fits(plan_industry: str | None, zone: ZoneInfo) -> str | None:
    """'exact' or 'parent' when the zone targets the industry (or its parent), else None."""
    if not plan_industry:
        return None
    if plan_industry in zone.target_industries:
        return "exact"
    info = PLAN_INDUSTRY_BY_ID.get(plan_industry)
    if info is not None and info.parent and info.parent in zone.target_industries:
        return "parent"
    return None


def specificity_key(zone: ZoneInfo) -> tuple:
    return (KIND_ORDER.get(zone.kind, len(KIND_ORDER)), zone.area_km2, zone.id)


def choose_primary(plan_industry: str | None, containing: Iterable[ZoneInfo]) -> Placement:
    """The primary zone among the zones that contain an enterprise, with the reason why."""
    ordered = sorted(containing, key=specificity_key)
    ids = tuple(z.id for z in ordered)
    if not ordered:
        return Placement((), None, NO_ZONE_REASON)
    n = len(ordered)
    of_n = f"{n} containing zone{'s' if n > 1 else ''}"
    fitting = [(z, fits(plan_industry, z)) for z in ordered]
    fitting = [(z, how) for z, how in fitting if how]
    if fitting:
        best, how = fitting[0]
        via = f" (via its parent {PLAN_INDUSTRY_BY_ID[plan_industry].parent})" if how == "parent" else ""
        if n == 1:
            tail = "the only containing zone"
        elif len(fitting) == n:
            tail = f"most specific of {of_n}"
        elif len(fitting) == 1:
            tail = f"the only fitting one of {of_n}"
        else:
            tail = f"most specific of {len(fitting)} fitting among {of_n}"
        reason = f"{plan_industry}{via} fits {best.name_zh} ({best.kind}); {tail}"
        return Placement(ids, best.id, reason)
    best = ordered[0]
    what = plan_industry if plan_industry else "no plan industry"
    verb = "fits none" if plan_industry else "so no fit"
    if n == 1:
        reason = f"{what}, {verb}; {best.name_zh} ({best.kind}) is the only containing zone"
    else:
        reason = f"{what}, {verb} of {of_n}; {best.name_zh} ({best.kind}) is the most specific"
    return Placement(ids, best.id, reason)


def containing_mask(x: np.ndarray, y: np.ndarray, zones: Sequence[ZoneInfo]) -> np.ndarray:
    """Boolean matrix (points x zones): zone j covers point i.

    Each zone is prepared once and only tested on the points inside its bounding box,
    which is what makes a million points against twenty polygons take well under a second.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mask = np.zeros((len(x), len(zones)), dtype=bool)
    for j, hit in _zone_hits(x, y, zones):
        mask[hit, j] = True
    return mask


def _zone_hits(x: np.ndarray, y: np.ndarray, zones: Sequence[ZoneInfo]):
    """(j, indices of the points zone j covers), testing only the points in its bounding box."""
    for j, zone in enumerate(zones):
        geom = zone.geom
        if geom is None or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        candidates = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        if len(candidates):
            shapely.prepare(geom)  # (only a zone with points in its box: a small edit's few)
            yield j, candidates[shapely.intersects_xy(geom, x[candidates], y[candidates])]


class Assignment:
    """Placements of many points, stored once per distinct (zones, industry) combination."""

    def __init__(self, placements: list[Placement], group_of: np.ndarray):
        self.placements = placements
        self.group_of = group_of

    def __len__(self) -> int:
        return len(self.group_of)

    def __getitem__(self, i: int) -> Placement:
        return self.placements[self.group_of[i]]

    def __iter__(self):
        return (self.placements[g] for g in self.group_of)


def membership_bits(x: np.ndarray, y: np.ndarray, zones: Sequence[ZoneInfo]) -> np.ndarray:
    """Bit j of entry i is set when zone j covers point i (at most 64 zones)."""
    if len(zones) > 64:
        raise ValueError("membership_bits handles at most 64 zones")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    bits = np.zeros(len(x), dtype=np.uint64)
    for j, hit in _zone_hits(x, y, zones):
        bits[hit] |= np.uint64(1) << np.uint64(j)
    return bits


def assign_points(x, y, plan_industries: Sequence[str | None], zones: Sequence[ZoneInfo]) -> Assignment:
    """Containing zones and the primary zone of every point (lon ``x``, lat ``y`` in WGS84).

    Vectorised: membership is a bitmask per point; the rule runs once per distinct
    combination of bitmask and industry, of which there are only a few hundred.
    """
    zones = list(zones)
    industries = np.asarray(plan_industries, dtype=object).reshape(-1)
    ind_index, ind_values = pd.factorize(industries, use_na_sentinel=True)  # None -> -1
    ind_index = ind_index.astype(np.int64) + 1
    if len(zones) <= 64:
        bits = membership_bits(x, y, zones)
        table = np.column_stack([bits.view(np.int64), ind_index]) if len(bits) else np.zeros((0, 2), np.int64)
    else:  # more zones than bits in a word: group on the rows of the full matrix instead
        table = np.column_stack([containing_mask(x, y, zones), ind_index])
    if not len(table):
        return Assignment([], np.zeros(0, dtype=np.int64))
    if len(zones) + int(len(ind_values) + 1).bit_length() < 63:  # one integer key per point: hash it
        group_of, _ = pd.factorize(table[:, 0] * (len(ind_values) + 1) + table[:, 1])
        first = np.empty(group_of.max() + 1, dtype=np.int64)
        first[group_of[::-1]] = np.arange(len(group_of) - 1, -1, -1)
    else:
        _, first, group_of = np.unique(table, axis=0, return_index=True, return_inverse=True)
    placements = []
    for i in first:
        if len(zones) <= 64:
            member = [j for j in range(len(zones)) if int(bits[i]) >> j & 1]
        else:
            member = list(np.flatnonzero(table[i, :-1]))
        industry = ind_values[ind_index[i] - 1] if ind_index[i] > 0 else None
        placements.append(choose_primary(industry, [zones[j] for j in member]))
    return Assignment(placements, np.asarray(group_of).reshape(-1))


def order_flips(before: ZoneInfo, after: ZoneInfo, others: Iterable[ZoneInfo]) -> list[str]:
    """Ids of the other zones whose specificity order against an edited zone changes.

    Enterprises inside both the edited zone and such a zone may change primary even though
    they are far from the edited boundary (the tie-break by area changed).
    """
    flipped = []
    for other in others:
        if other.id in (before.id, after.id):
            continue
        if (specificity_key(before) < specificity_key(other)) != (specificity_key(after) < specificity_key(other)):
            flipped.append(other.id)
    return flipped


def changed_area(old: BaseGeometry | None, new: BaseGeometry | None, whole: bool,
                 flipped: list[BaseGeometry]) -> BaseGeometry | None:
    """Where an edit can change placements: the symmetric difference of the old and new boundary (with
    ``whole``, their union), and where the edited zone meets a zone whose specificity order against it
    flipped (``flipped``: their outlines)."""
    if old is None or new is None:
        either = core = old if new is None else new
    else:
        either = shapely.union(old, new) if whole or flipped else None
        core = either if whole else shapely.symmetric_difference(old, new)
    parts = [core, *(shapely.intersection(either, z) for z in flipped)]
    parts = [p for p in parts if p is not None and not p.is_empty]
    return shapely.union_all(parts) if parts else None
