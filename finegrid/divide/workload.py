"""The door-to-door time of a set of households, and how a building is cut to fit it.

Every household has a place in its entrance: entrances count their dwellings floor by
floor from the ground up, so a stretch of an entrance is a half-open range of those
places (a :class:`Segment`). A building whose whole visit would not fit in the window is
cut into :class:`Piece` s: whole entrances where they fit, floor ranges of an entrance
that alone is too big, and dwellings of one floor only when a single floor is too big.
All pieces but the last become micro-grids of their own; the last one (the building's
*residual*) is placed with its neighbours by the partitioner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from finegrid.divide.model import Building, Part
from finegrid.divide.profile import Profile
from finegrid.divide.routing import (
    distance_matrix,
    hilbert_index,
    nearest_neighbour_order,
    two_opt,
)

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
    segments: tuple[Segment, ...]
    households: int
    minutes: float
    """Contact, entry, floors and the walk between its own entrances."""


def spread_households(households: int, entrances: int, floors: int) -> list[list[int]]:
    """Households per entrance per floor, as even as whole numbers allow; the remainder
    goes to the lower floors, first entrances first."""
    base, remainder = divmod(households, entrances * floors)
    return [
        [base + (1 if floor * entrances + entrance < remainder else 0) for floor in range(floors)]
        for entrance in range(entrances)
    ]


class Site:
    """One building placed in the local frame, with its households and its pieces."""

    def __init__(
        self,
        building: Building,
        xy: np.ndarray,
        entrance_xy: np.ndarray,
        profile: Profile,
    ) -> None:
        self.building = building
        self.xy = xy
        self.entrance_xy = entrance_xy
        self.floor_households = spread_households(
            building.households, building.entrances, building.floors
        )
        self.profile = profile
        self.floor_minutes = profile.floor_minutes(building.has_elevator)
        self.pieces = self._cut() if building.households else []

    @property
    def residual(self) -> Piece | None:
        return self.pieces[-1] if self.pieces else None

    def residual_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Where a visit of the residual piece enters and leaves (first, last entrance)."""
        if self.residual is None:
            return self.xy, self.xy
        segments = self.residual.segments
        return self.entrance_xy[segments[0].entrance], self.entrance_xy[segments[-1].entrance]

    @property
    def full_pieces(self) -> list[Piece]:
        return self.pieces[:-1]

    def least_minutes(self) -> float:
        """Minutes no division can save: every household met, every entrance entered
        once and its top floor reached once; walking is left out."""
        return sum(
            self._segment_minutes(Segment(entrance, 0, sum(per_floor)))
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

    def parts(self, piece: Piece, reverse: bool = False) -> list[Part]:
        segments = reversed(piece.segments) if reverse else piece.segments
        return [
            Part(
                building=self.building.id,
                entrance=segment.entrance + 1,
                floors=(
                    self.floor_of(segment.entrance, segment.start),
                    self.floor_of(segment.entrance, segment.end - 1),
                ),
                households=segment.end - segment.start,
            )
            for segment in segments
        ]

    def _segment_minutes(self, segment: Segment) -> float:
        profile = self.profile
        top = self.floor_of(segment.entrance, segment.end - 1)
        return (
            profile.entry_minutes
            + self.floor_minutes * (top - 1)
            + profile.contact_minutes * (segment.end - segment.start)
        )

    def _units(self) -> list[Segment]:
        profile = self.profile
        """Whole entrances, or floor ranges of an entrance too big for one visit."""
        window = profile.window_minutes + TOLERANCE_MINUTES
        alone: list[Segment] = []
        units: list[Segment] = []
        for entrance, per_floor in enumerate(self.floor_households):
            total = sum(per_floor)
            if total == 0:
                continue
            whole = Segment(entrance, 0, total)
            if self._segment_minutes(whole) <= window:
                units.append(whole)
                continue
            start = place = 0
            for floor, count in enumerate(per_floor, start=1):
                while count:
                    room = (
                        window - profile.entry_minutes - self.floor_minutes * (floor - 1)
                    ) / profile.contact_minutes - (place - start)
                    take = min(count, int(room)) if room >= 1 else 0
                    if take == 0:
                        if place == start:
                            raise DivisionError(
                                f"building {self.building.id!r}: one dwelling on floor {floor} "
                                f"takes longer than the {profile.window_minutes:g}-minute window"
                            )
                        alone.append(Segment(entrance, start, place))
                        start = place
                        continue
                    place += take
                    count -= take
            units.append(Segment(entrance, start, place))
        return alone + units

    def _cut(self) -> list[Piece]:
        """Pack the units in entrance order into pieces that each fit the window."""
        window = self.profile.window_minutes + TOLERANCE_MINUTES
        walk = self.profile.walking_minutes_per_m
        pieces: list[Piece] = []
        segments: list[Segment] = []
        minutes = 0.0
        for unit in self._units():
            unit_minutes = self._segment_minutes(unit)
            step = 0.0
            if segments:
                step = walk * float(
                    np.hypot(
                        *(self.entrance_xy[unit.entrance] - self.entrance_xy[segments[-1].entrance])
                    )
                )
            if segments and minutes + step + unit_minutes > window:
                pieces.append(self._piece(segments, minutes))
                segments, minutes, step = [], 0.0, 0.0
            segments.append(unit)
            minutes += step + unit_minutes
        pieces.append(self._piece(segments, minutes))
        return pieces

    @staticmethod
    def _piece(segments: list[Segment], minutes: float) -> Piece:
        households = sum(segment.end - segment.start for segment in segments)
        return Piece(tuple(segments), households, minutes)


@dataclass
class Route:
    """A visiting order over sites' residual pieces and its estimated minutes."""

    sites: list[int]
    flipped: list[bool]
    """Per site: its entrances are walked last to first."""
    minutes: float


class Workload:
    """Door-to-door minutes of sets of sites under one profile."""

    def __init__(self, sites: Sequence[Site], profile: Profile) -> None:
        self.sites = sites
        self.profile = profile
        self.xy = np.array([site.xy for site in sites]).reshape(-1, 2)
        self.residual_minutes = np.array(
            [site.residual.minutes if site.residual else 0.0 for site in sites]
        )
        self.curve = hilbert_index(self.xy) if len(sites) else np.zeros(0, dtype=np.int64)
        ends = [site.residual_ends() for site in sites]
        self.first_xy = np.array([first for first, _ in ends]).reshape(-1, 2)
        self.last_xy = np.array([last for _, last in ends]).reshape(-1, 2)

    def households(self, members: Sequence[int]) -> int:
        """Households of the residual pieces of ``members``."""
        return sum(self.sites[n].residual.households for n in members if self.sites[n].residual)

    def route(self, members: Sequence[int], effort: str = "best") -> Route:
        """Visit the residual pieces of ``members``: sites in walking order, each
        building's entrances walked from the end nearer the previous building.

        ``effort`` is "curve" (Hilbert order, for the many checks of rebalancing),
        "nearest" (nearest-neighbour, for the checks that decide the count) or "best"
        (the shortest of those and 2-opt, for the routes handed out): a handed-out route
        is never longer than any check it passed."""
        visited = [index for index in members if self.sites[index].residual is not None]
        if not visited:
            return Route([], [], 0.0)
        curve = [visited[i] for i in np.argsort(self.curve[visited], kind="stable")]
        if effort == "curve" or len(visited) <= 2:
            return self._along(curve)
        points = self.xy[visited]
        distances = distance_matrix(points)
        order = nearest_neighbour_order(points, distances)
        nearest = self._along([visited[i] for i in order])
        if effort == "nearest":
            return nearest
        improved = self._along([visited[i] for i in two_opt(distances, order)])
        return min((self._along(curve), nearest, improved), key=lambda route: route.minutes)

    def _along(self, order: list[int]) -> Route:
        """Time along ``order``; a building is entered at whichever end entrance is nearer
        the previous building."""
        index = np.asarray(order)
        first, last = self.first_xy[index], self.last_xy[index]
        flip = np.zeros(len(index), dtype=bool)
        before = self.xy[index[:-1]]
        flip[1:] = np.hypot(*(last[1:] - before).T) < np.hypot(*(first[1:] - before).T)
        entry = np.where(flip[:, None], last, first)
        leave = np.where(flip[:, None], first, last)
        walk_m = float(np.hypot(*(entry[1:] - leave[:-1]).T).sum())
        minutes = float(self.residual_minutes[index].sum())
        return Route(
            list(order), flip.tolist(), minutes + walk_m * self.profile.walking_minutes_per_m
        )
