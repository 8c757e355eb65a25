"""Reference layers (`qingpu import reference`) and boundary files, against the real PostGIS test database,
read back through the OGC API as a planner and as the public."""
import io
import json
import math
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Polygon, shape
from sqlalchemy import text

from app.cli.main import main as cli
from app.reference.importer import ReferenceImportError, import_reference_report
from gis.crs import lonlat_to_measure, measure_to_lonlat

# A road and a river just west of 青浦新城, in CGCS2000 / 3-degree GK CM 120E metres.
X0, Y0 = lonlat_to_measure(121.08, 31.15)
ROAD = LineString([(X0, Y0), (X0 + 800, Y0 + 150), (X0 + 1500, Y0 + 600)])
RIVER = LineString([(X0, Y0 - 300), (X0 + 1200, Y0 - 500)])
PLOT = Polygon([(X0 + 100, Y0 + 100), (X0 + 400, Y0 + 100), (X0 + 400, Y0 + 350), (X0 + 100, Y0 + 350)])


def _gpkg(tmp_path, geoms, names, name="roads.gpkg", crs=4549):
    path = tmp_path / name
    gpd.GeoDataFrame({"名称": names, "等级": ["主干路"] * len(names)}, geometry=geoms, crs=crs).to_file(path, driver="GPKG")
    return path


@pytest.fixture
def no_reference(engine):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reference_layers"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM reference_layers"))


def _tile(lon, lat, z):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def _features(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM reference_features")).scalar_one()


def test_a_geopackage_in_epsg4549_becomes_a_planners_layer(engine, client, planner_auth, no_reference, tmp_path,
                                                          monkeypatch, capsys):
    path = _gpkg(tmp_path, [ROAD, RIVER, PLOT], ["崧泽大道西延", "淀浦河支流", "控规 A-01"])
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert cli(["import", "reference", str(path), "--name", "roads", "--title", "道路 Roads", "--kind", "road"]) == 0
    assert "3 features from roads.gpkg (EPSG:4549)" in capsys.readouterr().out

    listed = client.get("/reference-layers", headers=planner_auth).json()["layers"]
    assert [(x["name"], x["title"], x["lines"], x["areas"], x["source_crs"]) for x in listed] == \
        [("roads", "道路 Roads", 2, 1, "EPSG:4549")]
    lines = client.get("/collections/reference_lines/items?layer=roads", headers=planner_auth).json()["features"]
    assert sorted(f["properties"]["name"] for f in lines) == ["崧泽大道西延", "淀浦河支流"]
    road = next(f for f in lines if f["properties"]["name"] == "崧泽大道西延")
    assert json.loads(road["properties"]["properties"])["等级"] == "主干路"
    # Each vertex is the file's metres unprojected (CGCS2000 taken as WGS84), to the 1e-7° grid.
    served = [tuple(p) for part in road["geometry"]["coordinates"] for p in part]
    expected = [measure_to_lonlat(x, y) for x, y in ROAD.coords]
    assert len(served) == 3 and all(abs(a - b) <= 1.5e-7 for s, e in zip(served, expected) for a, b in zip(s, e))
    areas = client.get("/collections/reference_areas/items", headers=planner_auth).json()["features"]
    assert [f["properties"]["name"] for f in areas] == ["控规 A-01"]
    assert areas[0]["geometry"]["type"] == "MultiPolygon"
    tx, ty = _tile(*expected[0], 14)
    tile = client.get(f"/collections/reference_lines/tiles/WebMercatorQuad/14/{tx}/{ty}", headers=planner_auth)
    assert tile.status_code == 200 and b"reference_lines" in tile.content

    # The public (and investment staff) see none of it.
    assert client.get("/reference-layers").status_code == 401
    assert client.get("/collections/reference_lines/items").status_code == 404
    assert client.get(f"/collections/reference_lines/tiles/WebMercatorQuad/14/{tx}/{ty}").status_code == 404
    public_ids = {c["id"] for c in client.get("/collections").json()["collections"]}
    assert not public_ids & {"reference_lines", "reference_areas"}
    planner_ids = {c["id"] for c in client.get("/collections", headers=planner_auth).json()["collections"]}
    assert {"reference_lines", "reference_areas"} <= planner_ids

    # The same name again replaces the layer, and `reference list` / `delete` work.
    path2 = _gpkg(tmp_path, [ROAD], ["崧泽大道西延"], name="roads2.gpkg")
    assert cli(["import", "reference", str(path2), "--name", "roads", "--kind", "road"]) == 0
    assert "replaced the layer's 3 earlier features" in capsys.readouterr().out
    assert _features(engine) == 1
    assert cli(["reference", "list"]) == 0 and "roads" in capsys.readouterr().out
    assert cli(["reference", "delete", "roads"]) == 0
    assert _features(engine) == 0


def test_metres_without_a_crs_are_refused_with_the_hint(engine, no_reference, tmp_path, monkeypatch, capsys):
    path = tmp_path / "metres.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "x"}, "geometry": ROAD.__geo_interface__}]}))
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    assert cli(["import", "reference", str(path), "--name", "roads"]) == 1
    err = capsys.readouterr().err
    assert "not longitude/latitude" in err and "epsg4549" in err
    assert _features(engine) == 0
    # Told what the metres are, the same file imports.
    assert cli(["import", "reference", str(path), "--name", "roads", "--crs", "epsg4549"]) == 0
    assert _features(engine) == 1


def test_points_and_broken_polygons_are_refused_row_by_row(engine, no_reference, tmp_path):
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    path = _gpkg(tmp_path, [ROAD, bowtie], ["ok", "bowtie"], name="mixed.gpkg")
    with pytest.raises(ReferenceImportError) as err:
        import_reference_report(engine, path, "plots")
    assert [r["row"] for r in err.value.report.rejections] == [2]
    assert "invalid polygon" in err.value.report.rejections[0]["reason"]
    lonlat = gpd.GeoDataFrame({"name": ["far away"]}, geometry=[LineString([(116.3, 39.9), (116.4, 39.95)])], crs=4326)
    far = tmp_path / "beijing.geojson"
    lonlat.to_file(far, driver="GeoJSON")
    with pytest.raises(ReferenceImportError, match="within 10 km of Qingpu"):
        import_reference_report(engine, far, "beijing")
    assert _features(engine) == 0


# -- boundary files for the editor ---------------------------------------------------------------------
def _shapefile_parts(tmp_path, geoms, crs=4549):
    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(geoms))]}, geometry=geoms, crs=crs).to_file(
        folder / "boundary.shp")
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]


def test_a_shapefile_in_epsg4549_gives_the_boundary_in_wgs84(client, planner_auth, tmp_path):
    parts = _shapefile_parts(tmp_path, [PLOT])
    res = client.post("/zones/boundary-file", headers=planner_auth,
                      files=[("file", (name, data)) for name, data in parts])
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["properties"]["source_crs"] == "EPSG:4549" and body["properties"]["features"] == 1
    assert body["properties"]["area_km2"] == pytest.approx(0.075, rel=1e-3)  # 300 m × 250 m
    corner = measure_to_lonlat(X0 + 100, Y0 + 100)
    coords = [tuple(p) for p in body["geometry"]["coordinates"][0][0]]
    assert any(abs(x - corner[0]) < 2e-7 and abs(y - corner[1]) < 2e-7 for x, y in coords)

    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        for name, data in parts:
            z.writestr(f"nested/../{name}", data)
    res = client.post("/zones/boundary-file", headers=planner_auth, files={"file": ("boundary.zip", zipped.getvalue())})
    assert res.status_code == 200 and shape(res.json()["geometry"]).equals(shape(body["geometry"]))


def test_boundary_files_that_are_not_polygons_are_refused_in_words(client, planner_auth, investment_auth, tmp_path):
    lines = _shapefile_parts(tmp_path, [ROAD])
    res = client.post("/zones/boundary-file", headers=planner_auth, files=[("file", p) for p in lines])
    assert res.status_code == 422 and "must be polygons" in res.json()["detail"]
    only_shp = [p for p in lines if p[0].endswith(".shp")]
    res = client.post("/zones/boundary-file", headers=planner_auth, files=[("file", p) for p in only_shp])
    assert res.status_code == 422 and ".shx" in res.json()["detail"]
    res = client.post("/zones/boundary-file", headers=planner_auth, files={"file": ("x.geojson", b"{not json")})
    assert res.status_code == 422 and res.headers["content-type"].startswith("application/problem+json")
    res = client.post("/zones/boundary-file", headers=planner_auth, data={"crs": "mars"},
                      files={"file": ("x.geojson", b"{}")})
    assert res.status_code == 400 and "crs must be one of" in res.json()["detail"]
    assert client.post("/zones/boundary-file", files={"file": ("x.geojson", b"{}")}).status_code == 401
    assert client.post("/zones/boundary-file", headers=investment_auth,
                       files={"file": ("x.geojson", b"{}")}).status_code == 403
