"""Criteria that separate: the peer (同行业) and chain (上下游) scales set from the candidates' counts (checked
against PostGIS ST_DWithin counts), saturation flagged, and which criteria decide the top 5 (checked by
re-ranking the returned scores without each criterion)."""
import numpy as np
import pytest
from sqlalchemy import text

from plan.land_use import allowed_land_uses
from tests.integration.sites.test_site_counts import demo  # noqa: F401  (sites and firms seeded for counting)

CHAIN = ["eco", "ic", "equip", "aviation", "nev", "newenergy", "biomed"]  # newmat's up- and downstream


def _headers(client):
    token = client.post("/auth/token", data={"username": "count-staff", "password": "pw-for-count-staff-9"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _truth(engine, same_r: float, chain_r: float) -> dict:
    with engine.connect() as conn:
        return {r[0]: (r[1], r[2]) for r in conn.execute(text("""
            SELECT s.id,
              (SELECT count(*) FROM enterprises e WHERE e.plan_industry = 'newmat'
                 AND ST_DWithin(ST_Transform(e.geom, 4549), ST_SetSRID(ST_MakePoint(s.x, s.y), 4549), :sr)),
              (SELECT count(*) FROM enterprises e WHERE e.plan_industry = ANY(:chain)
                 AND ST_DWithin(ST_Transform(e.geom, 4549), ST_SetSRID(ST_MakePoint(s.x, s.y), 4549), :cr))
            FROM sites s WHERE s.land_use = ANY(:uses)"""),
            {"chain": CHAIN, "uses": list(allowed_land_uses("newmat")), "sr": same_r, "cr": chain_r}).all()}


def test_default_peer_and_chain_scales_come_from_the_candidates(client, engine, demo):  # noqa: F811
    res = client.post("/sites/search", json={"profile": {"industry": "newmat"}, "limit": 500}, headers=_headers(client))
    assert res.status_code == 200, res.text
    body = res.json()
    truth = _truth(engine, 3000, 5000)
    assert body["count"] == len(truth) > 20
    crit = {c["id"]: c for c in body["criteria"]}
    for j, cid in enumerate(("same_industry", "chain")):
        c = crit[cid]
        counts = np.array([v[j] for v in truth.values()], dtype=float)
        lo, med, hi = (round(float(v), 1) for v in np.percentile(counts, [10, 50, 98]))
        cal = c["calibration"]
        assert c["scale"] == "data" and cal["sample"] == len(truth)
        assert (cal["p_low"], cal["median"], cal["p_high"]) == (lo, med, hi)
        assert c["transform"] == {"type": "linear", "best": hi, "worst": lo} and hi > lo
        assert "10th percentile" in cal["text"] and f"{c['radius_m']:g} m" in cal["text"]
        for r in body["results"]:  # each site's score on the data-set scale, from its PostGIS count
            got = next(x for x in r["criteria"] if x["id"] == cid)
            assert got["raw"] == truth[r["id"]][j]
            assert got["score"] == pytest.approx(min(1, max(0, (truth[r["id"]][j] - lo) / (hi - lo))), abs=1e-4)
        # on the data scale the criterion does not give (nearly) every top site full marks
        assert c["separation"]["saturated"] is False and c["separation"]["sites"] == 20


def test_a_saturated_criterion_is_flagged(client, engine, demo):  # noqa: F811
    truth = _truth(engine, 5000, 5000)
    at_least_one = sum(v[0] >= 1 for v in truth.values())
    body = client.post("/sites/search", headers=_headers(client), json={
        "profile": {"industry": "newmat"}, "limit": 20, "criteria": [
            {"id": "station", "weight": 50},
            {"id": "same_industry", "weight": 50, "radius_m": 5000, "transform": {"type": "linear", "best": 1, "worst": 0}}]}
    ).json()
    sep = next(c for c in body["criteria"] if c["id"] == "same_industry")["separation"]
    top_full = sum(next(x for x in r["criteria"] if x["id"] == "same_industry")["score"] >= 0.999 for r in body["results"])
    assert at_least_one > 0.8 * len(truth)  # the seeded firms make "one peer within 5 km" almost universal
    assert sep["full"] == top_full and (sep["saturated"] is True) == (top_full >= 16)
    assert top_full >= 16 and sep["text"].startswith(f"saturated: {top_full} of the top 20 get full marks")


def test_the_stability_report_names_the_criteria_that_decide_the_top_5(client, engine, demo):  # noqa: F811
    body = client.post("/sites/search", json={"profile": {"industry": "newmat"}, "limit": 500},
                       headers=_headers(client)).json()
    assert body["returned"] == body["count"]  # every candidate came back, so the test can re-rank them all
    deciding = body["sensitivity"]["deciding"]
    ids = [c["id"] for c in body["criteria"]]
    weights = np.array([c["weight"] for c in body["criteria"]], dtype=float)
    scores = np.array([[next(x for x in r["criteria"] if x["id"] == cid)["score"] for cid in ids]
                       for r in body["results"]])
    top5 = set(range(5))
    for row in deciding["criteria"]:
        j = row["criterion"]
        w = weights.copy()
        w[j] = 0
        total = scores @ (w / w.sum() * 100)
        order = np.lexsort((np.arange(len(total)), -np.round(total, 6)))  # ties by the baseline rank
        assert row["drop_out"] == len(top5 - set(order[:5].tolist())), ids[j]
        ahead = (scores[:5, j].mean() - scores[5:20, j].mean()) * weights[j]
        assert row["points_ahead"] == pytest.approx(ahead, abs=0.02)
        assert row["decides"] == (row["drop_out"] > 0 or row["points_ahead"] >= 1.0)
        assert row["label"] in deciding["text"]
    assert deciding["text"].startswith("the top 5 are decided by") and "all" in deciding["basis"]


def test_scale_from_data_only_for_the_neighbour_criteria(client, demo):  # noqa: F811
    res = client.post("/sites/search", headers=_headers(client), json={
        "profile": {"industry": "newmat"}, "criteria": [{"id": "station", "weight": 100, "scale": "data"}]})
    assert res.status_code == 400 and "same_industry and chain" in res.json()["detail"]
