"""Replacing the schematic towns with an official file: refused when wrong, all or nothing."""
import geopandas as gpd
import pytest
import shapely
from shapely import affinity
from shapely.geometry import Polygon
from sqlalchemy import text

from app.layout.towns import TownsImportError, import_towns
from gis.crs import wgs84_to_gcj02


def _towns_frame(engine) -> gpd.GeoDataFrame:
    return gpd.read_postgis("SELECT name_zh, geom FROM towns ORDER BY code", engine, geom_col="geom")


def _snapshot(engine):
    with engine.connect() as conn:
        return conn.execute(text("SELECT code, md5(ST_AsBinary(geom)), schematic FROM towns ORDER BY code")).all()


def _write(frame: gpd.GeoDataFrame, path, driver="GeoJSON"):
    frame.to_file(path, driver=driver, engine="pyogrio")
    return path


@pytest.fixture
def unchanged(engine):
    before = _snapshot(engine)
    yield
    assert _snapshot(engine) == before, "a refused import changed the towns"


def test_self_intersecting_town_is_refused_and_named(engine, tmp_path, unchanged):
    frame = _towns_frame(engine)
    minx, miny, maxx, maxy = frame.geometry[0].bounds
    frame.loc[0, "geom"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])  # a bow tie
    with pytest.raises(TownsImportError) as err:
        import_towns(engine, _write(frame, tmp_path / "towns.geojson"))
    assert f"({frame.name_zh[0]}): invalid geometry: Self-intersection" in str(err.value)
    assert "towns unchanged" in str(err.value)


def test_projected_coordinates_without_a_crs_are_refused(engine, tmp_path, unchanged):
    frame = _towns_frame(engine).to_crs(4549).set_crs(None, allow_override=True)
    with pytest.raises(TownsImportError, match="coordinates are not longitude/latitude degrees"):
        import_towns(engine, _write(frame, tmp_path / "metres.geojson"))


def test_towns_outside_the_district_are_refused(engine, tmp_path, unchanged):
    frame = _towns_frame(engine)
    frame["geom"] = frame.geometry.apply(lambda g: affinity.translate(g, xoff=0.8))
    with pytest.raises(TownsImportError, match="lies outside the district"):
        import_towns(engine, _write(frame, tmp_path / "shifted.geojson"))


def test_gcj02_towns_labelled_wgs84_are_refused_with_a_hint(engine, tmp_path, unchanged):
    frame = _towns_frame(engine)
    frame["geom"] = frame.geometry.apply(lambda g: shapely.transform(g, lambda xy: _to_gcj(xy)))
    with pytest.raises(TownsImportError, match="use --crs gcj02"):
        import_towns(engine, _write(frame, tmp_path / "gcj.geojson"))


def test_missing_and_unknown_towns_are_refused(engine, tmp_path, unchanged):
    frame = _towns_frame(engine)
    frame.loc[0, "name_zh"] = "不存在镇"
    with pytest.raises(TownsImportError) as err:
        import_towns(engine, _write(frame, tmp_path / "names.geojson"))
    assert "unknown town '不存在镇'" in str(err.value) and "missing towns" in str(err.value)


def test_an_unreadable_file_is_refused(engine, tmp_path, unchanged):
    bad = tmp_path / "broken.geojson"
    bad.write_text("{ not json")
    with pytest.raises(TownsImportError, match="cannot read"):
        import_towns(engine, bad)


def _to_gcj(xy):
    lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    xy = xy.copy()
    xy[:, 0], xy[:, 1] = lon, lat
    return xy


def test_an_official_file_in_gcj02_geopackage_replaces_the_towns_and_clusters_follow(engine, tmp_path):
    """A good file (here: the towns nudged, as a GeoPackage in GCJ-02) replaces them in one go."""
    frame = _towns_frame(engine)
    frame["geom"] = frame.geometry.apply(lambda g: shapely.transform(g, lambda xy: _to_gcj(xy)))
    path = _write(frame, tmp_path / "official.gpkg", driver="GPKG")
    derived = ["core", "cluster-software", "cluster-logistics", "cluster-manufacturing", "cluster-expo",
               "cluster-green"]
    with engine.connect() as conn:
        edited = set(conn.execute(text(
            "SELECT DISTINCT zone_id FROM zone_versions WHERE author NOT LIKE 'system%'")).scalars())
        versions = dict(conn.execute(text("SELECT id, version FROM zones WHERE id = ANY(:ids)"), {"ids": derived}).all())
    summary = import_towns(engine, path, crs="gcj02")
    assert "imported 11 towns" in summary
    with engine.connect() as conn:
        schematic = conn.execute(text("SELECT bool_or(schematic) FROM towns")).scalar_one()
        after = dict(conn.execute(text("SELECT id, version FROM zones WHERE id = ANY(:ids)"), {"ids": derived}).all())
        history = dict(conn.execute(text(
            "SELECT zone_id, max(version) FROM zone_versions WHERE zone_id = ANY(:ids) GROUP BY zone_id"),
            {"ids": derived}).all())
        # A re-derived cluster still equals the union of its member towns.
        diffs = dict(conn.execute(text("""
            SELECT z.id, ST_Area(ST_Transform(ST_SymDifference(z.geom, (SELECT ST_Union(geom) FROM towns
                   WHERE code = ANY(z.member_towns))), 4549)) FROM zones z WHERE id = ANY(:ids)"""),
            {"ids": derived}).all())
    assert schematic is False
    for zone_id in derived:
        if zone_id in edited:  # a planner's edit is never overwritten by an import
            assert after[zone_id] == versions[zone_id] and zone_id in summary.split("kept as edited")[1]
        else:
            assert after[zone_id] == versions[zone_id] + 1 == history[zone_id], zone_id
            assert zone_id in summary.split("re-derived")[1].split(";")[0]
            assert diffs[zone_id] < 1.0, zone_id
