"""How stable the top of a ranking is when the weights move.

Scenarios: each weight in turn multiplied by 1 ± step (one at a time), and ``samples`` joint draws in
which every weight is multiplied by a factor drawn uniformly from [1 - step, 1 + step] (seeded, so the
report is reproducible); weights are renormalised to 100 in every scenario. The transformed scores
stay fixed: only the weights change. For each site of the baseline top N the report says in how many
scenarios it stays in the top N and the worst rank it reaches.
"""
from __future__ import annotations

import numpy as np

STEP = 0.10


def overtake_floor(total_b: float, step: float = STEP) -> float:
    """The lowest baseline total from which a site can overtake one scoring ``total_b`` in some scenario.

    In a scenario the weights are w_i f_i / F with f_i in [1 - step, 1 + step]; F cancels when two sites
    are compared, so a overtakes b iff sum w_i f_i (t_ai - t_bi) > 0, which some f allows iff
    T_a - T_b + step * sum w_i |t_ai - t_bi| > 0. As 0 <= t <= 1 and the weights sum to 100, that sum is
    at most min(100, T_a + T_b), so a needs T_a > T_b - 100 step and T_a > T_b (1 - step) / (1 + step).
    """
    return max(total_b - 100 * step, total_b * (1 - step) / (1 + step))


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
                  step: float = STEP, samples: int = 200, seed: int = 20211) -> dict:
    """Stability of the top ``top_n`` sites of a ranking (``score``: N x k transformed scores in 0..1)."""
    top = order[:top_n]
    if len(top) == 0:
        return {"top_n": top_n, "scenarios": 0, "sites": []}
    W, n_oat = scenario_weights(weights, step, samples, seed)
    base_total = score @ np.asarray(weights, dtype=float)
    # Sites that cannot overtake even the lowest of the baseline top N in any scenario never change a
    # rank that matters: drop them before the scenario matrix is built.
    keep = np.flatnonzero(base_total >= overtake_floor(base_total[top].min(), step) - 1e-9)
    S = score[keep] @ W  # kept x M
    pos = {int(i): p for p, i in enumerate(keep)}
    ranks = np.empty((len(top), W.shape[1]), dtype=int)
    for r, i in enumerate(top):
        # ties count in favour of the site, as the baseline breaks them by id
        ranks[r] = 1 + (S > S[pos[int(i)]] + 1e-9).sum(axis=0)
    stayed_all = ranks <= top_n
    sites = []
    for r, i in enumerate(top):
        stayed, rk = stayed_all[r], ranks[r]
        sites.append({"id": str(ids[i]), "base_rank": r + 1,
                      "stayed_one_at_a_time": int(stayed[:n_oat].sum()),
                      "stayed_joint": int(stayed[n_oat:].sum()),
                      "stayed_share": round(float(stayed.mean()), 3) if stayed.size else 1.0,
                      "worst_rank": int(rk.max()) if rk.size else r + 1,
                      "best_rank": int(rk.min()) if rk.size else r + 1})
    # the top set is unchanged exactly when every one of its sites stays in it
    same_set = int(stayed_all.all(axis=0).sum()) if len(top) == min(top_n, len(keep)) else 0
    return {"top_n": top_n, "step": step, "scenarios": int(W.shape[1]), "one_at_a_time": n_oat,
            "joint_samples": samples, "seed": seed, "top_set_unchanged": same_set,
            "method": (f"each weight ×(1±{step:g}) one at a time ({n_oat} scenarios) and {samples} joint draws "
                       f"of every weight ×U(1−{step:g}, 1+{step:g}), seed {seed}; weights renormalised to 100"),
            "sites": sites}


def _first(key: np.ndarray, position: np.ndarray, k: int) -> np.ndarray:
    """``np.lexsort((position, key))[:k]`` without sorting every site: only those with a key at or below
    the k-th smallest (every tie of it included) are sorted."""
    if len(key) > 4 * k > 0:
        kth = np.partition(key, k - 1)[k - 1]
        if not np.isnan(kth):
            few = np.flatnonzero(key <= kth)
            return few[np.lexsort((position[few], key[few]))][:k]
    return np.lexsort((position, key))[:k]


def deciding_criteria(score: np.ndarray, weights: np.ndarray, order: np.ndarray, labels, top_n: int = 5,
                      compare_to: int = 20) -> dict:
    """Which criteria decide the top ``top_n``: for each criterion, how many of the top sites leave the top if
    it is dropped (its weight set to 0, the others renormalised; ties by the baseline order), and how many
    points the top sites gain on it over the sites ranked top_n+1..compare_to (mean contributions).

    A criterion *decides* the top when dropping it changes the top set or it gives the top sites at least one
    point more than the sites just below; the text names those, strongest first."""
    w = np.asarray(weights, dtype=float)
    n = len(order)
    top = order[:top_n]
    below = order[top_n:compare_to]
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    rows = []
    for j in range(len(w)):
        if w[j] <= 0 or len(top) == 0:
            rows.append({"criterion": j, "drop_out": 0, "points_ahead": 0.0, "decides": False})
            continue
        wj = w.copy()
        wj[j] = 0.0
        if wj.sum() <= 0:
            drop = len(top)
        else:
            total = score @ (wj / wj.sum() * 100)
            new_top = _first(-np.round(total, 9), position, top_n)
            drop = len(set(top.tolist()) - set(new_top.tolist()))
        contribution = score[:, j] * w[j]
        ahead = float(contribution[top].mean() - contribution[below].mean()) if len(below) else 0.0
        rows.append({"criterion": j, "drop_out": int(drop), "points_ahead": round(ahead, 2),
                     "decides": bool(drop > 0 or ahead >= 1.0)})
    for r in rows:
        r["label"] = labels[r["criterion"]]
    deciders = sorted((r for r in rows if r["decides"]), key=lambda r: (-r["drop_out"], -r["points_ahead"]))
    if not len(top):
        text = "no site ranked"
    elif not deciders:
        text = f"no single criterion decides the top {len(top)}: they lead by small margins on several"
    else:
        parts = [f"{r['label']} ({r['points_ahead']:+.1f} points over ranks {top_n + 1}–{min(compare_to, n)}"
                 + (f"; without it {r['drop_out']} of the {len(top)} "
                    f"{'leaves' if r['drop_out'] == 1 else 'leave'} the top)" if r["drop_out"] else
                    "; the top stays without it)") for r in deciders]
        text = f"the top {len(top)} are decided by " + ", ".join(parts)
    quiet = [r["label"] for r in rows if not r["decides"] and w[r["criterion"]] > 0]
    if quiet and len(top):
        text += "; not deciding: " + ", ".join(quiet)
    return {"top_n": top_n, "compared_with": f"ranks {top_n + 1}–{min(compare_to, n)}", "criteria": rows,
            "text": text,
            "method": "each criterion dropped in turn (weight 0, others renormalised to 100): how many of the top "
                      f"{top_n} leave; and the mean points the top {top_n} gain on it over the sites ranked "
                      f"{top_n + 1}–{compare_to}. A criterion decides when dropping it changes the top or it gives "
                      "the top at least 1 point more."}
