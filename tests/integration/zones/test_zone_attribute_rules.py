"""Zone attributes are typed and parents follow rules: each mistake is a 4xx problem+json naming the field,
and the zone is unchanged."""
from __future__ import annotations

import pytest
from sqlalchemy import text


def _state(engine, zone_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT version, parent_zone, rank, schematic, member_towns FROM zones WHERE id = :id"),
                            {"id": zone_id}).one()


@pytest.mark.parametrize("props, status, words", [
    ({"rank": True}, 400, "rank"),
    ({"rank": "1"}, 400, "rank"),
    ({"parent_zone": 123}, 400, "parent_zone"),
    ({"schematic": "maybe"}, 400, "schematic"),
    ({"member_towns": ["atlantis"]}, 422, "atlantis"),
    ({"parent_zone": "no-such-zone"}, 422, "no-such-zone"),
    ({"parent_zone": "core"}, 422, "own parent_zone"),
])
def test_bad_zone_attributes_are_refused_and_change_nothing(client, engine, planner_auth, props, status, words):
    before = _state(engine, "core")
    tag = client.get("/collections/zones/items/core").headers["etag"]
    res = client.patch("/collections/zones/items/core", json={"type": "Feature", "properties": props,
                                                              "comment": "hostile"},
                       headers={**planner_auth, "If-Match": tag})
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert words in res.json()["detail"]
    assert _state(engine, "core") == before


def test_a_cycle_of_parents_is_refused(client, engine, planner_auth):
    with engine.connect() as conn:
        park, parent = conn.execute(text("SELECT id, parent_zone FROM zones WHERE parent_zone IS NOT NULL LIMIT 1")).one()
    before = _state(engine, parent)
    tag = client.get(f"/collections/zones/items/{parent}").headers["etag"]
    res = client.patch(f"/collections/zones/items/{parent}", json={"type": "Feature", "properties": {"parent_zone": park},
                                                                   "comment": "loop"},
                       headers={**planner_auth, "If-Match": tag})
    assert res.status_code == 422, res.text
    assert "cycle" in res.json()["detail"]
    assert _state(engine, parent) == before
