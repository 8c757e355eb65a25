"""Rows written in Z-order share pages: neighbours in the order are neighbours on the ground."""
import numpy as np

from gis.spatial_order import z_order


def test_it_is_a_permutation_and_runs_of_rows_stay_close_together():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(120.85, 121.32, 100_000), rng.uniform(30.94, 31.29, 100_000)
    order = z_order(x, y)
    assert sorted(order.tolist()) == list(range(100_000))
    # A "page" of 10 consecutive rows: in Z-order its points lie within a few hundred metres; in the
    # order they came they span the district.
    def page_extent(o):
        px, py = x[o].reshape(-1, 10), y[o].reshape(-1, 10)
        return np.median(np.ptp(px, axis=1) + np.ptp(py, axis=1))
    assert page_extent(order) < 0.01 < 0.2 < page_extent(np.arange(100_000))


def test_the_four_quadrants_come_one_after_the_other():
    x = np.array([1.0, 0.0, 1.0, 0.0, 0.1, 0.9])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.1, 0.9])
    order = z_order(x, y).tolist()
    # (0,0) and its neighbour first, (1,1) and its neighbour last
    assert set(order[:2]) == {1, 4} and set(order[-2:]) == {0, 5}


def test_few_or_identical_points():
    assert z_order([], []).tolist() == [] and z_order([1.0], [2.0]).tolist() == [0]
    assert sorted(z_order([5.0] * 4, [6.0] * 4).tolist()) == [0, 1, 2, 3]
