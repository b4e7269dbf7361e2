"""Sharing an entrance between two workers (lower floors to one, upper to another) when
that saves a micro-grid."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from shapely import Point, box

from finegrid.divide import Building, Profile, divide_grid
from finegrid.divide.workload import spread_households

from .strategies import CELL_DEG, LAT0, LON0, general_grids

PROFILE = Profile()
BOUNDARY = box(LON0 - 5 * CELL_DEG, LAT0 - 5 * CELL_DEG, LON0 + 5 * CELL_DEG, LAT0 + 5 * CELL_DEG)


def tower() -> Building:
    """Three entrances of 46 households on 26 floors: 106.5 minutes each, so no two fit
    one round whole, but three fit two rounds when one is shared."""
    return Building(id="T1", households=138, geometry=Point(LON0, LAT0), floors=26, entrances=3)


def test_three_entrances_that_fit_two_rounds_only_shared_get_two_workers():
    whole = divide_grid([tower()], code="X", boundary=BOUNDARY, share=False)
    shared = divide_grid([tower()], code="X", boundary=BOUNDARY, share=True)
    assert [m.minutes for m in whole.micro_grids] == [106.5, 106.5, 106.5]
    assert len(shared.micro_grids) == 2
    parts = sorted(
        (p.entrance, p.floors, p.households) for m in shared.micro_grids for p in m.parts
    )
    # Entrance 1 is shared: floors 1–13 (25 households) and 13–26 (21), the border on a
    # floor where both rounds come out nearly even.
    assert parts == [(1, (1, 13), 25), (1, (13, 26), 21), (2, (1, 26), 46), (3, (1, 26), 46)]
    assert sorted(m.minutes for m in shared.micro_grids) == [163.0, 164.5]


@settings(settings.get_profile("divide"))
@given(general_grids(max_buildings=20))
def test_sharing_never_costs_a_micro_grid_and_keeps_every_promise(grid):
    buildings, boundary = grid
    whole = divide_grid(buildings, code="X", boundary=boundary, share=False)
    shared = divide_grid(buildings, code="X", boundary=boundary, share=True)
    assert len(shared.micro_grids) <= len(whole.micro_grids)
    by_id = {b.id: b for b in buildings}
    places = defaultdict(int)
    for micro in shared.micro_grids:
        assert micro.minutes <= PROFILE.window_minutes + 1e-6
        assert micro.polygon.geom_type == "Polygon"
        entrances = [(p.building, p.entrance) for p in micro.parts]
        assert len(entrances) == len(set(entrances)), "an entrance is entered once per round"
        for part in micro.parts:
            places[part.building, part.entrance] += part.households
    for (building, entrance), households in places.items():
        spread = spread_households(
            by_id[building].households, by_id[building].entrances, by_id[building].floors
        )
        assert households == sum(spread[entrance - 1])
