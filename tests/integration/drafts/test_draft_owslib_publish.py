"""Done when (issue 13): through OWSLib, with no If-Match and no comment, a draft's cluster boundary is
changed; the public still sees the published boundary in items and tiles; the compare lists the
enterprises that would move (checked against an independent PostGIS ST_Contains recomputation);
publishing commits it with a new version and the enterprises move."""
import json
import math
from datetime import datetime, timezone

import mapbox_vector_tile
import pytest
from shapely.geometry import Point, shape
from sqlalchemy import text

from app.enterprises.assignment import check_assignments
from tests.integration.drafts.conftest import CHONGGU, HUAXIN, new_draft, owslib_features, town_geojson, zone_state

ZONE = "cluster-logistics"  # 智慧物流组团: 华新镇 + 重固镇; the draft shrinks it to 重固镇


def _tile_pixel(lon: float, lat: float, z: int) -> tuple[tuple[int, int, int], Point]:
    """The WebMercatorQuad tile holding the point, and the point in its 4096-unit grid (y down)."""
    n = 2 ** z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    x, y = int(fx), int(fy)
    return (z, x, y), Point((fx - x) * 4096, (fy - y) * 4096)


def _zone_shape_in_tile(content: bytes, layer: str, zone_id: str):
    layers = mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})
    feats = [f for f in layers.get(layer, {}).get("features", []) if f["properties"].get("id") == zone_id]
    return shape(feats[0]["geometry"]).buffer(0) if feats else None


def _published_geometry(engine, zone_id: str):
    with engine.connect() as conn:
        return shape(json.loads(conn.execute(text("SELECT ST_AsGeoJSON(geom) FROM zones WHERE id = :z"),
                                             {"z": zone_id}).scalar_one()))


def _moves_by_postgis(engine, zone_id: str, new_geometry: dict) -> tuple[set, set]:
    """Independently of the service: who lies in the published zone and not in the new outline (left),
    and the other way round (entered), by PostGIS ST_Contains."""
    with engine.connect() as conn:
        row = conn.execute(text("""
            WITH old AS (SELECT geom FROM zones WHERE id = :z),
                 new AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326) AS geom)
            SELECT coalesce(array_agg(e.uscc) FILTER (WHERE ST_Contains(old.geom, e.geom)
                                                       AND NOT ST_Contains(new.geom, e.geom)), '{}'),
                   coalesce(array_agg(e.uscc) FILTER (WHERE ST_Contains(new.geom, e.geom)
                                                       AND NOT ST_Contains(old.geom, e.geom)), '{}')
            FROM enterprises e, old, new"""), {"z": zone_id, "g": json.dumps(new_geometry)}).one()
    return set(row[0]), set(row[1])


def test_owslib_edits_a_draft_the_public_sees_nothing_until_it_is_published(
        live_server, client, engine, drafts_users, draft_firms):
    owner = drafts_users["draft-owner"]
    published_before = zone_state(engine, ZONE)
    old_geometry = _published_geometry(engine, ZONE)
    new_geometry = town_geojson(engine, "chonggu")
    draft = new_draft(client, owner, "智慧物流组团收缩至重固镇")
    coll = draft["collection"]

    # OWSLib as plainly used: a bearer token, no If-Match, no comment.
    api = owslib_features(live_server + "/", owner)
    assert coll in [c["id"] for c in api.collections()["collections"]]
    feature = api.collection_item(coll, ZONE)
    assert feature["properties"]["draft_state"] == "unchanged"
    feature["geometry"] = new_geometry
    assert api.collection_item_update(coll, ZONE, json.dumps(feature)) is True
    edited = api.collection_item(coll, ZONE)
    assert edited["properties"]["draft_state"] == "changed"
    assert shape(edited["geometry"]).symmetric_difference(shape(new_geometry)).area < 1e-9

    # The published plan did not move: the live row, the public's item and the public's tile.
    assert zone_state(engine, ZONE) == published_before
    public_item = client.get(f"/collections/zones/items/{ZONE}").json()
    assert shape(public_item["geometry"]).symmetric_difference(old_geometry).area < 1e-9
    uscc, _, lon, lat, _ = HUAXIN[0]
    (z, x, y), pixel = _tile_pixel(lon, lat, 13)
    public_tile = client.get(f"/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert public_tile.status_code == 200
    assert _zone_shape_in_tile(public_tile.content, "zones", ZONE).contains(pixel)
    # The planner sees the draft's boundary in the draft's tiles (also as zones?draft=): 华新 is out.
    for url in (f"/collections/{coll}/tiles/WebMercatorQuad/{z}/{x}/{y}",
                f"/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}?draft={draft['id']}"):
        res = client.get(url, headers=owner)
        assert res.status_code == 200, res.text
        in_draft = _zone_shape_in_tile(res.content, coll, ZONE)
        assert in_draft is None or not in_draft.contains(pixel)
    assert client.get(f"/collections/{coll}/tiles/WebMercatorQuad/{z}/{x}/{y}").status_code == 404

    # The compare names the firms that would move, as PostGIS finds them on its own.
    expected_left, expected_entered = _moves_by_postgis(engine, ZONE, new_geometry)
    assert {f[0] for f in HUAXIN} <= expected_left and CHONGGU[0][0] not in expected_left
    res = client.get(f"/drafts/{draft['id']}/compare", headers=owner)
    assert res.status_code == 200, res.text
    cmp = res.json()
    assert cmp["summary"]["publishable"] is True and cmp["summary"]["zones_changed"] == 1
    zone = next(zc for zc in cmp["zones"] if zc["zone"] == ZONE)
    assert zone["change"] == "boundary"
    assert {e["uscc"] for e in zone["enterprises"]["left"]} == expected_left
    assert {e["uscc"] for e in zone["enterprises"]["entered"]} == expected_entered
    with engine.connect() as conn:
        lost_km2 = conn.execute(text(
            "SELECT ST_Area(ST_Transform(ST_Difference(geom, ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)), 4549)) / 1e6 "
            "FROM zones WHERE id = :z"), {"z": ZONE, "g": json.dumps(new_geometry)}).scalar_one()
    assert zone["area"]["lost_km2"] == pytest.approx(lost_km2, rel=1e-3)
    assert zone["area"]["lost_mu"] == pytest.approx(lost_km2 * 1e6 / 666.67, rel=1e-3)
    assert zone["lost"] is not None and zone["area"]["gained_km2"] == pytest.approx(0, abs=1e-3)
    assert zone["metrics"]["before"]["firms"] - zone["metrics"]["after"]["firms"] == \
        len(expected_left) - len(expected_entered)
    moving = {e["uscc"]: e for e in cmp["enterprises"]}
    for uscc, name, *_ in HUAXIN:
        assert moving[uscc]["name"] == name and ZONE in moving[uscc]["zones_before"]
        assert ZONE not in moving[uscc]["zones_after"]
    switched = [e for e in cmp["primary_changes"] if e["primary_before"] == ZONE]
    assert switched and all(e["primary_after"] != ZONE and e["reason_after"] for e in switched)
    assert all(v["valid"] for v in cmp["validation"]) and len(cmp["validation"]) >= 10
    published_at = datetime.now(timezone.utc)

    # Publishing commits it as a new version that names the draft, and the firms move at once.
    res = client.post(f"/drafts/{draft['id']}/publish", json={"comment": "华新镇移出智慧物流组团"}, headers=owner)
    assert res.status_code == 200, res.text
    after = zone_state(engine, ZONE)
    assert after.version == published_before.version + 1 and after.geom != published_before.geom
    history = client.get(f"/collections/zones/items/{ZONE}/versions", headers=owner).json()["versions"]
    assert history[-1]["version"] == after.version and f"draft {draft['id']}" in history[-1]["comment"]
    assert history[-1]["author"] == "draft-owner"
    with engine.connect() as conn:
        stored = {r.uscc: r for r in conn.execute(text(
            "SELECT uscc, zones, primary_zone FROM enterprises WHERE uscc = ANY(:u)"), {"u": list(moving)})}
        check = check_assignments(conn, only=list(moving) + [CHONGGU[0][0]])
        chonggu_zones = conn.execute(text("SELECT zones FROM enterprises WHERE uscc = :u"),
                                     {"u": CHONGGU[0][0]}).scalar_one()
    # What the compare said is what publishing stored, for every firm it listed.
    assert {u: (list(r.zones), r.primary_zone) for u, r in stored.items()} == \
        {u: (e["zones_after"], e["primary_after"]) for u, e in moving.items()}
    assert ZONE in chonggu_zones and check["mismatched"] == []
    public_item = client.get(f"/collections/zones/items/{ZONE}").json()
    assert shape(public_item["geometry"]).symmetric_difference(shape(new_geometry)).area < 1e-9
    public_tile = client.get(f"/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}")
    now_public = _zone_shape_in_tile(public_tile.content, "zones", ZONE)
    assert now_public is None or not now_public.contains(pixel)
    # asOf still reads the plan as it stood before the publish; the draft is now a record.
    old = client.get(f"/collections/zones/items/{ZONE}", params={"asOf": published_at.isoformat()}).json()
    assert shape(old["geometry"]).symmetric_difference(old_geometry).area < 1e-9
    assert client.get(f"/drafts/{draft['id']}", headers=owner).json()["status"] == "published"
    assert coll not in [c["id"] for c in client.get("/collections", headers=owner).json()["collections"]]

    # Put the published plan back for the other tests, with the live editor's rollback.
    tag = client.get(f"/collections/zones/items/{ZONE}").headers["etag"]
    res = client.post(f"/collections/zones/items/{ZONE}/rollback", json={"version": published_before.version,
                      "comment": "restore after the drafts test"}, headers={**owner, "If-Match": tag})
    assert res.status_code == 200, res.text
    assert zone_state(engine, ZONE).geom == published_before.geom


def test_owslib_creates_and_deletes_zones_in_a_draft(live_server, client, engine, drafts_users):
    owner = drafts_users["draft-owner"]
    draft = new_draft(client, owner, "新增园区")
    coll = draft["collection"]
    api = owslib_features(live_server + "/", owner)
    with engine.connect() as conn:
        park = json.loads(conn.execute(text(
            "SELECT ST_AsGeoJSON(ST_Intersection(ST_Buffer(ST_PointOnSurface(geom)::geography, 600)::geometry, geom)) "
            "FROM zones WHERE id = 'cluster-green'")).scalar_one())
    body = {"type": "Feature", "geometry": park,  # no id: QGIS and OWSLib send none
            "properties": {"kind": "park", "name_zh": "方案测试园区", "name_en": "Draft test park",
                           "parent_zone": "cluster-green", "target_industries": ["newmat"], "rank": 70}}
    assert api.collection_item_create(coll, body) is True
    location = api.response_headers["Location"]
    new_id = location.rsplit("/items/", 1)[1]
    assert location.startswith(live_server) and new_id.startswith("zone-")
    created = api.collection_item(coll, new_id)
    assert created["properties"]["draft_state"] == "created" and created["properties"]["parent_zone"] == "cluster-green"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM zones WHERE id = :z"), {"z": new_id}).scalar_one() == 0
    cmp = client.get(f"/drafts/{draft['id']}/compare", headers=owner).json()
    assert [z["change"] for z in cmp["zones"] if z["zone"] == new_id] == ["created"]
    assert api.collection_item_delete(coll, new_id) is True
    assert client.get(f"/collections/{coll}/items/{new_id}", headers=owner).status_code == 404
    # Deleting a published zone in the draft hides it there only.
    assert api.collection_item_delete(coll, "park-xicen") is True
    assert client.get(f"/collections/{coll}/items/park-xicen", headers=owner).status_code == 404
    assert client.get("/collections/zones/items/park-xicen").status_code == 200
    log = client.get(f"/drafts/{draft['id']}/changes", headers=owner).json()["changes"]
    assert [(c["action"], c["zone"]) for c in log] == [("create", None), ("create", new_id), ("delete", new_id),
                                                       ("delete", "park-xicen")]
    assert all(c["author"] == "draft-owner" for c in log)
    assert log[1]["detail"]["after"]["properties"]["name_zh"] == "方案测试园区"
    assert client.delete(f"/drafts/{draft['id']}", headers=owner).status_code == 204


def test_owslib_clients_made_here_leave_no_token_behind():
    import owslib.ogcapi

    assert "Authorization" not in owslib.ogcapi.REQUEST_HEADERS
