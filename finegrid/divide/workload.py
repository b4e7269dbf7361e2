"""The door-to-door time of a set of households, and how a building is cut to fit it.

Every household has a place in its entrance: entrances count their dwellings floor by
floor from the ground up, so a stretch of an entrance is a half-open range of those
places (a :class:`Segment`). An entrance whose whole visit would not fit in the window is
cut into floor ranges (dwellings of one floor only when a single floor is too big): every
range but the top one fills a window and becomes a micro-grid of its own (a *full
piece*). What is left — every other entrance, and the top range of a cut one — is a
:class:`Stop`: one visit to one entrance, which the partitioner places with its
neighbours. Stops, not buildings, are what the partitioner packs, so the entrances (单元)
of one building may go to different workers when that saves a worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from finegrid.divide.model import Building, Part
from finegrid.divide.profile import Profile
from finegrid.divide.routing import (
    hilbert_index,
    nearest_neighbour_order,
    two_opt,
)
from finegrid.divide.uncertainty import Round, finish_quantile

TOLERANCE_MINUTES = 1e-9


class DivisionError(ValueError):
    """The input cannot be divided under the profile (e.g. one dwelling alone takes
    longer than the window)."""


@dataclass(frozen=True)
class Segment:
    entrance: int
    """0-based entrance."""
    start: int
    end: int


@dataclass(frozen=True)
class Piece:
    """A floor range of an entrance too big for one visit: a micro-grid of its own."""

    segment: Segment
    households: int
    minutes: float


def spread_households(households: int, entrances: int, floors: int) -> list[list[int]]:
    """Households per entrance per floor, as even as whole numbers allow; the remainder
    goes to the lower floors, first entrances first."""
    base, remainder = divmod(households, entrances * floors)
    return [
        [base + (1 if floor * entrances + entrance < remainder else 0) for floor in range(floors)]
        for entrance in range(entrances)
    ]


class Site:
    """One building placed in the local frame, with its households, its full pieces and
    the segments left for the partitioner (its stops)."""

    def __init__(
        self,
        building: Building,
        xy: np.ndarray,
        entrance_xy: np.ndarray,
        profile: Profile,
        confidence: float | None = None,
    ) -> None:
        self.building = building
        self.xy = xy
        self.entrance_xy = entrance_xy
        self.floor_households = spread_households(
            building.households, building.entrances, building.floors
        )
        self.profile = profile
        self.confidence = confidence
        full, self.stops = self._cut() if building.households else ([], [])
        self.full_pieces = [
            Piece(segment, segment.end - segment.start, self.segment_minutes(segment))
            for segment in full
        ]

    def least_minutes(self) -> float:
        """Minutes no division can save: every household met, every entrance entered
        once and its top floor reached once; walking is left out."""
        return sum(
            self.segment_minutes(Segment(entrance, 0, sum(per_floor)))
            for entrance, per_floor in enumerate(self.floor_households)
            if sum(per_floor)
        )

    def floor_of(self, entrance: int, place: int) -> int:
        """1-based floor of the dwelling at ``place`` in ``entrance``."""
        seen = 0
        for floor, count in enumerate(self.floor_households[entrance], start=1):
            seen += count
            if place < seen:
                return floor
        raise IndexError(place)

    def part(self, segment: Segment) -> Part:
        return Part(
            building=self.building.id,
            entrance=segment.entrance + 1,
            floors=(
                self.floor_of(segment.entrance, segment.start),
                self.floor_of(segment.entrance, segment.end - 1),
            ),
            households=segment.end - segment.start,
        )

    def segment_minutes(self, segment: Segment, profile: Profile | None = None) -> float:
        """Entry, floors up to the segment's top and contact (this site's profile unless
        another is given)."""
        profile = profile or self.profile
        top = self.floor_of(segment.entrance, segment.end - 1)
        return (
            profile.entry_minutes
            + profile.floor_minutes(self.building.has_elevator) * (top - 1)
            + profile.contact_minutes * (segment.end - segment.start)
        )

    def fits(self, segment: Segment) -> bool:
        """Whether one visit to ``segment`` alone fits the window (with the profile's
        confidence, when one is asked for)."""
        minutes = self.segment_minutes(segment)
        return (
            check_minutes(minutes, segment.end - segment.start, 0.0, self.profile, self.confidence)
            <= self.profile.window_minutes + TOLERANCE_MINUTES
        )

    def balanced_top(self, below: Segment, top: Segment) -> tuple[Segment, Segment]:
        """Move the border between the last full range of an entrance and its top range
        down while that lowers the larger of their minutes: a top left alone then makes
        two half-full micro-grids rather than a full one and a tiny one."""
        best = (below, top)
        worst = max(self.segment_minutes(below), self.segment_minutes(top))
        for border in range(below.end - 1, below.start, -1):
            lower = Segment(below.entrance, below.start, border)
            upper = Segment(top.entrance, border, top.end)
            minutes = max(self.segment_minutes(lower), self.segment_minutes(upper))
            if minutes >= worst or not self.fits(upper):
                break
            best, worst = (lower, upper), minutes
        return best

    def _cut(self) -> tuple[list[Segment], list[Segment]]:
        """Full floor ranges of entrances too big for one visit, and the stops: whole
        entrances, or the top range of a cut one. A range takes as many households of
        each floor as still fit, so it fills the window."""
        full: list[Segment] = []
        stops: list[Segment] = []
        for entrance, per_floor in enumerate(self.floor_households):
            total = sum(per_floor)
            if total == 0:
                continue
            whole = Segment(entrance, 0, total)
            if self.fits(whole):
                stops.append(whole)
                continue
            start = place = 0
            for floor, count in enumerate(per_floor, start=1):
                while count:
                    take = self._most_that_fit(entrance, start, place, count)
                    if take == 0:
                        if place == start:
                            raise DivisionError(
                                f"building {self.building.id!r}: one dwelling on floor {floor} "
                                f"takes longer than the {self.profile.window_minutes:g}-minute "
                                "window"
                            )
                        full.append(Segment(entrance, start, place))
                        start = place
                        continue
                    place += take
                    count -= take
            stops.append(Segment(entrance, start, place))
        return full, stops

    def _most_that_fit(self, entrance: int, start: int, place: int, count: int) -> int:
        """The most of the next ``count`` dwellings (all on one floor) that a range from
        ``start`` can add and still fit (bisection: fitting only gets harder)."""
        low, high = 0, count
        while low < high:
            middle = (low + high + 1) // 2
            if self.fits(Segment(entrance, start, place + middle)):
                low = middle
            else:
                high = middle - 1
        return low


@dataclass(frozen=True)
class Stop:
    """One visit the partitioner places: a segment of one site's entrance, or (segment
    None) a building without households, kept so that its cell links its neighbours."""

    site: int
    segment: Segment | None


@dataclass
class Route:
    """A visiting order over stops and its estimated minutes."""

    stops: list[int]
    minutes: float
    check: float
    """What is held against the window: the estimate, or with a confidence the minutes
    the round finishes within with that probability (a chance constraint)."""
    households: int = 0
    walk_minutes: float = 0.0


def check_minutes(
    minutes: float, households: int, walk_minutes: float, profile: Profile, confidence: float | None
) -> float:
    """The estimate, or the minutes within which a round of that estimate finishes with
    probability ``confidence`` under the profile's uncertainty."""
    if confidence is None:
        return minutes
    fixed = minutes - households * profile.contact_minutes - walk_minutes
    return finish_quantile(Round(households, fixed, walk_minutes), profile, confidence)


def default_stops(sites: Sequence[Site]) -> list[Stop]:
    """Every site's stops, in site order; a site without households is one stop of none."""
    return [
        Stop(index, segment) for index, site in enumerate(sites) for segment in site.stops or [None]
    ]


def stop_positions(sites: Sequence[Site], stops: Sequence[Stop]) -> np.ndarray:
    """Where each stop is visited: its entrance (a building without households: its site)."""
    return np.array(
        [
            sites[stop.site].xy
            if stop.segment is None
            else sites[stop.site].entrance_xy[stop.segment.entrance]
            for stop in stops
        ]
    ).reshape(-1, 2)


class Workload:
    """Door-to-door minutes of sets of stops under one profile.

    Walking follows ``network_metres`` (stop to stop, e.g. shortest paths on a street
    network, :mod:`finegrid.divide.network`) when given, else straight lines × the
    profile's detour factor."""

    def __init__(
        self,
        sites: Sequence[Site],
        profile: Profile,
        stops: Sequence[Stop] | None = None,
        network_metres: np.ndarray | None = None,
        confidence: float | None = None,
        curve: np.ndarray | None = None,
    ) -> None:
        """``curve`` orders the stops for routes along a curve (by default their Hilbert
        index over their own bounding box)."""
        self.sites = sites
        self.profile = profile
        self.confidence = confidence
        self.stops = list(stops) if stops is not None else default_stops(sites)
        self.site_of = np.array([stop.site for stop in self.stops], dtype=np.intp)
        self.xy = stop_positions(sites, self.stops)
        self.minutes = np.array(
            [
                0.0
                if stop.segment is None
                else sites[stop.site].segment_minutes(stop.segment, profile)
                for stop in self.stops
            ]
        )
        self.stop_households = np.array(
            [
                0 if stop.segment is None else stop.segment.end - stop.segment.start
                for stop in self.stops
            ],
            dtype=np.int64,
        )
        self.network_metres = network_metres
        self.minutes_per_m = (
            profile.walking_minutes_per_m
            if network_metres is None
            else profile.walking_minutes_per_m / profile.detour_factor
        )
        if curve is not None:
            self.curve = np.asarray(curve, dtype=np.int64)
        else:
            self.curve = hilbert_index(self.xy) if len(self.stops) else np.zeros(0, dtype=np.int64)

    def retimed(self, profile: Profile) -> Workload:
        """The same stops timed under another profile."""
        return Workload(self.sites, profile, self.stops, self.network_metres)

    def margin(self) -> float:
        """How far below the window a typical full round's estimate must stay to meet
        the confidence (0 without one): half its time at doors, a fifth walking."""
        window = self.profile.window_minutes
        households = round(0.5 * window / self.profile.contact_minutes)
        return self.check(window, households, 0.2 * window) - window

    def check(self, minutes: float, households: int, walk_minutes: float) -> float:
        return check_minutes(minutes, households, walk_minutes, self.profile, self.confidence)

    def stops_of(self, sites: Sequence[int]) -> list[int]:
        """Indices of the stops of ``sites``."""
        return np.flatnonzero(np.isin(self.site_of, list(sites))).tolist()

    def households(self, members: Sequence[int]) -> int:
        return int(self.stop_households[list(members)].sum())

    def metres(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Walking metres (before the detour factor, for straight lines) from stops
        ``first`` to stops ``second``, pairwise."""
        if self.network_metres is not None:
            return self.network_metres[first, second]
        return np.hypot(*(self.xy[first] - self.xy[second]).T)

    def route(self, members: Sequence[int], effort: str = "best") -> Route:
        """Visit the stops of ``members`` in walking order.

        ``effort`` is "curve" (Hilbert order, for the many checks of rebalancing),
        "nearest" (the shorter of that and nearest-neighbour, for the checks that decide
        the count) or "best" (the shortest of those and 2-opt, for the routes handed
        out): a handed-out route is never longer than any check it passed."""
        visited = [index for index in members if self.stops[index].segment is not None]
        if not visited:
            return Route([], 0.0, 0.0)
        curve = [visited[i] for i in np.argsort(self.curve[visited], kind="stable")]
        if effort == "curve" or len(visited) <= 2:
            return self.along(curve)
        index = np.asarray(visited)
        distances = self.metres(index[:, None], index[None, :])
        order = nearest_neighbour_order(self.xy[index], distances)
        along_curve = self.along(curve)
        nearest = min(
            (along_curve, self.along([visited[i] for i in order])), key=lambda r: r.minutes
        )
        if effort == "nearest":
            return nearest
        improved = self.along([visited[i] for i in two_opt(distances, order)])
        return min((nearest, improved), key=lambda route: route.minutes)

    def along(self, order: list[int]) -> Route:
        """The route visiting the stops of ``order`` in that order."""
        index = np.asarray(order)
        walk = float(self.metres(index[:-1], index[1:]).sum()) * self.minutes_per_m
        minutes = float(self.minutes[index].sum()) + walk
        households = int(self.stop_households[index].sum())
        return Route(list(order), minutes, self.check(minutes, households, walk), households, walk)
