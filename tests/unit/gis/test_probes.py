"""Probe boxes cover an area tightly: every point of it lies in a box, and a sliver gets small boxes."""
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon

from gis.probes import probe_boxes


def _inside_any(boxes, x, y):
    return ((x[:, None] >= boxes[:, 0]) & (x[:, None] <= boxes[:, 2]) &
            (y[:, None] >= boxes[:, 1]) & (y[:, None] <= boxes[:, 3])).any(axis=1)


def test_every_point_of_a_crescent_and_its_boundary_lies_in_a_box():
    disc = shapely.Point(121.0, 31.0).buffer(0.02, quad_segs=32)
    crescent = disc.difference(shapely.Point(121.01, 31.0).buffer(0.018, quad_segs=32))
    boxes = probe_boxes(crescent)
    rng = np.random.default_rng(5)
    x, y = rng.uniform(120.97, 121.03, 200_000), rng.uniform(30.97, 31.03, 200_000)
    inside = shapely.intersects_xy(crescent, x, y)
    assert inside.sum() > 1000 and _inside_any(boxes, x[inside], y[inside]).all()
    edge = np.asarray(shapely.segmentize(crescent.exterior, 0.0001).coords)  # on the boundary too
    assert _inside_any(boxes, edge[:, 0], edge[:, 1]).all()
    box_area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).sum()
    envelope = (crescent.bounds[2] - crescent.bounds[0]) * (crescent.bounds[3] - crescent.bounds[1])
    assert box_area < 0.5 * envelope  # far tighter than the crescent's own box


def test_a_long_sliver_gets_boxes_as_thin_as_itself():
    sliver = Polygon([(121.0, 31.0), (121.03, 31.03), (121.03, 31.0300001)])
    boxes = probe_boxes(sliver)
    box_area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).sum()
    assert box_area < 0.05 * 0.03 * 0.03
    t = np.linspace(0, 1, 1000)
    assert _inside_any(boxes, 121.0 + 0.03 * t, 31.0 + 0.03 * t).all()


def test_no_area_no_boxes():
    assert probe_boxes(None).shape == (0, 4) and probe_boxes(Polygon()).shape == (0, 4)


def test_slivers_geos_cannot_clip_are_covered_by_their_own_box():
    # Two near-collinear slivers an overlay left along an unchanged boundary (from a 1 km bulge of the
    # edit benchmark): clipping the pair at its middle fails in GEOS ("found 3 points").
    slivers = shapely.from_wkt(
        "MULTIPOLYGON (((121.15122539005817 31.20017520167282, 121.15155747213115 31.199745859016396, "
        "121.15183513160038 31.199386878319142, 121.15134996907338 31.200014135810857, "
        "121.15122539005817 31.20017520167282)), ((121.15183513160038 31.199386878319142, "
        "121.15216539508197 31.19895988688525, 121.15261017656347 31.19838483728655, "
        "121.15255489376146 31.19845631137985, 121.15195243141743 31.199235223595352, "
        "121.15183513160038 31.199386878319142)))")
    with pytest.raises(shapely.errors.GEOSException):  # what the fallback is for
        xmin, ymin, xmax, ymax = slivers.bounds
        shapely.clip_by_rect(slivers, xmin, (ymin + ymax) / 2, xmax, ymax)
    boxes = probe_boxes(slivers, max_vertices=8)
    for ring in (p.exterior for p in slivers.geoms):
        edge = np.asarray(shapely.segmentize(ring, 0.00001).coords)
        assert _inside_any(boxes, edge[:, 0], edge[:, 1]).all()


def test_a_crescent_with_a_rounding_spike_keeps_tight_boxes():
    # A 1 km bulge's symmetric difference with a near-collinear out-and-back spike along the unchanged
    # boundary: densifying its edges makes GEOS "repair" it into almost nothing, so it is never densified.
    spike = shapely.from_wkt(
        "POLYGON (("
        "121.1655397 31.1816685, 121.16475643335417 31.182681170691314, "
        "121.16313238268422 31.181904788962477, 121.16117455020508 31.181363488956464, "
        "121.15913152170585 31.181160943848074, 121.15708178833921 31.1813049343578, "
        "121.15510409824245 31.181789927675503, 121.15327443363246 31.18259728998244, "
        "121.15166309378917 31.18369600189952, 121.15033199557968 31.185043849464666, "
        "121.1493322949451 31.18658904503477, 121.14870242061518 31.188272216027848, "
        "121.14846659567274 31.190028685296646, 121.14863390403238 31.191790955695065, "
        "121.14919793810967 31.193491303500366, 121.15013704171399 31.195064381097126, "
        "121.15141513934034 31.196449728888485, 121.1529831204397 31.197594099806306, "
        "121.1531573561055 31.197677399164345, 121.1284564 31.2296128, 121.1655397 31.1816685"
        "))")
    boxes = probe_boxes(spike)
    rng = np.random.default_rng(7)
    xmin, ymin, xmax, ymax = spike.bounds
    x, y = rng.uniform(xmin, xmax, 400_000), rng.uniform(ymin, ymax, 400_000)
    inside = shapely.intersects_xy(spike, x, y)
    assert inside.sum() > 1000 and _inside_any(boxes, x[inside], y[inside]).all()
    edge = np.asarray(shapely.segmentize(spike.exterior, 0.00001).coords)
    assert _inside_any(boxes, edge[:, 0], edge[:, 1]).all()
    box_area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])).sum()
    assert box_area < 2 * spike.area  # its own box is 12 times its area
