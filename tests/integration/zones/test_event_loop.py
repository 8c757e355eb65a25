"""Nothing blocks the event loop: while a zone edit re-assigns ~50,000 enterprises, the server still
answers /conformance and tiles at once (the edit runs in the thread pool, not on the loop)."""
import json
import threading
import time
import urllib.request

import pytest

from tests.integration.zones.edit_load import TILES, seed, shrink_request, unseed


@pytest.fixture(scope="module")
def many_firms(engine):
    count = seed(engine)
    yield count
    unseed(engine)


def _timed(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as res:
        res.read()
        assert res.status == 200
    return time.perf_counter() - start


def test_conformance_and_tiles_answer_while_a_long_edit_runs(live_server, engine, planner_auth, many_firms):
    assert many_firms > 40_000
    done, impacts, durations = threading.Event(), [], []

    def edit():
        try:
            # Edits follow one another until they have held the server for over a second and a half (one
            # edit of 29,000 moves takes under half a second now, too short to tell a blocked loop apart);
            # ten at most, so an edit that does no real work still fails the check below.
            while len(durations) < 10 and (len(durations) < 2 or sum(durations) < 1.5):
                start = time.perf_counter()
                with urllib.request.urlopen(shrink_request(live_server, engine, planner_auth), timeout=120) as res:
                    impacts.append(json.loads(res.read()))
                durations.append(time.perf_counter() - start)
        finally:
            done.set()

    z, x, y = TILES[0]
    tile = f"{live_server}/collections/zones/tiles/WebMercatorQuad/{z}/{x}/{y}"
    _timed(tile)  # built once: during the edit the server only checks its data version and sends it
    worker = threading.Thread(target=edit)
    worker.start()
    time.sleep(0.2)  # the edit is under way
    conformance, tiles = [], []
    while not done.is_set():
        conformance.append(_timed(f"{live_server}/conformance"))
        tiles.append(_timed(tile))
    worker.join()
    moved = len(impacts[0]["enterprises"]["left"]["cluster-logistics"])
    print(f"\n{many_firms} firms; edit {[round(d, 2) for d in durations]} s re-assigning {moved}; "
          f"/conformance max {max(conformance) * 1000:.0f} ms over {len(conformance)}, "
          f"tile max {max(tiles) * 1000:.0f} ms over {len(tiles)}")
    assert moved > 20_000  # the edit really re-assigned tens of thousands of enterprises
    assert sum(durations) > 1.5 and len(conformance) >= 3  # and took long enough to matter
    # A loop blocked by the edit would hold every request for the edit's length. The 95th percentile, not
    # the maximum, is held to a second: on a shared 2-core machine the scheduler alone can stall one request.
    for name, times in (("/conformance", conformance), ("tile", tiles)):
        p95 = sorted(times)[int(0.95 * (len(times) - 1))]
        print(f"{name}: p95 {p95 * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
        assert p95 < 1.0, name
        assert max(times) < min(durations) / 2, name
