"""The search's neighbour counts and ranking against PostGIS's own answer, on seeded demo data."""
import numpy as np
import pytest
from sqlalchemy import text

from app.core.users import add_user
from app.sites.importer import load_demo_sites
from plan.land_use import MANUFACTURING, allowed_land_uses

INDUSTRIES = ["newmat", "ic", "equip", "aviation", "nev", "newenergy", "eco", "biomed"]


@pytest.fixture(scope="module")
def demo(engine):
    rng = np.random.default_rng(42)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites"))
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'TSTCNT%'"))
        # firms clustered around the new town and spread over the district
        lon = np.concatenate([rng.normal(121.12, 0.03, 300), rng.uniform(120.9, 121.3, 300)])
        lat = np.concatenate([rng.normal(31.16, 0.02, 300), rng.uniform(31.0, 31.25, 300)])
        for n in range(600):
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                "VALUES (:u, :n, '3985', :i, 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                {"u": f"TSTCNT{n:012d}", "n": f"计数测试企业{n}", "i": INDUSTRIES[n % len(INDUSTRIES)],
                 "x": float(lon[n]), "y": float(lat[n])})
    load_demo_sites(engine, count=300, seed=11)
    add_user(engine, "count-staff", "investment", "pw-for-count-staff-9")
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE 'TSTCNT%'"))
        conn.execute(text("DELETE FROM sites WHERE synthetic"))


def test_counts_and_ranking_match_postgis(client, engine, demo):
    token = client.post("/auth/token", data={"username": "count-staff", "password": "pw-for-count-staff-9"}).json()
    body = {"profile": {"industry": "newmat"}, "limit": 40,
            "criteria": [{"id": "same_industry", "weight": 40, "radius_m": 1500,
                          "transform": {"type": "linear", "best": 12, "worst": 0}},
                         {"id": "chain", "weight": 40, "radius_m": 2500,
                          "transform": {"type": "ideal", "ideal": 25, "tolerance": 25}},
                         {"id": "station", "weight": 20}]}
    res = client.post("/sites/search", json=body, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert res.status_code == 200, res.text
    results = res.json()["results"]
    # newmat's chain: upstream eco; downstream ic, equip, aviation, nev, newenergy, biomed
    chain = ["eco", "ic", "equip", "aviation", "nev", "newenergy", "biomed"]
    with engine.connect() as conn:
        truth = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(text("""
            SELECT s.id,
              (SELECT count(*) FROM enterprises e WHERE e.plan_industry = 'newmat'
                 AND ST_DWithin(ST_Transform(e.geom, 4549), ST_SetSRID(ST_MakePoint(s.x, s.y), 4549), 1500)),
              (SELECT count(*) FROM enterprises e WHERE e.plan_industry = ANY(:chain)
                 AND ST_DWithin(ST_Transform(e.geom, 4549), ST_SetSRID(ST_MakePoint(s.x, s.y), 4549), 2500)),
              s.station_m
            FROM sites s WHERE s.land_use = ANY(:uses)"""),  # the default: land newmat may build on
            {"chain": chain, "uses": list(allowed_land_uses("newmat"))}).all()}
    assert any(v[0] > 0 for v in truth.values()) and any(v[1] > 0 for v in truth.values())

    def expected(same, ch, station):
        return (40 * min(same / 12, 1) + 40 * max(0, 1 - abs(ch - 25) / 25)
                + 20 * min(1, max(0, (5000 - station) / 4500)))

    ranked = sorted(truth, key=lambda sid: (-round(expected(*truth[sid]), 9), sid))
    assert [r["id"] for r in results] == ranked[:40]
    for r in results:
        by = {c["id"]: c["raw"] for c in r["criteria"]}
        assert (by["same_industry"], by["chain"]) == truth[r["id"]][:2]
        assert r["score"] == pytest.approx(expected(*truth[r["id"]]), abs=1e-3)


def _search(client, token, body):
    res = client.post("/sites/search", json=body, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert res.status_code == 200, res.text
    return res.json()


def test_land_use_follows_the_investor(client, engine, demo):
    """Default top 20 of every plan manufacturing industry holds only land it may build on; logistics gets
    warehousing; the funnel states the rule with its count; any_land_use lifts it on purpose."""
    token = client.post("/auth/token", data={"username": "count-staff", "password": "pw-for-count-staff-9"}).json()
    with engine.connect() as conn:
        by_use = dict(conn.execute(text("SELECT land_use, count(*) FROM sites GROUP BY land_use")).all())
    assert by_use.get("W", 0) > 0 and by_use.get("B", 0) > 0  # the demo has land the rule must keep out
    for industry in sorted(MANUFACTURING):
        allowed = set(allowed_land_uses(industry))
        out = _search(client, token, {"profile": {"industry": industry}, "limit": 20, "sensitivity": False})
        uses = [r["land_use"] for r in out["results"]]
        assert len(uses) == 20 and set(uses) <= allowed, (industry, uses)
        step = next(f for f in out["funnel"] if f["constraint"] == "industry_land_use")
        assert step["remaining"] == sum(by_use.get(u, 0) for u in allowed)
        assert "W" not in allowed
    logistics = _search(client, token, {"profile": {"industry": "logistics"}, "limit": 20, "sensitivity": False})
    assert logistics["results"] and {r["land_use"] for r in logistics["results"]} == {"W"}
    lifted = _search(client, token, {"profile": {"industry": "newmat"}, "constraints": {"any_land_use": True},
                                     "limit": 20, "sensitivity": False})
    assert "industry_land_use" not in [f["constraint"] for f in lifted["funnel"]]
    assert lifted["count"] == sum(by_use.values())
