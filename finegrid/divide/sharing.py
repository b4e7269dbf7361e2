"""Sharing an entrance between two workers when that saves a micro-grid.

The partitioner packs whole stops (an entrance, or the top range of a tower entrance),
so a round is over when the next entrance no longer fits whole, even if half of it
would. :func:`share_out` then tries to empty a light micro-grid into its neighbours: each
of its stops goes whole to a neighbouring micro-grid with room, or is cut at a floor
(lower floors to one neighbour, upper floors to another: a split delivery, which a
vehicle-routing model with whole visits cannot make). A micro-grid is emptied only when
all of its stops find a place and every receiving round still fits the window, so the
count only falls and every micro-grid stays connected (a stop goes only to a micro-grid
holding a neighbour of its building, or the building itself).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from finegrid.divide.workload import TOLERANCE_MINUTES, Segment, Stop, Workload

MAX_TRIALS_PER_GRID = 64
"""Micro-grids tried for emptying per general grid (the lightest first)."""


class _Rounds:
    """Route minutes (as held against the window) of sets of stops, remembered; split
    stops are new :class:`Stop` records visited where their entrance is."""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        self.window = workload.profile.window_minutes + TOLERANCE_MINUTES
        self.origin = {stop: index for index, stop in enumerate(workload.stops)}
        self._memo: dict[frozenset[Stop], float] = {}

    def check(self, stops: Sequence[Stop]) -> float:
        key = frozenset(stops)
        if key not in self._memo:
            self._memo[key] = self.sub_workload(stops).route(range(len(stops)), "best").check
        return self._memo[key]

    def fits(self, stops: Sequence[Stop]) -> bool:
        return self.check(stops) <= self.window

    def sub_workload(self, stops: Sequence[Stop]) -> Workload:
        """A workload over ``stops``, walking and curve order taken from the grid's."""
        workload = self.workload
        index = np.array([self._origin_of(stop) for stop in stops], dtype=np.intp)
        metres = None
        if workload.network_metres is not None:
            metres = workload.network_metres[np.ix_(index, index)]
        return Workload(
            workload.sites,
            workload.profile,
            list(stops),
            metres,
            workload.confidence,
            curve=workload.curve[index],
        )

    def _origin_of(self, stop: Stop) -> int:
        """The grid's stop that ``stop`` is or was cut from (same entrance, same place)."""
        found = self.origin.get(stop)
        if found is not None:
            return found
        for original, index in self.origin.items():
            if (
                original.site == stop.site
                and original.segment is not None
                and original.segment.entrance == stop.segment.entrance
                and original.segment.start <= stop.segment.start
                and stop.segment.end <= original.segment.end
            ):
                self.origin[stop] = index
                return index
        raise KeyError(stop)


def share_out(
    workload: Workload, groups: list[list[int]], site_borders: np.ndarray
) -> tuple[Workload, list[list[int]]]:
    """Empty light micro-grids into their neighbours, sharing entrances where needed.
    Returns the workload over the (possibly split) stops and the groups as indices into
    it; unchanged when no micro-grid can be emptied."""
    rounds = _Rounds(workload)
    near: list[set[int]] = [{site} for site in range(len(workload.sites))]
    for first, second in np.asarray(site_borders, dtype=np.intp).reshape(-1, 2).tolist():
        near[first].add(second)
        near[second].add(first)
    members = [[workload.stops[i] for i in group] for group in groups]
    tried: set[frozenset[Stop]] = set()
    trials = 0
    changed = False
    while trials < MAX_TRIALS_PER_GRID:
        order = sorted(
            range(len(members)),
            key=lambda i: (rounds.check(members[i]), sorted(map(_key, members[i]))),
        )
        for index in order:
            key = frozenset(members[index])
            if key in tried or not any(stop.segment for stop in members[index]):
                continue
            tried.add(key)
            if _room(index, members, near, rounds) < rounds.check(members[index]):
                continue
            trials += 1
            emptied = _empty(index, members, near, rounds)
            if emptied is not None:
                members = emptied
                changed = True
                break
            if trials >= MAX_TRIALS_PER_GRID:
                break
        else:
            break
    if not changed:
        return workload, groups
    stops = [stop for group in members for stop in group]
    shared = rounds.sub_workload(stops)  # the same walks and curve as every check
    regrouped, start = [], 0
    for group in members:
        regrouped.append(list(range(start, start + len(group))))
        start += len(group)
    return shared, regrouped


def _key(stop: Stop) -> tuple:
    segment = stop.segment
    return (stop.site, -1, 0, 0) if segment is None else (stop.site, *vars(segment).values())


def _empty(
    index: int, members: list[list[Stop]], near: list[set[int]], rounds: _Rounds
) -> list[list[Stop]] | None:
    """The groups with group ``index`` shared out among the others, or None."""
    trial = {i: list(group) for i, group in enumerate(members) if i != index}
    pending = sorted(members[index], key=_key)
    while pending:
        placed = False
        for stop in list(pending):
            targets = _targets(stop, trial, near)
            best = None
            for target in targets:
                grown = [*trial[target], stop]
                if rounds.fits(grown):
                    minutes = rounds.check(grown)
                    if best is None or minutes < best[0]:
                        best = (minutes, target)
            if best is not None:
                trial[best[1]].append(stop)
                pending.remove(stop)
                placed = True
        if placed:
            continue
        for stop in list(pending):
            split = _split(stop, _targets(stop, trial, near), trial, rounds)
            if split is not None:
                for target, piece in split:
                    trial[target].append(piece)
                pending.remove(stop)
                placed = True
                break
        if not placed:
            return None
    return [group for group in trial.values() if group]


def _room(index: int, members: list[list[Stop]], near: list[set[int]], rounds: _Rounds) -> float:
    """Minutes the groups around group ``index`` have left: it cannot be emptied into
    less."""
    around = set().union(*(near[stop.site] for stop in members[index]))
    return sum(
        rounds.window - rounds.check(group)
        for i, group in enumerate(members)
        if i != index and any(stop.site in around for stop in group)
    )


def _targets(stop: Stop, trial: dict[int, list[Stop]], near: list[set[int]]) -> list[int]:
    """Groups holding the stop's building or a neighbour of it, and no other range of
    its entrance (an entrance is entered once per round)."""
    around = near[stop.site]
    return [
        i
        for i, group in trial.items()
        if any(other.site in around for other in group)
        and not any(_same_entrance(stop, other) for other in group)
    ]


def _same_entrance(stop: Stop, other: Stop) -> bool:
    return (
        stop.segment is not None
        and other.segment is not None
        and stop.site == other.site
        and stop.segment.entrance == other.segment.entrance
    )


def _split(
    stop: Stop, targets: list[int], trial: dict[int, list[Stop]], rounds: _Rounds
) -> list[tuple[int, Stop]] | None:
    """The stop cut at one household place into a lower and an upper range, each added to
    a different target that it fits, the border placed where the longer of the two
    rounds is shortest; or None."""
    segment = stop.segment
    if segment is None or segment.end - segment.start < 2:
        return None
    for first in targets:
        for second in targets:
            if first != second:
                border = _border(stop, trial[first], trial[second], rounds)
                if border is not None:
                    lower, upper = _pieces(stop, border)
                    return [(first, lower), (second, upper)]
    return None


def _pieces(stop: Stop, border: int) -> tuple[Stop, Stop]:
    segment = stop.segment
    return (
        Stop(stop.site, Segment(segment.entrance, segment.start, border)),
        Stop(stop.site, Segment(segment.entrance, border, segment.end)),
    )


def _border(stop: Stop, below: list[Stop], above: list[Stop], rounds: _Rounds) -> int | None:
    """Where to cut ``stop`` so that its lower floors join round ``below`` and its upper
    floors round ``above``, both fitting, the longer of the two as short as can be."""
    segment = stop.segment

    def lower(border: int) -> float:
        return rounds.check([*below, _pieces(stop, border)[0]])

    def upper(border: int) -> float:
        return rounds.check([*above, _pieces(stop, border)[1]])

    # A higher border makes the lower round longer and the upper one shorter.
    first, last = segment.start + 1, segment.end - 1
    highest = _last_true(lambda border: lower(border) <= rounds.window, first, last)
    if highest is None or upper(highest) > rounds.window:
        return None
    lowest = last - _last_true(lambda back: upper(last - back) <= rounds.window, 0, last - first)
    # The first border in lowest..highest at which the lower round is the longer.
    low, high = lowest, highest
    while low < high:
        middle = (low + high) // 2
        if lower(middle) >= upper(middle):
            high = middle
        else:
            low = middle + 1
    return min({low, max(lowest, low - 1)}, key=lambda b: (max(lower(b), upper(b)), b))


def _last_true(test, low: int, high: int) -> int | None:
    """The largest value in low..high for which ``test`` holds, given that it holds up to
    some value and fails above it; None if it fails at ``low``."""
    if low > high or not test(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if test(middle):
            low = middle
        else:
            high = middle - 1
    return low
