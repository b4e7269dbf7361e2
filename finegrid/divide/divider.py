"""Divide one general grid (:func:`divide_grid`) or a whole city of them
(:func:`divide_city`, one task per batch of grids on any executor)."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import shapely
from shapely import Polygon

from finegrid.divide.boundaries import footprint_cells, grid_polygons, place_sites, shared_borders
from finegrid.divide.codes import PlaceRange, PreviousLayout, fresh_numbers, kept_numbers
from finegrid.divide.geometry import LocalFrame, entrance_positions, site_points
from finegrid.divide.model import Building, MicroGrid, Part
from finegrid.divide.partition import Partitioner
from finegrid.divide.profile import Profile, households_measure
from finegrid.divide.workload import Piece, Site, Workload

DERIVED_BOUNDARY_MARGIN_M = 30.0
"""Without a given boundary, a grid is the convex hull of its buildings grown by this."""
BATCH_HOUSEHOLDS = 20_000
"""Households per task when a city is divided on an executor."""


@dataclass
class Division:
    """The micro-grids of one general grid and what the report needs about them."""

    general_grid: str
    micro_grids: list[MicroGrid]
    households: int
    lower_bound: int
    """⌈Σ(contact + entry + floor minutes) / window⌉: no division can have fewer."""
    moved_households: int | None
    """Households whose micro-grid code changed (with a previous division)."""


@dataclass(frozen=True)
class GridTask:
    """One general grid to divide: its code, buildings, boundary and previous division."""

    code: str
    buildings: Sequence[Building]
    boundary: Polygon | None = None
    previous: Sequence[MicroGrid] | None = None


def divide_grid(
    buildings: Sequence[Building],
    *,
    code: str,
    boundary: Polygon | None = None,
    profile: Profile | None = None,
    previous: Sequence[MicroGrid] | None = None,
    seed: int = 0,
    households: tuple[int, int] | None = None,
) -> Division:
    """Cut one general grid into micro-grids that each fit ``profile``'s window.

    ``code`` is the general grid's code (micro-grids are ``<code>-NN``). With
    ``households=(low, high)`` the same engine cuts a community (code = community code)
    into general grids of at most ``high`` households (``<code>-NNN``); ``minutes`` is then
    the time one worker would need for all of a grid's buildings. ``previous`` (the old
    micro-grids of this grid) keeps codes where households stay.
    """
    profile = profile or Profile()
    measure = households_measure(households[1]) if households else profile
    digits = 3 if households else 2
    if not any(building.households for building in buildings):
        return Division(code, [], 0, 0, 0 if previous is not None else None)

    footprints = np.array([building.geometry for building in buildings], dtype=object)
    frame = LocalFrame.around([boundary] if boundary is not None else list(footprints))
    local = frame.project(footprints)
    region = (
        frame.project(boundary)
        if boundary is not None
        else shapely.convex_hull(shapely.union_all(local)).buffer(DERIVED_BOUNDARY_MARGIN_M)
    )
    points = place_sites(site_points(local), region)
    entrances = [
        entrance_positions(local[i], points[i], b.entrances) for i, b in enumerate(buildings)
    ]
    sites = [Site(b, points[i], entrances[i], measure) for i, b in enumerate(buildings)]
    workload = Workload(sites, measure)
    cells, strays = footprint_cells(points, region)
    layout = PreviousLayout(previous) if previous is not None else None
    partitioner = Partitioner(
        workload,
        shared_borders(cells),
        compounds=[building.compound for building in buildings],
        previous=[
            _previous_code(site, layout, shapely.Point(*spot))
            for site, spot in zip(sites, frame.to_lonlat(points), strict=True)
        ]
        if layout
        else None,
        seed=seed,
    )
    groups = [group for group in partitioner.solve() if workload.households(group)]
    if not groups:
        return Division(code, [], 0, 0, 0 if previous is not None else None)

    # At the general level a grid's minutes are one worker's time for all its buildings.
    timing = None
    if households:
        unbounded = replace(profile, window_minutes=math.inf)
        timing = Workload(
            [Site(b, points[i], entrances[i], unbounded) for i, b in enumerate(buildings)],
            unbounded,
        )
    drafts = [_group_draft(workload, timing, group) for group in groups]
    shapes = grid_polygons(groups, cells, strays)
    for index, site in enumerate(sites):
        for piece in site.full_pieces:
            minutes = piece.minutes if timing is None else timing.route([index]).minutes
            drafts.append(
                _Draft(piece.households, minutes, site.parts(piece), _ranges(site, piece))
            )
            shapes.append(cells[index])
            groups.append([index])

    centres = np.array([_centre(workload, group) for group in groups]).reshape(-1, 2)
    if layout is None:
        numbers, moved = fresh_numbers(centres, region.bounds), None
    else:
        numbers, moved = kept_numbers([d.ranges for d in drafts], centres, region.bounds, layout)
    micro_grids = [
        MicroGrid(
            code=f"{code}-{number:0{digits}d}",
            number=number,
            general_grid=code,
            households=draft.households,
            minutes=round(draft.minutes, 2),
            parts=draft.parts,
            polygon=frame.unproject(shape),
            buildings=[buildings[i].id for i in sorted(group)],
        )
        for draft, shape, group, number in zip(drafts, shapes, groups, numbers, strict=True)
    ]
    micro_grids.sort(key=lambda grid: grid.number)
    least = sum(site.least_minutes() for site in sites)
    return Division(
        general_grid=code,
        micro_grids=micro_grids,
        households=sum(building.households for building in buildings),
        lower_bound=math.ceil(least / measure.window_minutes - 1e-9),
        moved_households=moved,
    )


def divide_city(
    tasks: Iterable[GridTask],
    *,
    profile: Profile | None = None,
    seed: int = 0,
    households: tuple[int, int] | None = None,
    executor: Executor | None = None,
    on_done: Callable[[Division], None] | None = None,
) -> Iterator[Division]:
    """Divide many general grids, in input order. Grids are independent, so batches of
    them run on ``executor`` (a process pool, or a Dask ``Client.get_executor()``);
    without one they run here. ``on_done`` is called per grid (e.g. a progress bar)."""
    work = partial(_divide_batch, profile=profile or Profile(), seed=seed, households=households)
    batches = _batches(tasks)
    if executor is None:
        results: Iterable[list[Division]] = map(work, batches)
    else:
        results = _in_order(executor, work, batches, ahead=2 * _workers(executor) + 1)
    for batch in results:
        for division in batch:
            if on_done is not None:
                on_done(division)
            yield division


def _divide_batch(batch: list[GridTask], **options) -> list[Division]:
    return [
        divide_grid(
            task.buildings,
            code=task.code,
            boundary=task.boundary,
            previous=task.previous,
            **options,
        )
        for task in batch
    ]


def _in_order(executor: Executor, work: Callable, items: Iterable, *, ahead: int) -> Iterator:
    """Results of ``work`` over ``items`` in order, with at most ``ahead`` tasks in flight
    (so a city's batches are not all serialized at once)."""
    pending: deque[Future] = deque()
    for item in items:
        pending.append(executor.submit(work, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _workers(executor: Executor) -> int:
    return getattr(executor, "_max_workers", None) or os.cpu_count() or 1


def _batches(tasks: Iterable[GridTask]) -> Iterator[list[GridTask]]:
    batch: list[GridTask] = []
    size = 0
    for task in tasks:
        batch.append(task)
        size += sum(building.households for building in task.buildings)
        if size >= BATCH_HOUSEHOLDS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@dataclass
class _Draft:
    households: int
    minutes: float
    parts: list[Part]
    ranges: list[PlaceRange]


def _group_draft(workload: Workload, timing: Workload | None, group: list[int]) -> _Draft:
    route = workload.route(group)
    parts, ranges = [], []
    for index, flip in zip(route.sites, route.reversed, strict=True):
        site = workload.sites[index]
        parts.extend(site.parts(site.residual, reverse=flip))
        ranges.extend(_ranges(site, site.residual))
    minutes = route.minutes if timing is None else timing.route(group).minutes
    return _Draft(sum(p.households for p in parts), minutes, parts, ranges)


def _ranges(site: Site, piece: Piece) -> list[PlaceRange]:
    return [(site.building.id, s.entrance, s.start, s.end) for s in piece.segments]


def _centre(workload: Workload, group: list[int]) -> np.ndarray:
    return workload.xy[group].mean(axis=0)


def _previous_code(site: Site, layout: PreviousLayout, spot: shapely.Point) -> str | None:
    """The old code that held most of this building's residual households, or for a
    building without households, the old micro-grid its site ``spot`` stood in."""
    if site.residual is None:
        return layout.code_at(spot)
    shared = layout.overlap(_ranges(site, site.residual))
    return max(sorted(shared), key=shared.get) if shared else None
