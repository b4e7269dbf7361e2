"""How fast the divider is: one general grid, and (with --city) the whole synthetic city.

One grid: the median of several runs of `divide_grid` on each typical ~500-household
layout (target ≤ 50 ms). City: `finegrid synth --area 5101` (≈8 M households, ≈20,000
general grids) then `finegrid divide` on it with a local process pool and, with --dask,
again through `--scheduler` on a local Dask cluster of as many worker processes; wall
seconds and the peak memory of this script's whole process tree (the divider, its
workers, the cluster's workers; target ≤ 10 min and ≤ 4 GB on 2 cores).

Usage: python bench/divide_scale.py [--runs N] [--city [--synth DIR] [--workers N] [--dask]]
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


def peak_tree_rss(process: subprocess.Popen) -> tuple[list, dict[int, float], threading.Thread]:
    """Poll this script's process tree until ``process`` exits: the peak of its summed
    memory (proportional set size where the system reports it, so shared pages count
    once; else RSS), and the CPU seconds each process of it had used when last seen —
    on shared cores, CPU seconds ÷ workers estimates the wall time on idle ones."""
    peak = [0]
    cpu: dict[int, float] = {}

    def poll() -> None:
        root = psutil.Process(os.getpid())
        while process.poll() is None:
            try:
                tree = [p for p in [root, *root.children(recursive=True)] if p.is_running()]
                peak[0] = max(peak[0], sum(_resident(p) for p in tree))
                for member in tree:
                    times = member.cpu_times()
                    cpu[member.pid] = times.user + times.system
            except psutil.Error:
                pass
            time.sleep(RSS_POLL_SECONDS)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    return peak, cpu, thread


def _resident(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return process.memory_info().rss


def city(directory: Path, workers: int, generate: bool, dask: bool) -> list[str]:
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
    lines = divide_city_once(directory, ["--workers", str(workers)], f"{workers}-process pool")
    if dask:
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            lines += divide_city_once(
                directory,
                ["--scheduler", cluster.scheduler_address],
                f"Dask LocalCluster of {workers} worker processes",
            )
    return lines


def divide_city_once(directory: Path, executor: list[str], label: str) -> list[str]:
    report = directory / "divide-report.json"
    command = [
        sys.executable,
        "-m",
        "finegrid.cli",
        "divide",
        str(directory / "buildings.geojson"),
        "--grids",
        str(directory / "general_grids.geojson"),
        "-o",
        str(directory / "micro_grids.geojson"),
        "--report",
        str(report),
        *executor,
    ]
    started = time.perf_counter()
    before = sum(psutil.Process(os.getpid()).cpu_times()[:2])
    process = subprocess.Popen(command)
    peak, cpu, thread = peak_tree_rss(process)
    if process.wait() != 0:
        raise SystemExit(f"finegrid divide failed with status {process.returncode}")
    seconds = time.perf_counter() - started
    thread.join()
    cpu[os.getpid()] = cpu.get(os.getpid(), before) - before
    summary = json.loads(report.read_text())
    return [
        f"city, {label}: {summary['households']} households, {summary['general_grids']} "
        f"general grids → {summary['micro_grids']} micro-grids "
        f"({summary['ratio_to_lower_bound']} × bound, {summary['over_window']} over the window)",
        f"city, {label}: {seconds:.0f} s wall, {sum(cpu.values()):.0f} CPU s, "
        f"peak memory {peak[0] / 2**30:.2f} GiB",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--city", action="store_true", help="also divide the whole city")
    parser.add_argument("--synth", type=Path, help="an existing `finegrid synth` output")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dask", action="store_true", help="also divide the city on Dask")
    args = parser.parse_args(argv)
    lines = one_grid(args.runs)
    if args.city:
        with tempfile.TemporaryDirectory() as scratch:
            directory = args.synth or Path(scratch)
            generate = args.synth is None
            lines += ["", *city(directory, args.workers, generate=generate, dask=args.dask)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
