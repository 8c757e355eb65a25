"""Boxes that cover an area tightly, for finding the points inside it through a spatial index.

An index probe with an area's bounding box fetches every point in the box, and a crescent, a long strip
or a rounding sliver along an unchanged boundary (square metres, with a box as large as the zone) has a
box holding many times the points inside it. So the area's bounding box is halved along its longer
side, recursively, until the part of the area in each half is simple (at most ``max_vertices``
vertices) and fills at least ``min_fill`` of its own box, or that box is no longer than ``max_side``
degrees; each part gives its own bounding box. The boxes together cover the area (every point of it
lies in one of them); the points they find are then tested against the area itself.

(The edges are not densified first: GEOS repairs a densified polygon that rounding made invalid, and a
near-collinear spike an overlay leaves can so lose almost all its area.)
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

_MARGIN = 1e-9  # degrees (0.1 mm)
# A split's pieces may differ from the part's area by rounding along its edges: a strip this wide
# (degrees, 0.1 µm; coordinates near 121° are exact to 1.4e-14), no more.
_ROUNDING = 1e-12


def probe_boxes(area: BaseGeometry | None, max_vertices: int = 8, min_fill: float = 0.8,
                max_side: float = 0.001) -> np.ndarray:
    """(n, 4) array of (xmin, ymin, xmax, ymax) boxes covering ``area`` (empty for no area)."""
    if area is None or area.is_empty:
        return np.zeros((0, 4))
    boxes: list[tuple[float, float, float, float]] = []
    stack = [area]
    while stack:
        part = stack.pop()
        xmin, ymin, xmax, ymax = part.bounds
        width, height = xmax - xmin, ymax - ymin
        if max(width, height) <= max_side or (shapely.get_num_coordinates(part) <= max_vertices
                                             and part.area >= min_fill * width * height):
            boxes.append((xmin, ymin, xmax, ymax))
            continue
        if width >= height:
            middle = xmin + width / 2
            halves = ((xmin, ymin, middle, ymax), (middle, ymin, xmax, ymax))
        else:
            middle = ymin + height / 2
            halves = ((xmin, ymin, xmax, middle), (xmin, middle, xmax, ymax))
        pieces = _split(part, halves)
        if pieces is None and not part.is_valid:  # an invalid piece of an earlier fast clip: repaired,
            repaired = shapely.make_valid(part)  # if that keeps its area (then valid, it splits or is a leaf)
            if _adds_up(part, [repaired]):
                stack.append(repaired)
                continue
        if pieces is None:
            # Clipping lost a part thinner than rounding: this part's own box covers it all.
            boxes.append((xmin, ymin, xmax, ymax))
            continue
        stack.extend(piece for piece in pieces if not piece.is_empty)
    result = np.array(boxes, dtype=float)
    result[:, :2] -= _MARGIN  # (the parts' bounds come from clipped coordinates: a rounding's worth wider)
    result[:, 2:] += _MARGIN
    return result



def _split(part: BaseGeometry, halves) -> list[BaseGeometry] | None:
    """The part inside each half, or None when the pieces' areas do not add up to the part's.

    By the fast clip first. It may fail on a sliver it cannot close (a ring of three points) or lose
    one; then by the exact, slower intersection, which returns a sliver as the line it is. (The fast
    clip may also return an invalid polygon, a spike along the cut, whose own area is right: its
    split then does not add up, and the caller repairs it.)"""
    try:
        pieces = [shapely.clip_by_rect(part, *half) for half in halves]
        if _adds_up(part, pieces):
            return pieces
    except shapely.errors.GEOSException:
        pass
    pieces = [shapely.intersection(part, shapely.box(*half)) for half in halves]
    return pieces if _adds_up(part, pieces) else None


def _adds_up(part: BaseGeometry, pieces: list[BaseGeometry]) -> bool:
    return abs(sum(p.area for p in pieces) - part.area) <= _ROUNDING * part.length
