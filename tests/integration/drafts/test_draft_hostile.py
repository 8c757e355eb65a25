"""Hostile input and other people: clear 4xx problems, nothing changes, drafts stay invisible."""
import json

import pytest
from sqlalchemy import text

from tests.integration.drafts.conftest import new_draft

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def draft(client, drafts_users):
    d = new_draft(client, drafts_users["draft-owner"], "敌意输入测试")
    yield d
    client.delete(f"/drafts/{d['id']}", headers=drafts_users["draft-owner"])


def _snapshot(engine, draft_id: int):
    with engine.connect() as conn:
        zones = conn.execute(text("SELECT id, version, md5(ST_AsBinary(geom)), name_en, rank, deleted FROM draft_zones "
                                  "WHERE draft_id = :d ORDER BY id"), {"d": draft_id}).all()
        log = conn.execute(text("SELECT count(*) FROM draft_changes WHERE draft_id = :d"), {"d": draft_id}).scalar_one()
        drafts = conn.execute(text("SELECT count(*) FROM drafts")).scalar_one()
        live = conn.execute(text("SELECT id, version FROM zones ORDER BY id")).all()
    return zones, log, drafts, live


@pytest.mark.parametrize("body, status", [
    ({"name": 5}, 400), ({"name": ""}, 400), ({"name": "  "}, 400), ({}, 400), ({"name": "x" * 201}, 400),
    ({"name": "a", "from": True}, 400), ({"name": "a", "from": "nope"}, 400), ({"name": "a", "from": [1]}, 400),
    ({"name": "a", "from": 999999}, 404), ({"name": "a", "owner": "someone"}, 400), ([1, 2], 400),
    ({"name": "a\u0000b"}, 400), ({"name": "a", "description": {"x": 1}}, 400),
])
def test_bad_draft_bodies_are_refused_and_create_nothing(client, engine, drafts_users, draft, body, status):
    before = _snapshot(engine, draft["id"])
    res = client.post("/drafts", content=json.dumps(body), headers={**drafts_users["draft-owner"],
                                                                     "Content-Type": "application/json"})
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith(PROBLEM)
    assert _snapshot(engine, draft["id"]) == before


@pytest.mark.parametrize("method, body, status", [
    ("put", {"type": "Feature", "properties": {"rank": "high"}}, 400),
    ("patch", {"properties": {"rank": "high"}}, 400),
    ("patch", {"properties": {"rank": True}}, 400),
    ("patch", {"properties": {"schematic": "yes"}}, 400),
    ("patch", {"properties": {"target_industries": "logistics"}}, 400),
    ("patch", {"properties": {"target_industries": ["no-such-industry"]}}, 400),
    ("patch", {"properties": {"colour": "red"}}, 400),
    ("patch", {"properties": {"name_zh": "a\u0000b"}}, 400),
    ("patch", {"properties": {"name_zh": ""}}, 400),
    ("patch", {"properties": "not an object"}, 400),
    ("patch", {"geometry": None}, 400),
    ("patch", {"geometry": {"type": "Point", "coordinates": [121.1, 31.1]}}, 400),
    ("patch", {"geometry": {"type": "Polygon", "coordinates": [[[121.1, 31.1], [121.2, 31.2], [121.2, 31.1],
                                                                 [121.1, 31.2], [121.1, 31.1]]]}}, 422),
    ("patch", {"geometry": {"type": "Polygon", "coordinates": "nonsense"}}, 400),
    ("patch", {"nonsense": 1}, 400),
    ("patch", [1], 400),
    ("put", {"type": "FeatureCollection", "features": []}, 400),
])
def test_bad_zone_edits_are_refused_and_change_nothing(client, engine, drafts_users, draft, method, body, status):
    before = _snapshot(engine, draft["id"])
    res = getattr(client, method)(f"/collections/{draft['collection']}/items/cluster-green", content=json.dumps(body),
                                  headers={**drafts_users["draft-owner"], "Content-Type": "application/json"})
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith(PROBLEM) and res.json()["detail"]
    assert _snapshot(engine, draft["id"]) == before


def test_bad_bodies_on_create_and_not_json(client, engine, drafts_users, draft):
    owner = drafts_users["draft-owner"]
    before = _snapshot(engine, draft["id"])
    url = f"/collections/{draft['collection']}/items"
    for body, status in ((b"{not json", 400), (b"", 400),
                         (json.dumps({"type": "Feature", "id": "Bad Id!", "geometry": None, "properties": {}}), 400),
                         (json.dumps({"type": "Feature", "id": "cluster-green", "properties": {"kind": "park"},
                                      "geometry": {"type": "Polygon", "coordinates": [[
                                          [121.1, 31.1], [121.11, 31.1], [121.11, 31.11], [121.1, 31.1]]]}}), 400),
                         (json.dumps({"type": "Feature", "properties": {"kind": "cluster", "name_zh": "甲",
                                                                         "name_en": "A"}}), 400)):
        res = client.post(url, content=body, headers={**owner, "Content-Type": "application/geo+json"})
        assert res.status_code == status, (body, res.text)
        assert res.headers["content-type"].startswith(PROBLEM)
    res = client.post(url, content=json.dumps({"type": "Feature", "properties": {}}),
                      headers={**owner, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/3857>"})
    assert res.status_code == 400 and "Content-Crs" in res.json()["detail"]
    for bad in ("/drafts/abc", "/drafts/-1", "/drafts/1e3", "/drafts/99999999999"):
        assert client.get(bad, headers=owner).status_code in (400, 404)
    assert client.get("/collections/zones/items", params={"draft": "abc"}, headers=owner).status_code == 400
    assert client.get("/collections/zones/items", params={"draft": "999999"}, headers=owner).status_code == 404
    assert client.get(f"/collections/{draft['collection']}/items",
                      params={"draft": str(draft["id"] + 1)}, headers=owner).status_code == 400
    assert client.get("/drafts", params={"status": "sideways"}, headers=owner).status_code == 400
    assert client.post(f"/drafts/{draft['id']}/publish", json={"keep": "yes"}, headers=owner).status_code == 400
    assert client.post(f"/drafts/{draft['id']}/rebase", json={"take_published": "core"}, headers=owner).status_code == 400
    assert _snapshot(engine, draft["id"]) == before


def test_someone_elses_draft_does_not_exist_for_them(client, engine, drafts_users, draft):
    stranger, investor = drafts_users["draft-stranger"], drafts_users["draft-investor"]
    coll, did = draft["collection"], draft["id"]
    before = _snapshot(engine, did)
    feature = {"type": "Feature", "properties": {"name_en": "taken over"}}
    for headers in (stranger, investor, {}):
        for method, url, kwargs in (
                ("get", f"/collections/{coll}", {}), ("get", f"/collections/{coll}/items", {}),
                ("get", f"/collections/{coll}/items/core", {}), ("get", f"/collections/{coll}/queryables", {}),
                ("get", f"/collections/{coll}/tiles/WebMercatorQuad/12/3428/1671", {}),
                ("get", f"/collections/{coll}/export", {"params": {"format": "geojson"}}),
                ("get", "/collections/zones/items", {"params": {"draft": did}}),
                ("get", "/collections/zones/items/core", {"params": {"draft": did}}),
                ("get", "/collections/zones/tiles/WebMercatorQuad/12/3428/1671", {"params": {"draft": did}}),
                ("options", f"/collections/{coll}/items", {}),
                ("patch", f"/collections/{coll}/items/core", {"json": feature}),
                ("put", f"/collections/{coll}/items/core", {"json": feature}),
                ("delete", f"/collections/{coll}/items/core", {}),
                ("post", f"/collections/{coll}/items", {"json": feature})):
            res = getattr(client, method)(url, headers=headers, **kwargs)
            assert res.status_code == 404, (headers, method, url, res.status_code, res.text)
        listed = [c["id"] for c in client.get("/collections", headers=headers).json()["collections"]]
        assert not any(c.startswith("zones.draft-") for c in listed)
    # The drafts API: another planner gets 404; the public 401; other roles 403.
    for method, path in (("get", f"/drafts/{did}"), ("get", f"/drafts/{did}/compare"), ("get", f"/drafts/{did}/changes"),
                         ("post", f"/drafts/{did}/publish"), ("post", f"/drafts/{did}/rebase"),
                         ("patch", f"/drafts/{did}"), ("delete", f"/drafts/{did}")):
        kwargs = {"json": {}} if method in ("post", "patch") else {}
        assert getattr(client, method)(path, headers=stranger, **kwargs).status_code == 404
        assert getattr(client, method)(path, **kwargs).status_code == 401
        assert getattr(client, method)(path, headers=investor, **kwargs).status_code == 403
    assert client.get("/drafts", headers=stranger).json()["drafts"] == [] or \
        did not in [d["id"] for d in client.get("/drafts", headers=stranger).json()["drafts"]]
    assert client.get(f"/drafts/{did}/compare", params={"against": did}, headers=stranger).status_code == 404
    assert _snapshot(engine, did) == before


def test_part4_discovery_and_a_discarded_draft(client, engine, drafts_users):
    owner = drafts_users["draft-owner"]
    d = new_draft(client, owner, "将被放弃")
    res = client.options(f"/collections/{d['collection']}/items", headers=owner)
    assert res.status_code == 204 and res.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    res = client.options(f"/collections/{d['collection']}/items/core", headers=owner)
    assert res.headers["Allow"] == "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 204
    assert client.get(f"/collections/{d['collection']}/items", headers=owner).status_code == 404
    res = client.patch(f"/collections/{d['collection']}/items/core", json={"properties": {"rank": 1}}, headers=owner)
    assert res.status_code == 404
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 409
    assert d["id"] in [x["id"] for x in client.get("/drafts", params={"status": "discarded"}, headers=owner).json()["drafts"]]


def test_content_crs_is_honoured_as_qgis_sends_it(client, engine, drafts_users):
    """QGIS names the CRS of a written geometry in Content-Crs; EPSG:4326 is latitude first."""
    from shapely.geometry import shape
    from shapely.ops import transform

    owner = drafts_users["draft-owner"]
    d = new_draft(client, owner, "坐标系")
    feature = client.get(f"/collections/{d['collection']}/items/cluster-green", headers=owner).json()
    lonlat = shape(feature["geometry"])
    latlon = transform(lambda x, y: (y, x), lonlat)
    res = client.patch(f"/collections/{d['collection']}/items/cluster-green",
                       json={"geometry": latlon.__geo_interface__},
                       headers={**owner, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4326>"})
    assert res.status_code == 200, res.text
    stored = shape(client.get(f"/collections/{d['collection']}/items/cluster-green", headers=owner).json()["geometry"])
    assert stored.symmetric_difference(lonlat).area < 1e-9
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 204


def _in_page(html: str, words: str) -> bool:
    """Words in a page as typed or as folium writes them into its scripts (JSON escapes)."""
    return words in html or json.dumps(words)[1:-1] in html


def test_map_and_export_show_a_draft_to_its_planners_only(client, engine, drafts_users):
    owner, stranger = drafts_users["draft-owner"], drafts_users["draft-stranger"]
    d = new_draft(client, owner, "地图上的方案")
    res = client.patch(f"/collections/{d['collection']}/items/cluster-green",
                       json={"properties": {"name_zh": "绿色制造组团（方案名）"}}, headers=owner)
    assert res.status_code == 200
    page = client.get("/map", params={"draft": d["id"]}, headers=owner)
    assert page.status_code == 200 and _in_page(page.text, "绿色制造组团（方案名）") and _in_page(page.text, "未发布")
    assert not _in_page(client.get("/map").text, "绿色制造组团（方案名）")
    assert client.get("/map", params={"draft": d["id"]}, headers=stranger).status_code == 404
    assert client.get("/map", params={"draft": d["id"]}).status_code == 404
    export = client.get(f"/collections/{d['collection']}/export", params={"format": "geojson"}, headers=owner)
    assert export.status_code == 200
    names = {f["id"]: f["properties"]["name_zh"] for f in export.json()["features"]}
    assert names["cluster-green"] == "绿色制造组团（方案名）"
    same = client.get("/collections/zones/export", params={"format": "geojson", "draft": d["id"]}, headers=owner)
    assert {f["id"]: f["properties"]["name_zh"] for f in same.json()["features"]} == names
    assert client.get("/collections/zones/export", params={"format": "geojson", "draft": d["id"]},
                      headers=stranger).status_code == 404
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 204


def test_compare_as_a_printable_page_and_a_workbook(client, engine, drafts_users, tmp_path):
    import io

    from openpyxl import load_workbook

    from tests.integration.drafts.conftest import town_geojson

    owner = drafts_users["draft-owner"]
    d = new_draft(client, owner, "打印对比")
    res = client.patch(f"/collections/{d['collection']}/items/cluster-logistics",
                       json={"geometry": town_geojson(engine, "chonggu")}, headers=owner)
    assert res.status_code == 200
    data = client.get(f"/drafts/{d['id']}/compare", headers=owner).json()
    page = client.get(f"/drafts/{d['id']}/compare", params={"f": "html"}, headers=owner)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "智慧物流组团" in page.text and "<svg" in page.text and "北京时间" in page.text
    assert f"{data['summary']['enterprises_moving']}</b>" in page.text
    (tmp_path / "compare.html").write_text(page.text)
    res = client.get(f"/drafts/{d['id']}/compare", params={"f": "xlsx"}, headers=owner)
    assert res.status_code == 200 and "attachment" in res.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(res.content))
    assert wb.sheetnames == ["概要 summary", "分区 zones", "企业 enterprises", "重叠 overlaps", "校验 validation"]
    zones = list(wb["分区 zones"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in zones] == [z["zone"] for z in data["zones"]]
    assert zones[0][6] == data["zones"][0]["area"]["lost_km2"]
    firms = list(wb["企业 enterprises"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in firms) == sorted(e["uscc"] for e in data["enterprises"])
    assert all(isinstance(r[0], str) for r in firms)
    assert client.get(f"/drafts/{d['id']}/compare", params={"f": "pdf"}, headers=owner).status_code == 400
    assert client.get(f"/drafts/{d['id']}/compare", params={"f": "html"}).status_code == 401
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 204


def test_if_match_is_optional_on_drafts_but_a_stale_one_is_refused(client, engine, drafts_users):
    owner = drafts_users["draft-owner"]
    d = new_draft(client, owner, "可选 If-Match")
    url = f"/collections/{d['collection']}/items/core"
    tag = client.get(url, headers=owner).headers["etag"]
    assert tag == f'"draft-{d["id"]}-core-v1"'
    assert client.patch(url, json={"properties": {"rank": 11}}, headers={**owner, "If-Match": tag}).status_code == 200
    stale = client.patch(url, json={"properties": {"rank": 12}}, headers={**owner, "If-Match": tag})
    assert stale.status_code == 412 and stale.json()["etag"] == f'"draft-{d["id"]}-core-v2"'
    assert client.delete(url, headers={**owner, "If-Match": tag}).status_code == 412
    assert client.get(url, headers=owner).json()["properties"]["rank"] == 11
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 204
