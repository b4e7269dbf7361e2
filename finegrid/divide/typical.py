"""Typical Chengdu layouts, to show what the default profile means in households.

Each layout is one general grid of about 500 households, laid out on a local grid of
metres and returned in longitude/latitude around a point in Wuhou district.
"""

from __future__ import annotations

import numpy as np
from shapely import Point, Polygon, box

from finegrid.divide.model import Building

LON0, LAT0 = 104.05, 30.64
METRES_PER_DEGREE_LON = 111_320 * np.cos(np.radians(LAT0))
METRES_PER_DEGREE_LAT = 110_574


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return LON0 + x / METRES_PER_DEGREE_LON, LAT0 + y / METRES_PER_DEGREE_LAT


def _footprint(x: float, y: float, length: float, depth: float) -> Polygon:
    (lon_a, lat_a), (lon_b, lat_b) = _lonlat(x, y), _lonlat(x + length, y + depth)
    return box(lon_a, lat_a, lon_b, lat_b)


def _boundary(width: float, height: float) -> Polygon:
    return _footprint(-20, -20, width + 40, height + 40)


def high_rise_estate() -> tuple[list[Building], Polygon]:
    """高层小区: three 26–32-floor towers of 2 entrances × 4 dwellings a floor, 90 % lived in."""
    rng = np.random.default_rng(1)
    buildings = []
    for i in range(3):
        floors = int(rng.integers(26, 33))
        buildings.append(
            Building(
                id=f"H{i}",
                households=int(0.9 * floors * 2 * 4),
                geometry=_footprint(i * 60, 0, 40, 16),
                floors=floors,
                entrances=2,
                compound="estate",
            )
        )
    return buildings, _boundary(160, 20)


def walk_up_courtyard() -> tuple[list[Building], Polygon]:
    """老旧院落: fourteen 6-floor walk-ups, 3 entrances × 2 dwellings a floor, in two courtyards."""
    buildings = [
        Building(
            id=f"W{i}",
            households=34 + i % 3,
            geometry=_footprint((i % 7) * 30, (i // 7) * 60, 24, 10),
            floors=6,
            entrances=3,
            compound=f"courtyard-{i // 7}",
        )
        for i in range(14)
    ]
    return buildings, _boundary(210, 70)


def village() -> tuple[list[Building], Polygon]:
    """农村聚居点: 2-floor houses 25–50 m apart, about 1.3 households each."""
    rng = np.random.default_rng(3)
    buildings = []
    for i in range(380):
        x = (i % 20) * 38 + rng.uniform(-6, 6)
        y = (i // 20) * 38 + rng.uniform(-6, 6)
        buildings.append(
            Building(
                id=f"V{i}",
                households=int(rng.choice([1, 1, 1, 2])),
                geometry=Point(*_lonlat(x, y)),
                floors=2,
            )
        )
    return buildings, _boundary(760, 722)


LAYOUTS = {
    "high-rise estate": high_rise_estate,
    "walk-up courtyard": walk_up_courtyard,
    "village": village,
}
