"""Drafts: make, list, see as a collection, edit without If-Match, compare."""
import json

from sqlalchemy import text


def _town(engine, code):
    with engine.connect() as conn:
        return json.loads(conn.execute(text("SELECT ST_AsGeoJSON(geom) FROM towns WHERE code = :c"), {"c": code}).scalar_one())


def test_smoke(client, engine, planner_auth):
    res = client.post("/drafts", json={"name": "smoke"}, headers=planner_auth)
    assert res.status_code == 201, res.text
    d = res.json()
    coll = d["collection"]
    res = client.get("/collections", headers=planner_auth)
    assert coll in [c["id"] for c in res.json()["collections"]], res.text
    res = client.get(f"/collections/{coll}/items", headers=planner_auth)
    assert res.status_code == 200, res.text
    assert res.json()["numberMatched"] > 5
    res = client.get("/collections/zones/items", params={"draft": d["id"]}, headers=planner_auth)
    assert res.status_code == 200, res.text
    feat = client.get(f"/collections/{coll}/items/cluster-logistics", headers=planner_auth).json()
    feat["geometry"] = _town(engine, "chonggu")
    res = client.put(f"/collections/{coll}/items/cluster-logistics", json=feat, headers=planner_auth)
    assert res.status_code == 200, res.text
    res = client.get(f"/drafts/{d['id']}/compare", headers=planner_auth)
    assert res.status_code == 200, res.text
    body = res.json()
    print(json.dumps(body["summary"]), [z["zone"] for z in body["zones"]], body["validation"][:2])
    res = client.options(f"/collections/{coll}/items", headers=planner_auth)
    print(res.status_code, res.headers.get("allow"))
    assert client.get(f"/collections/{coll}/items").status_code == 404
