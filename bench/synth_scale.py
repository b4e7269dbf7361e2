#!/usr/bin/env python3
"""How fast, and in how much memory, `finegrid synth` generates a community, a district
and (with --full-city) the whole of Chengdu.

Each measurement runs the real command in a fresh process writing to a temporary
directory; it reports wall-clock seconds and the peak resident memory of the whole process
tree (main process plus workers, sampled from /proc every 0.2 s), and the output size.

    .venv/bin/python bench/synth_scale.py                # community (median of 5) + district
    .venv/bin/python bench/synth_scale.py --full-city    # adds Chengdu 5101 (~10 min, ~3 GB disk)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

RUN_CLI = "import sys; from finegrid.cli import main; sys.exit(main(sys.argv[1:]))"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, in KiB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
            statm = Path(entry.path, "statm").read_text().split()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(statm[1]) * PAGE_KB
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree)


def measure(arguments: list[str]) -> dict:
    """Run `finegrid synth ARGUMENTS -o TMP`; seconds, peak tree RSS and output size."""
    with (
        tempfile.TemporaryDirectory(prefix="synth-bench-") as directory,
        tempfile.TemporaryFile("w+") as errors,
    ):
        command = [sys.executable, "-c", RUN_CLI, "synth", *arguments, "-o", directory]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_kb(process.pid))
                done.wait(0.2)

        sampler = threading.Thread(target=sample)
        sampler.start()
        returncode = process.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        if returncode:
            errors.seek(0)
            tail = errors.read()[-3000:]
            raise SystemExit(f"failed ({returncode}): {' '.join(command)}\n{tail}")
        size = sum(path.stat().st_size for path in Path(directory).iterdir())
    return {"seconds": seconds, "peak_rss_mb": peak / 1024, "output_mb": size / 2**20}


def report(label: str, result: dict) -> None:
    print(
        f"{label:<44} {result['seconds']:8.1f} s  peak RSS {result['peak_rss_mb']:7.0f} MB"
        f"  output {result['output_mb']:8.1f} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--community", default="510116001005", help="default: 五洞桥社区, 双流区")
    parser.add_argument("--district", default="510104", help="default: 锦江区 (76 communities)")
    parser.add_argument("--runs", type=int, default=5, help="community runs to take the median of")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--full-city", action="store_true", help="also generate Chengdu (5101)")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")

    runs = [measure(["--area", args.community, "--seed", args.seed]) for _ in range(args.runs)]
    median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    report(f"community {args.community} (median of {args.runs})", median)
    workers = ["--workers", str(args.workers)]
    report(
        f"district {args.district}, {args.workers} workers",
        measure(["--area", args.district, "--seed", args.seed, *workers]),
    )
    if args.full_city:
        report(
            f"city 5101, {args.workers} workers",
            measure(["--area", "5101", "--seed", args.seed, *workers]),
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
