"""Visiting orders: the walk a worker is handed must be short and visit every point once."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from finegrid.divide.routing import (
    distance_matrix,
    nearest_neighbour_order,
    path_length,
    two_opt,
)

points_in_a_square = arrays(
    np.float64,
    st.tuples(st.integers(2, 40), st.just(2)),
    elements=st.floats(0, 500, allow_nan=False).map(lambda value: round(value, 1)),
)


def test_two_opt_untangles_a_zigzag_along_a_street():
    points = np.array([[x, 0.0] for x in (0, 40, 10, 30, 20, 50)])
    order = two_opt(distance_matrix(points), np.arange(len(points)))
    assert path_length(points[order]) == 50.0
    assert sorted(order.tolist()) == list(range(6))


def test_both_ends_of_the_walk_are_free():
    """Two rows of houses: the best open walk goes down one row and back up the other,
    never returning to its start."""
    points = np.array([[x, y] for y in (0.0, 10.0) for x in (0.0, 10.0, 20.0, 30.0)])
    distances = distance_matrix(points)
    order = two_opt(distances, nearest_neighbour_order(points, distances))
    assert path_length(points[order]) == 70.0


@given(points_in_a_square)
def test_two_opt_visits_every_point_once_and_never_lengthens_the_walk(points):
    distances = distance_matrix(points)
    nearest = nearest_neighbour_order(points, distances)
    improved = two_opt(distances, nearest)
    assert sorted(improved.tolist()) == list(range(len(points)))
    assert sorted(nearest.tolist()) == list(range(len(points)))
    assert path_length(points[improved]) <= path_length(points[nearest]) + 1e-6
