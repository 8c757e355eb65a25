"""`qingpu import sites` and `qingpu demo sites` against the real PostGIS test database."""
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import box, mapping
from sqlalchemy import text

from app.cli.main import main as cli
from app.sites.importer import SiteImportError, import_sites, load_demo_sites
from gis.crs import area_mu, geometry_to_wgs84, wgs84_to_gcj02

PARCEL = box(121.100, 31.170, 121.103, 31.172)  # about 285 m x 222 m, north of 青浦新城


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM sites")).scalar_one()


def test_csv_with_bad_rows_imports_nothing_and_reports_every_row(engine, clean_sites, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(
        "地块编号,名称,类型,用地性质,状态,价格,几何\n"
        f"QP-1,好地块,地块,M1,可供,80,\"{PARCEL.wkt}\"\n"
        f"QP-2,坏用途,地块,Z9,可供,80,\"{PARCEL.wkt}\"\n"
        "QP-3,无几何,厂房,W,可供,1.2,\n"
        f"QP-4,负价格,地块,M2,洽谈中,-5,\"{PARCEL.wkt}\"\n", encoding="utf-8-sig")
    with pytest.raises(SiteImportError) as err:
        import_sites(engine, path)
    rejected = err.value.rejected
    assert [r.split(":")[0] for r in rejected] == ["row 3", "row 4", "row 5"]
    assert "Z9" in rejected[0] and "no geometry" in rejected[1] and "area_m2 is missing" in rejected[1]
    assert "price" in rejected[2]
    assert _count(engine) == 0


def test_cli_reports_rejected_rows_and_exits_nonzero(engine, clean_sites, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    try:
        path = tmp_path / "bad.csv"
        path.write_text(f"id,kind,land_use,wkt\nX1,parcel,M1,\"{PARCEL.wkt}\"\nX2,castle,M1,\"{PARCEL.wkt}\"\n")
        assert cli(["import", "sites", str(path)]) == 1
        err = capsys.readouterr().err
        assert "row 3: kind must be parcel" in err and "1 row(s) rejected, nothing imported" in err
        assert _count(engine) == 0
        good = tmp_path / "good.csv"
        good.write_text(f"id,kind,land_use,wkt\nX1,parcel,M1,\"{PARCEL.wkt}\"\n")
        assert cli(["import", "sites", str(good), "--dry-run"]) == 0
        assert _count(engine) == 0
        assert cli(["import", "sites", str(good)]) == 0
        assert _count(engine) == 1
    finally:
        pass


def test_geojson_in_gcj02_is_converted_and_parcel_area_is_measured(engine, clean_sites, tmp_path):
    gcj = shapely.transform(PARCEL, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    assert geometry_to_wgs84(gcj, "gcj02").equals_exact(PARCEL, 1e-8)
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": mapping(gcj),
         "properties": {"id": "QP-G1", "name": "测试", "kind": "parcel", "land_use": "研发", "availability": "reserved",
                        "area_m2": 1, "price": 200, "far_max": 2.5}}]}
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps(fc, ensure_ascii=False))
    report = import_sites(engine, path, crs="gcj02")
    assert report.inserted == 1
    with engine.connect() as conn:
        row = conn.execute(text("SELECT land_use, availability, area_mu, source_crs, ST_XMin(geom), ST_YMin(geom), "
                                "zones, station_id FROM sites WHERE id = 'QP-G1'")).one()
    assert row[0] == "RD" and row[1] == "reserved" and row[3] == "gcj02"
    assert row[2] == pytest.approx(area_mu(PARCEL), rel=1e-3)  # the stated area_m2 = 1 is ignored for parcels
    assert row[4] == pytest.approx(121.100, abs=2e-6) and row[5] == pytest.approx(31.170, abs=2e-6)
    assert "core" in row[6] and row[7] is not None
    # re-import updates, it does not duplicate
    assert import_sites(engine, path, crs="gcj02").updated == 1 and _count(engine) == 1


def test_demo_sites_are_reproducible_and_leave_real_sites_alone(engine, clean_sites, tmp_path):
    path = tmp_path / "real.csv"
    path.write_text(f"id,kind,land_use,wkt\nREAL-1,parcel,M1,\"{PARCEL.wkt}\"\n")
    import_sites(engine, path)

    def snapshot():
        with engine.connect() as conn:
            return conn.execute(text("SELECT id, kind, land_use, price, round(area_m2::numeric, 3), md5(ST_AsBinary(geom)), "
                                     "zones FROM sites WHERE synthetic ORDER BY id")).all()
    load_demo_sites(engine, count=120, seed=9)
    first = snapshot()
    load_demo_sites(engine, count=120, seed=9)
    assert snapshot() == first and len(first) == 120
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sites WHERE NOT synthetic")).scalar_one() == 1
        kinds = dict(conn.execute(text("SELECT kind, count(*) FROM sites WHERE synthetic GROUP BY kind")).all())
        in_zone = conn.execute(text("SELECT count(*) FROM sites WHERE synthetic AND zones <> '{}'")).scalar_one()
    assert kinds["parcel"] > kinds["building"] > 0 and in_zone > 60


def test_geopackage_in_a_projected_crs_with_chinese_columns(engine, clean_sites, tmp_path):
    import geopandas as gpd

    from gis.crs import to_measure

    footprint = box(121.110, 31.150, 121.1115, 31.151)
    gdf = gpd.GeoDataFrame({"编号": ["QP-B1"], "名称": ["空置厂房"], "类型": ["厂房"], "用地性质": ["仓储"],
                            "状态": ["洽谈中"], "建筑面积": [12000.0], "价格": [1.1]},
                           geometry=[to_measure(footprint)], crs="EPSG:4549")
    path = tmp_path / "buildings.gpkg"
    gdf.to_file(path, driver="GPKG")
    assert import_sites(engine, path).inserted == 1
    with engine.connect() as conn:
        row = conn.execute(text("SELECT kind, land_use, availability, area_m2, price_unit, ST_XMin(geom), ST_YMax(geom), "
                                "source_crs FROM sites WHERE id = 'QP-B1'")).one()
    assert row[:5] == ("building", "W", "negotiating", 12000.0, "元/m²/天")  # a building keeps its floor area
    assert row[7] == "cgcs2000"
    with pytest.raises(ValueError, match="projected"):
        import_sites(engine, path, crs="gcj02")
    assert row[5] == pytest.approx(121.110, abs=1e-6) and row[6] == pytest.approx(31.151, abs=1e-6)
