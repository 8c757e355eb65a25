"""SiteFacts.updated (the search's site facts caught up from the write log) against a copy built from
scratch, over random chains of edits, additions, deletions and renames (ids longer and shorter than any
held, new land uses and zones)."""
import numpy as np

from app.sites.facts import SiteFacts

ZONES = ["core", "park-a", "park-b", "cluster-x", "", "core,park-a", "park-b,cluster-x"]


def _site(rng, sid: str) -> dict:
    return {"id": sid, "building": bool(rng.random() < 0.3), "availability": str(rng.choice(["available", "reserved"])),
            "land_use": str(rng.choice(["M1", "M2", "RD", f"U{rng.integers(3)}"])), "area_m2": float(rng.uniform(1, 9)),
            "price": float("nan") if rng.random() < 0.2 else float(rng.uniform(1, 9)),
            "station_m": float(rng.uniform(0, 9)), "highway_m": float(rng.uniform(0, 9)),
            "corridor_m": float(rng.uniform(0, 9)), "x": float(rng.uniform(0, 9)), "y": float(rng.uniform(0, 9)),
            "zones": str(rng.choice(ZONES + [f"zone-{rng.integers(50)}"]))}


def _cols(sites: list[dict]) -> dict:
    keys = ("id", "building", "availability", "land_use", "area_m2", "price", "station_m", "highway_m",
            "corridor_m", "x", "y", "zones")
    return {k: [s[k] for s in sites] for k in keys}


def test_a_chain_of_catch_ups_equals_a_copy_built_from_scratch():
    rng = np.random.default_rng(5)
    sites = {f"S{i:03d}": None for i in range(40)}
    for sid in sites:
        sites[sid] = _site(rng, sid)
    held = SiteFacts(_cols(list(sites.values())), (1, "t"))
    for step in range(60):
        written = set()
        for _ in range(int(rng.integers(0, 6))):
            what = rng.random()
            if what < 0.2 and sites:  # edit, the site moved too
                sid = str(rng.choice(sorted(sites)))
                sites[sid] = _site(rng, sid)
            elif what < 0.35 and sites:  # edit of its price and availability only
                sid = str(rng.choice(sorted(sites)))
                sites[sid] = dict(sites[sid], price=float(rng.uniform(1, 9)), availability="reserved")
            elif what < 0.55 and sites:  # delete
                sid = str(rng.choice(sorted(sites)))
                del sites[sid]
            elif what < 0.75 and sites:  # rename (a longer id)
                sid = str(rng.choice(sorted(sites)))
                new = sid + "-renamed-" + str(step)
                sites[new] = dict(sites.pop(sid), id=new)
                written.add(new)
            else:  # add, sometimes a very short or very long id
                sid = str(rng.choice(["A", "Z" * 30, "M" + str(rng.integers(10**6))])) + str(step)
                sites[sid] = _site(rng, sid)
            written.add(sid)
        present = [sites[s] for s in sorted(written) if s in sites]
        prev = held
        held = held.updated((step + 2, "t"), sorted(written), _cols(present))
        fresh = SiteFacts(_cols(list(sites.values())), (step + 2, "t"))
        assert held.as_rows() == fresh.as_rows(), step
        assert list(held._text()) == [str(i) for i in fresh.id]
        # a row points at the same site with the same measuring point in the previous copy, or at none; at
        # none only when the site is new, moved or was written in a step that added, deleted or renamed
        had = {str(sid): (x, y) for sid, x, y in zip(prev.id, prev.x, prev.y)}
        for i, r in enumerate(held.prev_rows):
            sid = str(held.id[i])
            if r >= 0:
                assert (str(prev.id[r]), prev.x[r], prev.y[r]) == (sid, held.x[i], held.y[i])
            else:
                assert sid in written
            if sid not in written:
                assert r >= 0
            elif had.get(sid) == (held.x[i], held.y[i]) and len(prev.id) == len(held.id) and set(prev.id) == set(held.id):
                assert r >= 0  # edited in place without moving: its neighbour counts are kept
