"""How fast the divider is: one general grid, and (with --city) the whole synthetic city.

One grid: the median of several runs of `divide_grid` on each typical ~500-household
layout (target ≤ 50 ms). City: `finegrid synth --area 5101` (≈8 M households, ≈16,000
general grids) then `finegrid divide` on it with a local process pool; wall seconds and
the peak resident memory of the divider's whole process tree (target ≤ 10 min and ≤ 4 GB
on 2 cores).

Usage: python bench/divide_scale.py [--runs N] [--city [--synth DIR] [--workers N]]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from finegrid.divide import divide_grid
from finegrid.divide.typical import LAYOUTS

CITY = "5101"
RSS_POLL_SECONDS = 0.2


def one_grid(runs: int) -> list[str]:
    lines = [
        "| layout | households | buildings | micro-grids | median ms |",
        "|---|---|---|---|---|",
    ]
    for name, make in LAYOUTS.items():
        buildings, boundary = make()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            division = divide_grid(buildings, code="X", boundary=boundary)
            timings.append(time.perf_counter() - started)
        lines.append(
            f"| {name} | {division.households} | {len(buildings)} | "
            f"{len(division.micro_grids)} | {statistics.median(timings) * 1000:.1f} |"
        )
    return lines


def peak_tree_rss(process: subprocess.Popen) -> tuple[int, threading.Thread]:
    """Poll the summed memory of a process and its children until it exits: proportional
    set size where the system reports it (shared pages counted once), else RSS."""
    peak = [0]

    def poll() -> None:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak[0] = max(peak[0], sum(_resident(p) for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(RSS_POLL_SECONDS)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return peak, thread


def _resident(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return process.memory_info().rss


def city(directory: Path, workers: int, generate: bool) -> list[str]:
    finegrid = [sys.executable, "-m", "finegrid.cli"]
    if generate:
        started = time.perf_counter()
        subprocess.run(
            [
                *finegrid,
                "synth",
                "--area",
                CITY,
                "--seed",
                "1",
                "-o",
                str(directory),
                "--workers",
                str(workers),
            ],
            check=True,
        )
        print(f"synth: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    report = directory / "divide-report.json"
    command = [
        *finegrid,
        "divide",
        str(directory / "buildings.geojson"),
        "--grids",
        str(directory / "general_grids.geojson"),
        "-o",
        str(directory / "micro_grids.geojson"),
        "--report",
        str(report),
        "--workers",
        str(workers),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak, thread = peak_tree_rss(process)
    if process.wait() != 0:
        raise SystemExit(f"finegrid divide failed with status {process.returncode}")
    seconds = time.perf_counter() - started
    thread.join()
    summary = json.loads(report.read_text())
    return [
        f"city: {summary['households']} households, {summary['general_grids']} general grids → "
        f"{summary['micro_grids']} micro-grids ({summary['ratio_to_lower_bound']} × bound, "
        f"{summary['over_window']} over the window)",
        f"city: {seconds:.0f} s wall on {workers} workers, peak memory {peak[0] / 2**30:.2f} GiB",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--city", action="store_true", help="also divide the whole city")
    parser.add_argument("--synth", type=Path, help="an existing `finegrid synth` output")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    lines = one_grid(args.runs)
    if args.city:
        with tempfile.TemporaryDirectory() as scratch:
            directory = args.synth or Path(scratch)
            lines += ["", *city(directory, args.workers, generate=args.synth is None)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
