"""The site search: validate, apply the hard constraints in order, score, explain, test stability.

Wiring only: the scoring, explanation and sensitivity are in gis/site_scoring.py and
gis/site_sensitivity.py; the constraints over the sites' facts in app/sites/facts.py; the SQL in
app/sites/store.py.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time

import numpy as np
from sqlalchemy.engine import Engine

from app.core.cache import LruCache
from app.core.errors import bad_request
from app.sites import facts as site_facts
from app.sites import store as q
from app.sites.spec import SearchIn, check_search
from gis.site_neighbours import FirmCounter, SitePoints
from gis.site_scoring import (
    CALIBRATION_SAMPLE,
    CRITERIA_INFO,
    calibrate_counts,
    explain_gap,
    ids_ascending,
    profile_area_window,
    refine_top,
    score_bounds,
    score_sites,
    separation,
    zone_fit_level,
)
from gis.site_sensitivity import deciding_criteria, overtake_floor, top_stability
from plan.industries import PLAN_INDUSTRY_BY_ID
from plan.site_rules import (
    AVAILABILITY,
    LAND_USES,
    SITE_KINDS,
    chain_of,
    industry_family,
    min_intensity,
)

TOP_N = 5  # the top whose stability under ±10 % weights is reported
SEPARATION_TOP = 20  # the shown sites over which each criterion's separation is judged
DECIDE_EXACT_LIMIT = 5000  # up to this many candidates, every neighbour count is made exact for the deciding report


def _profile(body: SearchIn, industry: str | None) -> dict | None:
    p = body.profile
    if p.investment_wan is None and p.land_need_mu is None:
        return None
    if p.investment_wan is not None and industry is None:
        raise bad_request("profile.investment_wan needs profile.industry: the intensity rule depends on it")
    intensity = min_intensity(industry) if industry else None
    lo, hi, text = profile_area_window(p.investment_wan, p.land_need_mu, intensity or 1.0)
    return {"industry": industry, "investment_wan": p.investment_wan, "land_need_mu": p.land_need_mu,
            "min_intensity_wan_per_mu": intensity, "min_area_mu": _r(lo), "max_area_mu": _r(hi), "rule": text,
            "_window": (lo, hi)}  # full precision for the SQL bounds; removed before answering


def _r(v, nd=1):
    return None if v is None else round(float(v), nd)


class NeighbourCounts:
    """Same-industry and chain (upstream + downstream) firms within the radius of each candidate site
    (EPSG:4549 metres). Grid bounds first; exact k-d tree counts only where the bounds leave a score
    open and the site can still matter (see gis/site_neighbours.py and refine_top). Counts and bounds
    come from this process's per-site store (``_Neighbours``) when an earlier search already made them."""

    def __init__(self, conn, industry: str, cand: dict, criteria, facts: "site_facts.SiteFacts"):
        self.criteria = [c for c in criteria if c.id in COSTLY]
        family = industry_family(industry)
        up, down = chain_of(industry)
        up_f = {i for u in up for i in industry_family(u)} - set(family)
        down_f = {i for d in down for i in industry_family(d)} - set(family)
        self.store = _neighbours(conn, facts, family, up_f, down_f)
        self.rows = cand["row"]  # the candidates' rows in the facts (and in the store)
        n = len(self.rows)
        self.values = {c.id: np.full(n, np.nan) for c in self.criteria}
        self.exact = {c.id: np.zeros(n, dtype=bool) for c in self.criteria}
        self.lower_points, self.upper_points = np.zeros(n), np.zeros(n)
        self.settled: dict[str, np.ndarray] = {}
        self.calibration: dict[str, dict] = {}
        calibrated = []
        for c in self.criteria:
            exact = None
            if c.scale == "data":  # the scale from the candidates' own counts (a spread sample of them)
                sample = _spread_sample(cand["id"], CALIBRATION_SAMPLE)
                sampled = self._exact(c.id, c.radius_m, sample)
                transform, self.calibration[c.id] = calibrate_counts(sampled, c.radius_m, c.transform)
                c = dataclasses.replace(c, transform=transform)
                if len(sample) == n:
                    exact = np.empty(n)
                    exact[sample] = sampled
                    self.exact[c.id][:] = True
            calibrated.append(c)
            lo, hi = (exact, exact) if exact is not None else self.store.bounds(c.id, c.radius_m, self.rows)
            low, up = score_bounds(c.transform, lo, hi)
            settled = low == up  # the score is the same for any count in [lo, hi]
            self.values[c.id][settled] = lo[settled]
            self.lower_points += c.weight * low
            self.upper_points += c.weight * up
            self.settled[c.id] = settled
        self.criteria = calibrated

    def _exact(self, counter: str, radius: float, rows: np.ndarray) -> np.ndarray:
        return self.store.exact(counter, radius, self.rows[rows])

    def calibrated(self, criteria) -> tuple:
        """``criteria`` with the data-set transforms of the neighbour criteria in place."""
        mine = {c.id: c for c in self.criteria}
        return tuple(mine.get(c.id, c) for c in criteria)

    def count(self, rows: np.ndarray, everything: bool = False) -> None:
        """Exact counts for ``rows`` (only where the score is still open, unless ``everything``)."""
        for c in self.criteria:
            todo = rows[~self.exact[c.id][rows] & (everything | ~self.settled[c.id][rows])]
            if len(todo):
                self.values[c.id][todo] = self._exact(c.id, c.radius_m, todo)
                self.exact[c.id][todo] = True

    def split_chain(self, i: int) -> tuple[int, int]:
        """(upstream, downstream) firms around one shown site."""
        r = next(c.radius_m for c in self.criteria if c.id == "chain")
        return tuple(int(self._exact(k, r, np.array([i]))[0]) for k in ("upstream", "downstream"))


class _Neighbours:
    """The firm counters of one set of industries (k-d trees and summed-area grids) and, per counter and
    radius, every count and bound already made, by site row of one copy of the facts: a search for the
    same industry and radius measures only the sites no earlier search measured. Exact either way: a
    count depends on the site's measuring point and on the firms, and the counters are those of the
    enterprises' current positions and industries (see ``_Counters``)."""

    def __init__(self, counters: dict[str, FirmCounter], facts: "site_facts.SiteFacts"):
        self.counters, self.facts = counters, facts
        self._counts: dict[tuple, np.ndarray] = {}
        self._bounds: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def carry(self, older: "_Neighbours", prev_rows: np.ndarray) -> None:
        """Keep what ``older`` measured for the sites whose measuring point is unchanged (``prev_rows``: each
        row's row in older's facts, -1 for a site added or moved since); those are measured anew."""
        kept = prev_rows >= 0
        fresh = np.flatnonzero(~kept)
        # sites only edited: the same rows, so copies with the moved rows reset (no gather of every row)
        same_rows = len(prev_rows) == older.facts.n and bool((prev_rows[kept] == np.flatnonzero(kept)).all())

        def carried(old: np.ndarray, fill) -> np.ndarray:
            if same_rows:
                new = old.copy()
            else:
                new = np.empty(self.facts.n)
                new[kept] = old[prev_rows[kept]]
            new[fresh] = fill
            return new

        with older._lock:
            counts, bounds = dict(older._counts), dict(older._bounds)
        for key, old in counts.items():
            self._counts[key] = carried(old, np.nan)
        for (counter, radius), (lo, hi) in bounds.items():
            new_lo, new_hi = self.counters[counter].bounds(self.facts.xy[fresh], radius)
            self._bounds[(counter, radius)] = (carried(lo, new_lo), carried(hi, new_hi))

    def exact(self, counter: str, radius: float, rows: np.ndarray) -> np.ndarray:
        with self._lock:
            known = self._counts.get((counter, radius))
            if known is None:
                known = self._counts[(counter, radius)] = np.full(self.facts.n, np.nan)
            out = known[rows]
        todo = np.isnan(out)
        if todo.any():
            fresh = self.counters[counter].exact(self.facts.xy[rows[todo]], radius)
            out[todo] = fresh
            with self._lock:
                known[rows[todo]] = fresh
        return out

    def bounds(self, counter: str, radius: float, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            held = self._bounds.get((counter, radius))
        if held is None:  # for every site at once: a few milliseconds, then a look-up
            held = self.counters[counter].bounds(self.facts.xy, radius)
            with self._lock:
                self._bounds[(counter, radius)] = held
        return held[0][rows], held[1][rows]


class _Counters:
    """The firm counters of one set of industries as of one stamp of the enterprises' positions and plan
    industries, and the per-site store of the newest copy of the site facts searched with them. After a
    write to the sites the next copy's store starts from the previous one's (``_Neighbours.carry``), so a
    one-site edit costs that site's counts, not every candidate's; after enterprises moved, ``moved``
    makes the next counters from these points and the logged changes, and adjusts the counts held."""

    def __init__(self, sets: tuple, kinds: np.ndarray, pts: np.ndarray, stamp: tuple, database: int | None,
                 counters: dict[str, FirmCounter] | None = None):
        family, up_f, down_f = (set(s) for s in sets)
        self.sets, self.kinds, self.pts, self.stamp, self.database = sets, kinds, pts, stamp, database
        self.members = {"same_industry": family, "chain": up_f | down_f, "upstream": up_f, "downstream": down_f}
        self.counters = counters or {name: FirmCounter(self.points_of(name)) for name in self.members}
        self._latest: _Neighbours | None = None
        self._lock = threading.Lock()
        self.from_log = False  # made by ``moved`` (for tests and benchmarks)

    def points_of(self, counter: str, kinds=None, pts=None) -> np.ndarray:
        kinds, pts = (self.kinds, self.pts) if kinds is None else (kinds, pts)
        return pts[np.isin(kinds, list(self.members[counter]))] if len(kinds) else np.empty((0, 2))

    def moved(self, stamp: tuple, kinds: np.ndarray, pts: np.ndarray, deltas: np.ndarray) -> "_Counters | None":
        """The counters after the logged changes (``deltas`` -1: a point gone from there, +1: one added),
        with the newest store's exact counts adjusted by the sites within each radius of each changed
        point (the same comparison of the same coordinates as a count from scratch); None when a point
        said to be gone is not among these (then the caller reads every point)."""
        keep = np.ones(len(self.kinds), dtype=bool)
        gone = np.flatnonzero(deltas < 0)
        # Each point gone takes the first held point of its industry and coordinates not yet taken; the held
        # points are looked up by key, among those sharing an x with one gone (one pass, not one per point).
        slots: dict[tuple, list[int]] = {}
        for i in np.flatnonzero(np.isin(self.pts[:, 0], pts[gone, 0])).tolist():
            slots.setdefault((self.kinds[i], *self.pts[i].tolist()), []).append(i)
        for k in gone.tolist():
            at = slots.get((kinds[k], *pts[k].tolist()))
            if not at:
                return None
            keep[at.pop(0)] = False
        added = deltas > 0
        new_kinds, new_pts = np.concatenate([self.kinds[keep], kinds[added]]), np.concatenate([self.pts[keep], pts[added]])
        counters = {name: c.updated(self.points_of(name, new_kinds, new_pts), self.points_of(name, kinds[~added], pts[~added]),
                                    self.points_of(name, kinds[added], pts[added]))
                    for name, c in self.counters.items()}
        out = _Counters(self.sets, new_kinds, new_pts, stamp, self.database, counters)
        out.from_log = True
        with self._lock:
            held = self._latest
        if held is None:
            return out
        store = out._latest = _Neighbours(out.counters, held.facts)
        with held._lock:
            counts = {key: arr.copy() for key, arr in held._counts.items()}
            bounds = dict(held._bounds)
        sites = SitePoints(held.facts.xy)
        for (counter, radius), arr in counts.items():
            mine = np.isin(kinds, list(self.members[counter]))
            sites.add_counts(arr, pts[mine], deltas[mine], radius)  # NaN (not yet measured) stays NaN
            store._counts[(counter, radius)] = arr
        for (counter, radius), (lo, hi) in bounds.items():
            new = out.counters[counter]
            if not new.grid_carried:
                continue  # the grid was made anew (its extent changed): bounds of every site on first use
            # a site's bounds sum the grid cells within about radius + a cell of it: elsewhere unchanged
            rows = sites.near(pts[np.isin(kinds, list(self.members[counter]))], radius + 2 * new.cell)
            lo, hi = lo.copy(), hi.copy()
            lo[rows], hi[rows] = new.bounds(held.facts.xy[rows], radius)
            store._bounds[(counter, radius)] = (lo, hi)
        return out

    def store_for(self, facts: "site_facts.SiteFacts") -> _Neighbours:
        with self._lock:
            held = self._latest
            if held is not None and held.facts is facts:
                return held
            store = _Neighbours(self.counters, facts)
            if held is not None and facts.prev_rows is not None and facts.prev_stamp == held.facts.stamp:
                store.carry(held, facts.prev_rows)
            self._latest = store  # a search still running on the older copy keeps its own store
            return store


# Keyed on the database, the stamp of the enterprises' positions and plan industries, and the industries
# counted; a new stamp is a new key and the old entries age out. _LATEST_COUNTERS: per database and
# industries, the newest counters made, which the next ones start from when the enterprises' change log
# holds every version since.
_NEIGHBOURS = LruCache(max_entries=16)
_LATEST_COUNTERS: dict[tuple, "_Counters"] = {}
MOVED_LIMIT = 5_000  # more changed points than this and the counters are built from every point again


def _neighbours(conn, facts, family, up_f: set, down_f: set) -> _Neighbours:
    where = conn.engine.url.render_as_string(hide_password=True)
    sets = (tuple(sorted(family)), tuple(sorted(up_f)), tuple(sorted(down_f)))
    held = _NEIGHBOURS.get((where, q.points_stamp(conn), sets))
    if held is not None:
        return held.store_for(facts)
    industries = sorted(set(family) | up_f | down_f)
    built = None
    prev = _LATEST_COUNTERS.get((where, sets))
    if prev is not None and prev.stamp[1] is not None and prev.database == q.database_identity(conn):
        changes = q.enterprise_point_changes(conn, prev.stamp[0], industries, MOVED_LIMIT)
        if changes is not None:
            built = prev if changes[0] == prev.stamp else prev.moved(*changes)
    if built is None:
        stamp, kinds, pts = q.enterprise_points(conn, industries)
        built = _Counters(sets, kinds, pts, stamp, q.database_identity(conn))
    _NEIGHBOURS.put((where, built.stamp, sets), built)
    _LATEST_COUNTERS.pop((where, sets), None)
    _LATEST_COUNTERS[(where, sets)] = built  # newest last; the oldest go beyond 16
    while len(_LATEST_COUNTERS) > 16:
        _LATEST_COUNTERS.pop(next(iter(_LATEST_COUNTERS)))
    return (_NEIGHBOURS.get((where, built.stamp, sets)) or built).store_for(facts)


def clear_caches() -> None:
    """Forget this process's site facts and neighbour stores (benchmarks of a first search use it)."""
    site_facts.clear_cache()
    _NEIGHBOURS.clear()
    _LATEST_COUNTERS.clear()


def _spread_sample(ids, size: int) -> np.ndarray:
    """Up to ``size`` candidate rows spread evenly over the candidates in id order (reproducible)."""
    n = len(ids)
    by_id = np.arange(n) if ids_ascending(ids) else np.argsort(np.asarray(ids).astype(str), kind="stable")
    if n <= size:
        return by_id
    return by_id[np.linspace(0, n - 1, size).round().astype(int)]


def _deciding(scores, counts: "NeighbourCounts | None", raw, cand, criteria) -> dict:
    """Which criteria decide the top 5, over every candidate whose scores are exact."""
    n = len(cand["id"])
    labels = [CRITERIA_INFO[c.id][0] for c in scores.criteria]
    basis = f"all {n} candidates"
    if counts is not None and counts.criteria:
        if n <= DECIDE_EXACT_LIMIT:
            counts.count(np.arange(n), everything=True)
            scores = score_sites(raw, cand["kind"], cand["id"], criteria)
        else:
            known = np.logical_and.reduce([counts.exact[c.id] | counts.settled[c.id] for c in counts.criteria])
            order = scores.order[known[scores.order]].astype(np.int64)
            rows = np.flatnonzero(known)
            local = np.searchsorted(rows, order)
            out = deciding_criteria(scores.score[rows], scores.weights, local, labels, TOP_N, SEPARATION_TOP)
            out["basis"] = f"the {len(rows)} of {n} candidates whose neighbour counts were computed exactly"
            return out
    out = deciding_criteria(scores.score, scores.weights, scores.order, labels, TOP_N, SEPARATION_TOP)
    out["basis"] = basis
    return out


def _fit_zones(industry: str | None, zones: dict) -> tuple[list[str], list[str]]:
    """Zones whose targets fit the industry fully (level 1) and those that fit only in part (0.5)."""
    if industry is None:
        return [], []
    parent = PLAN_INDUSTRY_BY_ID[industry].parent
    related = {p for p, v in PLAN_INDUSTRY_BY_ID.items() if p != industry and (
        v.parent == industry or (parent is not None and v.parent == parent))}
    levels = {z: zone_fit_level(industry, parent, related, zones[z]["targets"]) for z in zones}
    return [z for z, lv in levels.items() if lv == 1.0], [z for z, lv in levels.items() if lv == 0.5]


def _best_zone(site_zones: list[str], full: list[str], half: list[str]) -> str | None:
    """The containing zone that gives a site its zone fit (in the layout's zone order)."""
    return next((z for z in site_zones if z in full), None) or next((z for z in site_zones if z in half), None)


COSTLY = ("same_industry", "chain")  # neighbour counts: computed only where they can change the answer


def _refine(counts: NeighbourCounts, raw: dict, cand: dict, criteria, limit: int) -> None:
    """Count neighbours exactly for the sites that can still reach the shown list or the stability
    report; ``raw`` shares its count arrays with ``counts``, so it sees them filled in."""
    open_counts = {c.id: np.full(len(cand["id"]), np.nan) for c in counts.criteria}
    base = score_sites({**raw, **open_counts}, cand["kind"], cand["id"], criteria, rank=False).total

    def exact_total(rows):
        counts.count(rows)
        sub = {k: v[rows] for k, v in raw.items()}
        return score_sites(sub, cand["kind"][rows], cand["id"][rows], criteria, rank=False).total

    refine_top(base + counts.lower_points, base + counts.upper_points, exact_total, max(limit, 1), TOP_N,
               overtake_floor)


def run_search(engine: Engine, body: SearchIn, primary: Engine | None = None) -> dict:
    """Run a search on `engine`; when that is a read replica (`primary` given and different), the sites'
    layout-derived columns must be current there, else the search runs on the primary, which refreshes them."""
    started = time.perf_counter()
    if primary is not None and engine is not primary:
        with engine.connect() as conn:
            if q.derived_stale(conn):
                engine = primary
    with engine.begin() as conn:
        refreshed = q.refresh_derived(conn)
        zones = q.zone_table(conn)
        criteria, industry = check_search(body, set(zones))
        profile = _profile(body, industry)
        window = profile.pop("_window") if profile else None
        steps = site_facts.constraint_steps(body, window, industry)
        fit_full, fit_half = _fit_zones(industry, zones)
        facts = site_facts.load(conn)
        total, remaining, cand = site_facts.funnel_and_candidates(conn, facts, steps, fit_full, fit_half)
        funnel = [{"constraint": s.id, "label": s.label, "remaining": n} for s, n in zip(steps, remaining)]
        emptied = _emptied_by(total, steps, remaining)
        n = len(cand["id"])
        raw = {"station": cand["station_m"], "highway": cand["highway_m"], "price": cand["price"]}
        counts: NeighbourCounts | None = None
        if industry:
            raw["zone_fit"] = cand["zone_fit"]
            counts = NeighbourCounts(conn, industry, cand, criteria, facts)
            criteria = counts.calibrated(criteria)
            raw.update(counts.values)
            if counts.criteria:
                _refine(counts, raw, cand, criteria, body.limit)
        scores = score_sites(raw, cand["kind"], cand["id"], criteria)
        top = scores.order[:body.limit]
        if counts is not None and counts.criteria:  # show true counts, not bounds, for the listed sites
            counts.count(top, everything=True)
            scores = score_sites(raw, cand["kind"], cand["id"], criteria)
        details = q.site_details(conn, [str(cand["id"][i]) for i in top])
    results = []
    for rank0, i in enumerate(top):
        site = details[str(cand["id"][i])]
        above = top[rank0 - 1] if rank0 else None
        fit_zone = _best_zone(site["zones"], fit_full, fit_half)
        results.append(_result(rank0 + 1, i, site, scores, steps, body, profile, counts, fit_zone, zones,
                               above, str(cand["id"][above]) if above is not None else None))
    stability = (top_stability(scores.score, scores.weights, scores.order, cand["id"], top_n=TOP_N)
                 if body.sensitivity and n else None)
    if stability is not None:
        stability["deciding"] = _deciding(scores, counts, raw, cand, criteria)
    shown = top[:SEPARATION_TOP]
    criteria_out = []
    for j, c in enumerate(criteria):
        d = c.as_dict()
        if counts is not None and c.id in counts.calibration:
            d["calibration"] = counts.calibration[c.id]
        d["separation"] = separation(scores.score[shown, j], CRITERIA_INFO[c.id][0])
        criteria_out.append(d)
    return {
        "total_sites": total, "funnel": funnel, "emptied_by": emptied, "count": n, "returned": len(results),
        "profile": profile, "criteria": criteria_out, "results": results,
        "sensitivity": stability, "refreshed_sites": refreshed,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _emptied_by(total: int, steps, remaining: list[int]) -> dict | None:
    if total == 0:
        return {"constraint": None, "label": "no sites", "message": "there are no sites in the database"}
    before = total
    for step, left in zip(steps, remaining):
        if left == 0:
            return {"constraint": step.id, "label": step.label,
                    "message": f"no site meets '{step.label}' ({before} site(s) met the constraints before it)"}
        before = left
    return None


def _met(step_id: str, site: dict, body: SearchIn, profile: dict | None) -> str:
    c = body.constraints
    if step_id == "kinds":
        return f"kind {SITE_KINDS[site['kind']][0]}"
    if step_id == "availability":
        return f"availability {AVAILABILITY[site['availability']][0]}"
    if step_id in ("land_uses", "industry_land_use"):
        return f"land use {site['land_use']} {LAND_USES.get(site['land_use'], ('',))[0]}"
    if step_id == "zones":
        return "in " + ", ".join(z for z in site["zones"] if z in c.zones)
    if step_id == "area":
        return f"area {site['area_mu']:.1f} 亩 ({site['area_m2']:.0f} m²)"
    if step_id == "profile_area":
        hi = profile["max_area_mu"]
        return (f"area {site['area_mu']:.1f} 亩 within the investor's {profile['min_area_mu'] or 0:.1f}–"
                + (f"{hi:.1f}" if hi is not None else "∞") + " 亩")
    if step_id == "max_station_m":
        return f"{site['station_m']:.0f} m to {site['station_name']} ≤ {c.max_station_m:g} m"
    if step_id == "max_highway_m":
        return f"{site['highway_m']:.0f} m to the highway ≤ {c.max_highway_m:g} m"
    if step_id == "max_corridor_m":
        return f"{site['corridor_m']:.0f} m to the corridor ≤ {c.max_corridor_m:g} m"
    return "outside the excluded areas"


def _note(cid: str, i: int, site: dict, counts: "NeighbourCounts | None", fit_zone, zones) -> str:
    if cid == "station":
        return f"{site['station_m']:.0f} m to {site['station_name']}" if site["station_m"] is not None else "no station"
    if cid == "highway":
        return f"{site['highway_m']:.0f} m" if site["highway_m"] is not None else "no highway"
    if cid in ("same_industry", "chain", "zone_fit") and counts is None:
        return "not measured: no investor industry"
    if cid == "same_industry":
        return f"{int(counts.values['same_industry'][i])} firms"
    if cid == "chain":
        up, down = counts.split_chain(i)
        return f"{up} upstream + {down} downstream firms"
    if cid == "zone_fit":
        z = fit_zone
        return f"{zones[z]['name_zh']} ({z}) targets it" if z else "no containing zone targets it"
    return f"{site['price']:g} {site['price_unit']}" if site["price"] is not None else "no price given"


def _result(rank, i, site, scores, steps, body, profile, counts, fit_zone, zones, above, above_id) -> dict:
    crit = []
    for j, c in enumerate(scores.criteria):
        raw = scores.raw[i, j]
        crit.append({"id": c.id, "label": CRITERIA_INFO[c.id][0], "raw": None if np.isnan(raw) else round(float(raw), 3),
                     "score": round(float(scores.score[i, j]), 4), "weight": c.weight,
                     "contribution": round(float(scores.contribution[i, j]), 3),
                     "note": _note(c.id, i, site, counts, fit_zone, zones)})
    why = explain_gap(scores, above, i, (f"#{rank - 1} {above_id}", f"#{rank} {site['id']}")) if above is not None else None
    return {
        "rank": rank, "id": site["id"], "name": site["name"], "kind": site["kind"], "land_use": site["land_use"],
        "availability": site["availability"], "area_m2": round(site["area_m2"], 1), "area_mu": round(site["area_mu"], 2),
        "far_max": site["far_max"], "price": site["price"], "price_unit": site["price_unit"], "zones": site["zones"],
        "station": site["station_name"], "station_m": _r(site["station_m"], 0), "highway_m": _r(site["highway_m"], 0),
        "corridor_m": _r(site["corridor_m"], 0), "synthetic": site["synthetic"], "address": site["address"],
        "score": round(float(scores.total[i]), 3), "criteria": crit,
        "constraints_met": [{"constraint": s.id, "label": s.label, "value": _met(s.id, site, body, profile)}
                            for s in steps],
        "why_below": why, "geometry": json.loads(site["geometry"]),
    }
