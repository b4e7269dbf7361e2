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
from shapely.geometry.base import BaseGeometry

from finegrid.divide.boundaries import footprint_cells, grid_polygons, place_sites, shared_borders
from finegrid.divide.codes import PlaceRange, PreviousLayout, fresh_numbers, kept_numbers
from finegrid.divide.geometry import LocalFrame, entrance_positions, site_points
from finegrid.divide.model import Building, MicroGrid, Part
from finegrid.divide.network import WalkNetwork
from finegrid.divide.partition import Partitioner
from finegrid.divide.profile import Profile, households_measure
from finegrid.divide.sharing import share_out
from finegrid.divide.workload import (
    Piece,
    Segment,
    Site,
    Workload,
    default_stops,
    stop_positions,
)

DERIVED_BOUNDARY_MARGIN_M = 30.0
"""Without a given boundary, a grid is the convex hull of its buildings grown by this."""
BATCH_HOUSEHOLDS = 20_000
"""Households per task when a city is divided on an executor."""


@dataclass
class GridLayout:
    """One general grid laid out in a local metric frame: building sites and entrances,
    footprint cells and which cells border each other."""

    buildings: Sequence[Building]
    frame: LocalFrame
    region: BaseGeometry
    points: np.ndarray
    entrances: list[np.ndarray]
    cells: np.ndarray
    strays: list[Polygon]
    borders: np.ndarray

    @classmethod
    def build(cls, buildings: Sequence[Building], boundary: Polygon | None) -> GridLayout:
        """Without a boundary the grid is the buildings' convex hull grown by a margin."""
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
        cells, strays = footprint_cells(points, region)
        return cls(
            buildings, frame, region, points, entrances, cells, strays, shared_borders(cells)
        )

    def sites(self, profile: Profile, confidence: float | None = None) -> list[Site]:
        return [
            Site(building, self.points[i], self.entrances[i], profile, confidence)
            for i, building in enumerate(self.buildings)
        ]

    def whole_buildings(self, profile: Profile) -> Workload:
        """Minutes of whole buildings, however long (to time any grouping of them)."""
        unbounded = replace(profile, window_minutes=math.inf)
        return Workload(self.sites(unbounded), unbounded)


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
    network: WalkNetwork | None = None
    """The part of a walking network around the grid (see :meth:`WalkNetwork.around`)."""


def divide_grid(
    buildings: Sequence[Building],
    *,
    code: str,
    boundary: Polygon | None = None,
    profile: Profile | None = None,
    previous: Sequence[MicroGrid] | None = None,
    seed: int = 0,
    households: tuple[int, int] | None = None,
    confidence: float | None = None,
    network: WalkNetwork | None = None,
    share: bool = False,
) -> Division:
    """Cut one general grid into micro-grids that each fit ``profile``'s window.

    ``code`` is the general grid's code (micro-grids are ``<code>-NN``). With
    ``households=(low, high)`` the same engine cuts a community (code = community code)
    into general grids of at most ``high`` households (``<code>-NNN``); ``minutes`` is then
    the time one worker would need for all of a grid's buildings. ``previous`` (the old
    micro-grids of this grid) keeps codes where households stay. With ``confidence``
    (e.g. 0.95) every micro-grid finishes within the window with that probability under
    the profile's uncertainty (:mod:`finegrid.divide.uncertainty`), not just on average.
    With a ``network`` walking follows its paths (:mod:`finegrid.divide.network`).
    ``share`` lets two workers share an entrance (floors cut between them) when that
    empties a micro-grid (:mod:`finegrid.divide.sharing`; fresh micro-level divisions
    only). Off by default: a re-division (``previous``) of a shared division does not
    yet keep 90 % of households in their code when a building is added.
    """
    profile = profile or Profile()
    check_confidence(confidence)
    if households:
        confidence = None
    measure = households_measure(households[1]) if households else profile
    digits = 3 if households else 2
    if not any(building.households for building in buildings):
        return _empty_division(code, digits, buildings, boundary, previous)
    grid = GridLayout.build(buildings, boundary)

    sites = grid.sites(measure, confidence)
    stops = default_stops(sites)
    walking = (
        _network_metres(grid, sites, stops, measure, network)
        if network is not None and not households
        else None
    )
    workload = Workload(sites, measure, stops, walking, confidence)
    layout = PreviousLayout(previous) if previous is not None else None
    spots = grid.frame.to_lonlat(workload.xy)
    partitioner = Partitioner(
        workload,
        stop_borders(workload, grid.borders),
        compounds=[buildings[site].compound for site in workload.site_of],
        previous=[
            _previous_code(workload, stop, layout, shapely.Point(*spot))
            for stop, spot in enumerate(spots)
        ]
        if layout
        else None,
        seed=seed,
    )
    groups = [group for group in partitioner.solve() if workload.households(group)]
    if layout is None and not households and share:
        workload, groups = share_out(workload, groups, grid.borders)

    # At the general level a grid's minutes are one worker's time for all its buildings.
    timing = workload.retimed(profile) if households else None
    full_pieces = [(index, piece) for index, site in enumerate(sites) for piece in site.full_pieces]
    drafts = [_group_draft(workload, timing, group) for group in groups]
    if timing is None:
        full_pieces = _balance_lone_tops(workload, groups, drafts, full_pieces)
    visited = [sorted(set(workload.site_of[group].tolist())) for group in groups]
    shapes, owners, apart = _group_polygons(workload, groups, visited, grid)
    for shape, cells_of in apart:
        drafts.append(_Draft(0, 0.0, [], []))
        shapes.append(shape)
        owners.append(cells_of)
        visited.append([])
    for index, piece in full_pieces:
        site = sites[index]
        minutes = piece.minutes if timing is None else site.segment_minutes(piece.segment, profile)
        drafts.append(
            _Draft(
                piece.households, minutes, [site.part(piece.segment)], [_range(site, piece.segment)]
            )
        )
        shapes.append(grid.cells[index])
        owners.append([index])
        visited.append([index])

    centres = np.array(
        [
            grid.points[sites_].mean(axis=0)
            if sites_
            else shapely.get_coordinates(shape.centroid)[0]
            for sites_, shape in zip(visited, shapes, strict=True)
        ]
    ).reshape(-1, 2)
    if layout is None:
        numbers, moved = fresh_numbers(centres, grid.region.bounds), None
    else:
        numbers, moved = kept_numbers(
            [d.ranges for d in drafts], centres, grid.region.bounds, layout
        )
    micro_grids = [
        MicroGrid(
            code=f"{code}-{number:0{digits}d}",
            number=number,
            general_grid=code,
            households=draft.households,
            minutes=round(draft.minutes, 2),
            parts=draft.parts,
            polygon=grid.frame.unproject(shape),
            buildings=[buildings[i].id for i in cells_of],
        )
        for draft, shape, cells_of, number in zip(drafts, shapes, owners, numbers, strict=True)
    ]
    micro_grids.sort(key=lambda micro: micro.number)
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
    confidence: float | None = None,
    executor: Executor | None = None,
    on_done: Callable[[Division], None] | None = None,
) -> Iterator[Division]:
    """Divide many general grids, in input order. Grids are independent, so batches of
    them run on ``executor`` (a process pool, or a Dask ``Client.get_executor()``);
    without one they run here. ``on_done`` is called per grid (e.g. a progress bar)."""
    check_confidence(confidence)
    work = partial(
        _divide_batch,
        profile=profile or Profile(),
        seed=seed,
        households=households,
        confidence=confidence,
    )
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
            network=task.network,
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


def _network_metres(
    grid: GridLayout, sites: list[Site], stops: list, profile: Profile, network: WalkNetwork
) -> np.ndarray:
    """Walking metres between stops along the network; straight line × detour between
    stops it does not connect."""
    xy = stop_positions(sites, stops)
    compounds = [sites[stop.site].building.compound for stop in stops]
    metres = network.walking_metres(grid.frame.to_lonlat(xy), compounds, grid.frame)
    straight = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return np.where(np.isnan(metres), straight * profile.detour_factor, metres)


def check_confidence(confidence: float | None) -> None:
    if confidence is not None and not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be at least 0.5 and below 1, got {confidence!r}")


@dataclass
class _Draft:
    households: int
    minutes: float
    parts: list[Part]
    ranges: list[PlaceRange]


def stop_borders(workload: Workload, borders: np.ndarray) -> np.ndarray:
    """Pairs of stops that are neighbours: stops of one building, and stops of buildings
    whose cells share a border."""
    stops_of: list[list[int]] = [[] for _ in workload.sites]
    for index, site in enumerate(workload.site_of):
        stops_of[site].append(index)
    pairs = [(a, b) for stops in stops_of for i, a in enumerate(stops) for b in stops[i + 1 :]]
    pairs += [
        (a, b) for first, second in borders for a in stops_of[first] for b in stops_of[second]
    ]
    return np.array(pairs, dtype=np.intp).reshape(-1, 2)


def _group_draft(workload: Workload, timing: Workload | None, group: list[int]) -> _Draft:
    route = workload.route(group)
    parts, ranges = [], []
    for index in route.stops:
        site = workload.sites[workload.site_of[index]]
        segment = workload.stops[index].segment
        parts.append(site.part(segment))
        ranges.append(_range(site, segment))
    minutes = route.minutes if timing is None else timing.route(group).minutes
    return _Draft(sum(p.households for p in parts), minutes, parts, ranges)


def _balance_lone_tops(
    workload: Workload,
    groups: list[list[int]],
    drafts: list[_Draft],
    full_pieces: list[tuple[int, Piece]],
) -> list[tuple[int, Piece]]:
    """A micro-grid holding nothing but the top floors of a tower entrance shares that
    entrance's floors evenly with the full range below it (same count, no tiny grid)."""
    below = {
        (index, piece.segment.entrance, piece.segment.end): n
        for n, (index, piece) in enumerate(full_pieces)
    }
    full_pieces = list(full_pieces)
    for number, group in enumerate(groups):
        visits = [stop for stop in group if workload.stops[stop].segment is not None]
        if len(visits) != 1:
            continue
        site_index = int(workload.site_of[visits[0]])
        top = workload.stops[visits[0]].segment
        n = below.get((site_index, top.entrance, top.start))
        if n is None:
            continue
        site = workload.sites[site_index]
        lower, upper = site.balanced_top(full_pieces[n][1].segment, top)
        full_pieces[n] = (
            site_index,
            Piece(lower, lower.end - lower.start, site.segment_minutes(lower)),
        )
        drafts[number] = _Draft(
            upper.end - upper.start,
            site.segment_minutes(upper),
            [site.part(upper)],
            [_range(site, upper)],
        )
    return full_pieces


def _empty_division(
    code: str,
    digits: int,
    buildings: Sequence[Building],
    boundary: Polygon | None,
    previous: Sequence[MicroGrid] | None,
) -> Division:
    """A grid without households still gets micro-grids, so that they cover it: one of
    no households per piece of the grid, holding the buildings standing there."""
    moved = 0 if previous is not None else None
    if not buildings and boundary is None:
        return Division(code, [], 0, 0, moved)
    region = boundary
    if region is None:  # derived from the buildings, in the layout's metric frame
        layout = GridLayout.build(buildings, None)
        region = layout.frame.unproject(layout.region)
    pieces = sorted(
        shapely.get_parts(region), key=lambda piece: (-piece.bounds[3], piece.bounds[0])
    )
    inside = [
        [i for i, b in enumerate(buildings) if piece.intersects(b.geometry.representative_point())]
        for piece in pieces
    ]
    micro_grids = [
        MicroGrid(
            code=f"{code}-{number:0{digits}d}",
            number=number,
            general_grid=code,
            households=0,
            minutes=0.0,
            parts=[],
            polygon=piece,
            buildings=[buildings[i].id for i in sites],
        )
        for number, (piece, sites) in enumerate(zip(pieces, inside, strict=True), start=1)
    ]
    return Division(code, micro_grids, 0, 0, moved)


def _group_polygons(
    workload: Workload, groups: list[list[int]], visited: list[list[int]], grid: GridLayout
) -> tuple[list[BaseGeometry], list[list[int]], list[tuple[BaseGeometry, list[int]]]]:
    """Each group's polygon and the buildings whose cells it holds. A building belongs to
    the group visiting most of its households (a building without any, to the group of
    its stop); a group also covers the cells of the other buildings it visits, so groups
    sharing a building both hold its cell."""
    owner: dict[int, tuple[int, int]] = {}
    for number, group in enumerate(groups):
        for stop in group:
            site = int(workload.site_of[stop])
            share = (int(workload.stop_households[stop]), -number)
            held = owner.get(site)
            if held is None or share > held:
                owner[site] = share
    owned: list[list[int]] = [[] for _ in groups]
    for site, (_, minus_number) in sorted(owner.items()):
        owned[-minus_number].append(site)
    shapes, received, apart = grid_polygons(owned, grid.cells, grid.strays)
    cells_of: list[list[int]] = []
    for number, shape in enumerate(shapes):
        shared = [site for site in visited[number] if site not in owned[number]]
        if shared:
            shapes[number] = shapely.union_all([shape, *grid.cells[shared]])
        cells_of.append(sorted({*owned[number], *received[number], *shared}))
    return shapes, cells_of, apart


def _range(site: Site, segment: Segment) -> PlaceRange:
    return (site.building.id, segment.entrance, segment.start, segment.end)


def _previous_code(
    workload: Workload, stop: int, layout: PreviousLayout, spot: shapely.Point
) -> str | None:
    """The old code that held most of this stop's households, or for a building without
    households, the old micro-grid its site ``spot`` stood in."""
    segment = workload.stops[stop].segment
    if segment is None:
        return layout.code_at(spot)
    shared = layout.overlap([_range(workload.sites[workload.site_of[stop]], segment)])
    return max(sorted(shared), key=shared.get) if shared else None
