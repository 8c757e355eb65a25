"""Enterprises, sites and towns import through one framework and answer with one report type:
every rejection with its row, column, value and reason; all or nothing; a dry run writes nothing."""
import csv
import io

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import text

from app.cli.main import main as cli
from app.enterprises.importer import import_enterprises
from app.imports.report import ImportRefused, ImportReport
from app.layout.towns import TownsImportError, import_towns_report
from app.sites.importer import SiteImportError, import_sites

PARCEL = box(121.100, 31.170, 121.103, 31.172)


def _sites(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM sites ORDER BY id")).scalars())


def _csv_rows(report: ImportReport) -> list[list[str]]:
    return list(csv.reader(io.StringIO(report.rejections_csv())))


def test_the_three_importers_answer_with_the_one_report_type(engine, clean_sites, tmp_path):
    sites = tmp_path / "sites.csv"
    sites.write_text(f"id,kind,land_use,wkt\nS1,parcel,M1,\"{PARCEL.wkt}\"\n", encoding="utf-8")
    site_report = import_sites(engine, sites, dry_run=True)
    enterprise_report = import_enterprises(engine, "统一社会信用代码,企业名称\n".encode(), "empty.csv", dry_run=True)
    frame = gpd.read_postgis("SELECT name_zh, geom FROM towns ORDER BY code", engine, geom_col="geom")
    frame.loc[0, "name_zh"] = "不存在镇"
    towns = tmp_path / "towns.geojson"
    frame.to_file(towns, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(TownsImportError) as refused:
        import_towns_report(engine, towns)
    town_report = refused.value.report
    assert {type(r) for r in (site_report, enterprise_report, town_report)} == {ImportReport}
    assert (site_report.what, enterprise_report.what, town_report.what) == ("sites", "enterprises", "towns")
    # the dry run wrote nothing and says so
    assert site_report.dry_run and not site_report.loaded and _sites(engine) == []
    assert site_report.summary().endswith("dry run, nothing written")
    # the refused towns: the row, the column, the value and the reason, also as CSV
    assert {"row": 1, "column": "name", "value": "不存在镇"}.items() <= town_report.rejections[0].items()
    assert "unknown town" in town_report.rejections[0]["reason"]
    rows = _csv_rows(town_report)
    assert rows[0] == ["row", "column", "value", "reason"] and rows[1][:3] == ["1", "name", "不存在镇"]
    assert "missing towns" in str(refused.value) and isinstance(refused.value, ImportRefused)


def test_a_refused_site_file_reports_every_row_and_writes_nothing(engine, clean_sites, tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text(f"id,kind,land_use,wkt\nS1,parcel,M1,\"{PARCEL.wkt}\"\nS2,castle,M1,\"{PARCEL.wkt}\"\n"
                    f"S3,parcel,Z9,\"{PARCEL.wkt}\"\n", encoding="utf-8")
    with pytest.raises(SiteImportError) as refused:
        import_sites(engine, path)
    report = refused.value.report
    assert [r["row"] for r in report.rejections] == [3, 4]
    assert (report.rows, report.accepted, report.rejected_rows) == (3, 1, 2)
    assert [row[0] for row in _csv_rows(report)[1:]] == ["3", "4"]
    assert _sites(engine) == []


def test_sites_read_gbk_csv_through_the_shared_reader_with_the_rows_the_file_shows(engine, clean_sites, tmp_path):
    """The shared reader decodes Chinese encodings and counts rows as a spreadsheet shows them."""
    path = tmp_path / "sites_gbk.csv"
    path.write_bytes((f"地块编号,名称,类型,用地性质,几何\nG1,好地块,地块,M1,\"{PARCEL.wkt}\"\n\n"
                      f"G2,坏地块,地块,Z9,\"{PARCEL.wkt}\"\n").encode("gbk"))
    with pytest.raises(SiteImportError) as refused:
        import_sites(engine, path)
    assert refused.value.rejected[0].startswith("row 4:")  # the blank line 3 is counted, as the file shows
    assert refused.value.report.encoding == "GB18030/GBK"
    path.write_bytes(f"地块编号,名称,类型,用地性质,几何\nG1,好地块,地块,M1,\"{PARCEL.wkt}\"\n".encode("gbk"))
    report = import_sites(engine, path)
    assert report.loaded and report.inserted == 1 and _sites(engine) == ["G1"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM sites WHERE id = 'G1'")).scalar_one() == "好地块"


def test_the_sites_command_writes_the_rejections_csv_as_the_enterprises_command_does(engine, clean_sites, tmp_path,
                                                                                      monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    path = tmp_path / "bad.csv"
    path.write_text(f"id,kind,land_use,wkt\nX1,parcel,M1,\"{PARCEL.wkt}\"\nX2,castle,M1,\"{PARCEL.wkt}\"\n")
    report = tmp_path / "rejected.csv"
    assert cli(["import", "sites", str(path), "--report", str(report)]) == 1
    assert "1 row(s) rejected, nothing imported" in capsys.readouterr().err
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "reason"] and rows[1][0] == "3" and "castle" in rows[1][3]
    assert _sites(engine) == []
