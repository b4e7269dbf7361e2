"""Visiting orders: short open walks through a set of points, at three efforts.

- along a Hilbert curve (index the points once, then any subset is ordered by a sort);
- nearest-neighbour from the westernmost point;
- nearest-neighbour improved by 2-opt moves while they shorten the walk.

Both ends are free: a worker need not come back to the start.
"""

from __future__ import annotations

import numpy as np

MAX_TWO_OPT_MOVES_PER_POINT = 4
"""2-opt stops after this many moves per point even if it could still shorten the walk."""
HILBERT_ORDER = 16
"""Bits per axis of the Hilbert curve: a 65,536-cell side, centimetres on a grid."""


def path_length(points: np.ndarray) -> float:
    """Straight-line metres along the points in their order."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def distance_matrix(points: np.ndarray) -> np.ndarray:
    """Straight-line metres between every pair of points."""
    return np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))


def nearest_neighbour_order(points: np.ndarray, distances: np.ndarray) -> np.ndarray:
    """Indices of ``points`` in nearest-neighbour order from the westernmost point."""
    count = len(points)
    if count <= 2:
        return np.arange(count)
    remaining = distances.copy()
    current = int(np.lexsort((-points[:, 1], points[:, 0]))[0])
    remaining[:, current] = np.inf
    order = np.empty(count, dtype=np.intp)
    order[0] = current
    for step in range(1, count):
        current = int(remaining[current].argmin())
        remaining[:, current] = np.inf
        order[step] = current
    return order


def two_opt(distances: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Improve an open walk by 2-opt: reverse the stretch order[i..j] whose reversal
    shortens the walk most, until none does. All gains are computed at once."""
    count = len(order)
    if count <= 3:
        return order
    order = order.copy()
    # A virtual point at distance 0 from all others leaves both ends of the walk free.
    padded = np.zeros((count + 1, count + 1))
    padded[:count, :count] = distances
    free_end = np.array([count])
    stretches = np.triu(np.ones((count, count), dtype=bool), k=1)
    for _ in range(MAX_TWO_OPT_MOVES_PER_POINT * count):
        before = np.concatenate((free_end, order[:-1]))
        after = np.concatenate((order[1:], free_end))
        gain = (
            padded[before, order][:, None]
            + padded[order, after][None, :]
            - padded[before[:, None], order[None, :]]
            - padded[order[:, None], after[None, :]]
        )
        gain[~stretches] = 0.0
        first, last = np.unravel_index(int(np.argmax(gain)), gain.shape)
        if gain[first, last] <= 1e-9:
            break
        order[first : last + 1] = order[first : last + 1][::-1]
    return order


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
