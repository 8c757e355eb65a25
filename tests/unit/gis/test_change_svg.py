"""The draft comparison's SVG map: well-formed, framed on the changed zones, every layer in the legend."""
import xml.etree.ElementTree as ET

import shapely

from gis.change_svg import GAINED, LOST, change_map_svg

NS = "{http://www.w3.org/2000/svg}"


def test_map_draws_gained_lost_before_after_and_firms():
    before = shapely.box(0, 0, 4000, 3000)
    after = shapely.box(1000, 0, 6000, 3000)
    svg = change_map_svg(shapely.box(-5000, -5000, 20000, 20000), [("甲组团", before)], [("甲组团", after)],
                         [after.difference(before)], [before.difference(after)], [("某企业", 500.0, 1500.0)])
    root = ET.fromstring(svg)
    fills = [p.get("fill") for p in root.iter(f"{NS}path")]
    assert GAINED in fills and LOST in fills
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "甲组团（原 before）" in titles and "甲组团（方案 after）" in titles and "某企业" in titles
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "N" in texts and "甲组团" in texts and any(t and t.endswith("km") for t in texts)
    # The firm at x=500 of a 0..6000 frame (plus padding) lies in the left part of the 640-px map.
    circle = next(root.iter(f"{NS}circle"))
    assert 0 < float(circle.get("cx")) < 320


def test_nothing_to_draw_gives_empty_text():
    assert change_map_svg(None, [], [], [], [], []) == ""
