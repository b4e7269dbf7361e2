"""The partitioner: group stops (visits to entrances) into as few connected micro-grids
as fit the window.

1. A spanning tree of the adjacency graph, shortest borders-crossing walks first and
   edges between compounds made dearer, so each compound hangs together in the tree.
2. Bottom-up greedy tree partitioning (Kundu & Misra, 1977): at every node cut off the
   heaviest child subtrees until what remains fits. With additive weights this gives the
   fewest connected parts; the weights are the stops' minutes plus the walk to the
   parent, an estimate of the real route. Beside it, the stops in Hilbert-curve order
   are cut into the fewest consecutive connected stretches that fit (route first,
   cluster second, solved exactly for that order); the construction with fewer parts
   after step 4 goes on.
3. Every part is re-timed along its real visiting order; one that does not fit is split
   in two along its own spanning tree, recursively (a single piece always fits).
4. Neighbouring parts merge while their joint route fits (fewer micro-grids).
5. Boundary buildings move from heavier to lighter neighbours while both stay within
   the window and connected (balance).
6. Compounds are made whole where every part still fits and stays connected: one that
   one worker can visit is gathered into one part, a bigger one gets parts of its own
   (wholeness; the count never grows).

Given the previous micro-grid of each building, the old micro-grids are the starting
point instead: kept where they still fit, trimmed at their edges where they do not, with
new and trimmed buildings joined to a neighbour or partitioned afresh.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components, minimum_spanning_tree

from finegrid.divide.workload import TOLERANCE_MINUTES, Workload

COMPOUND_CROSSING_FACTOR = 4.0
"""How much dearer a tree edge between two compounds is than one inside a compound."""
WALK_OVER_TREE = 1.2
"""A walk through a group of buildings is about this much longer than its spanning tree."""
REBALANCE_ROUNDS = 4


class Partitioner:
    """Partition the sites of one general grid; :meth:`solve` returns groups of site
    indices, each fitting the window and connected in the adjacency graph."""

    def __init__(
        self,
        workload: Workload,
        borders: np.ndarray,
        *,
        compounds: Sequence[str | None],
        previous: Sequence[str | None] | None = None,
        seed: int = 0,
    ) -> None:
        self.workload = workload
        self.window = workload.profile.window_minutes + TOLERANCE_MINUTES
        self.estimate_window = self.window - workload.margin()
        """The estimate tree partitioning aims at: with a confidence, a typical round's
        estimate whose finish is within the window with that probability."""
        self.count = len(workload.stops)
        self.neighbours: list[set[int]] = [set() for _ in range(self.count)]
        borders = np.asarray(borders, dtype=np.intp).reshape(-1, 2)
        lengths = workload.metres(borders[:, 0], borders[:, 1]) if len(borders) else []
        self.border_metres: dict[tuple[int, int], float] = {}
        for (first, second), length in zip(
            borders.tolist(), np.asarray(lengths).tolist(), strict=True
        ):
            self.neighbours[first].add(second)
            self.neighbours[second].add(first)
            self.border_metres[min(first, second), max(first, second)] = length
        self.compounds = compounds
        self.previous = previous
        self.rng = np.random.default_rng(seed)
        self._route_minutes: dict[tuple[frozenset[int], str], float] = {}

    def solve(self) -> list[list[int]]:
        if self.previous is None:
            nodes = list(range(self.count))
            groups = min(
                (self._merge(self._fresh(nodes)), self._merge(self._split(nodes))),
                key=len,
            )
            hinted = [False] * len(groups)
        else:
            kept, loose = self._keep_previous()
            groups = kept + self._fresh(loose)
            hinted = [True] * len(kept) + [False] * (len(groups) - len(kept))
        groups = self._merge(groups, hinted)
        if self.previous is None:
            groups = self._whole_compounds(self._rebalance(self._dissolve(groups)))
        return [sorted(group) for group in groups if group]

    # -- fresh partition -------------------------------------------------------------

    def _fresh(self, nodes: list[int]) -> list[list[int]]:
        """Steps 1–3 on the subgraph induced by ``nodes``."""
        groups: list[list[int]] = []
        for tree_nodes, parent in self._spanning_forest(nodes):
            groups.extend(self._tree_partition(tree_nodes, parent))
        fitted: list[list[int]] = []
        for group in groups:
            fitted.extend(self._fit(group))
        return fitted

    def _split(self, nodes: list[int]) -> list[list[int]]:
        """Cut the stops, taken in curve order, into the fewest consecutive stretches
        that each fit the window and are connected (Beasley's route-first,
        cluster-second split, solved exactly for this order by dynamic programming)."""
        workload = self.workload
        order = sorted(nodes, key=lambda node: (workload.curve[node], node))
        visits = np.array([workload.stops[n].segment is not None for n in order])
        count = len(order)
        # Walk along the order between visited stops only.
        index = np.asarray(order)
        walk_to = np.zeros(count)
        visited = np.flatnonzero(visits)
        walk_to[visited[1:]] = (
            workload.metres(index[visited[:-1]], index[visited[1:]]) * workload.minutes_per_m
        )
        service = workload.minutes[index]
        households = workload.stop_households[index]
        best = np.full(count + 1, np.inf)
        best[0] = 0
        cut = np.zeros(count + 1, dtype=np.intp)
        for start in range(count):
            if not np.isfinite(best[start]):
                continue
            parent: dict[int, int] = {}
            pieces = 0
            minutes = walk = 0.0
            doors = 0
            first_visit = True
            for end in range(start, count):
                if visits[end]:
                    step = 0.0 if first_visit else float(walk_to[end])
                    minutes += float(service[end]) + step
                    walk += step
                    doors += int(households[end])
                    first_visit = False
                    if workload.check(minutes, doors, walk) > self.window:
                        break
                node = order[end]
                parent[node] = node
                pieces += 1
                for other in self.neighbours[node]:
                    if other in parent:
                        a, b = _root(parent, node), _root(parent, other)
                        if a != b:
                            parent[a] = b
                            pieces -= 1
                if pieces == 1 and best[start] + 1 < best[end + 1]:
                    best[end + 1] = best[start] + 1
                    cut[end + 1] = start
        groups = []
        end = count
        while end > 0:
            start = int(cut[end])
            groups.append(order[start:end])
            end = start
        fitted: list[list[int]] = []
        for group in reversed(groups):
            fitted.extend(self._fit(sorted(group)))
        return fitted

    def _spanning_forest(self, nodes: list[int]):
        """Yield (nodes in breadth-first order, parent of each node or -1) per tree."""
        if not nodes:
            return
        local = {node: i for i, node in enumerate(nodes)}
        rows, cols, weights = [], [], []
        for node in nodes:
            for other in self.neighbours[node]:
                if other in local and node < other:
                    length = self.border_metres[node, other] + 1e-6
                    same = self._same_compound(node, other)
                    rows.append(local[node])
                    cols.append(local[other])
                    weights.append(length if same else length * COMPOUND_CROSSING_FACTOR)
        size = len(nodes)
        tree = minimum_spanning_tree(coo_matrix((weights, (rows, cols)), shape=(size, size)))
        tree = tree + tree.T
        _, labels = connected_components(tree, directed=False)
        for label in range(labels.max() + 1):
            members = np.flatnonzero(labels == label)
            root = int(members[self.rng.integers(len(members))])
            order, predecessors = breadth_first_order(tree, root, directed=False)
            parent = {
                nodes[i]: (nodes[predecessors[i]] if predecessors[i] >= 0 else -1) for i in order
            }
            yield [nodes[i] for i in order], parent

    def _tree_partition(self, order: list[int], parent: dict[int, int]) -> list[list[int]]:
        """Kundu–Misra bottom-up cutting of one tree given in breadth-first order."""
        walk = self.workload.minutes_per_m * WALK_OVER_TREE
        load = {node: float(self.workload.minutes[node]) for node in order}
        children: dict[int, list[int]] = defaultdict(list)
        is_root = {order[0]}
        for node in reversed(order):
            kids = children[node]
            # Cut children of another compound first (compounds stay whole), heaviest first.
            contributions = sorted(
                (
                    (
                        not self._same_compound(kid, node),
                        load[kid] + walk * self.border_metres[min(kid, node), max(kid, node)],
                        kid,
                    )
                    for kid in kids
                ),
                reverse=True,
            )
            total = load[node] + sum(weight for _, weight, _ in contributions)
            for _, weight, kid in contributions:
                if total <= self.estimate_window:
                    break
                total -= weight
                is_root.add(kid)
            load[node] = total
            if parent[node] >= 0:
                children[parent[node]].append(node)
        group_of: dict[int, int] = {}
        groups: list[list[int]] = []
        for node in order:
            if node in is_root:
                group_of[node] = len(groups)
                groups.append([])
            else:
                group_of[node] = group_of[parent[node]]
            groups[group_of[node]].append(node)
        return groups

    def _fit(self, group: list[int]) -> list[list[int]]:
        """Split ``group`` along its spanning tree until every part's route fits."""
        if len(group) == 1 or self._minutes(group) <= self.window:
            return [group]
        ((order, parent),) = self._spanning_forest(group)
        weight = {node: float(self.workload.minutes[node]) for node in order}
        for node in reversed(order):
            if parent[node] >= 0:
                weight[parent[node]] += weight[node]
        total = weight[order[0]]
        cut = min(order[1:], key=lambda node: abs(total - 2 * weight[node]))
        below = self._subtree(cut, order, parent)
        return self._fit([n for n in group if n not in below]) + self._fit(sorted(below))

    @staticmethod
    def _subtree(top: int, order: list[int], parent: dict[int, int]) -> set[int]:
        below = {top}
        for node in order:
            if parent[node] in below:
                below.add(node)
        return below

    # -- re-division from previous micro-grids ---------------------------------------------

    def _keep_previous(self) -> tuple[list[list[int]], list[int]]:
        """Old micro-grids trimmed to fit and stay connected, and the buildings left over."""
        by_code: dict[str, list[int]] = defaultdict(list)
        loose: list[int] = []
        for node, code in enumerate(self.previous):
            (by_code[code] if code is not None else loose).append(node)
        kept: list[list[int]] = []
        for code in sorted(by_code):
            pieces = self._connected_pieces(by_code[code])
            pieces.sort(key=lambda piece: (-self.workload.households(piece), piece))
            group = pieces[0]
            loose.extend(node for piece in pieces[1:] for node in piece)
            # "best": the old route passed some check, so any of the orders may be needed.
            while self._minutes(group, "best") > self.window:
                shed = self._outermost_leaf(group)
                group.remove(shed)
                loose.append(shed)
            kept.append(group)
        loose = self._attach(kept, sorted(loose))
        return kept, loose

    def _attach(self, groups: list[list[int]], loose: list[int]) -> list[int]:
        """Join each loose building to the neighbouring group it fits best; return the rest."""
        group_of = {node: index for index, group in enumerate(groups) for node in group}
        changed = True
        while changed and loose:
            changed = False
            for node in list(loose):
                best = None
                for index in sorted({group_of[n] for n in self.neighbours[node] if n in group_of}):
                    minutes = self._minutes([*groups[index], node])
                    if minutes <= self.window and (best is None or minutes < best[0]):
                        best = (minutes, index)
                if best is not None:
                    groups[best[1]].append(node)
                    group_of[node] = best[1]
                    loose.remove(node)
                    changed = True
        return loose

    def _outermost_leaf(self, group: list[int]) -> int:
        """A building whose removal keeps the group connected, farthest from its centre."""
        ((order, parent),) = self._spanning_forest(group)
        has_child = {parent[node] for node in order}
        leaves = [node for node in order if node not in has_child]
        centre = self.workload.xy[group].mean(axis=0)
        return max(leaves, key=lambda n: (float(np.hypot(*(self.workload.xy[n] - centre))), n))

    # -- improvement -------------------------------------------------------------------

    def _merge(self, groups: list[list[int]], hinted: list[bool] | None = None) -> list[list[int]]:
        """Merge neighbouring groups while the joint route fits (old ones only with new)."""
        groups = [list(group) for group in groups]
        hinted = hinted or [False] * len(groups)
        minutes = [self._minutes(group) for group in groups]
        merged = True
        while merged:
            merged = False
            group_of = {node: index for index, group in enumerate(groups) for node in group}
            pairs = sorted(
                {
                    (min(a, b), max(a, b))
                    for node, a in group_of.items()
                    for other in self.neighbours[node]
                    if (b := group_of.get(other, a)) != a and not (hinted[a] and hinted[b])
                },
                key=lambda pair: (minutes[pair[0]] + minutes[pair[1]], pair),
            )
            gone: set[int] = set()
            for a, b in pairs:
                if (
                    a in gone
                    or b in gone
                    or self._least(groups[a]) + self._least(groups[b]) > self.window
                ):
                    continue
                joint = self._minutes(groups[a] + groups[b])
                if joint <= self.window:
                    keep, drop = (a, b) if hinted[a] or not hinted[b] else (b, a)
                    groups[keep] = groups[keep] + groups[drop]
                    groups[drop] = []
                    minutes[keep], minutes[drop] = joint, 0.0
                    gone.update((a, b))
                    merged = True
            alive = [i for i, group in enumerate(groups) if group]
            groups = [groups[i] for i in alive]
            minutes = [minutes[i] for i in alive]
            hinted = [hinted[i] for i in alive]
        return groups

    def _dissolve(self, groups: list[list[int]]) -> list[list[int]]:
        """Share out the buildings of a light group among its neighbours when they all
        fit there (one micro-grid fewer); tried for groups whose neighbours have room."""
        tried: set[frozenset[int]] = set()
        while True:
            minutes = [self._minutes(group) for group in groups]
            group_of = {node: i for i, group in enumerate(groups) for node in group}
            for index in sorted(range(len(groups)), key=lambda i: (minutes[i], groups[i])):
                members = frozenset(groups[index])
                around = {group_of[n] for node in members for n in self.neighbours[node]}
                around.discard(index)
                room = sum(self.window - minutes[i] for i in around)
                if members in tried or room < minutes[index]:
                    continue
                tried.add(members)
                trial = [list(group) for i, group in enumerate(groups) if i != index]
                if not self._attach(trial, sorted(members)):
                    groups = trial
                    break
            else:
                return groups

    def _rebalance(self, groups: list[list[int]]) -> list[list[int]]:
        """Move boundary buildings from a heavier to a lighter neighbour when that lowers
        the heavier one's time without pushing the lighter past it or the window."""
        minutes = [self._minutes(group, "curve") for group in groups]
        for _ in range(REBALANCE_ROUNDS):
            moved = False
            group_of = {node: index for index, group in enumerate(groups) for node in group}
            for node in sorted(group_of):
                source = group_of[node]
                if len(groups[source]) == 1 or self.workload.minutes[node] == 0:
                    continue
                targets = sorted(
                    {group_of[n] for n in self.neighbours[node]} - {source},
                    key=lambda index: (minutes[index], index),
                )
                for target in targets[:1]:
                    if minutes[target] + self.workload.minutes[node] >= minutes[source]:
                        continue
                    rest = [n for n in groups[source] if n != node]
                    if len(self._connected_pieces(rest)) != 1:
                        continue
                    grown = self._minutes([*groups[target], node], "curve")
                    shrunk = self._minutes(rest, "curve")
                    if grown <= self.window and max(grown, shrunk) < minutes[source]:
                        groups[source], groups[target] = rest, [*groups[target], node]
                        minutes[source], minutes[target] = shrunk, grown
                        group_of[node] = target
                        moved = True
            if not moved:
                break
        return groups

    def _whole_compounds(self, groups: list[list[int]]) -> list[list[int]]:
        """Keep compounds whole where it costs no micro-grid, so a worker's patch follows
        the compound's gates: a compound one worker can visit is gathered into one of
        its micro-grids; a bigger one is whole when its micro-grids hold nothing else,
        so their other buildings move to neighbours. Every change keeps all micro-grids
        within the window and connected."""
        groups = [list(group) for group in groups]
        group_of = {node: index for index, group in enumerate(groups) for node in group}
        members_of: dict[str, set[int]] = defaultdict(set)
        for node, compound in enumerate(self.compounds):
            if compound is not None and node in group_of:
                members_of[compound].add(node)
        for compound in sorted(members_of, key=lambda c: (len(members_of[c]), c)):
            members = members_of[compound]
            holders = sorted(
                {group_of[node] for node in members},
                key=lambda i: (-len(members.intersection(groups[i])), i),
            )
            one_worker = self._least(sorted(members)) <= self.window
            if one_worker:
                trials = (self._gathered(groups, holders, target, members) for target in holders)
            else:
                trials = (self._cleared(groups, group_of, holder, members) for holder in holders)
            for trial in trials if len(holders) > 1 else ():
                if trial is None:
                    continue
                for index, group in trial.items():
                    groups[index] = group
                    group_of.update(dict.fromkeys(group, index))
                if one_worker:
                    break
        return [group for group in groups if group]

    def _gathered(
        self, groups: list[list[int]], holders: list[int], target: int, members: set[int]
    ) -> dict[int, list[int]] | None:
        """The holders' groups with every member moved into ``target``, if all fit."""
        trial = {i: [node for node in groups[i] if node not in members] for i in holders}
        trial[target] = groups[target] + sorted(members - set(groups[target]))
        return trial if self._all_fit(trial) else None

    def _cleared(
        self, groups: list[list[int]], group_of: dict[int, int], holder: int, members: set[int]
    ) -> dict[int, list[int]] | None:
        """The groups changed by moving ``holder``'s other buildings to neighbouring
        groups (one holding the building's own compound first), if all fit."""
        foreign = [node for node in groups[holder] if node not in members]
        if not foreign:
            return None
        trial = {holder: [node for node in groups[holder] if node in members]}
        for node in foreign:
            own = self.compounds[node]
            targets = sorted(
                {group_of[n] for n in self.neighbours[node]} - {holder},
                key=lambda i: (
                    own is None or all(self.compounds[m] != own for m in groups[i]),
                    self._least(trial.get(i, groups[i])),
                    i,
                ),
            )
            for target in targets:
                grown = [*trial.get(target, groups[target]), node]
                if self._least(grown) <= self.window and self._minutes(grown) <= self.window:
                    trial[target] = grown
                    break
            else:
                return None
        return trial if self._all_fit(trial) else None

    def _all_fit(self, trial: dict[int, list[int]]) -> bool:
        """Every non-empty group of ``trial`` is connected and within the window."""
        return all(
            not group
            or (len(self._connected_pieces(group)) == 1 and self._minutes(group) <= self.window)
            for group in trial.values()
        )

    # -- helpers -----------------------------------------------------------------------

    def _same_compound(self, first: int, second: int) -> bool:
        return self.compounds[first] is not None and self.compounds[first] == self.compounds[second]

    def _least(self, group: Sequence[int]) -> float:
        """The group's minutes without walking: no route can take less."""
        return float(self.workload.minutes[list(group)].sum())

    def _minutes(self, group: Sequence[int], effort: str = "nearest") -> float:
        """Route minutes as held against the window (with a confidence, the minutes the
        round finishes within with that probability), remembered: the improvement steps
        ask about the same groups again and again."""
        key = (frozenset(group), effort)
        if key not in self._route_minutes:
            self._route_minutes[key] = self.workload.route(group, effort).check
        return self._route_minutes[key]

    def _connected_pieces(self, nodes: list[int]) -> list[list[int]]:
        members = set(nodes)
        pieces = []
        seen: set[int] = set()
        for start in sorted(nodes):
            if start in seen:
                continue
            piece, stack = [], [start]
            seen.add(start)
            while stack:
                node = stack.pop()
                piece.append(node)
                for other in self.neighbours[node]:
                    if other in members and other not in seen:
                        seen.add(other)
                        stack.append(other)
            pieces.append(sorted(piece))
        return pieces


def _root(parent: dict[int, int], node: int) -> int:
    """The representative of ``node``'s set in a union-find forest (halving paths)."""
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node
