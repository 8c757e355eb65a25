"""The import's COPY text encoding (app.enterprises.store): each cell comes back from PostgreSQL's text
format as it went in. Decoded here by the format's own rules (a tab separates, \\N alone is NULL, a
backslash escapes), which is what the server does; the integration test stores such cells for real."""
import re

import numpy as np
import pytest
import shapely

from app.enterprises.store import _array_literal, _copy_lines, _numbers, _points_hex, _texts

_UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def decode(line: str) -> list[str | None]:
    return [None if field == "\\N" else re.sub(r"\\[\\tnr]", lambda m: _UNESCAPE[m.group()], field)
            for field in line.split("\t")]


@pytest.mark.parametrize("cells", [
    ["plain", "中文名称", ""],
    ["a\tb", "line\nbreak", "carriage\rreturn", "back\\slash", "\\N", "\\\\N", None, "end\\"],
    [None, None],
])
def test_text_cells_round_trip_through_the_copy_format(cells):
    lines = _copy_lines([_texts(cells), _texts(list(reversed(cells)))]).split("\n")
    assert lines[-1] == ""  # every line ends with a line break
    assert [decode(line) for line in lines[:-1]] == [[a, b] for a, b in zip(cells, reversed(cells))]


def test_numbers_are_written_exactly_and_none_is_null():
    values = [0.1, 1e-7, 123456789.125, -0.0, 5, None]
    cells = _numbers(values)
    assert cells[-1] == "\\N"
    assert [float(c) for c in cells[:-1]] == values[:-1] and cells[3] == "-0.0"


def test_a_zone_list_is_an_array_literal_whatever_the_ids_hold():
    assert _array_literal([]) == "{}"
    assert _array_literal(["core", 'a,b', 'q"uote', "b\\s"]) == '{"core","a,b","q\\"uote","b\\\\s"}'


def test_points_are_the_ewkb_shapely_writes():
    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(120.8, 121.4, 500), rng.uniform(30.9, 31.3, 500)
    expected = shapely.to_wkb(shapely.set_srid(shapely.points(lon, lat), 4326), hex=True, include_srid=True)
    assert _points_hex(lon, lat) == expected.tolist()
