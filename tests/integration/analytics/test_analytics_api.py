"""/analytics through HTTP against the real PostGIS test database.

Enterprises are inserted with SQL here (uscc prefix 91310118ANA…); expectations are computed
independently from the database (SQL counts, h3 per row, scipy's BH), so rows that other test
modules leave behind do not break them.
"""
import h3
import numpy as np
import pytest
from scipy import stats
from sqlalchemy import text

from app.core.store import bump_version

PREFIX = "91310118ANA"
INDUSTRIES = ["ic", "software", "biomed", "newmat", "logistics", "equip", None]
CLUSTER = (121.118, 31.158)  # 青浦新城, inside the core


def _uscc(i: int) -> str:
    return f"{PREFIX}{i:07d}"


def insert_enterprises(conn, rows) -> None:
    """rows: dicts with i, lon, lat, industry, employees, output, year, synthetic."""
    conn.execute(text(
        "INSERT INTO enterprises (uscc, name, industry_code, plan_industry, employees, output_value, established, "
        "precision, source_crs, synthetic, geom) VALUES (:uscc, :name, '3973', :industry, :employees, :output, :year, "
        "'exact', 'wgs84', :synthetic, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        [{**r, "uscc": _uscc(r["i"]), "name": f"测试企业{r['i']}"} for r in rows])
    # zones: every containing zone (computed here, independent of the assignment engine)
    conn.execute(text(
        "UPDATE enterprises e SET zones = ARRAY(SELECT z.id FROM zones z WHERE ST_Covers(z.geom, e.geom) ORDER BY z.id) "
        "WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
    bump_version(conn, "enterprises")


def _rows(start: int, n: int, seed: int):
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        i = start + k
        if k < n // 3:  # a park-sized cluster (about 2 km across) of IC firms at the new town
            lon, lat, industry = rng.normal(CLUSTER[0], 0.01), rng.normal(CLUSTER[1], 0.01), "ic"
        else:
            lon, lat = rng.uniform(120.95, 121.28), rng.uniform(31.0, 31.25)
            industry = INDUSTRIES[k % len(INDUSTRIES)]
        out.append({"i": i, "lon": float(lon), "lat": float(lat), "industry": industry,
                    "employees": int(rng.integers(5, 800)), "output": float(rng.integers(100, 90000)),
                    "year": int(rng.integers(2000, 2025)), "synthetic": bool(k % 2)})
    return out


@pytest.fixture(scope="module")
def enterprises(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        insert_enterprises(conn, _rows(0, 600, seed=42))
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "%"})
        bump_version(conn, "enterprises")


def _contains_key(obj, key) -> bool:
    if isinstance(obj, dict):
        return key in obj or any(_contains_key(v, key) for v in obj.values())
    if isinstance(obj, list):
        return any(_contains_key(v, key) for v in obj)
    return False


# -- zones -----------------------------------------------------------------------------------------
def test_zone_counts_overlaps_and_lq_match_sql(client, engine, enterprises):
    body = client.get("/analytics/zones").json()
    with engine.connect() as conn:
        total = conn.execute(text("SELECT count(*) FROM enterprises")).scalar()
        per_zone = dict(conn.execute(text("SELECT z, count(*) FROM enterprises, unnest(zones) z GROUP BY z")).all())
        ic_total = conn.execute(text("SELECT count(*) FROM enterprises WHERE plan_industry = 'ic'")).scalar()
        core_ic = conn.execute(text(
            "SELECT count(*) FROM enterprises WHERE 'core' = ANY(zones) AND plan_industry = 'ic'")).scalar()
        area = dict(conn.execute(text("SELECT id, area_km2 FROM zones")).all())
        multi = conn.execute(text("SELECT count(*) FROM enterprises WHERE cardinality(zones) > 1")).scalar()
    assert body["district"]["firms"] == total
    zones = {f["id"]: f["properties"] for f in body["features"]}
    for zid, props in zones.items():
        assert props["firms"] == per_zone.get(zid, 0)
        assert props["density_per_km2"] == pytest.approx(per_zone.get(zid, 0) / area[zid], rel=1e-4)
    # overlaps: a firm counts in every zone that holds it, so zone totals exceed the firms in any zone
    assert multi > 0 and sum(p["firms"] for p in zones.values()) > total - 0
    ic = next(e for e in zones["core"]["industries"] if e["industry"] == "ic")
    expected_lq = (core_ic / zones["core"]["firms"]) / (ic_total / total)
    assert ic["lq"] == pytest.approx(expected_lq, rel=1e-4) and ic["lq"] > 1  # the planted IC cluster
    assert ic["lq_counts"] == {"zone_industry": core_ic, "zone": zones["core"]["firms"],
                               "district_industry": ic_total, "district": total}
    assert ic["lq_reliable"] is True and body["metadata"]["parameters"]["min_count"] == 5
    with engine.connect() as conn:
        core_it = conn.execute(text("SELECT count(*) FROM enterprises WHERE 'core' = ANY(zones) "
                                    "AND plan_industry IN ('it', 'ic', 'ai', 'software', 'iot')")).scalar()
    it = next(e for e in zones["core"]["industries"] if e["industry"] == "it" and e["group"])
    assert it["firms"] == core_it  # the umbrella 高端信息技术 rolls up its children
    small = [e for p in zones.values() for e in p["industries"] if e["firms"] < 5]
    assert small and all(e["lq_reliable"] is False for e in small)


def test_public_never_sees_output_and_investment_does(client, enterprises, investment_auth):
    for path in ("/analytics/zones", "/analytics/hexbins?resolution=8", "/analytics/targets"):
        public = client.get(path).json()
        assert not _contains_key(public, "output_value"), path
        assert public["metadata"]["output_visible"] is False
        staff = client.get(path, headers=investment_auth).json()
        assert staff["metadata"]["output_visible"] is True
    staff_zones = client.get("/analytics/zones", headers=investment_auth).json()
    assert staff_zones["district"]["output_value"] > 0
    public_targets = client.get("/analytics/targets").json()["targets"]
    assert all(t["current"] is None for t in public_targets)


# -- hex bins --------------------------------------------------------------------------------------
@pytest.mark.parametrize("resolution", [7, 8, 9])
def test_hexbin_counts_equal_h3_of_every_row(client, engine, enterprises, resolution):
    body = client.get(f"/analytics/hexbins?resolution={resolution}").json()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT ST_X(geom), ST_Y(geom), coalesce(employees, 0) FROM enterprises")).all()
    expected = {}
    for lon, lat, emp in rows:
        c = h3.latlng_to_cell(lat, lon, resolution)
        n, e = expected.get(c, (0, 0))
        expected[c] = (n + 1, e + emp)
    got = {f["properties"]["h3"]: (f["properties"]["count"], f["properties"]["employees"]) for f in body["features"]}
    assert got == expected
    assert body["metadata"]["parameters"]["resolution"] == resolution
    assert {"numpy", "h3", "shapely", "scipy", "postgis"} <= set(body["metadata"]["libraries"])


# -- hotspots --------------------------------------------------------------------------------------
def test_hotspots_find_the_planted_cluster_under_bh_fdr(client, enterprises):
    body = client.get("/analytics/hotspots?resolution=8").json()
    meta = body["metadata"]
    assert meta["fdr"]["method"] == "Benjamini-Hochberg" and meta["fdr"]["alpha"] == 0.10
    assert meta["parameters"]["permutations"] == 9999 and meta["parameters"]["fdr"] == "bh"
    props = [f["properties"] for f in body["features"]]
    assert {"h3", "count", "gi_z", "p_value", "class"} <= set(props[0])
    assert sum(p["count"] == 0 for p in props) > len(props) / 2  # empty cells are in the study area
    centre = h3.latlng_to_cell(CLUSTER[1], CLUSTER[0], 8)
    assert next(p for p in props if p["h3"] == centre)["class"].startswith("hot_")
    p = np.array([x["p_value"] for x in props])
    q = stats.false_discovery_control(p, method="bh")
    significant = sum(x["class"] != "not_significant" for x in props)
    assert significant == int((q <= 0.10).sum())
    assert significant <= int((p <= 0.10).sum())


def test_hotspots_are_reproducible_with_the_fixed_seed(client, enterprises, investment_auth):
    a = client.get("/analytics/hotspots?resolution=7&permutations=199&seed=5", headers=investment_auth).json()
    b = client.get("/analytics/hotspots?resolution=7&permutations=199&seed=5", headers=investment_auth).json()
    assert b["metadata"]["cached"] is True
    assert [f["properties"]["p_value"] for f in a["features"]] == [f["properties"]["p_value"] for f in b["features"]]
    only = client.get("/analytics/hotspots?resolution=7&permutations=199&seed=5&only=significant", headers=investment_auth).json()
    assert len(only["features"]) == sum(f["properties"]["class"] != "not_significant" for f in a["features"])
    raw = client.get("/analytics/hotspots?resolution=7&permutations=199&seed=5&fdr=none", headers=investment_auth).json()
    assert raw["metadata"]["fdr"]["method"] == "none"


# -- density ---------------------------------------------------------------------------------------
def test_density_contours_and_overlay(client, enterprises):
    body = client.get("/analytics/density?bandwidth=800&levels=3").json()
    assert body["metadata"]["parameters"]["bandwidth"] == 800
    assert body["metadata"]["crs_of_computation"] == "EPSG:4549"
    levels = [f["properties"]["level"] for f in body["features"]]
    assert len(levels) == 3 and levels == sorted(levels)
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in body["features"])
    default = client.get("/analytics/density?format=overlay&weight=employees").json()
    assert default["metadata"]["parameters"]["bandwidth_rule"].startswith("Scott")
    assert default["metadata"]["unit"] == "employees per km²"
    assert default["image"].startswith("data:image/png;base64,")
    (s, w), (n, e) = default["bounds"]
    assert 120.7 < w < e < 121.5 and 30.8 < s < n < 31.4
    png = client.get("/analytics/density?format=png&bandwidth=1000")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


# -- targets ---------------------------------------------------------------------------------------
def test_targets_against_current_totals(client, engine, enterprises, investment_auth):
    body = client.get("/analytics/targets", headers=investment_auth).json()
    targets = {t["id"]: t for t in body["targets"]}
    assert targets["invention_patents"]["measurable"] is False
    assert targets["invention_patents"]["status"] == "not measurable from enterprise data"
    with engine.connect() as conn:
        newmat = conn.execute(text(
            "SELECT coalesce(sum(output_value), 0) FROM enterprises WHERE plan_industry = 'newmat'")).scalar()
    assert targets["newmat_output"]["current"] == pytest.approx(newmat / 1e4, rel=1e-6)
    assert targets["newmat_output"]["target"] == 200 and targets["newmat_output"]["progress"] == pytest.approx(
        newmat / 1e4 / 200, rel=1e-5)
    assert targets["software_sales"]["target_level"] == pytest.approx(829.9 * 1.15 ** 5, rel=1e-6)
    assert body["metadata"]["synthetic"]["synthetic"] > 0 and "synthetic" in body["metadata"]["synthetic"]["note"]


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/analytics/hexbins?resolution=10", "/analytics/hexbins?resolution=abc", "/analytics/hotspots?resolution=6",
    "/analytics/hexbins?resolution=8&colour=red", "/analytics/density?bandwidth=-5", "/analytics/density?bandwidth=0",
    "/analytics/density?format=tiff", "/analytics/zones?min_count=0", "/analytics/hotspots?fdr=bonferroni",
    "/analytics/hexbins?plan_industry=steel", "/analytics/targets?year=2020"])
def test_bad_input_is_a_400_problem_and_changes_nothing(client, engine, enterprises, path):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar()
    res = client.get(path)
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["detail"]
    with engine.connect() as conn:
        after = conn.execute(text("SELECT version FROM data_versions WHERE collection = 'enterprises'")).scalar()
    assert before == after


# -- cache invalidation ----------------------------------------------------------------------------
def test_an_import_bumps_the_version_and_the_next_request_shows_the_new_firms(client, engine, enterprises):
    first = client.get("/analytics/hexbins?resolution=9").json()
    again = client.get("/analytics/hexbins?resolution=9").json()
    assert again["metadata"]["cached"] is True
    version = first["metadata"]["data_version"]["enterprises"]
    with engine.begin() as conn:
        insert_enterprises(conn, [{"i": 900000 + k, "lon": 120.93, "lat": 31.03, "industry": "newmat",
                                   "employees": 10, "output": 1.0, "year": 2024, "synthetic": True} for k in range(5)])
    after = client.get("/analytics/hexbins?resolution=9").json()
    assert after["metadata"]["cached"] is False
    assert after["metadata"]["data_version"]["enterprises"] == version + 1
    total = lambda fc: sum(f["properties"]["count"] for f in fc["features"])  # noqa: E731
    assert total(after) == total(first) + 5
    cell = h3.latlng_to_cell(31.03, 120.93, 9)
    assert next(f for f in after["features"] if f["properties"]["h3"] == cell)["properties"]["count"] >= 5
    zones = client.get("/analytics/zones").json()
    assert zones["metadata"]["data_version"]["enterprises"] == version + 1
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc LIKE :p"), {"p": PREFIX + "09%"})
        bump_version(conn, "enterprises")


def test_a_zone_edit_in_another_process_invalidates_cached_zone_metrics(client, database_url, enterprises):
    import subprocess
    import sys

    first = client.get("/analytics/zones").json()
    assert client.get("/analytics/zones").json()["metadata"]["cached"] is True
    # another process (as the zone editor would) bumps the zones counter in the shared database
    script = ("import sys; from app.core.db import engine_for; from app.core.store import bump_version\n"
              "with engine_for(sys.argv[1]).begin() as conn: bump_version(conn, 'zones')")
    subprocess.run([sys.executable, "-c", script, database_url], check=True, timeout=60)
    after = client.get("/analytics/zones").json()
    assert after["metadata"]["cached"] is False
    assert after["metadata"]["data_version"]["zones"] == first["metadata"]["data_version"]["zones"] + 1


def test_an_industry_with_no_firms_has_no_hotspots_and_no_density_surface(client, engine, enterprises):
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM enterprises WHERE plan_industry = 'quantum'")).scalar() == 0
    body = client.get("/analytics/hotspots?resolution=7&plan_industry=quantum&permutations=99").json()
    assert body["features"] and all(f["properties"]["class"] == "not_significant" for f in body["features"])
    assert all(f["properties"]["gi_z"] == 0 and f["properties"]["p_value"] == 1 for f in body["features"])
    res = client.get("/analytics/density?plan_industry=quantum")
    assert res.status_code == 400 and "at least two" in res.json()["detail"]
    assert client.get("/analytics/hexbins?plan_industry=quantum").json()["features"] == []


def test_openapi_documents_the_analytics_parameters(client):
    paths = client.get("/openapi.json").json()["paths"]
    names = {p["name"] for p in paths["/analytics/hotspots"]["get"]["parameters"]}
    assert {"resolution", "permutations", "seed", "fdr"} <= names
    assert "bandwidth" in {p["name"] for p in paths["/analytics/density"]["get"]["parameters"]}


def test_the_public_cannot_buy_cpu_with_new_seeds_nor_flood_out_the_default_view(client, enterprises, investment_auth):
    for query in ("seed=7", "seed=123456", "permutations=5000"):
        res = client.get(f"/analytics/hotspots?resolution=7&{query}")
        assert res.status_code == 401 and res.headers["content-type"].startswith("application/problem+json")
        assert "investment" in res.json()["detail"]
    assert client.get("/analytics/hotspots?resolution=7&seed=7&permutations=99", headers=investment_auth).status_code == 200
    assert client.get("/analytics/hotspots?resolution=7&permutations=99").status_code == 200  # whitelisted count

    first = client.get("/analytics/hexbins").json()["metadata"]
    assert client.get("/analytics/hexbins").json()["metadata"]["cached"] is True
    # A flood of distinct (valid) parameter combinations, more than the general cache holds ...
    from app.analytics.store import CACHE
    from plan.industries import PLAN_INDUSTRIES

    industries = [p.id for p in PLAN_INDUSTRIES]
    assert len(industries) * 3 > CACHE.max_entries
    for industry in industries:
        for resolution in (7, 8, 9):
            assert client.get(f"/analytics/hexbins?resolution={resolution}&plan_industry={industry}").status_code == 200
    # ... leaves the parameterless view in its own cache.
    again = client.get("/analytics/hexbins").json()["metadata"]
    assert again["cached"] is True and again["data_version"] == first["data_version"]
