"""``finegrid synth``: write a synthetic city for any set of areas to a directory."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from tqdm import tqdm

from finegrid import divisions
from finegrid.cli import CommandError, at_least
from finegrid.synth import outlines
from finegrid.synth.generate import communities_in, parallel_map
from finegrid.synth.output import FILES, OutputDirectory, render_community


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="generate a synthetic city (buildings, households, persons, general grids) "
        "on the real administrative divisions",
        description="Writes " + ", ".join(FILES) + " for every community under the given areas.",
    )
    parser.add_argument(
        "--area",
        action="append",
        required=True,
        metavar="CODE",
        help="division code of a community, street, district or city (e.g. 5101 for "
        "Chengdu); repeat for several",
    )
    parser.add_argument("--seed", type=at_least(0), default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="DIR")
    parser.add_argument(
        "--oversized-grids",
        action="store_true",
        help="merge neighbouring general grids so most exceed 500 households, as Chengdu's "
        "did before re-gridding",
    )
    parser.add_argument(
        "--workers", type=at_least(1), default=1, metavar="N", help="worker processes (default 1)"
    )
    parser.add_argument(
        "--outlines",
        type=Path,
        metavar="FILE",
        help="district outlines, GeoJSON (default: $FINEGRID_DISTRICT_OUTLINES, else "
        "Chengdu's as `finegrid setup` converts them into data/); districts the file "
        "leaves out get synthetic squares",
    )
    parser.set_defaults(func=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    try:
        communities = communities_in(args.area)
    except divisions.UnknownDivision as error:
        raise CommandError(str(error)) from None
    if not communities:
        raise CommandError(f"no communities under {', '.join(args.area)}")
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    outline_file = usable_outlines(args.outlines)
    task = functools.partial(
        render_community,
        seed=args.seed,
        oversized_grids=args.oversized_grids,
        outlines=outline_file,
    )
    codes = [division.code for division in communities]
    try:
        with OutputDirectory(args.output, args.seed, outline_file) as output:
            results = parallel_map(task, codes, args.workers)
            progress = tqdm(
                zip(communities, results, strict=True),
                total=len(codes),
                unit="community",
                file=sys.stderr,
                desc="synth",
            )
            for division, chunks in progress:
                output.add(division, chunks)
    except OSError as error:
        raise CommandError(f"cannot write to {args.output}: {error.strerror or error}") from None
    print(f"wrote {len(codes)} communities to {args.output}")
    return 0


def usable_outlines(path: Path | None = None) -> Path:
    """The district outline file to lay synthetic data on (``path``, else the configured
    one), read once here so that a missing or broken file is a one-line error up front."""
    path = path or outlines.configured()
    try:
        outlines.load(path)
    except outlines.OutlineError as error:
        raise CommandError(str(error)) from None
    return path
