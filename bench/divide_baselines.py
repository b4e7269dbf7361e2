"""finegrid's divider against a vehicle-routing solver and established regionalization
and graph-partitioning tools.

Every method gets the same general grids from the synthetic generator (urban high-rise,
old courtyards, villages and one whole street), every building given as a point (its
site), the same contiguity graph (buildings whose footprint cells share a border) and its
best shot at the goal; every result is then timed under the same workload model and
scored the same way:

- within 3 h: share of micro-grids whose door-to-door estimate fits the window;
- count / bound: micro-grids over ⌈Σ(contact + entry + floor minutes) / window⌉;
- contiguous: share of micro-grids whose polygon is one piece;
- Polsby–Popper: median 4π·area/perimeter² of micro-grid polygons;
- whole compounds: share of compounds in one micro-grid or split only into micro-grids
  of their own;
- seconds: from buildings to a plan, summed over the grids: finegrid's whole
  `divide_grid` (layout, cells, partition, routes, polygons); a baseline's own run plus
  building the contiguity graph it is given (the same layout step).

PyVRP (hybrid genetic search / iterated local search, 0.14) solves the count as a
vehicle-routing problem: one client per visit finegrid's model makes (every entrance, or
floor range of a tower entrance) with its service minutes, open routes through a depot at
zero distance from every client, walking minutes between clients, a shift of the window
and a large fixed cost per route, so it minimises routes first; it ignores contiguity.
It runs for --pyvrp-seconds per picked grid (--pyvrp-street-seconds on the whole street).

The other baselines place whole buildings (none of them can split an entrance by floors):

- spopt MaxPHeuristic: floor = the households one worker can visit (it has no ceiling);
- spopt SKATER and RegionKMeansHeuristic: k = finegrid's count;
- GerryChain recursive_tree_part (tolerance from the window), pymetis and KaHIP (k-way,
  vertex weight = minutes): the smallest k from ⌈W / window⌉ up at which every part fits
  the window, or finegrid's count if none below it does; their seconds are the whole
  search.

Usage: python bench/divide_baselines.py [--synth DIR] [--markdown FILE]
    [--pyvrp-seconds 60] [--pyvrp-street-seconds 10] [--methods PyVRP,SKATER,...]
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
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import numpy as np
import shapely

from finegrid.divide import Profile, divide_grid
from finegrid.divide.boundaries import grid_polygons
from finegrid.divide.divider import GridLayout
from finegrid.divide.io import group_buildings, read_buildings, read_grids
from finegrid.divide.metrics import compound_membership, polsby_popper, whole_compound_rate
from finegrid.divide.workload import Stop, Workload

URBAN_STREET = "510107005000"  # 玉林街道, Wuhou: high-rise estates, walk-up courtyards
VILLAGE_STREET = "510117004000"  # 安德街道, Pidu: villages and resettlement estates
GRIDS_PER_KIND = 3
PROFILE = Profile()
METHODS = [
    "finegrid",
    "PyVRP",
    "MaxP",
    "SKATER",
    "RegionKMeans",
    "GerryChain",
    "pymetis",
    "KaHIP",
]
PYVRP_FIXED_COST = 1_000_000
"""Per route, in hundredths of a minute: far above any route's walk, so routes come first."""
PYVRP_UNITS_PER_MINUTE = 100
MAXP_BUDGET_SECONDS = 120.0
"""MaxP runs in a child process stopped after this long (it then counts as no plan, and
its seconds as the budget: a lower bound on its time)."""
SLOW_METHODS_SKIP_STREET = {"MaxP"}
K_SEARCH_METHODS = {"GerryChain", "pymetis", "KaHIP"}
"""Given the smallest k (from the bound up to finegrid's count) at which all parts fit."""
"""Too slow for the ~100 grids of a whole street within a benchmark run."""


@dataclass
class Case:
    """One general grid prepared once for every method."""

    code: str
    buildings: list
    boundary: shapely.Polygon
    layout: GridLayout = field(init=False)

    def __post_init__(self) -> None:
        # Every building as the point it is laid out at, for every method alike.
        sites = GridLayout.build(self.buildings, self.boundary)
        spots = sites.frame.to_lonlat(sites.points)
        self.buildings = [
            replace(b, geometry=shapely.Point(*spots[i])) for i, b in enumerate(self.buildings)
        ]
        started = time.perf_counter()
        self.layout = GridLayout.build(self.buildings, self.boundary)
        self.layout_seconds = time.perf_counter() - started
        self.whole = self.layout.whole_buildings(PROFILE)
        self.minutes = np.array([site.least_minutes() for site in self.whole.sites])
        self.households = np.array([b.households for b in self.buildings])
        self.lower_bound = math.ceil(self.minutes.sum() / PROFILE.window_minutes - 1e-9)
        self.k = min(max(self.lower_bound, 1), len(self.buildings))
        self.visits = self._visits()
        count = len(self.buildings)
        self.neighbours = [[] for _ in range(count)]
        for first, second in self.layout.borders:
            self.neighbours[int(first)].append(int(second))
            self.neighbours[int(second)].append(int(first))

    def group_minutes(self, buildings: list[int]) -> float:
        """Minutes of the best route over whole buildings."""
        return self.whole.route(self.whole.stops_of(buildings)).minutes

    def fits(self, buildings: list[int]) -> bool:
        return self.group_minutes(buildings) <= PROFILE.window_minutes + 1e-6

    def _visits(self) -> Workload:
        """Every visit finegrid's model makes under the window: the floor ranges of tower
        entrances that fill a round, and the stops (entrances, tower tops)."""
        sites = self.layout.sites(PROFILE)
        stops = [
            Stop(index, segment)
            for index, site in enumerate(sites)
            for segment in [piece.segment for piece in site.full_pieces] + site.stops
        ]
        return Workload(sites, PROFILE, stops)


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


def run_pyvrp(case: Case, finegrid_count: int, seconds: float) -> list[list[int]]:
    """Routes of visits (indices into ``case.visits``), fewest first, within ``seconds``."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    visits = case.visits
    scale = PYVRP_UNITS_PER_MINUTE
    model = Model()
    home = model.add_location(0.0, 0.0)
    model.add_depot(home)
    locations = [model.add_location(float(x), float(y)) for x, y in visits.xy]
    for location, minutes in zip(locations, visits.minutes, strict=True):
        # Rounded up, so a route PyVRP finds feasible fits the window unrounded too.
        model.add_client(location, service_duration=math.ceil(minutes * scale))
    model.add_vehicle_type(
        num_available=len(locations),
        fixed_cost=PYVRP_FIXED_COST,
        shift_duration=int(PROFILE.window_minutes * scale),
    )
    index = np.arange(len(locations))
    walk = visits.metres(index[:, None], index[None, :]) * visits.minutes_per_m * scale
    for i, first in enumerate(locations):
        model.add_edge(home, first, 0, 0)
        model.add_edge(first, home, 0, 0)
        for j, second in enumerate(locations):
            if i != j:
                step = math.ceil(walk[i, j])
                model.add_edge(first, second, step, step)
    result = model.solve(MaxRuntime(seconds), seed=1, display=False)
    if not result.is_feasible():
        raise RuntimeError(f"no feasible plan within {seconds:.0f} s")
    return [
        [activity.idx for activity in route if activity.is_client()]
        for route in result.best.routes()
    ]


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


def smallest_fitting_k(
    partition: Callable[[Case, int], list[list[int]]], case: Case, finegrid_count: int
) -> list[list[int]]:
    """The plan at the smallest k from the bound up at which every part fits the window
    (the bound leaves out walking, so k = bound rarely does), or at finegrid's count."""
    top = max(finegrid_count, case.k)
    for k in range(case.k, top + 1):
        try:
            groups = partition(case, min(k, len(case.buildings)))
        except RuntimeError:
            if k == top:
                raise
            continue
        if k == top or all(case.fits(group) for group in groups):
            return groups
    raise AssertionError("unreachable")


def run_gerrychain(case: Case, finegrid_count: int) -> list[list[int]]:
    return smallest_fitting_k(_gerrychain, case, finegrid_count)


def run_pymetis(case: Case, finegrid_count: int) -> list[list[int]]:
    return smallest_fitting_k(_pymetis, case, finegrid_count)


def run_kahip(case: Case, finegrid_count: int) -> list[list[int]]:
    return smallest_fitting_k(_kahip, case, finegrid_count)


def _gerrychain(case: Case, k: int) -> list[list[int]]:
    import networkx
    from gerrychain import Graph
    from gerrychain.partition import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    graph = networkx.Graph()
    for node, minutes in enumerate(case.minutes):
        graph.add_node(node, minutes=float(minutes))
    graph.add_edges_from((int(a), int(b)) for a, b in case.layout.borders)
    target = case.minutes.sum() / k
    epsilon = min(max(PROFILE.window_minutes / target - 1, 0.01), 0.9)
    # Its best shot: widen the tolerance until a plan exists (heavy buildings need it).
    while True:
        try:
            assignment = recursive_tree_part(
                Graph.from_networkx(graph),
                range(k),
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


def _pymetis(case: Case, k: int) -> list[list[int]]:
    import pymetis

    xadj, adjncy = _csr(case)
    _, membership = pymetis.part_graph(
        k, xadj=xadj, adjncy=adjncy, vweights=np.maximum(case.minutes, 1).astype(int).tolist()
    )
    return _groups(membership)


def _kahip(case: Case, k: int) -> list[list[int]]:
    import kahip

    xadj, adjncy = _csr(case)
    vertex_weights = np.maximum(case.minutes, 1).astype(int).tolist()
    edge_weights = [1] * len(adjncy)
    _, blocks = kahip.kaffpa(vertex_weights, xadj, edge_weights, adjncy, k, 0.03, True, 1, 2)
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
    minutes = [case.group_minutes(group) for group in groups]
    polygons, _, _ = grid_polygons(groups, case.layout.cells, case.layout.strays)
    _add(case, score, minutes, polygons, [[case.buildings[i].id for i in g] for g in groups])
    score.seconds += seconds


def score_routes(case: Case, routes: list[list[int]], seconds: float, score: Score) -> None:
    """Score routes over ``case.visits`` (which may share a building) in their order."""
    visits = case.visits
    minutes = [visits.along(route).minutes for route in routes]
    buildings = [sorted(set(visits.site_of[route].tolist())) for route in routes]
    polygons = [shapely.union_all(case.layout.cells[b]) for b in buildings]
    _add(case, score, minutes, polygons, [[case.buildings[i].id for i in b] for b in buildings])
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


def run_finegrid(case: Case, score: Score, share: bool = True) -> tuple[int, float]:
    """finegrid's count on the case (scored into ``score``) and its CPU seconds."""
    started, cpu = time.perf_counter(), time.process_time()
    division = divide_grid(case.buildings, code=case.code, boundary=case.boundary, share=share)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    micro = division.micro_grids
    polygons = [case.layout.frame.project(m.polygon) for m in micro]
    members = [sorted({p.building for p in m.parts}) for m in micro]
    _add(case, score, [m.minutes for m in micro], polygons, members)
    score.seconds += seconds
    return len(micro), cpu


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


@dataclass
class Budget:
    """PyVRP's seconds per grid: the picked grids, and each grid of the whole street."""

    picked: float
    street: float


@dataclass
class Count:
    """One grid's counts: finegrid's, finegrid's without sharing entrances (the
    ablation), PyVRP's; finegrid's wall and CPU seconds."""

    kind: str
    code: str
    bound: int
    finegrid: int
    whole_stops: int
    pyvrp: int
    seconds: float
    cpu: float


def benchmark(
    cases: dict[str, list[Case]], budget: Budget, methods: list[str] | None = None
) -> tuple[dict[str, Score], dict[str, dict[str, Score]], list[Count]]:
    """Scores pooled over the picked grids, per kind, and per grid counts."""
    methods = methods or METHODS
    totals = {method: Score() for method in METHODS}
    per_kind = {kind: {method: Score() for method in METHODS} for kind in cases}
    counts = []
    for kind, kind_cases in cases.items():
        for case in kind_cases:
            finegrid = per_kind[kind]["finegrid"]
            before = (finegrid.grids, finegrid.seconds)
            count, cpu = run_finegrid(case, finegrid)
            whole_stops, _ = run_finegrid(case, Score(), share=False)
            pyvrp_seconds = budget.street if kind == "whole street" else budget.picked
            pyvrp = per_kind[kind]["PyVRP"]
            pyvrp_before = pyvrp.grids
            if "PyVRP" in methods:
                _run(
                    kind,
                    case,
                    "PyVRP",
                    partial(run_pyvrp, seconds=pyvrp_seconds),
                    count,
                    pyvrp,
                    score_routes,
                )
            counts.append(
                Count(
                    kind,
                    case.code,
                    case.lower_bound,
                    count,
                    whole_stops,
                    pyvrp.grids - pyvrp_before,
                    finegrid.seconds - before[1],
                    cpu,
                )
            )
            for name, method in BASELINES.items():
                if name not in methods:
                    continue
                if kind == "whole street" and name in SLOW_METHODS_SKIP_STREET:
                    continue
                _run(kind, case, name, method, count, per_kind[kind][name], score_groups)
    for kind, kind_scores in per_kind.items():
        if kind == "whole street":  # pooled separately: not every method runs on it
            continue
        for method, score in kind_scores.items():
            total = totals[method]
            for name in ("grids", "within", "contiguous", "bound", "seconds", "failures"):
                setattr(total, name, getattr(total, name) + getattr(score, name))
            total.compactness += score.compactness
            total.compounds += score.compounds
    return totals, per_kind, counts


def _run(kind, case, name, method, count, score, scorer) -> None:
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            groups = method(case, count)
    except Exception as error:  # a baseline that finds no plan scores nothing
        score.failures += 1
        score.seconds += case.layout_seconds + time.perf_counter() - started
        print(
            f"  {name} found no plan for {case.code}: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return
    scorer(case, groups, case.layout_seconds + time.perf_counter() - started, score)


def count_table(counts: list[Count]) -> str:
    """finegrid's count against PyVRP's, grid by grid (whole street: summed), with the
    count without shared entrances beside it and finegrid's seconds (wall, CPU)."""
    lines = [
        "| grid | kind | bound | finegrid | whole stops only | PyVRP | finegrid / PyVRP "
        "| finegrid seconds | CPU seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in counts:
        if c.kind == "whole street":
            continue
        ratio = f"{c.finegrid / c.pyvrp:.2f}" if c.pyvrp else "—"
        lines.append(
            f"| {c.code} | {c.kind} | {c.bound} | {c.finegrid} | {c.whole_stops} | "
            f"{c.pyvrp or '—'} | {ratio} | {c.seconds:.3f} | {c.cpu:.3f} |"
        )
    for label, rows in (
        ("picked grids", [c for c in counts if c.kind != "whole street"]),
        ("whole street", [c for c in counts if c.kind == "whole street"]),
    ):
        if rows:
            bound, finegrid, whole, pyvrp = (
                sum(getattr(r, name) for r in rows)
                for name in ("bound", "finegrid", "whole_stops", "pyvrp")
            )
            ratio = f"{finegrid / pyvrp:.3f}" if pyvrp else "—"
            lines.append(
                f"| **{label}** ({len(rows)}) | | {bound} | {finegrid} | {whole} | "
                f"{pyvrp or '—'} | {ratio} | max {max(r.seconds for r in rows):.3f}, "
                f"median {np.median([r.seconds for r in rows]):.3f} | "
                f"max {max(r.cpu for r in rows):.3f}, "
                f"median {np.median([r.cpu for r in rows]):.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synth", type=Path, help="output directory of `finegrid synth`")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    parser.add_argument("--pyvrp-seconds", type=float, default=60.0, help="per picked grid")
    parser.add_argument(
        "--pyvrp-street-seconds", type=float, default=10.0, help="per grid of the whole street"
    )
    parser.add_argument(
        "--methods",
        default=",".join(METHODS[1:]),
        help="comma-separated baselines to run beside finegrid (default: all)",
    )
    args = parser.parse_args(argv)
    methods = ["finegrid", *(m for m in args.methods.split(",") if m and m != "finegrid")]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods: {', '.join(unknown)}; known: {', '.join(METHODS)}")
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
    budget = Budget(args.pyvrp_seconds, args.pyvrp_street_seconds)
    totals, per_kind, counts = benchmark(cases, budget, methods)
    sections = [
        f"Count against PyVRP ({budget.picked:g} s per picked grid, "
        f"{budget.street:g} s per grid of the whole street)\n\n" + count_table(counts)
    ]
    picked = ", ".join(f"{len(c)} {kind}" for kind, c in cases.items() if kind != "whole street")
    sections.append(
        f"Picked general grids ({picked})\n\n" + table([[m, *totals[m].row()] for m in methods])
    )
    for kind, scores in per_kind.items():
        title = f"{kind} ({len(cases[kind])} general grids)"
        sections.append(f"{title}\n\n" + table([[m, *scores[m].row()] for m in methods]))
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
