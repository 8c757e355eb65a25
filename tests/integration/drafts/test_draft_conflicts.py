"""Done when (issue 13): a draft whose zone was changed in the published plan after the draft was made
refuses to publish and names that zone; rebase takes the published change; sharing; draft from a draft."""
from sqlalchemy import text

from tests.integration.drafts.conftest import new_draft, zone_state


def _live_patch(client, headers, zone_id: str, props: dict, comment: str):
    tag = client.get(f"/collections/zones/items/{zone_id}").headers["etag"]
    res = client.patch(f"/collections/zones/items/{zone_id}", json={"type": "Feature", "properties": props,
                       "comment": comment}, headers={**headers, "If-Match": tag})
    assert res.status_code == 200, res.text


def _restore(client, headers, zone_id: str, version: int) -> None:
    """Roll a published zone back (the live rollback) so the other tests find the layout as it was."""
    tag = client.get(f"/collections/zones/items/{zone_id}").headers["etag"]
    res = client.post(f"/collections/zones/items/{zone_id}/rollback", json={"version": version,
                      "comment": "restore after the drafts test"}, headers={**headers, "If-Match": tag})
    assert res.status_code == 200, res.text


def _draft_patch(client, headers, draft: dict, zone_id: str, props: dict):
    res = client.patch(f"/collections/{draft['collection']}/items/{zone_id}",
                       json={"properties": props}, headers={**headers, "Content-Type": "application/merge-patch+json"})
    assert res.status_code == 200, res.text
    return res


def test_publishing_a_draft_whose_zone_changed_in_the_published_plan_is_refused(client, engine, drafts_users):
    owner, colleague = drafts_users["draft-owner"], drafts_users["draft-colleague"]
    original = zone_state(engine, "cluster-expo").version
    draft = new_draft(client, owner, "会展组团改名")
    _draft_patch(client, owner, draft, "cluster-expo", {"name_en": "Expo cluster (draft)"})
    # Meanwhile a colleague edits the same zone live.
    _live_patch(client, colleague, "cluster-expo", {"description": "国家会展中心周边 (live edit)"}, "live edit")
    published = zone_state(engine, "cluster-expo")
    with engine.connect() as conn:
        versions_before = conn.execute(text("SELECT count(*) FROM zone_versions")).scalar_one()

    res = client.post(f"/drafts/{draft['id']}/publish", json={}, headers=owner)
    assert res.status_code == 409 and res.headers["content-type"].startswith("application/problem+json")
    problem = res.json()
    assert problem["zones"] == ["cluster-expo"] and "cluster-expo" in problem["detail"]
    assert problem["conflicts"][0]["changed_in_draft"] is True
    assert problem["conflicts"][0]["published_changed_by"] == "draft-colleague"
    assert "/rebase" in problem["detail"]
    # Nothing changed: the published zone, its history, the draft.
    assert zone_state(engine, "cluster-expo") == published
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM zone_versions")).scalar_one() == versions_before
    shown = client.get(f"/drafts/{draft['id']}", headers=owner).json()
    assert shown["status"] == "open" and [c["zone"] for c in shown["conflicts"]] == ["cluster-expo"]
    assert client.get(f"/drafts/{draft['id']}/compare", headers=owner).json()["summary"]["publishable"] is False

    # Rebase: the draft keeps its own change on top of the new published version, then publishes.
    res = client.post(f"/drafts/{draft['id']}/rebase", json={}, headers=owner)
    assert res.status_code == 200, res.text
    assert res.json()["kept_from_draft"] == ["cluster-expo"]
    res = client.post(f"/drafts/{draft['id']}/publish", json={"comment": "英文名"}, headers=owner)
    assert res.status_code == 200, res.text
    after = zone_state(engine, "cluster-expo")
    assert after.version == published.version + 1 and after.name_en == "Expo cluster (draft)"
    assert [v["zone"] for v in res.json()["versions"]] == ["cluster-expo"]
    _restore(client, owner, "cluster-expo", original)


def test_a_zone_the_draft_did_not_touch_also_blocks_until_rebased(client, engine, drafts_users):
    owner, colleague = drafts_users["draft-owner"], drafts_users["draft-colleague"]
    originals = {z: zone_state(engine, z).version for z in ("cluster-green", "cluster-software")}
    draft = new_draft(client, owner, "绿色组团说明")
    _draft_patch(client, owner, draft, "cluster-green", {"description": "方案说明"})
    _live_patch(client, colleague, "cluster-software", {"description": "软件信息 (live)"}, "live")
    res = client.post(f"/drafts/{draft['id']}/publish", json={}, headers=owner)
    assert res.status_code == 409 and res.json()["zones"] == ["cluster-software"]
    res = client.post(f"/drafts/{draft['id']}/rebase", json={}, headers=owner)
    assert res.json()["taken_from_published"] == ["cluster-software"]
    item = client.get(f"/collections/{draft['collection']}/items/cluster-software", headers=owner).json()
    assert item["properties"]["description"] == "软件信息 (live)"
    assert client.post(f"/drafts/{draft['id']}/publish", json={"keep": True}, headers=owner).status_code == 200
    kept = client.get(f"/drafts/{draft['id']}", headers=owner).json()
    assert kept["status"] == "open" and kept["changed_zones"] == [] and kept["conflicts"] == []
    assert client.delete(f"/drafts/{draft['id']}", headers=owner).status_code == 204
    for zone_id, version in originals.items():
        _restore(client, owner, zone_id, version)


def test_sharing_and_a_draft_made_from_a_draft(client, engine, drafts_users):
    owner, colleague, stranger = (drafts_users[n] for n in ("draft-owner", "draft-colleague", "draft-stranger"))
    draft = new_draft(client, owner, "共享方案")
    _draft_patch(client, owner, draft, "core", {"description": "方案一"})
    assert client.get(f"/drafts/{draft['id']}", headers=colleague).status_code == 404
    res = client.patch(f"/drafts/{draft['id']}", json={"shared_with": ["draft-colleague"]}, headers=owner)
    assert res.status_code == 200 and res.json()["shared_with"] == ["draft-colleague"]
    # The colleague now sees and edits it; only the owner shares or discards it.
    assert draft["collection"] in [c["id"] for c in client.get("/collections", headers=colleague).json()["collections"]]
    _draft_patch(client, colleague, draft, "core", {"name_en": "Core (colleague)"})
    assert client.patch(f"/drafts/{draft['id']}", json={"shared_with": []}, headers=colleague).status_code == 403
    assert client.delete(f"/drafts/{draft['id']}", headers=colleague).status_code == 403
    assert client.get(f"/drafts/{draft['id']}", headers=stranger).status_code == 404
    log = client.get(f"/drafts/{draft['id']}/changes", headers=colleague).json()["changes"]
    assert [c["author"] for c in log if c["zone"] == "core"] == ["draft-owner", "draft-colleague"]
    # Sharing with someone who is not a planner is refused.
    res = client.patch(f"/drafts/{draft['id']}", json={"shared_with": ["draft-investor"]}, headers=owner)
    assert res.status_code == 400 and "planner" in res.json()["detail"]
    # A draft from the draft carries its changes; compare the two.
    child = new_draft(client, colleague, "方案二", **{"from": draft["id"]})
    item = client.get(f"/collections/{child['collection']}/items/core", headers=colleague).json()
    assert item["properties"]["name_en"] == "Core (colleague)" and item["properties"]["draft_state"] == "changed"
    _draft_patch(client, colleague, child, "core", {"name_en": "Core (two)"})
    cmp = client.get(f"/drafts/{child['id']}/compare", params={"against": draft["id"]}, headers=colleague).json()
    assert [z["zone"] for z in cmp["zones"]] == ["core"]
    assert cmp["zones"][0]["attributes_changed"]["name_en"] == {"before": "Core (colleague)", "after": "Core (two)"}
    for d, who in ((child, colleague), (draft, owner)):
        assert client.delete(f"/drafts/{d['id']}", headers=who).status_code == 204


def test_zone_metrics_of_a_draft(client, engine, drafts_users):
    """/drafts/{id}/analytics/zones: the changed zone counts the firms inside its new outline (PostGIS
    says how many); every other zone counts what /analytics/zones counts for the published plan."""
    import json

    from tests.integration.drafts.conftest import town_geojson

    owner = drafts_users["draft-owner"]
    d = new_draft(client, owner, "指标")
    chonggu = town_geojson(engine, "chonggu")
    res = client.patch(f"/collections/{d['collection']}/items/cluster-logistics", json={"geometry": chonggu},
                       headers=owner)
    assert res.status_code == 200
    res = client.get(f"/drafts/{d['id']}/analytics/zones", headers=owner)
    assert res.status_code == 200, res.text
    draft_firms = {f["id"]: f["properties"]["firms"] for f in res.json()["features"]}
    published = {f["id"]: f["properties"]["firms"] for f in client.get("/analytics/zones", headers=owner).json()["features"]}
    with engine.connect() as conn:
        inside = conn.execute(text("SELECT count(*) FROM enterprises WHERE ST_Intersects("
                                   "ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326), geom)"), {"g": json.dumps(chonggu)}).scalar_one()
    assert draft_firms["cluster-logistics"] == inside
    assert {z: n for z, n in draft_firms.items() if z != "cluster-logistics"} == \
        {z: n for z, n in published.items() if z != "cluster-logistics"}
    assert client.get(f"/drafts/{d['id']}/analytics/zones", headers=drafts_users["draft-stranger"]).status_code == 404
    assert client.delete(f"/drafts/{d['id']}", headers=owner).status_code == 204
