"""Boxes that cover an area tightly, for finding the points inside it through a spatial index.

An index probe with an area's bounding box fetches every point in the box, and a crescent, a long strip
or a rounding sliver along an unchanged boundary (square metres, with a box as large as the zone) has a
box holding many times the points inside it. So the area's edges are first cut every ``max_segment``
degrees, then its bounding box is halved along its longer side, recursively, until the part of the area
in each half has at most ``max_vertices`` vertices; each part gives its own bounding box. The boxes
together cover the area (every point of it lies in one of them); the points they find are then tested
against the area itself.
"""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

# Below this size (degrees, ~1 m) a part is not split further, whatever its vertex count.
_SMALLEST = 1e-5
_MARGIN = 1e-9  # degrees (0.1 mm)


def probe_boxes(area: BaseGeometry | None, max_vertices: int = 8, max_segment: float = 0.001) -> np.ndarray:
    """(n, 4) array of (xmin, ymin, xmax, ymax) boxes covering ``area`` (empty for no area)."""
    if area is None or area.is_empty:
        return np.zeros((0, 4))
    boxes: list[tuple[float, float, float, float]] = []
    covered = 0.0  # the leaves' area, to tell that clipping lost nothing
    stack = [shapely.segmentize(area, max_segment)]
    while stack:
        part = stack.pop()
        xmin, ymin, xmax, ymax = part.bounds
        width, height = xmax - xmin, ymax - ymin
        if shapely.get_num_coordinates(part) <= max_vertices or max(width, height) < _SMALLEST:
            boxes.append((xmin, ymin, xmax, ymax))
            covered += part.area
            continue
        if width >= height:
            middle = xmin + width / 2
            halves = ((xmin, ymin, middle, ymax), (middle, ymin, xmax, ymax))
        else:
            middle = ymin + height / 2
            halves = ((xmin, ymin, xmax, middle), (xmin, middle, xmax, ymax))
        try:
            pieces = [shapely.clip_by_rect(part, *half) for half in halves]
        except shapely.errors.GEOSException:
            # A near-degenerate sliver GEOS cannot clip (a ring of three points): its own box covers it.
            boxes.append((xmin, ymin, xmax, ymax))
            covered += part.area
            continue
        stack.extend(piece for piece in pieces if not piece.is_empty)
    result = np.array(boxes, dtype=float)
    result[:, :2] -= _MARGIN  # (the parts' bounds come from clipped coordinates: a rounding's worth wider)
    result[:, 2:] += _MARGIN
    # Clipping could lose a part thinner than rounding (a sliver of an overlay); then the area's own box
    # stands in, so no point of the area is ever missed.
    # (The leaves' areas differ from the whole's by rounding, relatively more for a thin sliver; a lost part
    # is told apart down to 1e-12 square degrees, about 0.01 m².)
    if abs(covered - area.area) > 1e-6 * area.area + 1e-12:
        xmin, ymin, xmax, ymax = area.bounds
        return np.array([[xmin - _MARGIN, ymin - _MARGIN, xmax + _MARGIN, ymax + _MARGIN]])
    return result
