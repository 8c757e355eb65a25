"""Getis-Ord Gi* hotspots with conditional-randomisation p-values and Benjamini–Hochberg FDR.

Neighbourhood (documented contract): binary weights, w_ij = 1 for the cell itself and each of its
k=1 ring neighbours that lies in the study area, 0 otherwise. The study area holds every cell of
the grid, empty ones included, so zeros count (a lone firm in empty country is not "hot").

z-score (analytic, as esda.G_Local(star=True, transform="B")):
    z_i = (S_i - x̄ W_i) / (s sqrt((n W_i - W_i²) / (n - 1))),
with S_i = Σ_j w_ij x_j, W_i = Σ_j w_ij, x̄ and s the mean and population standard deviation of
all n cells.

p-value: conditional randomisation. x_i stays in place; its k_i neighbours are replaced by k_i
values drawn without replacement from the other n - 1 cells, ``permutations`` times, with one
seeded generator. As in esda, one set of draws (k_max distinct positions among the n - 1 others per
permutation, in random order; a cell with k_i neighbours uses the first k_i) is shared by all cells.
The one-sided pseudo p-value is folded toward the observed
tail, p1 = (1 + min(#≥, #≤)) / (permutations + 1) (ties counted on both sides, so a little more
conservative than esda's p_sim with integer counts); the reported p_value is two-sided, min(1, 2 p1),
because a cell can be hot or cold.

Classes: BH-adjusted p-values (q) are compared with 0.01 / 0.05 / 0.10 and the sign of z gives
hot or cold; a cell is "hot_99" when its q ≤ 0.01 (the BH procedure at α = 0.01 rejects it), and so
on; "not_significant" otherwise. ``fdr="none"`` classes on the raw p-values instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis.errors import InvalidInput

__all__ = ["LEVELS", "FDR_METHODS", "HotspotResult", "gi_star_z", "permutation_p", "bh_adjust", "classify",
           "hotspots"]

LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))
FDR_METHODS = ("bh", "none")
DEFAULT_SEED = 20250101
# 9999 by default: with 999 the smallest two-sided p is 0.002, and BH over ~1,300 res-8 cells then
# needs 27 cells at that floor before it flags any (a z of 25 stayed "not significant").
DEFAULT_PERMUTATIONS = 9999


def _sums(x: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ over the star neighbourhood (self + neighbours) of x, and the neighbour counts k_i."""
    n = x.size
    k = np.bincount(rows, minlength=n)
    s = x + np.bincount(rows, weights=x[cols], minlength=n)
    return s, k


def gi_star_z(x, rows, cols) -> np.ndarray:
    """Analytic Gi* z-scores for values x over binary star weights given by edges (rows, cols)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    s, k = _sums(x, rows, cols)
    w = k + 1.0
    mean = x.mean()
    sd = x.std()  # population standard deviation, as in Getis & Ord (1995) and esda
    if n < 2 or sd == 0:
        return np.zeros(n)
    return (s - mean * w) / (sd * np.sqrt((n * w - w * w) / (n - 1)))


def _distinct_draws(rng: np.random.Generator, permutations: int, k: int, pool: int) -> np.ndarray:
    """(permutations, k) positions in range(pool), distinct within each row, in random order.

    Rows are drawn with replacement and the few rows holding a repeat are redrawn (k is at most 6
    and pool is hundreds or thousands of cells, so repeats are rare); memory stays permutations × k.
    """
    if k > pool:
        raise InvalidInput("more neighbours than other cells")
    draws = rng.integers(0, pool, size=(permutations, k))
    while True:
        ordered = np.sort(draws, axis=1)
        bad = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if bad.size == 0:
            return draws
        draws[bad] = rng.integers(0, pool, size=(bad.size, k))


def permutation_p(x, rows, cols, permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED,
                  chunk: int = 256) -> np.ndarray:
    """Two-sided conditional-randomisation pseudo p-values for Gi* (see the module docstring)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    if permutations < 1:
        raise InvalidInput("permutations must be at least 1")
    s_obs, k = _sums(x, rows, cols)
    kmax = int(k.max()) if n else 0
    if n < 2 or kmax == 0:
        return np.ones(n)
    draws = _distinct_draws(np.random.default_rng(seed), permutations, kmax, n - 1)
    take = np.arange(kmax)
    p1 = np.empty(n)
    chunk = max(1, min(chunk, 4_000_000 // (permutations * kmax)))  # bound the (cells, perms, kmax) block
    for start in range(0, n, chunk):
        idx = np.arange(start, min(start + chunk, n))
        # Position j among "others" of cell i is cell j if j < i, else j + 1 (skip cell i).
        pos = draws[None, :, :] + (draws[None, :, :] >= idx[:, None, None])
        vals = x[pos]                                    # (cells, perms, kmax)
        mask = take[None, None, :] < k[idx, None, None]  # only the first k_i draws count
        sim = x[idx, None] + (vals * mask).sum(axis=2)   # (cells, perms)
        obs = s_obs[idx, None]
        # Integer-valued data make ties common; compare with a tolerance for float sums.
        tol = 1e-9 * np.maximum(1.0, np.abs(obs))
        ge = (sim >= obs - tol).sum(axis=1)
        le = (sim <= obs + tol).sum(axis=1)
        p1[idx] = (1.0 + np.minimum(ge, le)) / (permutations + 1.0)
    return np.minimum(1.0, 2.0 * p1)


def bh_adjust(p) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values): q_(i) = min_{j≥i} p_(j) m / j, capped at 1."""
    p = np.asarray(p, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def classify(z, p_for_test) -> np.ndarray:
    """hot_99 / hot_95 / hot_90 / cold_* / not_significant from z and the (adjusted) p-values."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p_for_test, dtype=float)
    out = np.full(z.size, "not_significant", dtype=object)
    for alpha, label in reversed(LEVELS):  # widest first; stricter levels overwrite
        sig = p <= alpha
        out[sig & (z > 0)] = f"hot_{label}"
        out[sig & (z < 0)] = f"cold_{label}"
    return out


@dataclass(frozen=True)
class HotspotResult:
    z: np.ndarray
    p_value: np.ndarray
    q_value: np.ndarray
    klass: np.ndarray
    neighbours: np.ndarray  # k_i, ring neighbours inside the study area (self excluded)


def hotspots(x, rows, cols, permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED,
             fdr: str = "bh") -> HotspotResult:
    if fdr not in FDR_METHODS:
        raise InvalidInput(f"fdr must be one of {', '.join(FDR_METHODS)}")
    x = np.asarray(x, dtype=float)
    z = gi_star_z(x, rows, cols)
    p = permutation_p(x, rows, cols, permutations, seed)
    q = bh_adjust(p) if fdr == "bh" else p
    k = np.bincount(rows, minlength=x.size)
    return HotspotResult(z, p, q, classify(z, q), k)
