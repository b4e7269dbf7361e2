"""Micro-grid numbers: west→east, north→south on a fresh division, kept on a re-division.

A re-division compares old and new micro-grids household by household. Within one
entrance, households are laid out floor by floor from the ground up; an old micro-grid's
parts of that entrance take consecutive places in floor order, a new one's are exactly
the places its segments hold. Overlaps of those places say how many households each new
micro-grid shares with each old code; the assignment that keeps the most households in
place (Hungarian method) hands out the old numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from shapely import Point, STRtree

from finegrid.divide.model import MicroGrid

PlaceRange = tuple[str, int, int, int]
"""(building id, 0-based entrance, first place, end place) of households in one entrance."""


class PreviousLayout:
    """Where the households of each entrance sat in the previous division."""

    def __init__(self, previous: Sequence[MicroGrid]) -> None:
        parts_by_entrance: dict[tuple[str, int], list[tuple[int, int, int, str]]] = defaultdict(
            list
        )
        for grid in previous:
            for part in grid.parts:
                parts_by_entrance[part.building, part.entrance - 1].append(
                    (part.floors[0], part.floors[1], -part.households, grid.code)
                )
        self.places: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
        for key, parts in parts_by_entrance.items():
            start = 0
            ranges = []
            # Floors ascending; among parts of one floor, full ones come first (as cut).
            for _lo, _hi, minus_households, code in sorted(parts):
                ranges.append((start, start - minus_households, code))
                start -= minus_households
            self.places[key] = ranges
        self.numbers = {grid.code: grid.number for grid in previous}
        shaped = sorted((grid.code, grid.polygon) for grid in previous if grid.polygon is not None)
        self._shape_codes = [code for code, _ in shaped]
        self._shapes = STRtree([shape for _, shape in shaped])

    def code_at(self, point: Point) -> str | None:
        """The old micro-grid whose polygon holds ``point`` (for buildings without
        households, which no part names)."""
        hits = self._shapes.query(point, predicate="intersects")
        return self._shape_codes[int(min(hits))] if len(hits) else None

    def overlap(self, ranges: Sequence[PlaceRange]) -> dict[str, int]:
        """Households of ``ranges`` per old code that held the same places."""
        shared: dict[str, int] = defaultdict(int)
        for building, entrance, start, end in ranges:
            for old_start, old_end, code in self.places.get((building, entrance), ()):
                common = min(end, old_end) - max(start, old_start)
                if common > 0:
                    shared[code] += common
        return shared

    def households(self, building: str, entrance: int) -> int:
        ranges = self.places.get((building, entrance), ())
        return ranges[-1][1] if ranges else 0


def fresh_numbers(centres: np.ndarray, bounds: tuple[float, float, float, float]) -> list[int]:
    """Numbers 1..n in reading order: rows of about one micro-grid's height, north to
    south, and west to east within a row."""
    count = len(centres)
    if count == 0:
        return []
    xmin, ymin, xmax, ymax = bounds
    row_height = max(math.sqrt(max(xmax - xmin, 1.0) * max(ymax - ymin, 1.0) / count), 1.0)
    rows = np.floor((ymax - centres[:, 1]) / row_height)
    order = np.lexsort((np.arange(count), centres[:, 0], rows))
    numbers = np.empty(count, dtype=int)
    numbers[order] = np.arange(1, count + 1)
    return numbers.tolist()


def kept_numbers(
    ranges: Sequence[Sequence[PlaceRange]],
    centres: np.ndarray,
    bounds: tuple[float, float, float, float],
    previous: PreviousLayout,
) -> tuple[list[int], int]:
    """Numbers for new micro-grids given as place ranges, and the households that moved.

    A new micro-grid takes the number of the old one it is matched with; the others take
    the lowest free numbers in reading order."""
    overlaps = [previous.overlap(grid_ranges) for grid_ranges in ranges]
    old_codes = sorted(previous.numbers)
    numbers: list[int | None] = [None] * len(ranges)
    stayed = 0
    if old_codes and ranges:
        column = {code: j for j, code in enumerate(old_codes)}
        matrix = np.zeros((len(ranges), len(old_codes)))
        for i, shared in enumerate(overlaps):
            for code, households in shared.items():
                matrix[i, column[code]] = households
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        for i, j in zip(rows, cols, strict=True):
            if matrix[i, j] > 0:
                numbers[i] = previous.numbers[old_codes[j]]
                stayed += int(matrix[i, j])
    taken = {number for number in numbers if number is not None}
    free = (number for number in range(1, len(ranges) + len(taken) + 1) if number not in taken)
    reading = fresh_numbers(centres, bounds)
    for i in sorted(range(len(ranges)), key=lambda i: reading[i]):
        if numbers[i] is None:
            numbers[i] = next(free)
    now: dict[tuple[str, int], int] = defaultdict(int)
    for grid_ranges in ranges:
        for building, entrance, start, end in grid_ranges:
            now[building, entrance] += end - start
    common = sum(min(count, previous.households(*key)) for key, count in now.items())
    return [int(number) for number in numbers], common - stayed
