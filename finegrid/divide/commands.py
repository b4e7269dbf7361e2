"""``finegrid divide``: cut general grids into micro-grids (or communities into general
grids) from a buildings file; see docs/divide.md for the contract."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

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
from finegrid.divide.profile import Profile, ProfileError
from finegrid.divide.workload import DivisionError

DEFAULT_CODE = "000"


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
    parser.add_argument("--seed", type=at_least(0), default=0)
    parser.add_argument(
        "--code",
        default=DEFAULT_CODE,
        help="code of the grid when buildings name none and no --grids are given",
    )
    parser.set_defaults(func=run_divide)


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
        buildings = read_buildings(args.buildings)
        grids = read_grids(args.grids) if args.grids else None
        groups = group_buildings(
            buildings, grids, community_level=households is not None, default_code=args.code
        )
        previous = read_previous(args.previous) if args.previous else None
    except (InputError, ProfileError) as error:
        raise CommandError(str(error)) from None
    tasks = [
        GridTask(
            code=code,
            buildings=groups[code],
            boundary=grids[code] if grids else None,
            previous=previous.get(code, []) if previous is not None else None,
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
    if args.report:
        with atomic_output(args.report) as out:
            json.dump(summary, out, ensure_ascii=False, indent=2)
    print(
        f"{summary['micro_grids']} grids from {summary['general_grids']} "
        f"({summary['households']} households), {summary['over_window']} over the window, "
        f"{summary['ratio_to_lower_bound']} × lower bound, {summary['seconds']} s"
    )
    return 0
