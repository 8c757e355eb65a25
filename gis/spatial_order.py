"""An order that keeps nearby points together: rows written in it share table pages.

A spatial read (a tile, a bounding box, the rows a zone edit re-assigns) then visits a page for every
dozen rows instead of one per row. The order follows a Z-order (Morton) curve over the points' own
bounding box: each point's x and y, scaled to 16 bits, have their bits interleaved into one key.
"""
from __future__ import annotations

import numpy as np

_BITS = 16


def _spread(v: np.ndarray) -> np.ndarray:
    """The 16 bits of each value moved to the even bit positions of a 32-bit number."""
    v = v.astype(np.uint32)
    v = (v | (v << 8)) & np.uint32(0x00FF00FF)
    v = (v | (v << 4)) & np.uint32(0x0F0F0F0F)
    v = (v | (v << 2)) & np.uint32(0x33333333)
    return (v | (v << 1)) & np.uint32(0x55555555)


def z_order(x, y) -> np.ndarray:
    """Positions (a permutation of range(n)) that sort the points (x, y) along a Z-order curve."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2:
        return np.arange(len(x))
    top = (1 << _BITS) - 1

    def scaled(v: np.ndarray) -> np.ndarray:
        low, span = v.min(), np.ptp(v)
        return np.zeros(len(v), np.uint32) if span == 0 else np.round((v - low) / span * top).astype(np.uint32)
    return np.argsort(_spread(scaled(x)) | (_spread(scaled(y)) << np.uint32(1)), kind="stable")
