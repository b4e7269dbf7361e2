"""Quality measures of a division, shared by the report and the benchmark."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry.base import BaseGeometry

from finegrid.divide.divider import Division


def polsby_popper(polygon: BaseGeometry) -> float:
    """4π·area / perimeter²: 1 for a disc, near 0 for a sliver (use a metric frame)."""
    perimeter = polygon.length
    return 4 * math.pi * polygon.area / perimeter**2 if perimeter > 0 else 0.0


def is_contiguous(polygon: BaseGeometry) -> bool:
    """One piece of land (a single polygon)."""
    return polygon.geom_type == "Polygon" and not polygon.is_empty


def whole_compound_rate(
    grids_of_compound: Mapping[str, set[int]], compounds_of_grid: Mapping[int, set[str]]
) -> float:
    """Share of compounds kept whole: in one micro-grid, or split only into micro-grids
    holding nothing else (a compound too big for one worker)."""
    if not grids_of_compound:
        return 1.0
    whole = sum(
        1
        for compound, grids in grids_of_compound.items()
        if len(grids) == 1 or all(compounds_of_grid[g] == {compound} for g in grids)
    )
    return whole / len(grids_of_compound)


@dataclass
class Report:
    """Accumulates divisions and prints the report JSON of the CLI contract."""

    window_minutes: float
    households_range: tuple[int, int] | None = None
    general_grids: int = 0
    households: int = 0
    lower_bound: int = 0
    moved_households: int | None = None
    grid_households: list[int] = field(default_factory=list)
    grid_minutes: list[float] = field(default_factory=list)

    def add(self, division: Division) -> None:
        self.general_grids += 1
        self.households += division.households
        self.lower_bound += division.lower_bound
        if division.moved_households is not None:
            self.moved_households = (self.moved_households or 0) + division.moved_households
        for grid in division.micro_grids:
            self.grid_households.append(grid.households)
            self.grid_minutes.append(grid.minutes)

    def as_json(self, seconds: float) -> dict:
        count = len(self.grid_households)
        # Micro-grids of no households only cover empty ground: no worker, no count.
        empty = sum(1 for households in self.grid_households if households == 0)
        if self.households_range:
            low, high = self.households_range
            over = sum(1 for households in self.grid_households if households > high)
        else:
            over = sum(1 for minutes in self.grid_minutes if minutes > self.window_minutes + 1e-6)
        report = {
            "general_grids": self.general_grids,
            "micro_grids": count,
            "empty_micro_grids": empty,
            "households": self.households,
            "max_minutes": max(self.grid_minutes, default=0.0),
            "over_window": over,
            "lower_bound": self.lower_bound,
            "ratio_to_lower_bound": round((count - empty) / self.lower_bound, 4)
            if self.lower_bound
            else None,
            "households_per_grid": _spread(self.grid_households),
            "minutes_per_grid": _spread(self.grid_minutes),
            "seconds": round(seconds, 3),
        }
        if self.households_range:
            report["below_floor"] = sum(1 for h in self.grid_households if h < low)
        if self.moved_households is not None:
            report["moved_households"] = self.moved_households
        return report


def _spread(values: Sequence[float]) -> dict | None:
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    return {
        "min": float(array.min()),
        "median": float(np.median(array)),
        "max": float(array.max()),
    }


def compound_membership(
    grids: Iterable[tuple[int, Iterable[str]]], compound_of: Mapping[str, str | None]
) -> tuple[dict[str, set[int]], dict[int, set[str]]]:
    """From (grid index, building ids) pairs: the grids of each compound and the compounds
    of each grid (buildings without a compound count as their own)."""
    grids_of_compound: dict[str, set[int]] = defaultdict(set)
    compounds_of_grid: dict[int, set[str]] = defaultdict(set)
    for index, building_ids in grids:
        for building in building_ids:
            compound = compound_of.get(building) or f"building:{building}"
            compounds_of_grid[index].add(compound)
            if compound_of.get(building):
                grids_of_compound[compound].add(index)
    return grids_of_compound, compounds_of_grid
