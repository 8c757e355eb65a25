"""The brief's static maps: the site, labels and a legend that names what is drawn, from geometries only."""
import re

from shapely.geometry import LineString, Point, box

from gis.brief_svg import ROUTE_STYLE, MapData, district_map, local_map

LABELS = {"district": "青浦区", "site": "本地块", "station": "车站", "outside": "区外", "core": "一核",
          "cluster": "组团", "corridor": "一线", "park": "园区", "G50": "G50"}


def _data():
    district = box(0, 0, 40000, 30000)
    site = box(20000, 15000, 20200, 15200)
    zones = [("新兴产业创新制造核", "core", box(15000, 10000, 25000, 20000)),
             ("绿色制造组团", "cluster", box(0, 0, 12000, 12000)), ("某产业园", "park", box(19000, 14000, 21000, 16500))]
    routes = [("G50", "expressway", LineString([(0, 14000), (40000, 16000)]))]
    stations = [("青浦新城", Point(21000, 15600)), ("远站", Point(39000, 29000))]
    return MapData(district, site, "示例地块", zones, routes, stations, [("某镇", box(0, 0, 20000, 30000))])


def test_district_map_shows_site_zones_routes_and_a_matching_legend():
    svg = district_map(_data(), LABELS)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "示例地块" in svg and "青浦新城" in svg and "绿色制造组团" in svg
    assert ROUTE_STYLE["expressway"][0] in svg and "G50" in svg
    for word in ("青浦区", "一核", "组团", "车站", "本地块"):
        assert f">{word}</text>" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no tiles, nothing fetched


def test_local_map_labels_do_not_overlap():
    svg = local_map(_data(), LABELS)
    assert "示例地块" in svg and "某产业园" in svg and "青浦新城" in svg
    plates = [tuple(map(float, m)) for m in re.findall(
        r'<rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)" rx="2"', svg)]
    assert len(plates) >= 3
    for i, a in enumerate(plates):
        for b in plates[i + 1:]:
            apart = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            assert apart, (a, b)
