"""Firm counters updated from moved firms (the site search after an enterprise edit) against counters built
from scratch: the same grid, bounds and exact counts, with firms on the circles' edges."""
import numpy as np

from gis.site_neighbours import FirmCounter, SitePoints


def test_updated_counters_and_adjusted_counts_equal_a_rebuild():
    rng = np.random.default_rng(3)
    firms = np.round(rng.uniform(0, 9000, (600, 2)))  # whole metres: many firms exactly on some circles
    sites = np.vstack([np.round(rng.uniform(0, 9000, (300, 2))), firms[:40] + [1500.0, 0.0]])
    old = FirmCounter(firms)
    radius = 1500.0
    held = old.exact(sites, radius)
    lo0, hi0 = old.bounds(sites, radius)
    corner = np.flatnonzero((firms < 2500).all(axis=1))  # changes in one corner: sites far away keep their bounds
    gone = rng.choice(corner, 15, replace=False)
    gone = gone[(firms[gone] != firms.min(axis=0)).all(axis=1) & (firms[gone] != firms.max(axis=0)).all(axis=1)]
    near = sites[(sites < 1500).all(axis=1)][:5]
    added = np.vstack([np.round(rng.uniform(100, 2500, (25, 2))), near + [0.0, radius]])  # 5 on a circle
    now = np.vstack([np.delete(firms, gone, axis=0), added])
    new = old.updated(now, firms[gone], added)
    fresh = FirmCounter(now)
    assert new.grid_carried and (new.sat == fresh.sat).all()
    lo, hi = new.bounds(sites, radius)
    assert not ((lo == lo0).all() and (hi == hi0).all())
    assert (lo == fresh.bounds(sites, radius)[0]).all() and (hi == fresh.bounds(sites, radius)[1]).all()
    counts = held.copy()
    points = SitePoints(sites)
    moved = np.vstack([firms[gone], added])
    points.add_counts(counts, moved, np.r_[-np.ones(len(gone)), np.ones(len(added))], radius)
    assert (counts == fresh.exact(sites, radius)).all() and not (counts == held).all()
    rows = points.near(moved, radius + 2 * new.cell)  # outside these, the bounds did not change
    outside = np.setdiff1d(np.arange(len(sites)), rows)
    assert (lo[outside] == lo0[outside]).all() and (hi[outside] == hi0[outside]).all() and len(outside) > 0
    big = old.updated(np.vstack([now, [[20000.0, 20000.0]]]), firms[gone], np.vstack([added, [[20000.0, 20000.0]]]))
    assert not big.grid_carried and (big.bounds(sites, radius)[1] == FirmCounter(big.points).bounds(sites, radius)[1]).all()
