"""The low-zoom point pyramid: updated in place from changes, it equals the pyramid built again."""
import numpy as np
import pytest

from gis.point_grid import PointGrid

MAX_ZOOM = 14


def _points(rng, n):
    return rng.uniform(120.85, 121.30, n), rng.uniform(30.90, 31.30, n)


def _same(a: PointGrid, b: PointGrid) -> None:
    for z in range(MAX_ZOOM + 1):
        np.testing.assert_array_equal(a.keys[z], b.keys[z], err_msg=f"cells of zoom {z}")
        np.testing.assert_array_equal(a.counts[z], b.counts[z], err_msg=f"counts of zoom {z}")


def test_moves_additions_and_removals_give_the_pyramid_of_the_new_points():
    rng = np.random.default_rng(7)
    lon, lat = _points(rng, 20_000)
    grid = PointGrid.build(lon, lat, MAX_ZOOM)
    moved = rng.choice(len(lon), 300, replace=False)
    removed = np.setdiff1d(rng.choice(len(lon), 200, replace=False), moved)
    new_lon, new_lat = lon.copy(), lat.copy()
    to_lon, to_lat = _points(rng, len(moved))
    new_lon[moved], new_lat[moved] = to_lon, to_lat
    added_lon, added_lat = _points(rng, 150)
    keep = np.setdiff1d(np.arange(len(lon)), removed)
    after_lon = np.concatenate([new_lon[keep], added_lon])
    after_lat = np.concatenate([new_lat[keep], added_lat])

    change_lon = np.concatenate([lon[moved], to_lon, lon[removed], added_lon])
    change_lat = np.concatenate([lat[moved], to_lat, lat[removed], added_lat])
    delta = np.concatenate([-np.ones(len(moved)), np.ones(len(moved)), -np.ones(len(removed)), np.ones(150)])
    updated = grid.updated(change_lon, change_lat, delta.astype(np.int64))

    _same(updated, PointGrid.build(after_lon, after_lat, MAX_ZOOM))
    assert int(updated.counts[0].sum()) == len(after_lon)
    _same(grid, PointGrid.build(lon, lat, MAX_ZOOM))  # the pyramid other readers hold is untouched


def test_a_point_moved_there_and_back_and_an_emptied_cell_leave_no_trace():
    rng = np.random.default_rng(3)
    lon, lat = _points(rng, 500)
    grid = PointGrid.build(lon, lat, MAX_ZOOM)
    there = grid.updated(np.array([lon[0], 121.0]), np.array([lat[0], 31.0]), np.array([-1, 1]))
    back = there.updated(np.array([121.0, lon[0]]), np.array([31.0, lat[0]]), np.array([-1, 1]))
    _same(back, grid)
    lone = PointGrid.build(np.array([121.0]), np.array([31.0]), MAX_ZOOM)
    empty = lone.updated(np.array([121.0]), np.array([31.0]), np.array([-1]))
    assert all(len(k) == 0 for k in empty.keys)


def test_removing_a_point_the_pyramid_never_held_is_refused():
    grid = PointGrid.build(np.array([121.0]), np.array([31.0]), MAX_ZOOM)
    with pytest.raises(ValueError):
        grid.updated(np.array([120.9]), np.array([31.2]), np.array([-1]))
