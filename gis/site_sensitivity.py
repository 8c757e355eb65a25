"""How stable the top of a ranking is when the weights move.

Scenarios: each weight in turn multiplied by 1 ± step (one at a time), and ``samples`` joint draws in
which every weight is multiplied by a factor drawn uniformly from [1 - step, 1 + step] (seeded, so the
report is reproducible); weights are renormalised to 100 in every scenario. The transformed scores
stay fixed: only the weights change. For each site of the baseline top N the report says in how many
scenarios it stays in the top N and the worst rank it reaches.
"""
from __future__ import annotations

import numpy as np


def scenario_weights(weights: np.ndarray, step: float, samples: int, seed: int) -> tuple[np.ndarray, int]:
    """k x M weight matrix (columns sum to 100) and the number of one-at-a-time scenarios first."""
    w = np.asarray(weights, dtype=float)
    cols = []
    for j in np.flatnonzero(w > 0):
        for sign in (1, -1):
            f = np.ones_like(w)
            f[j] = 1 + sign * step
            cols.append(w * f)
    n_oat = len(cols)
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        cols.append(w * rng.uniform(1 - step, 1 + step, size=w.shape))
    m = np.array(cols).T if cols else np.zeros((len(w), 0))
    return m / m.sum(axis=0, keepdims=True) * 100, n_oat


def top_stability(score: np.ndarray, weights: np.ndarray, order: np.ndarray, ids, top_n: int = 5,
                  step: float = 0.10, samples: int = 200, seed: int = 20211) -> dict:
    """Stability of the top ``top_n`` sites of a ranking (``score``: N x k transformed scores in 0..1)."""
    top = order[:top_n]
    if len(top) == 0:
        return {"top_n": top_n, "scenarios": 0, "sites": []}
    W, n_oat = scenario_weights(weights, step, samples, seed)
    base_total = score @ np.asarray(weights, dtype=float)
    # A site can move by at most a factor (1+step)/(1-step) either way, so sites that cannot reach the
    # lowest perturbed score of the baseline top N never change a rank that matters: drop them.
    grow = (1 + step) / (1 - step)
    floor = base_total[top].min() / grow
    keep = np.flatnonzero(base_total * grow >= floor - 1e-9)
    S = score[keep] @ W  # kept x M
    pos = {int(i): p for p, i in enumerate(keep)}
    sites = []
    for rank0, i in enumerate(top):
        mine = S[pos[int(i)]]
        # ties count in favour of the site, as the baseline breaks them by id
        ranks = 1 + (S > mine + 1e-9).sum(axis=0)
        stayed = ranks <= top_n
        sites.append({"id": str(ids[i]), "base_rank": rank0 + 1,
                      "stayed_one_at_a_time": int(stayed[:n_oat].sum()),
                      "stayed_joint": int(stayed[n_oat:].sum()),
                      "stayed_share": round(float(stayed.mean()), 3) if stayed.size else 1.0,
                      "worst_rank": int(ranks.max()) if ranks.size else rank0 + 1,
                      "best_rank": int(ranks.min()) if ranks.size else rank0 + 1})
    same_set = 0
    if W.shape[1]:
        kth = np.sort(S, axis=0)[-min(top_n, len(keep))]
        top_rows = np.array([pos[int(i)] for i in top])
        same_set = int((S[top_rows] >= kth - 1e-9).all(axis=0).sum())
    return {"top_n": top_n, "step": step, "scenarios": int(W.shape[1]), "one_at_a_time": n_oat,
            "joint_samples": samples, "seed": seed, "top_set_unchanged": same_set,
            "method": (f"each weight ×(1±{step:g}) one at a time ({n_oat} scenarios) and {samples} joint draws "
                       f"of every weight ×U(1−{step:g}, 1+{step:g}), seed {seed}; weights renormalised to 100"),
            "sites": sites}
