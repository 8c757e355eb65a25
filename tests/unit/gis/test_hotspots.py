"""Gi* hotspots against esda (reference implementation) and an independent BH procedure."""
import numpy as np
import pytest
from scipy import stats

from gis.hexbin import bin_points, k1_neighbours, study_area_cells
from gis.hotspots import bh_adjust, classify, gi_star_z, hotspots, permutation_p

QINGPU_BOX = {"type": "Polygon", "coordinates": [[[121.0, 31.05], [121.2, 31.05], [121.2, 31.2], [121.0, 31.2],
                                                  [121.0, 31.05]]]}


def _grid_with_cluster(seed=3):
    rng = np.random.default_rng(seed)
    # uniform background plus a park-like cluster about 2 km across
    lon = np.r_[rng.uniform(121.0, 121.2, 1500), rng.normal(121.1, 0.015, 3000)]
    lat = np.r_[rng.uniform(31.05, 31.2, 1500), rng.normal(31.12, 0.015, 3000)]
    bins = bin_points(lon, lat, 8)
    cells = study_area_cells(QINGPU_BOX, 8, bins.cells)
    x = np.zeros(cells.size)
    x[np.searchsorted(cells, bins.cells)] = bins.count
    rows, cols = k1_neighbours(cells)
    return cells, x, rows, cols


def _esda_weights(n, rows, cols):
    from libpysal.weights import W

    neighbours = {i: [] for i in range(n)}
    for i, j in zip(rows.tolist(), cols.tolist()):
        neighbours[i].append(j)
    return W(neighbours, silence_warnings=True)


def test_gi_star_z_equals_esda_g_local_star_on_the_same_weights():
    from esda.getisord import G_Local

    cells, x, rows, cols = _grid_with_cluster()
    ref = G_Local(x, _esda_weights(x.size, rows, cols), transform="B", star=True, permutations=0)
    ours = gi_star_z(x, rows, cols)
    assert x.size > 300 and (x == 0).any()  # empty cells are part of the study area
    np.testing.assert_allclose(ours, ref.Zs, rtol=0, atol=1e-9)


def test_permutation_p_values_agree_with_esda_within_monte_carlo_error():
    from esda.getisord import G_Local

    _, x, rows, cols = _grid_with_cluster()
    # Continuous values (employees-like), so that esda's and our handling of ties cannot differ.
    x = x * np.random.default_rng(9).uniform(5, 50, x.size)
    ours = permutation_p(x, rows, cols, permutations=999, seed=7)
    ref = G_Local(x, _esda_weights(x.size, rows, cols), transform="B", star=True, permutations=999, seed=7,
                  n_jobs=1)
    # ours is two-sided: 2 × esda's folded one-sided p_sim; the draws differ, so agree within MC error.
    diff = ours / 2 - ref.p_sim
    assert np.median(np.abs(diff)) < 0.02
    assert np.mean(np.abs(diff) < 0.05) > 0.95


def test_fixed_seed_reproduces_p_values_and_another_seed_changes_them():
    _, x, rows, cols = _grid_with_cluster()
    a = permutation_p(x, rows, cols, 199, seed=1)
    assert np.array_equal(a, permutation_p(x, rows, cols, 199, seed=1))
    assert not np.array_equal(a, permutation_p(x, rows, cols, 199, seed=2))


def test_bh_matches_scipy_and_significant_cells_never_exceed_what_bh_allows():
    _, x, rows, cols = _grid_with_cluster()
    res = hotspots(x, rows, cols, permutations=999, seed=11)
    np.testing.assert_allclose(res.q_value, stats.false_discovery_control(res.p_value, method="bh"), atol=1e-12)
    for alpha, label in ((0.01, "99"), (0.05, "95"), (0.10, "90")):
        at_least = {"99": ("99",), "95": ("99", "95"), "90": ("99", "95", "90")}[label]
        ours = sum(c.endswith(tuple("_" + a for a in at_least)) for c in res.klass)
        # independent BH: the largest k with p_(k) <= k alpha / m
        p = np.sort(res.p_value)
        m = p.size
        passing = np.nonzero(p <= np.arange(1, m + 1) * alpha / m)[0]
        allowed = passing[-1] + 1 if passing.size else 0
        assert ours <= allowed
    # the planted cluster is found, and raw p < 0.1 would flag more cells than FDR does
    assert any(c.startswith("hot_") for c in res.klass)
    assert (res.p_value <= 0.1).sum() >= sum(c != "not_significant" for c in res.klass)


def test_pure_noise_gives_no_hotspots_after_fdr_but_some_raw_p_below_005():
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(121.0, 121.2, 3000), rng.uniform(31.05, 31.2, 3000)
    bins = bin_points(lon, lat, 8)
    cells = study_area_cells(QINGPU_BOX, 8, bins.cells)
    x = np.zeros(cells.size)
    x[np.searchsorted(cells, bins.cells)] = bins.count
    rows, cols = k1_neighbours(cells)
    res = hotspots(x, rows, cols, permutations=999, seed=1)
    assert (res.p_value < 0.05).sum() > 0
    assert all(c == "not_significant" for c in res.klass)


def test_classes_use_sign_of_z_and_the_three_levels():
    z = np.array([3.0, -3.0, 2.0, -2.0, 1.7, 0.1])
    q = np.array([0.005, 0.004, 0.03, 0.04, 0.08, 0.5])
    assert list(classify(z, q)) == ["hot_99", "cold_99", "hot_95", "cold_95", "hot_90", "not_significant"]


def test_bh_adjust_small_hand_example():
    # p = .01 .04 .03 .20 (m = 4): sorted .01 .03 .04 .20 -> .04 .06 .0533 .20 -> monotone .04 .0533 .0533 .20
    np.testing.assert_allclose(bh_adjust([0.01, 0.04, 0.03, 0.20]), [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.20])


def test_unknown_fdr_method_is_refused():
    with pytest.raises(ValueError):
        hotspots(np.ones(3), np.array([0]), np.array([1]), fdr="bonferroni")
