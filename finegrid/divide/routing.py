"""Visiting orders: short open walks through a set of points, at three efforts.

- along a Hilbert curve (index the points once, then any subset is ordered by a sort);
- nearest-neighbour from the westernmost point;
- nearest-neighbour improved by 2-opt moves while they shorten the walk.

Both ends are free: a worker need not come back to the start.
"""

from __future__ import annotations

import numpy as np

MAX_TWO_OPT_PASSES = 8
HILBERT_ORDER = 16
"""Bits per axis of the Hilbert curve: a 65,536-cell side, centimetres on a grid."""


def path_length(points: np.ndarray) -> float:
    """Straight-line metres along the points in their order."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def visiting_order(points: np.ndarray, *, improve: bool = True) -> np.ndarray:
    """Indices of ``points`` in nearest-neighbour order, improved by 2-opt unless
    ``improve`` is false."""
    count = len(points)
    if count <= 2:
        return np.arange(count)
    distances = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    order = _nearest_neighbour(distances, int(np.lexsort((-points[:, 1], points[:, 0]))[0]))
    return _two_opt(distances, order) if improve and count > 3 else order


def hilbert_index(points: np.ndarray) -> np.ndarray:
    """Position of each point along a Hilbert curve over the points' bounding square."""
    low = points.min(axis=0)
    span = max(float((points.max(axis=0) - low).max()), 1e-9)
    side = 1 << HILBERT_ORDER
    cells = np.minimum(((points - low) / span * (side - 1)).astype(np.int64), side - 1)
    x, y = cells[:, 0].copy(), cells[:, 1].copy()
    index = np.zeros(len(points), dtype=np.int64)
    step = side >> 1
    while step > 0:
        right = (x & step) > 0
        up = (y & step) > 0
        index += step * step * ((3 * right) ^ up)
        # Rotate the quadrant so the curve inside it runs the right way.
        flip = ~up
        mirror = flip & right
        x = np.where(mirror, side - 1 - x, x)
        y = np.where(mirror, side - 1 - y, y)
        x, y = np.where(flip, y, x), np.where(flip, x, y)
        step >>= 1
    return index


def _nearest_neighbour(distances: np.ndarray, start: int) -> np.ndarray:
    count = len(distances)
    order = np.empty(count, dtype=np.intp)
    visited = np.zeros(count, dtype=bool)
    current = start
    for step in range(count):
        order[step] = current
        visited[current] = True
        if step + 1 < count:
            row = np.where(visited, np.inf, distances[current])
            current = int(np.argmin(row))
    return order


def _two_opt(distances: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Reverse order[i..j] whenever that shortens the open walk (first best j per i)."""
    count = len(order)
    for _ in range(MAX_TWO_OPT_PASSES):
        improved = False
        for i in range(count - 1):
            j = np.arange(i + 1, count)
            first, last = order[i], order[j]
            after = np.where(j + 1 < count, order[np.minimum(j + 1, count - 1)], -1)
            has_after = after >= 0
            gain = np.where(has_after, distances[last, after] - distances[first, after], 0.0)
            if i > 0:
                before = order[i - 1]
                gain += distances[before, first] - distances[before, last]
            best = int(np.argmax(gain))
            if gain[best] > 1e-9:
                end = j[best]
                order[i : end + 1] = order[i : end + 1][::-1]
                improved = True
        if not improved:
            break
    return order
