"""H3 binning: one documented indexing path, checked against h3's own string API per point."""
import h3
import numpy as np
import pytest

from gis.hexbin import (
    bin_points,
    cell_polygon,
    cell_strings,
    cells_for_points,
    k1_neighbours,
    study_area_cells,
)


def test_cells_match_h3_string_api_point_by_point():
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(120.86, 121.31, 500), rng.uniform(30.95, 31.29, 500)
    for res in (7, 8, 9):
        cells = cell_strings(cells_for_points(lon, lat, res))
        assert cells == [h3.latlng_to_cell(y, x, res) for x, y in zip(lon, lat)]


def test_counts_and_employees_per_cell_add_up_and_match_a_dict_tally():
    rng = np.random.default_rng(1)
    lon, lat = rng.normal(121.1, 0.02, 2000), rng.normal(31.15, 0.02, 2000)
    emp = rng.integers(1, 500, 2000).astype(float)
    emp[::10] = np.nan  # unknown head counts add nothing
    bins = bin_points(lon, lat, 8, employees=emp)
    expected = {}
    for x, y, e in zip(lon, lat, emp):
        c = h3.latlng_to_cell(y, x, 8)
        n, s = expected.get(c, (0, 0.0))
        expected[c] = (n + 1, s + (0 if np.isnan(e) else float(e)))
    got = dict(zip(cell_strings(bins.cells), zip(bins.count.tolist(), bins.employees.tolist())))
    assert got == expected  # integer-valued sums are exact in floating point
    assert bins.count.sum() == 2000


def test_unknown_resolution_and_bad_coordinates_are_refused():
    with pytest.raises(ValueError):
        cells_for_points([121.1], [31.1], 10)
    with pytest.raises(ValueError):
        cells_for_points([np.nan], [31.1], 8)


def test_study_area_holds_empty_cells_and_neighbours_are_the_k1_ring_inside_it():
    box = {"type": "Polygon", "coordinates": [[[121.0, 31.1], [121.1, 31.1], [121.1, 31.2], [121.0, 31.2], [121.0, 31.1]]]}
    outside = cells_for_points([121.3], [31.3], 8)
    cells = study_area_cells(box, 8, outside)
    assert outside[0] in cells and cells.size > 100
    rows, cols = k1_neighbours(cells)
    inner = int(np.argmax(np.bincount(rows)))
    assert np.bincount(rows).max() == 6
    ring = {h3.str_to_int(c) for c in h3.grid_ring(h3.int_to_str(int(cells[inner])), 1)}
    assert set(cells[cols[rows == inner]].tolist()) == ring
    assert (np.bincount(rows, minlength=cells.size)[np.searchsorted(cells, outside)] == 0).all()  # isolated


def test_cell_polygon_is_a_closed_hexagon_around_its_centre():
    cell = int(cells_for_points([121.1], [31.15], 8)[0])
    ring = cell_polygon(cell)["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1]
    lons, lats = zip(*ring)
    assert min(lons) < 121.1 < max(lons) and min(lats) < 31.15 < max(lats)
