"""``finegrid divide``: cut general grids into micro-grids (or communities into general
grids) from a buildings file; ``finegrid simulate``: how often their rounds really finish
within the window. See docs/divide.md for the contract."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import shapely
from tqdm import tqdm

from finegrid.cli import CommandError, at_least
from finegrid.divide.divider import Division, GridTask, divide_city
from finegrid.divide.executors import open_executor
from finegrid.divide.io import (
    InputError,
    atomic_output,
    group_buildings,
    micro_grid_feature,
    read_buildings,
    read_grids,
    read_previous,
    write_features,
)
from finegrid.divide.metrics import Report
from finegrid.divide.network import NetworkError, WalkNetwork
from finegrid.divide.profile import Profile, ProfileError
from finegrid.divide.uncertainty import DEFAULT_RUNS, Round, round_of_parts, simulate_finish
from finegrid.divide.workload import TOLERANCE_MINUTES, DivisionError

DEFAULT_CODE = "000"
REQUIRED_SHARE = 0.95
"""A micro-grid keeps the promise when its round finishes in time in this share of runs."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "divide",
        help="cut general grids into micro-grids by the 3-hour door-to-door standard",
        description="Cut every general grid into micro-grids (微网格) that one worker can "
        "visit door to door within the window, or (--level general) communities into "
        "general grids (一般网格) of a households range.",
    )
    parser.add_argument("buildings", type=Path, help="buildings, GeoJSON or GeoPackage")
    parser.add_argument("-o", "--output", type=Path, required=True, help="micro-grids GeoJSON")
    parser.add_argument("--grids", type=Path, help="grid polygons with a `code` property")
    parser.add_argument("--report", type=Path, help="write the report JSON here")
    parser.add_argument("--profile", type=Path, help="workload profile, JSON or TOML")
    parser.add_argument("--previous", type=Path, help="micro-grids of an earlier division")
    parser.add_argument("--level", choices=("micro", "general"), default="micro")
    parser.add_argument(
        "--households",
        default="300-500",
        help="households range of a general grid with --level general (default 300-500)",
    )
    parser.add_argument(
        "--workers", type=at_least(1), help="local processes (default: one per CPU)"
    )
    parser.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument(
        "--network",
        type=Path,
        help="walking network (GeoJSON LineStrings, or GraphML as OSMnx writes it): walks "
        "follow its paths instead of straight line × detour",
    )
    parser.add_argument(
        "--repair-geometry",
        action="store_true",
        help="repair invalid footprints (shapely.make_valid; a degenerate one becomes its "
        "centroid) and list them in the report, instead of stopping",
    )
    parser.add_argument("--seed", type=at_least(0), default=0)
    parser.add_argument(
        "--confidence",
        type=probability,
        help="size micro-grids so each finishes within the window with this probability "
        "under the profile's uncertainty (e.g. 0.95; default: on average)",
    )
    parser.add_argument(
        "--code",
        default=DEFAULT_CODE,
        help="code of the grid when buildings name none and no --grids are given",
    )
    parser.set_defaults(func=run_divide)
    register_simulate(subparsers)


def register_simulate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate micro-grids' door-to-door rounds: how often they finish in time",
        description="Run each micro-grid's round many times with the profile's randomness "
        "(time at a door, households not at home, a late start, walking speed) and report "
        "how often it finishes within the window.",
    )
    parser.add_argument("micro_grids", type=Path, help="micro-grids GeoJSON (finegrid divide)")
    parser.add_argument(
        "--buildings", type=Path, required=True, help="the buildings file they were cut from"
    )
    parser.add_argument("--runs", type=at_least(1), default=DEFAULT_RUNS)
    parser.add_argument("--seed", type=at_least(0), default=0)
    parser.add_argument("--profile", type=Path, help="workload profile, JSON or TOML")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run_simulate)


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0.5 and below 1, not {value}")
    return value


def _bounds(buildings, boundary) -> tuple[float, float, float, float]:
    shapes = [boundary] if boundary is not None else [b.geometry for b in buildings]
    return tuple(float(v) for v in shapely.total_bounds(shapes))


def households_range(text: str) -> tuple[int, int]:
    try:
        low, high = (int(value) for value in text.split("-"))
    except ValueError:
        raise CommandError(f"--households must look like 300-500, got {text!r}") from None
    if not 0 < low <= high:
        raise CommandError(f"--households must be a range like 300-500, got {text!r}")
    return low, high


def run_divide(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.workers is not None and args.workers < 1:
        raise CommandError("--workers must be at least 1")
    households = households_range(args.households) if args.level == "general" else None
    try:
        profile = Profile.load(args.profile) if args.profile else Profile()
        repaired: list[dict] | None = [] if args.repair_geometry else None
        buildings = read_buildings(args.buildings, repaired)
        grids = read_grids(args.grids) if args.grids else None
        groups = group_buildings(
            buildings, grids, community_level=households is not None, default_code=args.code
        )
        previous = read_previous(args.previous) if args.previous else None
        network = WalkNetwork.read(args.network) if args.network else None
    except (InputError, ProfileError, NetworkError) as error:
        raise CommandError(str(error)) from None
    tasks = [
        GridTask(
            code=code,
            buildings=groups[code],
            boundary=grids[code] if grids else None,
            previous=previous.get(code, []) if previous is not None else None,
            network=network.around(_bounds(groups[code], grids[code] if grids else None))
            if network is not None
            else None,
        )
        for code in sorted(groups)
    ]
    report = Report(profile.window_minutes, households)
    progress = tqdm(total=len(tasks), unit="grid", disable=None, desc="dividing")

    def done(division: Division) -> None:
        report.add(division)
        progress.update()

    try:
        with (
            open_executor(args.workers, args.scheduler) as executor,
            atomic_output(args.output) as out,
        ):
            divisions = divide_city(
                tasks,
                profile=profile,
                seed=args.seed,
                households=households,
                confidence=args.confidence,
                executor=executor,
                on_done=done,
            )
            write_features(
                out, (micro_grid_feature(grid) for d in divisions for grid in d.micro_grids)
            )
    except DivisionError as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"{error}") from None
    finally:
        progress.close()
    summary = report.as_json(time.perf_counter() - started)
    if repaired is not None:
        summary["repaired"] = repaired
    if args.confidence is not None:
        summary["confidence"] = args.confidence
    if args.report:
        with atomic_output(args.report) as out:
            json.dump(summary, out, ensure_ascii=False, indent=2)
    print(
        f"{summary['micro_grids']} grids from {summary['general_grids']} "
        f"({summary['households']} households), {summary['over_window']} over the window, "
        f"{summary['ratio_to_lower_bound']} × lower bound, {summary['seconds']} s"
        + (f", {len(repaired)} footprints repaired" if repaired else "")
    )
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    try:
        profile = Profile.load(args.profile) if args.profile else Profile()
        buildings = {building.id: building for building in read_buildings(args.buildings)}
        grids = [grid for by_grid in read_previous(args.micro_grids).values() for grid in by_grid]
    except (InputError, ProfileError) as error:
        raise CommandError(str(error)) from None
    for grid in grids:
        for part in grid.parts:
            if part.building not in buildings:
                raise CommandError(
                    f"{args.micro_grids}: micro-grid {grid.code!r}: property 'parts' names "
                    f"building {part.building!r}, which {args.buildings} does not have"
                )
    grids.sort(key=lambda grid: grid.code)
    rounds = [observed_round(grid, buildings, profile) for grid in grids]
    finishes = simulate_finish(rounds, profile, runs=args.runs, seed=args.seed)
    report = simulation_report(grids, rounds, finishes, profile)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        late = [grid for grid in report["micro_grids"] if grid["p_within"] < REQUIRED_SHARE]
        for grid in sorted(late, key=lambda grid: grid["p_within"]):
            print(
                f"{grid['code']}: {grid['minutes']} min estimated, within "
                f"{profile.window_minutes:g} min in {grid['p_within']:.0%} of runs, "
                f"95 % within {grid['p95_minutes']} min"
            )
        print(
            f"{len(grids)} micro-grids, {args.runs} runs each: "
            f"{report['within_window_share']:.1%} finish within {profile.window_minutes:g} min "
            f"in ≥ {REQUIRED_SHARE:.0%} of runs; 95 % of rounds finish within "
            f"{report['p95_minutes']} min"
        )
    return 0


def observed_round(grid, buildings, profile: Profile) -> Round:
    """A micro-grid's round: entries, floors and doors from its parts and the profile,
    walking as the divider timed it (what its minutes leave over), so a division made
    along a --network is simulated along the same paths."""
    work = round_of_parts(grid.parts, buildings, profile)
    walk = grid.minutes - work.fixed_minutes - work.households * profile.contact_minutes
    return Round(work.households, work.fixed_minutes, max(walk, 0.0))


def simulation_report(grids, rounds, finishes, profile: Profile) -> dict:
    """The ``finegrid simulate --json`` report."""
    window = profile.window_minutes + TOLERANCE_MINUTES
    within = (finishes <= window).mean(axis=1) if len(grids) else np.zeros(0)
    return {
        "micro_grids": [
            {
                "code": grid.code,
                "households": work.households,
                "minutes": round(work.estimate(profile), 2),
                "p_within": round(float(share), 4),
                "p95_minutes": round(float(np.quantile(runs, 0.95)), 2),
            }
            for grid, work, share, runs in zip(grids, rounds, within, finishes, strict=True)
        ],
        "within_window_share": round(float((within >= REQUIRED_SHARE).mean()), 4)
        if len(grids)
        else None,
        "p95_minutes": round(float(np.quantile(finishes, 0.95)), 2) if len(grids) else None,
    }
