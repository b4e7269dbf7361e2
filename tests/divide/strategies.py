"""Random general grids: buildings (points, rectangles, pairs of rectangles, or bow-tie
footprints as they come from real data, repaired) in a box, an L-shaped grid, or a grid
of two separate pieces (a MultiPolygon, its second piece empty)."""

from __future__ import annotations

import math

from hypothesis import strategies as st
from shapely import MultiPolygon, Point, Polygon, box
from shapely.affinity import rotate, translate

from finegrid.divide import Building
from finegrid.divide.geometry import repair_footprint

LON0, LAT0 = 104.06, 30.66
CELL_DEG = 0.0001  # about 10 m


def boundary_of(shape: str, cells: int) -> Polygon | MultiPolygon:
    side = cells * CELL_DEG
    full = box(LON0, LAT0, LON0 + side, LAT0 + side)
    if shape == "box":
        return full
    if shape == "two":
        return MultiPolygon([full, translate(full, xoff=side * 1.5, yoff=side / 2)])
    return full.difference(box(LON0 + side / 2, LAT0 + side / 2, LON0 + side, LAT0 + side))


def bow_tie(lon: float, lat: float) -> Polygon:
    """A self-intersecting footprint (its ring crosses itself), as ~1 % of real ones are."""
    half = 0.5e-4
    return Polygon(
        [
            (lon - half, lat - half),
            (lon + half, lat + half),
            (lon + half, lat - half),
            (lon - half, lat + half),
        ]
    )


@st.composite
def buildings_in(draw, shape: str, cells: int, count: int) -> list[Building]:
    buildings = []
    for index in range(count):
        column = draw(st.integers(1, cells - 1))
        row = draw(
            st.integers(1, cells // 2 - 1 if shape == "L" and column > cells // 2 else cells - 1)
        )
        lon, lat = LON0 + column * CELL_DEG, LAT0 + row * CELL_DEG
        floors = draw(st.integers(1, 33))
        geometry: Point | Polygon | MultiPolygon = Point(lon, lat)
        footprint = draw(st.sampled_from(["point", "rectangle", "two rectangles", "bow tie"]))
        if footprint in ("rectangle", "two rectangles"):
            half_long, half_short = 1.5e-4, 0.5e-4
            rectangle = box(lon - half_long, lat - half_short, lon + half_long, lat + half_short)
            if footprint == "two rectangles":  # a MultiPolygon: two wings 5 m apart
                rectangle = MultiPolygon([rectangle, translate(rectangle, yoff=1.5e-4)])
            geometry = rotate(rectangle, draw(st.integers(0, 179)), origin=(lon, lat))
        elif footprint == "bow tie":
            geometry, _ = repair_footprint(bow_tie(lon, lat))
        buildings.append(
            Building(
                id=f"B{index}",
                households=draw(st.one_of(st.integers(0, 40), st.integers(0, 400))),
                geometry=geometry,
                floors=floors,
                entrances=draw(st.integers(1, 4)),
                elevator=draw(st.sampled_from([None, True, False])),
                compound=draw(st.sampled_from([None, "A", "B", "C"])),
            )
        )
    return buildings


@st.composite
def general_grids(draw, max_buildings: int = 30) -> tuple[list[Building], Polygon]:
    shape = draw(st.sampled_from(["box", "L", "two"]))
    cells = draw(st.sampled_from([20, 40]))
    count = draw(st.integers(1, max_buildings))
    return draw(buildings_in(shape, cells, count)), boundary_of(shape, cells)


def metres(lon_a: float, lat_a: float, lon_b: float, lat_b: float) -> float:
    """Equirectangular distance, an oracle independent of the engine's frame."""
    mid = math.radians((lat_a + lat_b) / 2)
    return math.hypot((lon_b - lon_a) * 111_320 * math.cos(mid), (lat_b - lat_a) * 110_574)
