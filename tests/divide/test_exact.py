"""On a small grid the divider finds the fewest contiguous micro-grids of whole stops there
are, and sharing entrances never needs more."""

from __future__ import annotations

from hypothesis import given, settings

from finegrid.divide import Profile, divide_grid
from finegrid.divide.divider import GridLayout, stop_borders
from finegrid.divide.workload import Workload

from .strategies import general_grids

PROFILE = Profile()


def partitions(items: list[int]):
    """Every set partition of ``items``."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for smaller in partitions(rest):
        yield [[first], *smaller]
        for index in range(len(smaller)):
            yield [*smaller[:index], [first, *smaller[index]], *smaller[index + 1 :]]


def connected(group: list[int], neighbours: dict[int, set[int]]) -> bool:
    seen, stack = {group[0]}, [group[0]]
    while stack:
        for other in neighbours[stack.pop()] & set(group):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return len(seen) == len(group)


@settings(settings.get_profile("divide"))
@given(general_grids(max_buildings=4))
def test_no_contiguous_division_has_fewer_micro_grids(grid):
    buildings, boundary = grid
    layout = GridLayout.build(buildings, boundary)
    workload = Workload(layout.sites(PROFILE), PROFILE)
    stops = list(range(len(workload.stops)))
    if len(stops) > 6:
        return
    neighbours = {stop: set() for stop in stops}
    for first, second in stop_borders(workload, layout.borders).tolist():
        neighbours[first].add(second)
        neighbours[second].add(first)
    full = sum(len(site.full_pieces) for site in workload.sites)
    fewest = min(
        sum(1 for group in partition if workload.households(group))
        for partition in partitions(stops)
        if all(
            connected(group, neighbours)
            and workload.route(group, "nearest").minutes <= PROFILE.window_minutes + 1e-9
            for group in partition
        )
    )

    def count(share: bool) -> int:
        division = divide_grid(buildings, code="X", boundary=boundary, profile=PROFILE, share=share)
        return sum(1 for micro in division.micro_grids if micro.households)

    # Packing whole stops, the fewest there are; sharing an entrance between two workers
    # (floors cut between them) can only save more.
    assert count(share=False) == fewest + full
    assert count(share=True) <= fewest + full
