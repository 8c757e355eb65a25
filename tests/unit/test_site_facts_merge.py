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
            if what < 0.35 and sites:  # edit
                sid = str(rng.choice(sorted(sites)))
                sites[sid] = _site(rng, sid)
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
        held = held.updated((step + 2, "t"), sorted(written), _cols(present))
        fresh = SiteFacts(_cols(list(sites.values())), (step + 2, "t"))
        assert held.as_rows() == fresh.as_rows(), step
        assert list(held._text()) == [str(i) for i in fresh.id]
        # every kept row points at its row in the previous copy; written ones at none
        assert ((held.prev_rows >= 0) == np.array([str(i) not in written for i in held.id])).all()
