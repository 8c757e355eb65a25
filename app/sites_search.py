"""The site search: validate, apply the hard constraints in order, score, explain, test stability.

Wiring only: the scoring, explanation and sensitivity are in gis/site_scoring.py and
gis/site_sensitivity.py; the SQL in app/sites_query.py.
"""
from __future__ import annotations

import json
import time

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy.engine import Engine

from app import sites_query as q
from app.sites_spec import SearchIn, check_search
from gis.site_scoring import CRITERIA_INFO, explain_gap, profile_area_window, score_sites, zone_fit_level
from gis.site_sensitivity import top_stability
from layers.industries import PLAN_INDUSTRY_BY_ID
from layers.site_rules import AVAILABILITY, LAND_USES, SITE_KINDS, chain_of, industry_family, min_intensity


def _profile(body: SearchIn, industry: str | None) -> dict | None:
    p = body.profile
    if p.investment_wan is None and p.land_need_mu is None:
        return None
    if p.investment_wan is not None and industry is None:
        from app.problems import bad_request
        raise bad_request("profile.investment_wan needs profile.industry: the intensity rule depends on it")
    intensity = min_intensity(industry) if industry else None
    lo, hi, text = profile_area_window(p.investment_wan, p.land_need_mu, intensity or 1.0)
    return {"industry": industry, "investment_wan": p.investment_wan, "land_need_mu": p.land_need_mu,
            "min_intensity_wan_per_mu": intensity, "min_area_mu": _r(lo), "max_area_mu": _r(hi), "rule": text,
            "_window": (lo, hi)}  # full precision for the SQL bounds; removed before answering


def _r(v, nd=1):
    return None if v is None else round(float(v), nd)


def _counts(tree: cKDTree | None, xy: np.ndarray, radius: float) -> np.ndarray:
    if tree is None or len(xy) == 0:
        return np.zeros(len(xy))
    return np.asarray(tree.query_ball_point(xy, r=radius, return_length=True), dtype=float)


def _neighbour_counts(conn, industry: str, cand: dict, criteria) -> dict[str, np.ndarray]:
    """Same-industry, upstream and downstream firm counts around each candidate (EPSG:4549 metres)."""
    wanted = {c.id: c for c in criteria}
    family = industry_family(industry)
    up, down = chain_of(industry)
    up_f = {i for u in up for i in industry_family(u)} - set(family)
    down_f = {i for d in down for i in industry_family(d)} - set(family)
    kinds, pts = q.enterprise_points(conn, sorted(set(family) | up_f | down_f))
    xy = np.column_stack([cand["x"], cand["y"]]) if len(cand["id"]) else np.empty((0, 2))
    out = {}

    def tree_of(ids):
        mask = np.isin(kinds, list(ids)) if len(kinds) else np.array([], dtype=bool)
        return cKDTree(pts[mask]) if mask.any() else None

    if "same_industry" in wanted:
        out["same_industry"] = _counts(tree_of(family), xy, wanted["same_industry"].radius_m)
    if "chain" in wanted:
        r = wanted["chain"].radius_m
        out["upstream"] = _counts(tree_of(up_f), xy, r)
        out["downstream"] = _counts(tree_of(down_f), xy, r)
        out["chain"] = out["upstream"] + out["downstream"]
    return out


def _zone_fit(industry: str, zones_csv: np.ndarray, zones: dict) -> tuple[np.ndarray, list[str | None]]:
    parent = PLAN_INDUSTRY_BY_ID[industry].parent
    related = {p for p, v in PLAN_INDUSTRY_BY_ID.items() if p != industry and (
        v.parent == industry or (parent is not None and v.parent == parent))}
    cache: dict[str, tuple[float, str | None]] = {}
    levels, best_zone = np.zeros(len(zones_csv)), []
    for i, csv in enumerate(zones_csv):
        if csv not in cache:
            best = (0.0, None)
            for z in filter(None, csv.split(",")):
                level = zone_fit_level(industry, parent, related, zones.get(z, {}).get("targets", ()))
                if level > best[0]:
                    best = (level, z)
            cache[csv] = best
        levels[i], zone = cache[csv]
        best_zone.append(zone)
    return levels, best_zone


def run_search(engine: Engine, body: SearchIn) -> dict:
    started = time.perf_counter()
    with engine.begin() as conn:
        refreshed = q.refresh_derived(conn)
        zones = q.zone_table(conn)
        criteria, industry = check_search(body, set(zones))
        profile = _profile(body, industry)
        params: dict = {}
        window = profile.pop("_window") if profile else None
        steps = q.constraint_steps(body, window, params)
        total, remaining = q.funnel(conn, steps, params)
        funnel = [{"constraint": s.id, "label": s.label, "remaining": n} for s, n in zip(steps, remaining)]
        emptied = _emptied_by(total, steps, remaining)
        cand = ({c: np.array([]) for c in q.CANDIDATE_COLUMNS} if emptied
                else q.candidates(conn, steps, params))
        n = len(cand["id"])
        raw = {"station": cand["station_m"], "highway": cand["highway_m"], "price": cand["price"]}
        fit_zone: list[str | None] = [None] * n
        counts = {}
        if industry:
            counts = _neighbour_counts(conn, industry, cand, criteria)
            raw.update({k: v for k, v in counts.items() if k in ("same_industry", "chain")})
            raw["zone_fit"], fit_zone = _zone_fit(industry, cand["zones"], zones)
        scores = score_sites(raw, cand["kind"], cand["id"], criteria)
        top = scores.order[:body.limit]
        details = q.site_details(conn, [str(cand["id"][i]) for i in top])
    results = []
    for rank0, i in enumerate(top):
        site = details[str(cand["id"][i])]
        above = top[rank0 - 1] if rank0 else None
        results.append(_result(rank0 + 1, i, site, scores, steps, body, profile, counts, fit_zone, zones,
                               above, str(cand["id"][above]) if above is not None else None))
    stability = (top_stability(scores.score, scores.weights, scores.order, cand["id"])
                 if body.sensitivity and n else None)
    return {
        "total_sites": total, "funnel": funnel, "emptied_by": emptied, "count": n, "returned": len(results),
        "profile": profile, "criteria": [c.as_dict() for c in criteria], "results": results,
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
    if step_id == "land_uses":
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


def _note(cid: str, i: int, site: dict, counts: dict, fit_zone, zones) -> str:
    if cid == "station":
        return f"{site['station_m']:.0f} m to {site['station_name']}" if site["station_m"] is not None else "no station"
    if cid == "highway":
        return f"{site['highway_m']:.0f} m" if site["highway_m"] is not None else "no highway"
    if cid == "same_industry":
        return f"{int(counts['same_industry'][i])} firms"
    if cid == "chain":
        return f"{int(counts['upstream'][i])} upstream + {int(counts['downstream'][i])} downstream firms"
    if cid == "zone_fit":
        z = fit_zone[i]
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
