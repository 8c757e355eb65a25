"""Reading a CSV that decodes as a whole in one pass gives exactly what the line-by-line reader gave
(tests/unit/imports/reference_csv.py, frozen): the same header, cells, row numbers, broken lines and errors."""
import random

import pytest

from app.imports.files import ImportFileError, read_csv
from tests.unit.imports import reference_csv

CELLS = ["91310118MA1JL0XX00", "上海青浦华新镇物流有限公司", "3973", "121.2", "31.2", "", "  ", '"多行\n名称"',
         '"逗号,在内"', '"引号""内"', "\u3000", "𠀀䶮科技", "\ufeff开头", "a\tb", '"\r\n"', "ｱｲ"]


def outcome(reader, data):
    try:
        return reader(data)
    except ImportFileError as exc:
        return f"ImportFileError: {exc}"


def make_file(rng: random.Random) -> bytes:
    newline = rng.choice(["\n", "\r\n", "\r\n", "\n"])
    lines = ["统一社会信用代码,企业名称,行业代码,经度,纬度"]
    if rng.random() < 0.2:
        lines.insert(0, rng.choice(["", " , ,", ",,,,"]))
    for _ in range(rng.randrange(0, 25)):
        kind = rng.random()
        if kind < 0.1:
            lines.append(rng.choice(["", "   ", ",,,,", " ,\u3000,"]))
        else:
            lines.append(",".join(rng.choice(CELLS) for _ in range(rng.choice([3, 5, 5, 6]))))
    text = newline.join(lines) + (newline if rng.random() < 0.8 else "")
    encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030", "gbk"])
    data = text.encode(encoding, errors="replace")  # GBK lacks some of the characters: '?' then
    roll = rng.random()
    if roll < 0.15:  # a line of broken bytes
        data += b"B,\xff\xfe\x80,3973,121.1,31.1" + newline.encode()
    elif roll < 0.2 and encoding == "utf-8-sig":  # a BOM at the start of a later line
        data += b"\xef\xbb\xbfX,\xe4\xb9\x99,3973,121.1,31.1\n"
    elif roll < 0.23:
        data += b"C,\x00,3973\n"
    elif roll < 0.26:  # a header that is not valid text
        data = b"\xff\xfe,\x80" + newline.encode() + data
    elif roll < 0.28:
        data = newline.join([" , ", ""] * 3).encode(encoding)
    return data


@pytest.mark.parametrize("seed", range(300))
def test_whole_file_decoding_reads_like_the_line_by_line_reader(seed):
    data = make_file(random.Random(seed))
    assert outcome(read_csv, data) == outcome(reference_csv.read_csv, data)


def test_the_corpus_covers_broken_lines_interior_byte_order_marks_and_multi_line_cells():
    tables = [outcome(read_csv, make_file(random.Random(s))) for s in range(300)]
    read = [t for t in tables if not isinstance(t, str)]
    assert any(t.broken for t in read) and any(not t.broken for t in read)
    assert any(isinstance(t, str) for t in tables)
    assert any(any("\n" in c for _, cells in t.rows for c in cells) for t in read)
    assert any(any("\ufeff" in c for _, cells in t.rows for c in cells) for t in read)
