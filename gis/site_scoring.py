"""Scoring sites for an investor: stated transforms, weighted criteria, reproducible ranking, and the
explanation of why one site ranks above the next.

A criterion turns a raw value (a distance in metres, a count of firms, a price) into a score in 0..1 by
its transform; weights are percentages summing to 100, so a site's total is 0..100 points and each
criterion contributes weight × score / 100 × 100 = weight × score points. Pure numpy, no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

WEIGHT_TOLERANCE = 0.01  # percentage points

# id -> (label zh, label en, unit)
CRITERIA_INFO: dict[str, tuple[str, str, str]] = {
    "station": ("距17号线车站", "Distance to a Line 17 station", "m"),
    "highway": ("距高速/国道", "Distance to G50 / Huqingping highway", "m"),
    "same_industry": ("同行业企业", "Firms of the same plan industry within the radius", "firms"),
    "chain": ("上下游企业", "Upstream and downstream firms within the radius", "firms"),
    "zone_fit": ("分区产业契合", "Zone fit to the investor's industry", "0/0.5/1"),
    "price": ("价格", "Price", "万元/亩 | 元/m²/天"),
}
SHORT_EN = {"station": "station distance", "highway": "highway distance", "same_industry": "same-industry firms",
            "chain": "chain neighbours", "zone_fit": "zone fit", "price": "price"}
NEEDS_INDUSTRY = ("same_industry", "chain", "zone_fit")
RADIUS_CRITERIA = ("same_industry", "chain")


@dataclass(frozen=True)
class Transform:
    """linear: 1 at ``best``, 0 at ``worst``, straight in between, clipped (best may exceed worst).
    threshold: 1 when the value is at or below ``threshold`` (better="below") or at or above it
    (better="above"), else 0. ideal: 1 at ``ideal``, falling linearly to 0 at ``tolerance`` away.
    A missing raw value (NaN) scores 0."""

    type: str
    best: float | None = None
    worst: float | None = None
    threshold: float | None = None
    better: str = "below"
    ideal: float | None = None
    tolerance: float | None = None

    def validate(self, where: str) -> None:
        if self.type == "linear":
            if self.best is None or self.worst is None:
                raise ValueError(f"{where}: a linear transform needs best and worst")
            if self.best == self.worst:
                raise ValueError(f"{where}: a linear transform needs best different from worst")
        elif self.type == "threshold":
            if self.threshold is None:
                raise ValueError(f"{where}: a threshold transform needs threshold")
            if self.better not in ("below", "above"):
                raise ValueError(f"{where}: better must be 'below' or 'above', got {self.better!r}")
        elif self.type == "ideal":
            if self.ideal is None or self.tolerance is None:
                raise ValueError(f"{where}: an ideal-value transform needs ideal and tolerance")
            if self.tolerance <= 0:
                raise ValueError(f"{where}: tolerance must be positive, got {self.tolerance}")
        else:
            raise ValueError(f"{where}: unknown transform type {self.type!r}; use linear, threshold or ideal")

    def apply(self, raw) -> np.ndarray:
        x = np.asarray(raw, dtype=float)
        if self.type == "linear":
            out = (x - self.worst) / (self.best - self.worst)
        elif self.type == "threshold":
            out = (x <= self.threshold) if self.better == "below" else (x >= self.threshold)
            out = out.astype(float)
        else:
            out = 1.0 - np.abs(x - self.ideal) / self.tolerance
        out = np.clip(out, 0.0, 1.0)
        return np.where(np.isnan(x), 0.0, out)

    def describe(self) -> str:
        if self.type == "linear":
            return f"linear: 1 at {self.best:g}, 0 at {self.worst:g}"
        if self.type == "threshold":
            sign = "≤" if self.better == "below" else "≥"
            return f"threshold: 1 if {sign} {self.threshold:g}, else 0"
        return f"ideal value: 1 at {self.ideal:g}, 0 at ±{self.tolerance:g}"

    def as_dict(self) -> dict:
        keys = {"linear": ("best", "worst"), "threshold": ("threshold", "better"),
                "ideal": ("ideal", "tolerance")}[self.type]
        return {"type": self.type, **{k: getattr(self, k) for k in keys}}


@dataclass(frozen=True)
class Criterion:
    id: str
    weight: float  # percent
    transform: Transform
    # price only: parcels are priced in 万元/亩, buildings in 元/m²/day, so buildings have their own
    building_transform: Transform | None = None
    radius_m: float | None = None  # same_industry and chain
    # "data": the transform is set from the candidates' own counts (calibrate_counts) at search time, the
    # transform above being only the fallback when there are none; "given": used as stated
    scale: str = "given"

    def transform_for(self, kind: str) -> Transform:
        return self.building_transform if kind == "building" and self.building_transform else self.transform

    def as_dict(self) -> dict:
        zh, en, unit = CRITERIA_INFO[self.id]
        d = {"id": self.id, "label_zh": zh, "label_en": en, "unit": unit, "weight": self.weight,
             "transform": self.transform.as_dict(), "describe": self.transform.describe()}
        if self.building_transform:
            d["building_transform"] = self.building_transform.as_dict()
            d["describe"] = f"parcels {self.transform.describe()}; buildings {self.building_transform.describe()}"
        if self.radius_m is not None:
            d["radius_m"] = self.radius_m
        if self.id in RADIUS_CRITERIA:
            d["scale"] = self.scale
        return d


DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("station", 25, Transform("linear", best=500, worst=5000)),
    Criterion("highway", 15, Transform("linear", best=1000, worst=8000)),
    Criterion("same_industry", 15, Transform("linear", best=20, worst=0), radius_m=3000, scale="data"),
    Criterion("chain", 15, Transform("linear", best=30, worst=0), radius_m=5000, scale="data"),
    Criterion("zone_fit", 20, Transform("linear", best=1, worst=0)),
    Criterion("price", 10, Transform("linear", best=50, worst=400),
              building_transform=Transform("linear", best=0.8, worst=3.5)),
)
DEFAULT_RADIUS_M = {"same_industry": 3000.0, "chain": 5000.0}


# Data-set scales: linear from the LOW_PCT-th to the HIGH_PCT-th percentile of the candidates' counts. The top end
# is near the maximum on purpose: firms cluster, so the best-ranked sites tend to lie together in the densest
# tenth, and a scale ending at the 90th percentile would give nearly all of them full marks (seen on the seeded
# test data: 18 of the top 20); the 98th still ignores a lone outlier.
LOW_PCT, HIGH_PCT = 10, 98
CALIBRATION_SAMPLE = 2000  # at most this many candidates (evenly spaced in id order) are counted for it
SATURATED_SHARE = 0.8      # a criterion giving this share of the top sites the same full (or zero) score


def calibrate_counts(counts: np.ndarray, radius_m: float, fallback: Transform) -> tuple[Transform, dict]:
    """A linear transform from the candidates' own neighbour counts: 0 at the LOW_PCT-th percentile, 1 at the
    HIGH_PCT-th, so the criterion separates the candidates (and the best of them) instead of giving most of them
    full marks.

    When the percentiles coincide it widens to the minimum and maximum; when every count is the same the
    criterion cannot separate the sites: ``fallback`` is kept and the info says so."""
    x = np.asarray(counts, dtype=float)
    x = x[~np.isnan(x)]
    info = {"scale": "data", "radius_m": radius_m, "sample": int(x.size), "low_pct": LOW_PCT, "high_pct": HIGH_PCT}
    if x.size == 0:
        return fallback, {**info, "separates": False, "text": "no candidate to set the scale from; the stated "
                          f"scale is used ({fallback.describe()})"}
    lo, med, hi = (round(float(v), 1) for v in np.percentile(x, [LOW_PCT, 50, HIGH_PCT]))
    info.update({"p_low": lo, "median": med, "p_high": hi, "min": float(x.min()), "max": float(x.max())})
    if hi <= lo:
        lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return fallback, {**info, "separates": False,
                          "text": f"every candidate has {lo:g} firms within {radius_m:g} m: this criterion cannot "
                                  "separate the sites"}
    t = Transform("linear", best=hi, worst=lo)
    return t, {**info, "separates": True,
               "text": f"scale from the candidates' counts within {radius_m:g} m: 0 points at {lo:g} firms "
                       f"(the {LOW_PCT}th percentile), full points at {hi:g} (the {HIGH_PCT}th); median {med:g}, "
                       f"{x.size} candidates counted"}


def separation(score_top: np.ndarray, label: str) -> dict:
    """Whether a criterion separates the shown top sites (``score_top``: their scores in 0..1, best first)."""
    s = np.asarray(score_top, dtype=float)
    if s.size == 0:
        return {"sites": 0, "full": 0, "zero": 0, "spread": 0.0, "saturated": False, "text": ""}
    full, zero = int((s >= 0.999).sum()), int((s <= 0.001).sum())
    spread = float(s.max() - s.min())
    saturated = full >= SATURATED_SHARE * s.size and s.size > 1
    if saturated:
        text = f"saturated: {full} of the top {s.size} get full marks for {label}, so it does not separate them"
    elif zero >= SATURATED_SHARE * s.size and s.size > 1:
        text = f"{zero} of the top {s.size} get no points for {label}: it does not separate them"
    elif spread < 0.05:
        text = f"{label} scores the top {s.size} almost alike (spread {spread:.2f})"
    else:
        text = f"{label} separates the top {s.size} (scores {s.min():.2f}–{s.max():.2f})"
    return {"sites": int(s.size), "full": full, "zero": zero, "spread": round(spread, 4), "saturated": bool(saturated),
            "separates": bool(not saturated and zero < SATURATED_SHARE * s.size and spread >= 0.05), "text": text}


def validate_criteria(criteria: tuple[Criterion, ...]) -> None:
    """Raise ValueError naming what is wrong: unknown or repeated ids, bad weights or transforms."""
    if not criteria:
        raise ValueError("criteria: give at least one criterion")
    seen = set()
    for c in criteria:
        if c.id not in CRITERIA_INFO:
            raise ValueError(f"unknown criterion {c.id!r}; use one of {', '.join(CRITERIA_INFO)}")
        if c.id in seen:
            raise ValueError(f"criterion {c.id!r} is given twice")
        seen.add(c.id)
        if not np.isfinite(c.weight) or c.weight < 0:
            raise ValueError(f"criterion {c.id}: weight must be a percentage ≥ 0, got {c.weight}")
        c.transform.validate(f"criterion {c.id}")
        if c.building_transform:
            c.building_transform.validate(f"criterion {c.id} (buildings)")
        if c.radius_m is not None and not c.radius_m > 0:
            raise ValueError(f"criterion {c.id}: radius_m must be positive, got {c.radius_m}")
    total = sum(c.weight for c in criteria)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        parts = " + ".join(f"{c.id} {c.weight:g}" for c in criteria)
        raise ValueError(f"weights must sum to 100 %, they sum to {total:g} ({parts})")


@dataclass
class Scores:
    """Per-site, per-criterion raw values, transformed scores and contributions (points)."""

    criteria: tuple[Criterion, ...]
    raw: np.ndarray          # N x k, NaN where missing
    score: np.ndarray        # N x k in 0..1
    contribution: np.ndarray  # N x k, points; rows sum to the total
    total: np.ndarray        # N, 0..100
    order: np.ndarray = field(default=None)  # indices best first

    @property
    def weights(self) -> np.ndarray:
        return np.array([c.weight for c in self.criteria], dtype=float)


def score_sites(raw: dict[str, np.ndarray], kinds: np.ndarray, ids: np.ndarray,
                criteria: tuple[Criterion, ...], rank: bool = True) -> Scores:
    """Score N sites. ``raw`` maps each criterion id to N raw values; ``kinds`` selects the price
    transform; ``ids`` break ties so that the ranking is reproducible (``rank=False``: totals only,
    no order)."""
    n = len(ids)
    k = len(criteria)
    raw_m = np.full((n, k), np.nan)
    sc = np.zeros((n, k))
    is_building = np.asarray(kinds) == "building"
    for j, c in enumerate(criteria):
        values = np.asarray(raw[c.id], dtype=float) if c.id in raw else np.full(n, np.nan)  # not measured
        raw_m[:, j] = values
        sc[:, j] = c.transform.apply(values)
        if c.building_transform is not None and is_building.any():
            sc[is_building, j] = c.building_transform.apply(values[is_building])
    contribution = sc * np.array([c.weight for c in criteria], dtype=float)
    total = contribution.sum(axis=1)
    return Scores(criteria, raw_m, sc, contribution, total, rank_order(total, ids) if rank else None)


def ids_ascending(ids) -> bool:
    """Whether text ids are in strictly ascending order as given (the search's candidates come in id order),
    checked without converting every id to a numpy string."""
    ids = np.asarray(ids, dtype=object)
    if len(ids) < 2:
        return True
    if not isinstance(ids[0], str):
        return False
    try:
        return bool(np.all(ids[1:] > ids[:-1]))
    except TypeError:  # mixed kinds of id: no shortcut
        return False


def rank_order(total: np.ndarray, ids) -> np.ndarray:
    """Indices by total descending, ties by id ascending. Totals are rounded to 1e-9 points so that
    float noise between equal sums cannot reorder sites."""
    key = -np.round(np.asarray(total, dtype=float), 9)
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    same = (ranked[1:] == ranked[:-1]) | (np.isnan(ranked[1:]) & np.isnan(ranked[:-1]))
    if not same.any():  # the usual case: no ties, so no need to compare ids (as text: slow on many sites)
        return order
    if ids_ascending(ids):  # the stable sort kept every tie in input order, which is then id order
        return order
    if same.sum() * 4 > len(order):
        return np.lexsort((np.asarray(ids).astype(str), key))
    ids = np.asarray(ids, dtype=object)
    start = 0
    for end in [*(np.flatnonzero(~same) + 1).tolist(), len(order)]:  # runs of equal totals
        if end - start > 1:
            run = order[start:end]
            order[start:end] = run[sorted(range(end - start), key=lambda i: str(ids[run[i]]))]
        start = end
    return order


def explain_gap(scores: Scores, above: int, below: int, labels: tuple[str, str]) -> dict:
    """Why site ``above`` ranks higher than site ``below`` (row indices into ``scores``): the criteria
    where it gains points, largest first, and those where the lower site is better."""
    diff = scores.contribution[above] - scores.contribution[below]
    gap = float(scores.total[above] - scores.total[below])
    parts = []
    for j in np.argsort(-diff, kind="stable"):
        if abs(diff[j]) < 0.005:
            continue
        c = scores.criteria[j]
        parts.append({"criterion": c.id, "label": CRITERIA_INFO[c.id][0], "points": round(float(diff[j]), 2),
                      "above_raw": _num(scores.raw[above, j]), "this_raw": _num(scores.raw[below, j])})
    ahead = [p for p in parts if p["points"] > 0]
    behind = [p for p in parts if p["points"] < 0]
    if not parts:
        text = f"{labels[0]} ties with {labels[1]} on every criterion; the tie is broken by site id"
    else:
        text = f"{labels[0]} ranks higher by {gap:.2f} points"
        if ahead:
            text += ": " + ", ".join(f"{SHORT_EN[p['criterion']]} +{p['points']:.2f}" for p in ahead)
        if behind:
            text += "; offset by " + ", ".join(
                f"{SHORT_EN[p['criterion']]} {p['points']:.2f}" for p in behind)
    return {"above": labels[0], "gap_points": round(gap, 2), "decisive": ahead[:3], "gains": ahead,
            "offsets": behind, "text": text}


def _num(v) -> float | None:
    return None if v is None or np.isnan(v) else round(float(v), 3)


# Without a stated land need, the project is taken to need the area its investment supports, less this
# share of slack (a site up to 20 % smaller means a denser, still lawful project).
IMPLIED_NEED_SHARE = 0.8


def profile_area_window(investment_wan: float | None, land_need_mu: float | None,
                        intensity_wan_per_mu: float) -> tuple[float | None, float | None, str]:
    """The site-area window (亩) that the 标准地 investment-intensity rule gives an investor.

    The investment supports at most investment / intensity 亩: a larger site would fall below the
    minimum intensity. The minimum is the stated land need, or, without one, IMPLIED_NEED_SHARE of the
    supported area. Returns (min_mu, max_mu, explanation); min may exceed max, which no site can meet.
    """
    supported = investment_wan / intensity_wan_per_mu if investment_wan is not None else None
    if supported is None and land_need_mu is None:
        return None, None, "no investment or land need given: no area rule"
    if supported is None:
        return land_need_mu, None, f"land need {land_need_mu:g} 亩 (no investment given, so no upper limit)"
    low = land_need_mu if land_need_mu is not None else IMPLIED_NEED_SHARE * supported
    text = (f"{investment_wan:g} 万元 at the 标准地 minimum intensity of {intensity_wan_per_mu:g} 万元/亩 supports "
            f"at most {supported:.1f} 亩; the project needs at least "
            + (f"its land need of {land_need_mu:g} 亩" if land_need_mu is not None
               else f"{low:.1f} 亩 ({IMPLIED_NEED_SHARE:.0%} of that, no land need given)"))
    if low > supported + 1e-9:
        text += (f" — impossible: {low:g} 亩 needs an investment of at least {low * intensity_wan_per_mu:g} 万元")
    return low, supported, text


def zone_fit_level(industry: str, parent: str | None, siblings_and_children: set[str], targets) -> float:
    """1 when a zone targets the industry or its umbrella (the plan's 高端信息技术 covers 集成电路),
    0.5 when it targets only a related industry of the same family (a child or a sibling), else 0."""
    targets = set(targets)
    if industry in targets or (parent is not None and parent in targets):
        return 1.0
    if targets & siblings_and_children:
        return 0.5
    return 0.0


def score_bounds(transform: Transform, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the transformed score when the raw value is only known to lie in [lo, hi]. Linear and
    threshold transforms are monotone; the ideal-value transform peaks at ``ideal``."""
    a, b = transform.apply(lo), transform.apply(hi)
    low, up = np.minimum(a, b), np.maximum(a, b)
    if transform.type == "ideal":
        inside = (np.asarray(lo) <= transform.ideal) & (transform.ideal <= np.asarray(hi))
        up = np.where(inside, 1.0, up)
    return low, up


def refine_top(lower: np.ndarray, upper: np.ndarray, exact_total, keep: int, top_n: int,
               overtake_floor, batch: int = 1024) -> np.ndarray:
    """Which sites get their costly criteria computed exactly: the fewest that keep the answer exact.

    Each site's total lies in [lower, upper]. Sites are refined in batches by decreasing upper bound
    (``exact_total(rows)`` returns their exact totals) until no unrefined site can reach the
    ``keep``-th best exact total (so the shown list is exact) nor ``overtake_floor`` of the
    ``top_n``-th (so the stability report is exact). Returns the mask of refined sites; the others keep
    a total below every shown site's.
    """
    n = len(lower)
    refined = np.zeros(n, dtype=bool)
    if n == 0:
        return refined
    by_upper = np.argsort(-upper, kind="stable")
    totals = np.full(n, -np.inf)
    pos, size = 0, max(batch, keep)
    while pos < n:
        rows = by_upper[pos:pos + size]
        totals[rows] = exact_total(rows)
        refined[rows] = True
        pos += len(rows)
        size *= 2
        if pos >= n:
            break
        done = np.sort(totals[refined])[::-1]
        k_keep = done[keep - 1] if len(done) >= keep else -np.inf
        k_top = done[top_n - 1] if len(done) >= top_n else -np.inf
        if upper[by_upper[pos]] < min(k_keep, overtake_floor(k_top)) - 1e-9:
            break
    return refined
