"""General grids (一般网格) from a community's zones, and the codes of grids and sites.

Normally each zone is one general grid of 300–500 households. With ``oversized`` the
zones are merged with neighbours in twos and threes, as Chengdu's grids were before
re-gridding (most above 500 households), while the buildings and people stay the same.
Codes number grids and dedicated sites west→east, north→south.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry import Polygon

from finegrid.synth import params
from finegrid.synth.geometry import reading_order


def zone_groups(
    zones: Sequence[Polygon], rng: np.random.Generator, *, oversized: bool
) -> list[list[int]]:
    """Zones that form each general grid, in code order. Oversized grids grow from each
    zone not yet taken (in reading order) over touching free zones."""
    band = row_height(zones)
    order = reading_order(zones, band)
    if not oversized:
        return [[zone] for zone in order]
    sizes, shares = zip(*params.OVERSIZED_MERGE.items(), strict=True)
    groups: list[list[int]] = []
    grouped: set[int] = set()
    for zone in order:
        if zone in grouped:
            continue
        group = [zone]
        wanted = int(rng.choice(sizes, p=shares))
        for other in order:
            if len(group) == wanted:
                break
            if other not in grouped and other != zone and _touches(zones, group, other):
                group.append(other)
        grouped.update(group)
        groups.append(group)
    merged = [shapely.union_all([zones[i] for i in group]) for group in groups]
    return [groups[i] for i in reading_order(merged, band)]


def row_height(zones: Sequence[Polygon]) -> float:
    """Height of a row in the reading order of codes: the side of an average zone."""
    return math.sqrt(sum(zone.area for zone in zones) / len(zones))


def _touches(zones: Sequence[Polygon], group: list[int], zone: int) -> bool:
    """Whether the zone shares an edge (not just a corner) with the group."""
    shared = shapely.intersection(
        zones[zone].boundary, shapely.union_all([zones[i] for i in group])
    )
    return shared.length > 0


def general_grid_code(community: str, number: int) -> str:
    return f"{community}-{number:03d}"


def dedicated_grid_code(community: str, number: int) -> str:
    return f"{community}-Z{number:02d}"
