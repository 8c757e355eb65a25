"""Kernel density in EPSG:4549 against the naive double sum; bandwidth rule; outputs."""
import numpy as np
import pytest

from gis.crs import lonlat_to_measure
from gis.density import (
    contour_polygons,
    kde_grid,
    make_grid,
    raster_png,
    scott_bandwidth,
)


def _points(n=700, seed=2):
    rng = np.random.default_rng(seed)
    lon, lat = rng.normal(121.1, 0.03, n), rng.normal(31.15, 0.03, n)
    return lonlat_to_measure(lon, lat)


def _naive(x, y, gx, gy, h, w):
    out = np.zeros((gy.size, gx.size))
    for j, yy in enumerate(gy):
        for i, xx in enumerate(gx):
            d2 = (xx - x) ** 2 + (yy - y) ** 2
            out[j, i] = np.sum(w * np.exp(-d2 / (2 * h * h))) / (2 * np.pi * h * h)
    return out * 1e6


@pytest.mark.parametrize("weighted", [False, True])
def test_kde_equals_the_naive_sum_at_the_same_bandwidth(weighted):
    x, y = _points()
    w = np.random.default_rng(3).integers(1, 300, x.size).astype(float) if weighted else np.ones(x.size)
    grid = make_grid((x.min() - 3000, y.min() - 3000, x.max() + 3000, y.max() + 3000), 800)
    h = 650.0
    got = kde_grid(x, y, grid, h, w if weighted else None)
    ref = _naive(x, y, grid.x, grid.y, h, w)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=0)


def test_surface_integrates_to_the_number_of_points_per_km2():
    x, y = _points(300)
    grid = make_grid((x.min() - 8000, y.min() - 8000, x.max() + 8000, y.max() + 8000), 200)
    surface = kde_grid(x, y, grid, 500.0)
    assert surface.sum() * (grid.cell / 1000) ** 2 == pytest.approx(300, rel=1e-3)


def test_scott_bandwidth_is_sigma_times_n_to_minus_one_sixth():
    x, y = _points(1000)
    sigma = np.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2)
    assert scott_bandwidth(x, y) == pytest.approx(sigma * 1000 ** (-1 / 6))
    # equal weights give the unweighted effective n
    assert scott_bandwidth(x, y, np.full(1000, 7.0)) == pytest.approx(sigma * 1000 ** (-1 / 6), rel=2e-3)


def test_bad_bandwidths_are_refused():
    x, y = _points(10)
    grid = make_grid((0, 0, 10, 10), 1)
    for h in (0, -5, float("nan")):
        with pytest.raises(ValueError):
            kde_grid(x, y, grid, h)


def test_contours_nest_and_png_overlay_is_a_valid_image():
    x, y = _points(500)
    grid = make_grid((x.min() - 2000, y.min() - 2000, x.max() + 2000, y.max() + 2000), 300)
    surface = kde_grid(x, y, grid, 800.0)
    levels = surface.max() * np.array([0.1, 0.5, 0.9])
    bands = contour_polygons(surface, grid, levels)
    assert [lvl for lvl, _ in bands] == pytest.approx(list(levels))
    assert bands[0][1].area > bands[1][1].area > bands[2][1].area
    assert bands[0][1].contains(bands[2][1].representative_point())
    minx, miny, maxx, maxy = bands[2][1].bounds  # lon/lat now, around the cluster centre
    assert minx < 121.1 < maxx and miny < 31.15 < maxy
    png, bounds, vmax = raster_png(surface, grid)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and vmax == surface.max()
    (south, west), (north, east) = bounds
    assert west < 121.1 < east and south < 31.15 < north
