"""Exports neutralise spreadsheet formulas: a text cell starting with =, +, -, @, tab or CR gets a leading
single quote (OWASP), numbers stay numbers, and the stored data is unchanged."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import text

from app.core.cells import safe_cell
from app.imports.report import ImportReport
from app.ogc.exports import csv_text_rows
from layers.registry import Field

EVIL = '=HYPERLINK("http://x","y")'
USCC = "FORMULA00000000001"


@pytest.fixture
def evil_enterprise(engine):
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO enterprises (uscc, name, industry_code, precision, source_crs, address, output_value, geom) "
            "VALUES (:u, :n, '3399', 'exact', 'wgs84', :a, 12.5, ST_SetSRID(ST_MakePoint(121.1, 31.15), 4326))"),
            {"u": USCC, "n": EVIL, "a": "@SUM(1+1)"})
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM enterprises WHERE uscc = :u"), {"u": USCC})


def _row(body: str) -> dict:
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    return next(r for r in rows if r["id"] == USCC)


@pytest.mark.parametrize("url", ["/collections/enterprises/export?format=csv&uscc=" + USCC,
                                 "/collections/enterprises/items?f=csv&uscc=" + USCC])
def test_csv_exports_show_a_neutralised_formula(client, investment_auth, evil_enterprise, engine, url):
    res = client.get(url, headers=investment_auth)
    assert res.status_code == 200, res.text
    assert "'=HYPERLINK(" in res.text and ',=HYPERLINK' not in res.text  # opened as text
    row = _row(res.text)
    assert row["name"] == "'" + EVIL
    assert row["output_value"] == "12.5" and row["address"] == "'@SUM(1+1)"
    with engine.connect() as conn:  # what is stored is unchanged
        assert conn.execute(text("SELECT name FROM enterprises WHERE uscc = :u"), {"u": USCC}).scalar_one() == EVIL


def test_xlsx_export_holds_text_not_a_formula(client, investment_auth, evil_enterprise, tmp_path):
    res = client.get(f"/collections/enterprises/export?format=xlsx&uscc={USCC}", headers=investment_auth)
    assert res.status_code == 200, res.text
    path = tmp_path / "e.xlsx"
    path.write_bytes(res.content)
    ws = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in ws[1]]
    values = [c for c in ws[2]]
    name = values[header.index("name")]
    assert name.value == "'" + EVIL and name.data_type == "s"
    assert values[header.index("output_value")].value == 12.5


def test_negative_numbers_stay_numbers_in_csv():
    fields = (Field("label", "string", "x"), Field("delta", "number", "x"))
    body = "".join(csv_text_rows(fields, [("a", None, {"label": "-minus text", "delta": -12.5})]))
    row = _row_by_id(body, "a")
    assert row["delta"] == "-12.5" and row["label"] == "'-minus text"


def _row_by_id(body: str, fid: str) -> dict:
    return next(r for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff"))) if r["id"] == fid)


def test_rejection_report_csv_is_neutralised():
    report = ImportReport(file="x.csv", rejections=[{"row": 2, "column": "企业名称", "value": "=cmd|' /C calc'!A0",
                                                     "reason": "bad"}])
    body = report.rejections_csv()
    assert "'=cmd|" in body


@pytest.mark.parametrize("value, expected", [("=1+1", "'=1+1"), ("+86 21", "'+86 21"), ("-x", "'-x"), ("@a", "'@a"),
                                             ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (-3, -3), (2.5, 2.5),
                                             (None, None)])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected
