"""Zone history omits who edited for the public and investment staff; planners see it."""
from __future__ import annotations


def test_public_history_has_no_editor_names(client, planner_auth, investment_auth):
    for headers in ({}, investment_auth):
        versions = client.get("/collections/zones/items/core/versions", headers=headers)
        assert versions.status_code == 200
        assert versions.json()["versions"] and all("author" not in v for v in versions.json()["versions"])
        one = client.get("/collections/zones/items/core/versions/1", headers=headers).json()
        assert "author" not in one["properties"]
        as_of = client.get("/collections/zones/items?asOf=2100-01-01T00:00:00Z", headers=headers).json()
        assert as_of["features"] and all("updated_by" not in f["properties"] for f in as_of["features"])
    planner = client.get("/collections/zones/items/core/versions", headers=planner_auth).json()["versions"]
    assert all(v["author"] for v in planner)
    assert "author" in client.get("/collections/zones/items/core/versions/1", headers=planner_auth).json()["properties"]
