"""Label points, inner bands of overlapping zones, and quantile classes of hex-bin counts."""
import numpy as np
from shapely.geometry import Point, box, mapping, shape

from gis.crs import from_measure, to_measure
from gis.hexbin import quantile_classes
from gis.labels import group_label_points, inner_bands, label_point


def _square(x0, y0, size_m):  # a square in EPSG:4549 metres near Qingpu, as WGS84 GeoJSON
    return mapping(from_measure(box(x0, y0, x0 + size_m, y0 + size_m)))


X0, Y0 = 500000.0, 3440000.0


def test_label_point_lies_inside_a_u_shape():
    u = box(0, 0, 30, 10).union(box(0, 0, 10, 30)).union(box(20, 0, 30, 30))
    x, y = label_point(u)
    assert u.contains(Point(x, y))


def test_nested_zones_get_labels_apart_and_each_inside_itself():
    inner = _square(X0 + 10000, Y0 + 10000, 10000)
    outer = _square(X0, Y0, 40000)  # contains `inner` wholly: no area of its own near it
    points = group_label_points([outer, inner], spacing_m=5000)
    for geom, (lon, lat) in zip([outer, inner], points):
        assert shape(geom).contains(Point(lon, lat))
    a, b = (to_measure(Point(p)) for p in points)
    assert a.distance(b) > 5000


def test_inner_bands_of_nested_zones_do_not_overlap():
    outer, inner = _square(X0, Y0, 20000), _square(X0, Y0, 10000)  # sharing two edges
    bands = [to_measure(shape(b)) for b in inner_bands([outer, inner], width_m=300)]
    assert bands[0].area > 0 and bands[1].area > 0
    assert bands[0].intersection(bands[1]).area < 1.0  # side by side along the shared edges
    assert abs(bands[1].area - (9400 ** 2 - 8800 ** 2)) / bands[1].area < 0.02  # the inner one is inset one step


def test_quantile_classes_split_skewed_counts_evenly_and_cover_every_count():
    rng = np.random.default_rng(3)
    counts = np.concatenate([rng.integers(1, 4, 300), rng.integers(4, 30, 150), rng.integers(30, 400, 50)])
    c = quantile_classes(counts, 5)
    assert c.lower[0] == counts.min() and c.upper[-1] == counts.max()
    assert all(u + 1 == lo for u, lo in zip(c.upper[:-1], c.lower[1:]))
    which = c.classify(counts)
    assert all(c.lower[i] <= n <= c.upper[i] for i, n in zip(which, counts))
    assert np.bincount(which).max() / counts.size < 0.45  # fixed bands would put 60 % into '1-3'
    assert c.ramp[0] == 0 and c.ramp[-1] == 4 and list(c.ramp) == sorted(c.ramp)
    assert c.labels[-1] == f"{c.lower[-1]}–{c.upper[-1]}"


def test_ties_merge_classes_rather_than_repeat_a_break():
    c = quantile_classes([1] * 90 + [2] * 5 + [7] * 5, 5)
    assert c.upper == tuple(sorted(set(c.upper))) and c.labels[0] == "1"
    assert quantile_classes([], 5).labels == ()
