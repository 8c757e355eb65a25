"""The search's in-memory site facts and neighbour store against PostGIS: the constraint funnel equals the
same conditions written in SQL, a write to sites or to enterprises (even one that bypasses the importers)
reaches the very next search, and a search served from the stores equals a first search."""
import numpy as np
import pytest
from sqlalchemy import text

from app.sites.search import clear_caches
from tests.integration.sites.test_site_counts import demo  # noqa: F401  (sites and firms seeded for counting)

EXCLUDE = {"type": "Polygon", "coordinates": [[[121.0, 31.1], [121.2, 31.1], [121.2, 31.2], [121.0, 31.2], [121.0, 31.1]]]}
EXCLUDE_SQL = "ST_SetSRID(ST_GeomFromText('POLYGON((121.0 31.1, 121.2 31.1, 121.2 31.2, 121.0 31.2, 121.0 31.1))'), 4326)"
MU = 666.67

# (constraints, the same conditions in SQL, in order)
CASES = [
    ({"kinds": ["parcel"], "availability": ["available", "negotiating"], "land_uses": ["M1", "M2", "RD"],
      "area": {"min": 10, "max": 200, "unit": "mu"}, "max_station_m": 6000},
     ["kind = 'parcel'", "availability IN ('available', 'negotiating')", "land_use IN ('M1', 'M2', 'RD')",
      f"area_m2 >= {10 * MU!r} AND area_m2 <= {200 * MU!r}", "station_m <= 6000"]),
    ({"any_land_use": True, "zones": ["core", "cluster-green", "cluster-expo"], "max_highway_m": 4000,
      "max_corridor_m": 9000, "exclude": EXCLUDE},
     ["zones && ARRAY['core', 'cluster-green', 'cluster-expo']", "highway_m <= 4000", "corridor_m <= 9000",
      f"NOT ST_Intersects(geom, {EXCLUDE_SQL})"]),
    ({"kinds": ["building"], "any_land_use": True, "area": {"min": 2000, "unit": "m2"}},
     ["kind = 'building'", "area_m2 >= 2000"]),
    ({"availability": ["reserved"], "any_land_use": True, "max_station_m": 0.5},
     ["availability = 'reserved'", "station_m <= 0.5"]),
]


def _headers(client):
    token = client.post("/auth/token", data={"username": "count-staff", "password": "pw-for-count-staff-9"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _search(client, body):
    res = client.post("/sites/search", json=body, headers=_headers(client))
    assert res.status_code == 200, res.text
    out = res.json()
    out.pop("elapsed_ms")
    out.pop("refreshed_sites")
    return out


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_funnel_over_the_facts_equals_the_conditions_in_postgis(client, engine, demo, case):  # noqa: F811
    constraints, conditions = CASES[case]
    body = _search(client, {"constraints": constraints, "profile": {"industry": "newmat"}, "limit": 500,
                            "sensitivity": False})
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM sites")).scalar_one()
        left = [conn.execute(text("SELECT count(*) FROM sites WHERE " + " AND ".join(conditions[:k + 1]))).scalar_one()
                for k in range(len(conditions))]
        ids = set(conn.execute(text("SELECT id FROM sites WHERE " + " AND ".join(conditions))).scalars())
    assert body["total_sites"] == total == 300
    assert [f["remaining"] for f in body["funnel"]] == left
    assert body["count"] == len(ids) and {r["id"] for r in body["results"]} == ids
    assert 0 < left[0] and (case == 3 or left[-1] > 0)  # each case keeps some sites (the last: none may be so near)


def test_a_search_from_the_stores_equals_a_first_search(client, demo):  # noqa: F811
    bodies = [{"profile": {"industry": "newmat"}, "limit": 60},
              {"profile": {"industry": "newmat"}, "limit": 10, "criteria": [
                  {"id": "same_industry", "weight": 50, "radius_m": 1200}, {"id": "chain", "weight": 30, "radius_m": 2500},
                  {"id": "station", "weight": 20}]},
              {"profile": {"industry": "equip"}, "constraints": {"max_station_m": 5000}, "limit": 40}]
    clear_caches()
    first = [_search(client, b) for b in bodies]
    assert all(f["count"] > 40 for f in first)
    again = [_search(client, b) for b in reversed(bodies)][::-1]  # every count and bound now from the stores
    assert again == first
    clear_caches()
    assert [_search(client, b) for b in bodies] == first


def test_a_write_that_bypasses_the_importers_reaches_the_next_search(client, engine, demo):  # noqa: F811
    body = {"profile": {"industry": "newmat"}, "limit": 5, "sensitivity": False}
    top = _search(client, body)["results"][0]
    same = next(c for c in top["criteria"] if c["id"] == "same_industry")["raw"]
    with engine.begin() as conn:  # a peer firm right on the top site, and a new price, in plain SQL
        x, y = conn.execute(text("SELECT x, y FROM sites WHERE id = :i"), {"i": top["id"]}).one()
        lon, lat = conn.execute(text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), "
                                     "4549), 4326) AS p) t"), {"x": x, "y": y}).one()
        conn.execute(text("INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                          "VALUES ('TSTCNT999999999999', '写入测试企业', '3985', 'newmat', 'exact', 'wgs84', "
                          "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"), {"lon": lon, "lat": lat})
        conn.execute(text("UPDATE sites SET price = 77.5 WHERE id = :i"), {"i": top["id"]})
    after = next(r for r in _search(client, {**body, "limit": 500})["results"] if r["id"] == top["id"])
    assert after["price"] == 77.5 and next(c for c in after["criteria"] if c["id"] == "price")["raw"] == 77.5
    assert next(c for c in after["criteria"] if c["id"] == "same_industry")["raw"] == same + 1
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sites WHERE id = :i"), {"i": top["id"]})
    gone = _search(client, {**body, "limit": 500})
    assert gone["total_sites"] == 299 and top["id"] not in {r["id"] for r in gone["results"]}


def test_the_exact_counts_equal_brute_force_in_any_query_order():
    from gis.site_neighbours import FirmCounter

    rng = np.random.default_rng(9)
    firms = np.round(rng.uniform(0, 9000, (700, 2)))  # whole metres: many firms exactly on some circles
    sites = np.vstack([np.round(rng.uniform(0, 9000, (400, 2))), firms[:50] + [1500.0, 0.0]])
    d2 = ((sites[:, None, :] - firms[None, :, :]) ** 2).sum(axis=2)
    counter = FirmCounter(firms)
    for radius in (1500.0, 3000.0):
        truth = (d2 <= radius * radius).sum(axis=1)
        assert (counter.exact(sites, radius) == truth).all()
        perm = rng.permutation(len(sites))
        assert (counter.exact(sites[perm], radius) == truth[perm]).all()
