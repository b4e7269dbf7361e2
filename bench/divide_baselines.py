"""finegrid's divider against established regionalization and graph-partitioning tools.

Every method gets the same general grids from the synthetic generator (urban high-rise,
old courtyards, villages and one whole street), the same contiguity graph (buildings
whose footprint cells share a border) and its best shot at the goal; every result is then
timed under the same workload model and scored the same way:

- within 3 h: share of micro-grids whose door-to-door estimate fits the window;
- count / bound: micro-grids over ⌈Σ(contact + entry + floor minutes) / window⌉;
- contiguous: share of micro-grids whose polygon is one piece;
- Polsby–Popper: median 4π·area/perimeter² of micro-grid polygons;
- whole compounds: share of compounds in one micro-grid or split only into micro-grids
  of their own;
- seconds: from buildings to a plan, summed over the grids: finegrid's whole
  `divide_grid` (layout, cells, partition, routes, polygons); a baseline's own run plus
  building the contiguity graph it is given (the same layout step).

The baselines place whole buildings (none of them can split an entrance by floors):

- spopt MaxPHeuristic: floor = the households one worker can visit (it has no ceiling);
- spopt SKATER and RegionKMeansHeuristic: k = finegrid's count;
- GerryChain recursive_tree_part: k = ⌈W / window⌉, tolerance from the window;
- pymetis and KaHIP: k-way, vertex weight = minutes, k = ⌈W / window⌉.

Usage: python bench/divide_baselines.py [--synth DIR] [--markdown FILE]
Without --synth it runs `finegrid synth` for the areas below into a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import shapely

from finegrid.divide import Profile, divide_grid
from finegrid.divide.boundaries import grid_polygons
from finegrid.divide.divider import GridLayout
from finegrid.divide.io import group_buildings, read_buildings, read_grids
from finegrid.divide.metrics import compound_membership, polsby_popper, whole_compound_rate

URBAN_STREET = "510107005000"  # 玉林街道, Wuhou: high-rise estates, walk-up courtyards
VILLAGE_STREET = "510117004000"  # 安德街道, Pidu: villages and resettlement estates
GRIDS_PER_KIND = 3
PROFILE = Profile()
METHODS = ["finegrid", "MaxP", "SKATER", "RegionKMeans", "GerryChain", "pymetis", "KaHIP"]
MAXP_BUDGET_SECONDS = 120.0
"""MaxP runs in a child process stopped after this long (it then counts as no plan, and
its seconds as the budget: a lower bound on its time)."""
SLOW_METHODS_SKIP_STREET = {"MaxP"}
"""Too slow for the ~100 grids of a whole street within a benchmark run."""


@dataclass
class Case:
    """One general grid prepared once for every method."""

    code: str
    buildings: list
    boundary: shapely.Polygon
    layout: GridLayout = field(init=False)

    def __post_init__(self) -> None:
        started = time.perf_counter()
        self.layout = GridLayout.build(self.buildings, self.boundary)
        self.layout_seconds = time.perf_counter() - started
        self.whole = self.layout.whole_buildings(PROFILE)
        self.minutes = np.array([site.least_minutes() for site in self.whole.sites])
        self.households = np.array([b.households for b in self.buildings])
        self.lower_bound = math.ceil(self.minutes.sum() / PROFILE.window_minutes - 1e-9)
        self.k = min(max(self.lower_bound, 1), len(self.buildings))
        count = len(self.buildings)
        self.neighbours = [[] for _ in range(count)]
        for first, second in self.layout.borders:
            self.neighbours[int(first)].append(int(second))
            self.neighbours[int(second)].append(int(first))


@dataclass
class Score:
    grids: int = 0
    within: int = 0
    contiguous: int = 0
    bound: int = 0
    compactness: list[float] = field(default_factory=list)
    compounds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    def row(self) -> list[str]:
        if not self.grids and not self.failures:
            return ["not run"] + ["—"] * 5
        if not self.grids:
            return ["no plan"] + ["—"] * 4 + [f"{self.seconds:.2f}"]
        return [
            f"{self.within / self.grids:.0%}",
            f"{self.grids / self.bound:.2f}",
            f"{self.contiguous / self.grids:.0%}",
            f"{np.median(self.compactness):.2f}",
            f"{np.mean(self.compounds):.0%}",
            f"{self.seconds:.2f}",
        ]


# -- methods: each returns groups of building indices ------------------------------------


def run_maxp(case: Case, finegrid_count: int) -> list[list[int]]:
    """In a child process, so a run past the budget can be stopped."""
    with multiprocessing.get_context("fork").Pool(1) as pool:
        pending = pool.apply_async(_maxp_labels, (case,))
        try:
            return _groups(pending.get(MAXP_BUDGET_SECONDS))
        except multiprocessing.TimeoutError:
            raise TimeoutError(f"no plan within {MAXP_BUDGET_SECONDS:.0f} s") from None


def _maxp_labels(case: Case) -> list:
    from spopt.region import MaxPHeuristic

    frame, weights = _geo_inputs(case)
    floor = max(1, int(PROFILE.window_minutes / (case.minutes.sum() / case.households.sum())))
    model = MaxPHeuristic(frame, weights, ["x", "y"], "households", floor, top_n=2)
    model.solve()
    return list(model.labels_)


def run_skater(case: Case, finegrid_count: int) -> list[list[int]]:
    from spopt.region import Skater

    frame, weights = _geo_inputs(case)
    model = Skater(frame, weights, ["x", "y"], n_clusters=min(finegrid_count, len(frame)))
    model.solve()
    return _groups(model.labels_)


def run_region_kmeans(case: Case, finegrid_count: int) -> list[list[int]]:
    from spopt.region import RegionKMeansHeuristic

    _, weights = _geo_inputs(case)
    model = RegionKMeansHeuristic(
        case.layout.points, min(finegrid_count, len(case.buildings)), weights
    )
    model.solve()
    return _groups(model.labels_)


def run_gerrychain(case: Case, finegrid_count: int) -> list[list[int]]:
    import networkx
    from gerrychain import Graph
    from gerrychain.partition import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    graph = networkx.Graph()
    for node, minutes in enumerate(case.minutes):
        graph.add_node(node, minutes=float(minutes))
    graph.add_edges_from((int(a), int(b)) for a, b in case.layout.borders)
    target = case.minutes.sum() / case.k
    epsilon = min(max(PROFILE.window_minutes / target - 1, 0.01), 0.9)
    # Its best shot: widen the tolerance until a plan exists (heavy buildings need it).
    while True:
        try:
            assignment = recursive_tree_part(
                Graph.from_networkx(graph),
                range(case.k),
                target,
                "minutes",
                epsilon,
                bipartition_tree_fn=partial(bipartition_tree, max_attempts=200),
                rng=1,
            )
        except RuntimeError:
            if epsilon >= 0.9:
                raise
            epsilon = min(2 * epsilon, 0.9)
            continue
        return _groups([assignment[node] for node in range(len(case.buildings))])


def run_pymetis(case: Case, finegrid_count: int) -> list[list[int]]:
    import pymetis

    xadj, adjncy = _csr(case)
    _, membership = pymetis.part_graph(
        case.k, xadj=xadj, adjncy=adjncy, vweights=np.maximum(case.minutes, 1).astype(int).tolist()
    )
    return _groups(membership)


def run_kahip(case: Case, finegrid_count: int) -> list[list[int]]:
    import kahip

    xadj, adjncy = _csr(case)
    vertex_weights = np.maximum(case.minutes, 1).astype(int).tolist()
    edge_weights = [1] * len(adjncy)
    _, blocks = kahip.kaffpa(vertex_weights, xadj, edge_weights, adjncy, case.k, 0.03, True, 1, 2)
    return _groups(blocks)


def _geo_inputs(case: Case):
    import geopandas
    from libpysal.weights import W

    frame = geopandas.GeoDataFrame(
        {
            "x": case.layout.points[:, 0],
            "y": case.layout.points[:, 1],
            "households": case.households,
        },
        geometry=list(case.layout.cells),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = W({i: n or [] for i, n in enumerate(case.neighbours)}, silence_warnings=True)
    return frame, weights


def _csr(case: Case) -> tuple[list[int], list[int]]:
    xadj, adjncy = [0], []
    for neighbours in case.neighbours:
        adjncy.extend(sorted(neighbours))
        xadj.append(len(adjncy))
    return xadj, adjncy


def _groups(labels) -> list[list[int]]:
    by_label: dict = {}
    for node, label in enumerate(labels):
        by_label.setdefault(label, []).append(node)
    return list(by_label.values())


BASELINES: dict[str, Callable[[Case, int], list[list[int]]]] = {
    "MaxP": run_maxp,
    "SKATER": run_skater,
    "RegionKMeans": run_region_kmeans,
    "GerryChain": run_gerrychain,
    "pymetis": run_pymetis,
    "KaHIP": run_kahip,
}

# -- scoring -----------------------------------------------------------------------------


def score_groups(case: Case, groups: list[list[int]], seconds: float, score: Score) -> None:
    """Score whole-building groups under the shared workload model."""
    groups = [g for g in groups if case.households[g].sum() > 0] or groups
    minutes = [case.whole.route(group).minutes for group in groups]
    polygons, _ = grid_polygons(groups, case.layout.cells, case.layout.strays)
    _add(case, score, minutes, polygons, [[case.buildings[i].id for i in g] for g in groups])
    score.seconds += seconds


def _add(case: Case, score: Score, minutes, polygons, members) -> None:
    score.grids += len(minutes)
    score.bound += case.lower_bound
    score.within += sum(m <= PROFILE.window_minutes + 1e-6 for m in minutes)
    score.contiguous += sum(p.geom_type == "Polygon" for p in polygons)
    score.compactness.extend(polsby_popper(p) for p in polygons)
    compound_of = {b.id: b.compound for b in case.buildings}
    grids_of, compounds_of = compound_membership(enumerate(members), compound_of)
    if grids_of:
        score.compounds.append(whole_compound_rate(grids_of, compounds_of))


def run_finegrid(case: Case, score: Score) -> int:
    started = time.perf_counter()
    division = divide_grid(case.buildings, code=case.code, boundary=case.boundary)
    seconds = time.perf_counter() - started
    micro = division.micro_grids
    polygons = [case.layout.frame.project(m.polygon) for m in micro]
    members = [sorted({p.building for p in m.parts}) for m in micro]
    _add(case, score, [m.minutes for m in micro], polygons, members)
    score.seconds += seconds
    return len(micro)


# -- cases -------------------------------------------------------------------------------


def load_cases(directory: Path) -> dict[str, list[Case]]:
    buildings = read_buildings(directory / "buildings.geojson")
    grids = read_grids(directory / "general_grids.geojson")
    by_grid = group_buildings(buildings, grids, community_level=False, default_code="")
    villages = _village_communities(directory / "community_boundaries.geojson")

    def share(code: str, test: Callable) -> float:
        members = by_grid[code]
        total = sum(b.households for b in members) or 1
        return sum(b.households for b in members if test(b)) / total

    def top(codes, test) -> list[str]:
        return sorted(codes, key=lambda c: (-share(c, test), c))[:GRIDS_PER_KIND]

    urban = [c for c in by_grid if c.split("-")[0] not in villages]
    rural = [c for c in by_grid if c.split("-")[0] in villages]
    picks = {
        "urban high-rise": top(urban, lambda b: b.floors >= 18),
        "old courtyards": top(urban, lambda b: 6 <= b.floors <= 7 and not b.has_elevator),
        "villages": top(rural, lambda b: b.floors <= 3),
        "whole street": sorted(c for c in by_grid if c.startswith(URBAN_STREET[:9])),
    }
    return {
        kind: [Case(code, by_grid[code], grids[code]) for code in codes if by_grid[code]]
        for kind, codes in picks.items()
    }


def _village_communities(path: Path) -> set[str]:
    if not path.exists():
        return set()
    features = json.loads(path.read_text())["features"]
    return {f["properties"]["code"] for f in features if f["properties"].get("is_village")}


def synthesize(directory: Path) -> None:
    command = [sys.executable, "-m", "finegrid.cli", "synth", "--seed", "1", "-o", str(directory)]
    for area in (URBAN_STREET, VILLAGE_STREET):
        command += ["--area", area]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


# -- table -------------------------------------------------------------------------------

HEADER = [
    "method",
    "within 3 h",
    "count / bound",
    "contiguous",
    "Polsby–Popper",
    "whole compounds",
    "seconds",
]


def table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def benchmark(cases: dict[str, list[Case]]) -> tuple[dict[str, Score], dict[str, dict[str, Score]]]:
    totals = {method: Score() for method in METHODS}
    per_kind = {kind: {method: Score() for method in METHODS} for kind in cases}
    for kind, kind_cases in cases.items():
        for case in kind_cases:
            count = run_finegrid(case, per_kind[kind]["finegrid"])
            for name, method in BASELINES.items():
                if kind == "whole street" and name in SLOW_METHODS_SKIP_STREET:
                    continue
                started = time.perf_counter()
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        groups = method(case, count)
                except Exception as error:  # a baseline that finds no plan scores nothing
                    per_kind[kind][name].failures += 1
                    per_kind[kind][name].seconds += (
                        case.layout_seconds + time.perf_counter() - started
                    )
                    print(
                        f"  {name} found no plan for {case.code}: {type(error).__name__}: {error}",
                        file=sys.stderr,
                    )
                    continue
                seconds = case.layout_seconds + time.perf_counter() - started
                score_groups(case, groups, seconds, per_kind[kind][name])
    for kind, kind_scores in per_kind.items():
        if kind == "whole street":  # pooled separately: not every method runs on it
            continue
        for method, score in kind_scores.items():
            total = totals[method]
            for name in ("grids", "within", "contiguous", "bound", "seconds", "failures"):
                setattr(total, name, getattr(total, name) + getattr(score, name))
            total.compactness += score.compactness
            total.compounds += score.compounds
    return totals, per_kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synth", type=Path, help="output directory of `finegrid synth`")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.synth or Path(scratch)
        if args.synth is None:
            try:
                synthesize(directory)
            except subprocess.CalledProcessError:
                print(
                    "divide_baselines: `finegrid synth` failed; pass --synth DIR", file=sys.stderr
                )
                return 1
        cases = load_cases(directory)
    totals, per_kind = benchmark(cases)
    sections = []
    counts = ", ".join(f"{len(c)} {kind}" for kind, c in cases.items() if kind != "whole street")
    sections.append(
        f"Picked general grids ({counts})\n\n" + table([[m, *totals[m].row()] for m in METHODS])
    )
    for kind, scores in per_kind.items():
        title = f"{kind} ({len(cases[kind])} general grids)"
        sections.append(f"{title}\n\n" + table([[m, *scores[m].row()] for m in METHODS]))
    failures = {m: s.failures for m, s in totals.items() if s.failures}
    if failures:
        sections.append("grids where a method found no plan: " + json.dumps(failures))
    text = "\n\n".join(sections)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
