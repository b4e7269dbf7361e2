"""Properties every division has, on random general grids."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shapely import Point

from finegrid.divide import Building, Profile, divide_grid
from finegrid.divide.network import WalkNetwork
from finegrid.divide.workload import spread_households

from .strategies import CELL_DEG, LAT0, LON0, boundary_of, general_grids, metres

PROFILE = Profile()
CODE = "510116001005-003"


def point_buildings_minutes(grid, by_id) -> float:
    """Door-to-door minutes recomputed from the parts alone (point buildings: every
    entrance at the point)."""
    minutes = 0.0
    previous = None
    for part in grid.parts:
        building = by_id[part.building]
        floor_minutes = PROFILE.floor_minutes(building.has_elevator)
        minutes += PROFILE.entry_minutes + floor_minutes * (part.floors[1] - 1)
        minutes += PROFILE.contact_minutes * part.households
        point = building.geometry
        if previous is not None:
            minutes += (
                metres(previous.x, previous.y, point.x, point.y) * PROFILE.walking_minutes_per_m
            )
        previous = point
    return minutes


@settings(settings.get_profile("divide"))
@given(general_grids())
def test_every_household_once_and_every_micro_grid_within_the_window(grid):
    buildings, boundary = grid
    division = divide_grid(buildings, code=CODE, boundary=boundary, profile=PROFILE)
    by_id = {b.id: b for b in buildings}
    visited = defaultdict(int)
    for micro in division.micro_grids:
        assert micro.minutes <= PROFILE.window_minutes + 1e-6
        assert micro.households == sum(p.households for p in micro.parts)
        assert micro.households > 0 or not micro.parts
        entrances = [(p.building, p.entrance) for p in micro.parts]
        assert len(entrances) == len(set(entrances)), "an entrance is entered once per visit"
        for part in micro.parts:
            building = by_id[part.building]
            per_floor = spread_households(building.households, building.entrances, building.floors)
            per_floor = per_floor[part.entrance - 1]
            lo, hi = part.floors
            assert 1 <= lo <= hi <= building.floors
            assert part.households <= sum(per_floor[lo - 1 : hi])
            visited[part.building] += part.households
        if all(by_id[p.building].geometry.geom_type == "Point" for p in micro.parts):
            assert point_buildings_minutes(micro, by_id) <= PROFILE.window_minutes + 0.05
    assert dict(visited) == {b.id: b.households for b in buildings if b.households}
    assert len(division.micro_grids) >= division.lower_bound
    assert division.households == sum(b.households for b in buildings)


def crowded_spot():
    """Four buildings on one spot among five others, as hypothesis once found them: GEOS's
    Voronoi diagram of these sites (pulled half a metre apart) had overlapping cells."""
    sites = {"B0": (1, 1), "B1": (1, 1), "B2": (12, 5), "B3": (1, 1), "B4": (4, 12)}
    sites |= {"B5": (1, 16), "B6": (1, 1), "B7": (12, 13), "B8": (4, 6)}
    tall = {"B5": 17, "B6": 13}
    buildings = [
        Building(
            id=name,
            households=tall.get(name, 0),
            geometry=Point(LON0 + column * CELL_DEG, LAT0 + row * CELL_DEG),
            floors=tall.get(name, 1),
        )
        for name, (column, row) in sites.items()
    ]
    return buildings, boundary_of("box", 20)


def lone_house_in_a_grid_of_two_pieces():
    """One building on a MultiPolygon grid, as hypothesis found it: its cell was the whole
    grid, two pieces."""
    house = Building(id="B0", households=1, geometry=Point(LON0, LAT0))
    return [house], boundary_of("two", 20)


@settings(settings.get_profile("divide"))
@given(general_grids())
@example(crowded_spot())
@example(lone_house_in_a_grid_of_two_pieces())
def test_polygons_are_connected_disjoint_and_cover_the_grid(grid):
    buildings, boundary = grid
    micro_grids = divide_grid(buildings, code=CODE, boundary=boundary).micro_grids
    if not micro_grids:
        return
    area = boundary.area
    for micro in micro_grids:
        assert micro.polygon.geom_type == "Polygon", micro.code
        assert micro.polygon.difference(boundary).area < 1e-9 * area
    for i, first in enumerate(micro_grids):
        for second in micro_grids[i + 1 :]:
            shared_buildings = {p.building for p in first.parts} & {
                p.building for p in second.parts
            }
            overlap = first.polygon.intersection(second.polygon).area
            if shared_buildings:
                assert overlap > 0, "micro-grids splitting a building share its cell"
            else:
                assert overlap < 1e-9 * area, (first.code, second.code)
    covered = shapely.union_all([micro.polygon for micro in micro_grids])
    assert abs(covered.area - area) < 1e-6 * area
    listed = [building for micro in micro_grids for building in micro.buildings]
    assert set(listed) == {b.id for b in buildings}, "every building's cell is in a polygon"


@settings(settings.get_profile("divide"))
@given(general_grids(max_buildings=15))
def test_same_seed_same_division(grid):
    buildings, boundary = grid

    def run():
        return [
            (m.code, m.households, m.minutes, m.parts, m.polygon.wkb)
            for m in divide_grid(buildings, code=CODE, boundary=boundary, seed=7).micro_grids
        ]

    assert run() == run()


@settings(settings.get_profile("divide"))
@given(general_grids())
def test_codes_are_numbered_from_one_without_gaps(grid):
    buildings, boundary = grid
    micro_grids = divide_grid(buildings, code=CODE, boundary=boundary).micro_grids
    assert [m.number for m in micro_grids] == list(range(1, len(micro_grids) + 1))
    assert all(m.code == f"{CODE}-{m.number:02d}" for m in micro_grids)


def street_lattice(boundary, spacing_deg: float) -> WalkNetwork:
    """Streets every ``spacing_deg`` both ways across the grid's bounding box."""
    xmin, ymin, xmax, ymax = boundary.bounds
    xs = np.arange(xmin, xmax + spacing_deg, spacing_deg)
    ys = np.arange(ymin, ymax + spacing_deg, spacing_deg)
    nodes = np.array([(x, y) for y in ys for x in xs])
    width = len(xs)
    edges = [(r * width + c, r * width + c + 1) for r in range(len(ys)) for c in range(width - 1)]
    edges += [
        (r * width + c, (r + 1) * width + c) for r in range(len(ys) - 1) for c in range(width)
    ]
    return WalkNetwork(nodes, np.array(edges), np.full(len(edges), np.nan), (None,) * len(edges))


@settings(settings.get_profile("divide"))
@given(general_grids(max_buildings=20), st.sampled_from([2, 5]))
def test_along_a_street_network_every_micro_grid_still_fits_and_covers(grid, spacing):
    buildings, boundary = grid
    network = street_lattice(boundary, spacing * CELL_DEG)
    division = divide_grid(buildings, code=CODE, boundary=boundary, network=network)
    visited = defaultdict(int)
    for micro in division.micro_grids:
        assert micro.minutes <= PROFILE.window_minutes + 1e-6
        assert micro.polygon.geom_type == "Polygon"
        for part in micro.parts:
            visited[part.building] += part.households
    assert dict(visited) == {b.id: b.households for b in buildings if b.households}
    covered = shapely.union_all([micro.polygon for micro in division.micro_grids])
    assert abs(covered.area - boundary.area) < 1e-6 * boundary.area
