"""Reading enterprise files: encodings, broken bytes, multi-line cells, spreadsheets (no database)."""
import io

import pytest

from app.imports.files import ImportFileError, detect_encoding, read_table

HEADER = "统一社会信用代码,企业名称,行业代码,经度,纬度\n"


@pytest.mark.parametrize("encoding, label", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8"), ("gbk", "GB18030/GBK"),
                                             ("gb18030", "GB18030/GBK")])
def test_csv_encodings_are_detected(encoding, label):
    text = HEADER + "91310118MA1JL0XX00,上海青浦华新镇物流有限公司,5920,121.2,31.2\n"
    table = read_table(text.encode(encoding), "list.csv")
    assert table.encoding == label
    assert table.headers[0] == "统一社会信用代码"
    assert table.rows == [(2, ["91310118MA1JL0XX00", "上海青浦华新镇物流有限公司", "5920", "121.2", "31.2"])]


def test_gb18030_only_characters_survive():
    name = "𠀀䶮科技有限公司"  # outside GBK, inside GB18030
    table = read_table((HEADER + f"X,{name},6513,121.2,31.2\n").encode("gb18030"), "a.csv")
    assert table.rows[0][1][1] == name


def test_a_line_with_broken_bytes_is_rejected_on_its_own_row_and_the_rest_is_read():
    data = (HEADER + "A,甲,3973,121.1,31.1\n").encode("gbk") + b"B,\xff\xff\x80,3973,121.1,31.1\n" + \
        "C,丙,3973,121.1,31.1\n".encode("gbk")
    assert detect_encoding(data) == "gb18030"
    table = read_table(data, "a.csv")
    assert [n for n, _ in table.rows] == [2, 4]
    (broken,) = table.broken
    assert broken.row == 3 and "broken encoding" in broken.reason and "ff" in broken.reason


def test_row_numbers_follow_the_file_across_quoted_line_breaks_and_blank_lines():
    data = (HEADER + 'A,"多行\n名称",3973,121.1,31.1\n\nB,乙,3973,121.1,31.1\n').encode()
    table = read_table(data, "a.csv")
    assert [n for n, _ in table.rows] == [2, 5]


@pytest.mark.parametrize("data, name, fragment", [
    (b"", "a.csv", "empty"), (b"  \n", "a.csv", "empty"), (b"x", "a.doc", "unsupported file type"),
    (b"not a zip", "a.xlsx", "not a readable .xlsx"), (b"{", "a.geojson", "not a readable geojson"),
])
def test_unreadable_files_say_why(data, name, fragment):
    with pytest.raises(ImportFileError, match=fragment):
        read_table(data, name)


def test_xlsx_rows_keep_spreadsheet_row_numbers():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "统一社会信用代码"])
    sheet.append(["甲", "A"])
    sheet.append([None, None])
    sheet.append(["乙", "B"])
    buf = io.BytesIO()
    book.save(buf)
    table = read_table(buf.getvalue(), "a.xlsx")
    assert table.format == "xlsx" and [n for n, _ in table.rows] == [2, 4]
