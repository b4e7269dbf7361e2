"""Compounds (小区/院落) stay whole where that costs no micro-grid."""

from __future__ import annotations

from shapely import Point

from finegrid.divide import Building, divide_grid

from .strategies import CELL_DEG, LAT0, LON0, boundary_of


def walk_up(
    identifier: str, households: int, column: int, row: int, compound: str | None
) -> Building:
    return Building(
        id=identifier,
        households=households,
        geometry=Point(LON0 + column * CELL_DEG, LAT0 + row * CELL_DEG),
        floors=6,
        elevator=False,
        compound=compound,
    )


def test_a_compound_one_worker_can_visit_gets_one_micro_grid():
    """Three walk-ups of courtyard A (78 households, 168 minutes with the walks)
    and one of B: two micro-grids either way, and A's three share one of them."""
    buildings = [
        walk_up("A1", 24, 9, 9, "A"),
        walk_up("A2", 30, 15, 10, "A"),
        walk_up("B1", 24, 13, 4, "B"),
        walk_up("A3", 24, 11, 12, "A"),
    ]
    division = divide_grid(buildings, code="510116001005-003", boundary=boundary_of("box", 20))
    visited = [sorted({part.building for part in grid.parts}) for grid in division.micro_grids]
    assert sorted(visited) == [["A1", "A2", "A3"], ["B1"]]
    assert all(grid.minutes <= 180 for grid in division.micro_grids)


def test_a_compound_too_big_for_one_worker_gets_micro_grids_of_its_own():
    """Courtyard A (102 households) needs two workers; the building outside it that
    shared one of A's micro-grids moves to its neighbour's, at no extra micro-grid."""
    buildings = [
        walk_up("X1", 24, 8, 10, None),
        walk_up("A1", 36, 14, 18, "A"),
        walk_up("A2", 30, 12, 14, "A"),
        walk_up("B1", 42, 18, 15, "B"),
        walk_up("A3", 36, 19, 19, "A"),
    ]
    division = divide_grid(buildings, code="510116001005-003", boundary=boundary_of("box", 20))
    visited = [sorted({part.building for part in grid.parts}) for grid in division.micro_grids]
    assert sorted(visited) == [["A1", "A3"], ["A2"], ["B1", "X1"]]
    assert all(grid.minutes <= 180 for grid in division.micro_grids)
