"""Planners edit zone boundaries: roles, If-Match, validation, impact preview, history, rollback."""
import json
import threading

import pytest
from sqlalchemy import text

from app.core.users import add_user
from app.enterprises.assignment import assign_all

HUAXIN_FIRMS = [  # uscc, name, lon, lat: inside 华新镇, the town three clusters share
    ("E4HUAXIN0000000001", "华新物流编辑测试一", 121.212, 31.230),
    ("E4HUAXIN0000000002", "华新物流编辑测试二", 121.225, 31.240),
    ("E4HUAXIN0000000003", "华新物流编辑测试三", 121.205, 31.222),
]


@pytest.fixture(scope="module")
def tokens(client, engine):
    out = {}
    for name, role in (("plan-a", "planner"), ("plan-b", "planner"), ("invest-a", "investment"),
                       ("public-a", "public")):
        add_user(engine, name, role, "correct-horse-9")
        res = client.post("/auth/token", data={"username": name, "password": "correct-horse-9"})
        assert res.status_code == 200, res.text
        out[role if name != "plan-b" else "planner-b"] = {"Authorization": f"Bearer {res.json()['access_token']}"}
    return out


@pytest.fixture(scope="module")
def huaxin_firms(engine):
    with engine.begin() as conn:
        for uscc, name, lon, lat in HUAXIN_FIRMS:
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, precision, source_crs, geom) "
                "VALUES (:u, :n, '5429', 'logistics', 'exact', 'wgs84', ST_SetSRID(ST_MakePoint(:x, :y), 4326)) "
                "ON CONFLICT (uscc) DO NOTHING"), {"u": uscc, "n": name, "x": lon, "y": lat})
        assign_all(conn)
    return [f[0] for f in HUAXIN_FIRMS]


def _zone(client, zone_id, headers=None):
    res = client.get(f"/collections/zones/items/{zone_id}", headers=headers or {})
    assert res.status_code == 200
    return res.json(), res.headers["etag"]


def _state(engine, zone_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT version, md5(ST_AsBinary(geom)), name_en FROM zones WHERE id = :id"),
                            {"id": zone_id}).one()


def _zones_of(engine, uscc):
    with engine.connect() as conn:
        return conn.execute(text("SELECT zones, primary_zone, primary_reason FROM enterprises WHERE uscc = :u"),
                            {"u": uscc}).one()


def _chonggu_only(engine) -> dict:
    """cluster-logistics shrunk to 重固镇: the boundary moves off 华新镇."""
    with engine.connect() as conn:
        return json.loads(conn.execute(text("SELECT ST_AsGeoJSON(geom) FROM towns WHERE code = 'chonggu'")).scalar_one())


def test_get_zone_carries_a_strong_etag(client):
    feature, tag = _zone(client, "cluster-logistics")
    assert tag == f'"zone-cluster-logistics-v{feature["properties"]["version"]}"'


def test_edit_without_if_match_is_428_and_changes_nothing(client, engine, tokens):
    before = _state(engine, "cluster-green")
    feature, _ = _zone(client, "cluster-green")
    feature["comment"] = "try"
    res = client.put("/collections/zones/items/cluster-green", json=feature, headers=tokens["planner"])
    assert res.status_code == 428 and res.headers["content-type"].startswith("application/problem+json")
    assert _state(engine, "cluster-green") == before


@pytest.mark.parametrize("who, status", [(None, 401), ("public", 403), ("investment", 403)])
def test_only_planners_edit(client, engine, tokens, who, status):
    before = _state(engine, "cluster-green")
    feature, tag = _zone(client, "cluster-green")
    feature["comment"] = "not allowed"
    headers = {**(tokens[who] if who else {}), "If-Match": tag}
    res = client.put("/collections/zones/items/cluster-green", json=feature, headers=headers)
    assert res.status_code == status
    assert res.headers["content-type"].startswith("application/problem+json")
    assert _state(engine, "cluster-green") == before


def _bowtie_in(zone_feature):
    coords = zone_feature["geometry"]["coordinates"][0][0]
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    return {"type": "Polygon", "coordinates": [[[cx - .01, cy - .01], [cx + .01, cy + .01], [cx + .01, cy - .01],
                                                [cx - .01, cy + .01], [cx - .01, cy - .01]]]}


@pytest.mark.parametrize("case, status, fragment", [
    ("self-intersection", 422, "Self-intersection"),
    ("outside", 422, "lies outside the district"),
    ("empty", 400, "empty"),
    ("line", 400, "LineString"),
    ("no-comment", 400, "comment is required"),
    ("unknown-property", 400, "unknown zone properties"),
    ("too-small", 422, "minimum-area"),
])
def test_bad_edits_are_refused_with_a_problem_and_the_zone_is_unchanged(client, engine, tokens, case, status,
                                                                         fragment):
    before = _state(engine, "cluster-green")
    feature, tag = _zone(client, "cluster-green")
    feature["comment"] = "a bad edit"
    if case == "self-intersection":
        feature["geometry"] = _bowtie_in(feature)
    elif case == "outside":
        feature["geometry"] = {"type": "Polygon", "coordinates": [[[121.5, 31.5], [121.6, 31.5], [121.6, 31.6],
                                                                    [121.5, 31.6], [121.5, 31.5]]]}
    elif case == "empty":
        feature["geometry"] = {"type": "Polygon", "coordinates": []}
    elif case == "line":
        feature["geometry"] = {"type": "LineString", "coordinates": [[121.0, 31.0], [121.1, 31.1]]}
    elif case == "no-comment":
        feature.pop("comment")
    elif case == "unknown-property":
        feature["properties"]["colour"] = "red"
    elif case == "too-small":
        feature["geometry"] = {"type": "Polygon", "coordinates": [[[121.0, 31.05], [121.001, 31.05], [121.001, 31.051],
                                                                    [121.0, 31.051], [121.0, 31.05]]]}
    res = client.put("/collections/zones/items/cluster-green", json=feature, headers={**tokens["planner"], "If-Match": tag})
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert fragment in res.text
    assert _state(engine, "cluster-green") == before


def test_self_intersection_says_where(client, tokens):
    feature, tag = _zone(client, "cluster-green")
    feature["geometry"], feature["comment"] = _bowtie_in(feature), "bow tie"
    body = client.put("/collections/zones/items/cluster-green", json=feature,
                      headers={**tokens["planner"], "If-Match": tag}).json()
    violation = body["violations"][0]
    assert violation["rule"] == "valid-geometry"
    lon, lat = violation["where"]
    coords = feature["geometry"]["coordinates"][0]
    assert coords[0][0] < lon < coords[1][0] and coords[0][1] < lat < coords[1][1]


def test_huaxin_boundary_edit_previews_commits_shows_history_and_rolls_back_exactly(client, engine, tokens,
                                                                                    huaxin_firms):
    for uscc in huaxin_firms:
        assert "cluster-logistics" in _zones_of(engine, uscc)[0]
    before = _state(engine, "cluster-logistics")
    feature, tag = _zone(client, "cluster-logistics")
    feature["geometry"] = _chonggu_only(engine)
    feature["comment"] = "物流组团收缩到重固镇 (test)"
    headers = {**tokens["planner"], "If-Match": tag}

    preview = client.put("/collections/zones/items/cluster-logistics?dryRun=true", json=feature, headers=headers)
    assert preview.status_code == 200, preview.text
    impact = preview.json()
    assert impact["dryRun"] is True
    assert set(huaxin_firms) <= set(impact["enterprises"]["left"]["cluster-logistics"])
    assert impact["area"]["after_km2"] < impact["area"]["before_km2"]
    assert impact["area"]["lost_km2"] == pytest.approx(impact["area"]["before_km2"] - impact["area"]["after_km2"], abs=0.01)
    assert _state(engine, "cluster-logistics") == before          # the preview committed nothing
    assert "cluster-logistics" in _zones_of(engine, huaxin_firms[0])[0]

    done = client.put("/collections/zones/items/cluster-logistics", json=feature, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["enterprises"] == impact["enterprises"]      # the preview told the truth
    new_version = done.json()["version"]
    assert done.headers["etag"] == f'"zone-cluster-logistics-v{new_version}"'
    for uscc in huaxin_firms:
        zones, primary, reason = _zones_of(engine, uscc)
        assert "cluster-logistics" not in zones and primary != "cluster-logistics" and reason

    history = client.get("/collections/zones/items/cluster-logistics/versions", headers=tokens["planner"]).json()["versions"]
    last = history[-1]
    assert last["version"] == new_version and last["author"] == "plan-a" and last["comment"].startswith("物流组团")
    diff = client.get(f"/collections/zones/items/cluster-logistics/versions/{before[0]}/diff?to={new_version}").json()
    assert diff["area"]["lost_km2"] > 10 and diff["area"]["gained_km2"] < 0.01
    assert {e["uscc"] for e in diff["enterprises"]["left"]} >= set(huaxin_firms)
    old = client.get(f"/collections/zones/items/cluster-logistics/versions/{before[0]}").json()
    assert old["properties"]["version"] == before[0] and old["geometry"]["type"] == "MultiPolygon"

    rollback = client.post("/collections/zones/items/cluster-logistics/rollback",
                           json={"version": before[0], "comment": "undo the test"},
                           headers={**tokens["planner"], "If-Match": done.headers["etag"]})
    assert rollback.status_code == 200, rollback.text
    version, geom_md5, _ = _state(engine, "cluster-logistics")
    assert geom_md5 == before[1] and version == new_version + 1   # restored exactly, as a new version
    for uscc in huaxin_firms:
        assert "cluster-logistics" in _zones_of(engine, uscc)[0]
    assert client.get("/collections/zones/items/cluster-logistics/versions").json()["versions"][-1]["action"] == "rollback"


def test_two_planners_edit_the_same_zone_the_second_gets_412_and_nothing_is_lost(client, engine, tokens):
    feature, tag = _zone(client, "cluster-green")
    first = dict(feature, comment="planner A renames")
    first["properties"] = {**feature["properties"], "name_en": "Green cluster (A)"}
    second = dict(feature, comment="planner B renames")
    second["properties"] = {**feature["properties"], "name_en": "Green cluster (B)"}
    res_a = client.put("/collections/zones/items/cluster-green", json=first,
                       headers={**tokens["planner"], "If-Match": tag})
    res_b = client.put("/collections/zones/items/cluster-green", json=second,
                       headers={**tokens["planner-b"], "If-Match": tag})
    assert res_a.status_code == 200
    assert res_b.status_code == 412
    assert res_b.json()["current_version"] == res_a.json()["version"]
    assert _state(engine, "cluster-green")[2] == "Green cluster (A)"
    # B re-reads and re-applies: nothing was lost.
    feature_b, tag_b = _zone(client, "cluster-green")
    second["properties"] = {**feature_b["properties"], "name_en": "Green cluster"}
    assert client.put("/collections/zones/items/cluster-green", json=second,
                      headers={**tokens["planner-b"], "If-Match": tag_b}).status_code == 200


def test_concurrent_writes_with_the_same_etag_only_one_wins(client, engine, tokens):
    feature, tag = _zone(client, "cluster-software")
    results = []

    def put(name):
        body = dict(feature, comment=f"race {name}")
        body["properties"] = {**feature["properties"], "description": f"race {name}"}
        results.append(client.put("/collections/zones/items/cluster-software", json=body,
                                  headers={**tokens["planner"], "If-Match": tag}).status_code)
    threads = [threading.Thread(target=put, args=(n,)) for n in "ab"]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [200, 412]


def test_create_a_park_and_delete_it(client, engine, tokens):
    park = {"type": "Feature", "id": "park-test-new",
            "properties": {"kind": "park", "name_zh": "测试园区", "name_en": "Test park", "parent_zone": "cluster-green",
                           "target_industries": ["新材料"]},
            "geometry": {"type": "Polygon", "coordinates": [[[120.99, 31.03], [121.01, 31.03], [121.01, 31.045],
                                                              [120.99, 31.045], [120.99, 31.03]]]},
            "comment": "a new park"}
    res = client.post("/collections/zones/items", json=park, headers=tokens["planner"])
    assert res.status_code == 201, res.text
    assert res.headers["location"].endswith("/collections/zones/items/park-test-new")
    outside = dict(park, id="park-test-outside", comment="outside its parent")
    outside["properties"] = {**park["properties"], "parent_zone": "cluster-expo"}
    refused = client.post("/collections/zones/items", json=outside, headers=tokens["planner"])
    assert refused.status_code == 422 and "park-inside-parent" in refused.text
    _, tag = _zone(client, "park-test-new")
    assert client.delete("/collections/zones/items/park-test-new?comment=cleanup", headers=tokens["planner"]).status_code == 428
    gone = client.delete("/collections/zones/items/park-test-new?comment=cleanup",
                         headers={**tokens["planner"], "If-Match": tag})
    assert gone.status_code == 200
    assert client.get("/collections/zones/items/park-test-new").status_code == 404
    actions = [v["action"] for v in client.get("/collections/zones/items/park-test-new/versions").json()["versions"]]
    assert actions == ["create", "delete"]


def test_owslib_part4_update_needs_the_etag(live_server, engine, tokens):
    from owslib.ogcapi.features import Features

    feature = json.loads(__import__("urllib.request").request.urlopen(
        f"{live_server}/collections/zones/items/cluster-expo").read())
    with __import__("urllib.request").request.urlopen(f"{live_server}/collections/zones/items/cluster-expo") as r:
        tag = r.headers["ETag"]
    feature["properties"]["description"] = "含国家会展中心、西虹桥商务区。(OWSLib)"
    feature["comment"] = "edited through OWSLib"
    without = Features(live_server, headers=dict(tokens["planner"]))
    with pytest.raises(Exception):
        without.collection_item_update("zones", "cluster-expo", json.dumps(feature))
    assert _state(engine, "cluster-expo")[0] == int(tag.strip('"').rsplit("-v", 1)[1])
    with_tag = Features(live_server, headers={**tokens["planner"], "If-Match": tag})
    with_tag.collection_item_update("zones", "cluster-expo", json.dumps(feature))
    with engine.connect() as conn:
        desc = conn.execute(text("SELECT description FROM zones WHERE id = 'cluster-expo'")).scalar_one()
    assert desc.endswith("(OWSLib)")


def test_as_of_shows_zones_as_they_stood_before_an_edit(client, engine, tokens):
    from datetime import timezone

    feature, tag = _zone(client, "cluster-software")
    with engine.connect() as conn:
        moment = conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    stamp = moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    edited = dict(feature, comment="rename for asOf")
    edited["properties"] = {**feature["properties"], "name_en": "Software cluster (renamed)"}
    assert client.put("/collections/zones/items/cluster-software", json=edited,
                      headers={**tokens["planner"], "If-Match": tag}).status_code == 200
    now = client.get("/collections/zones/items/cluster-software").json()
    then = client.get(f"/collections/zones/items/cluster-software?asOf={stamp}").json()
    assert now["properties"]["name_en"] == "Software cluster (renamed)"
    assert then["properties"]["name_en"] == feature["properties"]["name_en"]
    assert then["properties"]["version"] == feature["properties"]["version"]
    listed = client.get(f"/collections/zones/items?asOf={stamp}&kind=cluster").json()["features"]
    assert {f["id"]: f["properties"]["name_en"] for f in listed}["cluster-software"] == feature["properties"]["name_en"]
    before_anything = client.get("/collections/zones/items?asOf=2000-01-01T00:00:00Z").json()
    assert before_anything["features"] == []
    page = client.get(f"/map?asOf={stamp}")
    assert page.status_code == 200 and feature["properties"]["name_en"] in page.text
    assert "Software cluster (renamed)" not in page.text
    assert client.get("/collections/zones/items?asOf=yesterday").status_code == 400
    assert client.get("/collections/towns/items?asOf=2026-01-01T00:00:00Z").status_code == 400


def test_putting_back_the_feature_as_read_keeps_every_attribute_and_the_geometry(client, engine, tokens):
    columns = "kind, name_zh, name_en, target_industries, target_phrases, member_towns, parent_zone, " \
              "schematic, description, rank, md5(ST_AsBinary(geom))"
    with engine.connect() as conn:
        before = conn.execute(text(f"SELECT {columns} FROM zones WHERE id = 'cluster-manufacturing'")).one()
    feature, tag = _zone(client, "cluster-manufacturing")
    feature["comment"] = "round trip"
    res = client.put("/collections/zones/items/cluster-manufacturing", json=feature,
                     headers={**tokens["planner"], "If-Match": tag})
    assert res.status_code == 200, res.text
    assert res.json()["enterprises"] == {"entered": {}, "left": {}, "primary_changed": []}
    with engine.connect() as conn:
        after = conn.execute(text(f"SELECT {columns} FROM zones WHERE id = 'cluster-manufacturing'")).one()
    assert after == before
