"""The visiting order: a short open walk through a set of points.

Nearest-neighbour from the westernmost point, then 2-opt moves while they shorten the
walk. Both ends are free, since a worker need not come back to where they started.
"""

from __future__ import annotations

import numpy as np

MAX_TWO_OPT_PASSES = 8


def path_length(points: np.ndarray) -> float:
    """Straight-line metres along the points in their order."""
    if len(points) < 2:
        return 0.0
    return float(np.hypot(*np.diff(points, axis=0).T).sum())


def visiting_order(points: np.ndarray, *, improve: bool = True) -> np.ndarray:
    """Indices of ``points`` in walking order; ``improve=False`` skips 2-opt for quick
    feasibility checks (the improved walk is never longer)."""
    count = len(points)
    if count <= 2:
        return np.arange(count)
    distances = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    order = _nearest_neighbour(distances, int(np.lexsort((-points[:, 1], points[:, 0]))[0]))
    if improve and count > 3:
        order = _two_opt(distances, order)
    return order


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
