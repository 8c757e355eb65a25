"""The industry and zone filters of every /analytics endpoint, checked against SQL on the same rows.

The /analytics page sends the same two filters to zones, hex bins, hotspots, density and targets;
these tests hold each endpoint to what the database says the filtered firms are.
"""
import h3
import pytest
from shapely.geometry import Point, shape
from sqlalchemy import text

from app.analytics.store import industry_family
from tests.integration.analytics.test_analytics_api import enterprises  # noqa: F401  (SQL-inserted firms)


def _firms(engine, industry=None, zone=None):
    """(lon, lat, employees, output) of the firms the filters select, straight from SQL."""
    terms, params = [], {}
    if industry:
        terms.append("plan_industry = ANY(:inds)")
        params["inds"] = industry_family(industry)
    if zone:
        terms.append(":zone = ANY(zones)")
        params["zone"] = zone
    where = (" WHERE " + " AND ".join(terms)) if terms else ""
    with engine.connect() as conn:
        return conn.execute(text("SELECT ST_X(geom), ST_Y(geom), coalesce(employees, 0), coalesce(output_value, 0) "
                                 "FROM enterprises" + where), params).all()


@pytest.mark.parametrize("industry,zone", [("ic", None), (None, "core"), ("ic", "core"), ("it", "corridor")])
def test_hexbins_count_the_firms_of_the_industry_in_the_zone(client, engine, enterprises, industry, zone):  # noqa: F811
    query = "&".join(f"{k}={v}" for k, v in (("plan_industry", industry), ("zone", zone)) if v)
    body = client.get(f"/analytics/hexbins?resolution=8&{query}").json()
    expected = {}
    for lon, lat, _, _ in _firms(engine, industry, zone):
        c = h3.latlng_to_cell(lat, lon, 8)
        expected[c] = expected.get(c, 0) + 1
    assert expected, "the fixture plants firms of this filter"
    assert {f["properties"]["h3"]: f["properties"]["count"] for f in body["features"]} == expected
    assert body["metadata"]["parameters"]["zone"] == zone and body["metadata"]["firms"] == sum(expected.values())


def test_hotspots_in_a_zone_use_the_zone_as_study_area(client, engine, enterprises):  # noqa: F811
    body = client.get("/analytics/hotspots?resolution=8&zone=core&plan_industry=ic&permutations=99").json()
    with engine.connect() as conn:
        core = shape(conn.execute(text("SELECT ST_AsGeoJSON(geom)::json FROM zones WHERE id = 'core'")).scalar())
    firms = _firms(engine, "ic", "core")
    held = {h3.latlng_to_cell(lat, lon, 8) for lon, lat, _, _ in firms}
    cells = {f["properties"]["h3"]: f["properties"] for f in body["features"]}
    assert sum(p["count"] for p in cells.values()) == len(firms) == body["metadata"]["firms"]
    for cell, props in cells.items():  # every cell's centre lies in the core, or the cell holds a counted firm
        lat, lon = h3.cell_to_latlng(cell)
        assert core.contains(Point(lon, lat)) or cell in held
    district = client.get("/analytics/hotspots?resolution=8&plan_industry=ic&permutations=99").json()
    assert len(cells) < len(district["features"])  # a smaller study area than the district's


def test_density_follows_both_filters(client, engine, enterprises):  # noqa: F811
    whole = client.get("/analytics/density?format=overlay&plan_industry=ic").json()["metadata"]
    inside = client.get("/analytics/density?format=overlay&plan_industry=ic&zone=core").json()["metadata"]
    assert whole["firms"] == len(_firms(engine, "ic")) > inside["firms"] == len(_firms(engine, "ic", "core")) > 0
    assert inside["parameters"]["zone"] == "core"
    # the grid covers the zone (plus a margin), not the whole district
    assert inside["grid"]["nx"] * inside["grid"]["ny"] < whole["grid"]["nx"] * whole["grid"]["ny"]


def test_zone_metrics_for_one_industry_and_one_zone(client, engine, enterprises):  # noqa: F811
    body = client.get("/analytics/zones?plan_industry=biomed").json()
    with engine.connect() as conn:
        per_zone = dict(conn.execute(text(
            "SELECT z, count(*) FROM enterprises, unnest(zones) z WHERE plan_industry = 'biomed' GROUP BY z")).all())
        total = conn.execute(text("SELECT count(*) FROM enterprises WHERE plan_industry = 'biomed'")).scalar()
        children = [r[0] for r in conn.execute(text("SELECT id FROM zones WHERE parent_zone = 'core'"))]
    assert total > 0
    for f in body["features"]:
        chosen = f["properties"]["selected_industry"]
        assert chosen["industry"] == "biomed" and chosen["firms"] == per_zone.get(f["id"], 0)
        assert chosen["lq_counts"]["district_industry"] == total
        if chosen["firms"] == 0:  # a zone without the industry still gets its (zero) LQ and counts
            assert chosen["lq"] == (0 if f["properties"]["firms"] else None) and chosen["lq_reliable"] is False
    one = client.get("/analytics/zones?zone=core").json()
    assert sorted(f["id"] for f in one["features"]) == sorted(["core", *children])
    assert all("selected_industry" not in f["properties"] for f in one["features"])


def test_targets_for_one_industry_and_a_zones_contribution(client, engine, enterprises, investment_auth):  # noqa: F811
    body = client.get("/analytics/targets?plan_industry=biomed", headers=investment_auth).json()
    # the targets that count biomedicine: its own and the share of all strategic emerging industries
    assert [t["id"] for t in body["targets"]] == ["strategic_output_share", "biomed_output"]
    zone = client.get("/analytics/targets?plan_industry=newmat&zone=core", headers=investment_auth).json()
    newmat = next(t for t in zone["targets"] if t["id"] == "newmat_output")
    output = sum(r[3] for r in _firms(engine, "newmat", "core"))
    assert newmat["scope"] == "zone" and newmat["current"] == pytest.approx(output / 1e4, rel=1e-6)
    assert "contribution" in zone["metadata"]["scope"]
    public = client.get("/analytics/targets?plan_industry=newmat&zone=core").json()
    assert all(t["current"] is None for t in public["targets"])  # output stays confidential


@pytest.mark.parametrize("path", ["/analytics/hexbins?zone=atlantis", "/analytics/hotspots?zone=atlantis",
                                  "/analytics/density?zone=atlantis", "/analytics/zones?zone=atlantis",
                                  "/analytics/targets?zone=atlantis", "/analytics/hexbins?zone=core;drop",
                                  "/analytics/targets?plan_industry=steel"])
def test_an_unknown_zone_is_a_400_problem_naming_the_known_ones(client, enterprises, path):  # noqa: F811
    res = client.get(path)
    assert res.status_code == 400 and res.headers["content-type"].startswith("application/problem+json")
    detail = res.json()["detail"]
    assert ("zone" in detail or "plan_industry" in detail)
    if "atlantis" in path:
        assert "cluster-expo" in detail  # it says which zones exist
