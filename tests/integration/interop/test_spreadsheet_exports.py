"""Exports that spreadsheets and desktop GIS keep: XLSX read back with openpyxl, GeoPackage 1.2 through GDAL."""
import io
import sqlite3
from datetime import datetime
from urllib.parse import quote

import openpyxl
import pyogrio
import pytest
from sqlalchemy import text

from tests.integration.ogc.ogc_seed import seed_enterprises

# Identifiers a spreadsheet's type guessing destroys: long all-digit codes, codes that read as a
# number in E notation, and industry codes with a leading zero.
TRICKY = [("913101180000000017", "全数字代码测试企业", "0511"),
          ("91310118MA1E308E30", "含E代码测试企业", "0100"),
          ("9131011812E3080001", "科学计数测试企业", "1E05"),
          ("000000000000000001", "前导零测试企业", "0001")]


@pytest.fixture(scope="module", autouse=True)
def tricky_rows(engine):
    seed_enterprises(engine)
    with engine.begin() as conn:
        for uscc, name, code in TRICKY:
            conn.execute(text(
                "INSERT INTO enterprises (uscc, name, industry_code, employees, output_value, established, "
                "precision, source_crs, synthetic, zones, geom) VALUES (:u, :n, :c, 12, 1.5, 2020, 'exact', "
                "'wgs84', true, '{}', ST_SetSRID(ST_MakePoint(121.1, 31.15), 4326)) ON CONFLICT DO NOTHING"),
                {"u": uscc, "n": name, "c": code})
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc = ANY(:u)"), {"u": [t[0] for t in TRICKY]})


def _sheet(client, path, headers=None):
    res = client.get(path, headers=headers or {})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    wb = openpyxl.load_workbook(io.BytesIO(res.content))
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return header, rows[1:], wb


def test_xlsx_keeps_every_uscc_and_industry_code_exactly(client, engine):
    header, rows, _ = _sheet(client, "/collections/enterprises/export?format=xlsx")
    col = {name: i for i, name in enumerate(header)}
    with engine.connect() as conn:
        expected = dict(conn.execute(text("SELECT uscc, industry_code FROM enterprises")).all())
    got = {r[col["uscc"]].value: r[col["industry_code"]].value for r in rows}
    assert got == expected  # every row, every code, character for character
    for r in rows:
        for name in ("id", "uscc", "industry_code"):
            cell = r[col[name]]
            assert cell.data_type == "s" and cell.number_format == "@"
    tricky = {r[col["uscc"]].value: r for r in rows if r[col["uscc"]].value in {t[0] for t in TRICKY}}
    assert set(tricky) == {t[0] for t in TRICKY}
    assert {tricky[u][col["industry_code"]].value for u, _, _ in TRICKY} == {"0511", "0100", "1E05", "0001"}


def test_xlsx_numbers_are_numbers_and_confidential_fields_stay_out(client, investment_auth):
    header, rows, wb = _sheet(client, "/collections/enterprises/export?format=xlsx&filter=" + quote("uscc LIKE '9%'"))
    col = {name: i for i, name in enumerate(header)}
    assert "output_value" not in col
    emp = rows[0][col["employees"]]
    assert isinstance(emp.value, int) and emp.number_format == "0"
    assert isinstance(rows[0][col["lon"]].value, float) and 120.8 < rows[0][col["lon"]].value < 121.4
    assert "fields 字段" in wb.sheetnames
    header, rows, _ = _sheet(client, "/collections/enterprises/export?format=xlsx&filter=" + quote("uscc LIKE '9%'"),
                             investment_auth)
    assert rows[0][header.index("output_value")].value == 1.5


def test_xlsx_times_are_local_dates_said_so(client, engine):
    header, rows, _ = _sheet(client, "/collections/zones/export?format=xlsx")
    assert "updated_at (Asia/Shanghai)" in header
    i = header.index("updated_at (Asia/Shanghai)")
    assert all(isinstance(r[i].value, datetime) for r in rows)
    with engine.connect() as conn:
        first = conn.execute(text("SELECT (updated_at AT TIME ZONE 'Asia/Shanghai') FROM zones WHERE id = 'core'"))\
            .scalar_one()
    core = next(r for r in rows if r[0].value == "core")
    assert abs((core[i].value - first).total_seconds()) < 0.01


def test_gpkg_is_version_1_2_with_integer_fid_text_id_and_datetimes(client, tmp_path):
    res = client.get("/collections/zones/export?format=gpkg")
    path = tmp_path / "zones.gpkg"
    path.write_bytes(res.content)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200
        columns = {row[1]: row[2] for row in db.execute("PRAGMA table_info(zones)")}
    assert columns["fid"] == "INTEGER" and columns["id"].startswith("TEXT") and columns["updated_at"] == "DATETIME"
    info = pyogrio.read_info(path)
    assert info["fid_column"] == "fid"
    df = pyogrio.read_dataframe(path)
    assert "core" in set(df["id"])
    assert str(df["updated_at"].dtype).startswith("datetime64")
