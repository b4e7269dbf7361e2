"""How much a walking network changes the division of a synthetic street.

The synthetic street (`finegrid synth`, the demo's 东升街道 by default) has no streets, so
this script lays out a plausible network for it: public streets on a lattice every
--spacing metres across each general grid, and for every compound (小区) a footpath
ring around its buildings whose only way out is one gate, a short path south to the
nearest street corner. It then divides every general grid twice — straight line ×
detour, and along that network — and compares the count and the minutes.

Usage: python bench/divide_network.py [--synth DIR] [--spacing 80]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from finegrid.divide import divide_grid
from finegrid.divide.geometry import LocalFrame
from finegrid.divide.io import group_buildings, read_buildings, read_grids
from finegrid.divide.network import WalkNetwork

STREET = "510116001"  # 东升街道, the demo's street
RING_MARGIN_M = 8.0


def lattice_and_compounds(buildings, boundary, spacing: float) -> WalkNetwork:
    """Streets every ``spacing`` metres across the grid, and a gated ring per compound."""
    frame = LocalFrame.around([boundary])
    xmin, ymin, xmax, ymax = frame.project(boundary).bounds
    xs = np.arange(xmin - spacing / 2, xmax + spacing, spacing)
    ys = np.arange(ymin - spacing / 2, ymax + spacing, spacing)
    corners = np.array([(x, y) for y in ys for x in xs])
    width = len(xs)
    edges = [(r * width + c, r * width + c + 1) for r in range(len(ys)) for c in range(width - 1)]
    edges += [
        (r * width + c, (r + 1) * width + c) for r in range(len(ys) - 1) for c in range(width)
    ]
    nodes = list(map(tuple, corners))
    labels: list[str | None] = [None] * len(edges)
    by_compound: dict[str, list] = {}
    for building in buildings:
        if building.compound:
            by_compound.setdefault(building.compound, []).append(building.geometry)
    for compound, shapes in sorted(by_compound.items()):
        hull = shapely.convex_hull(shapely.union_all(frame.project(np.array(shapes))))
        ring = shapely.get_coordinates(hull.buffer(RING_MARGIN_M, quad_segs=2).exterior)[:-1]
        start = len(nodes)
        nodes.extend(map(tuple, ring))
        edges += [(start + i, start + (i + 1) % len(ring)) for i in range(len(ring))]
        labels += [compound] * len(ring)
        gate = start + int(np.argmin(ring[:, 1]))
        corner = int(np.argmin(np.hypot(*(corners - np.array(nodes[gate])).T)))
        edges.append((gate, corner))
        labels.append(compound)
    lonlat = frame.to_lonlat(np.array(nodes))
    return WalkNetwork(lonlat, np.array(edges), np.full(len(edges), np.nan), tuple(labels))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synth", type=Path, help="output directory of `finegrid synth`")
    parser.add_argument("--spacing", type=float, default=80.0, help="street spacing, metres")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        directory = args.synth or Path(scratch)
        if args.synth is None:
            command = [sys.executable, "-m", "finegrid.cli", "synth", "--area", STREET]
            subprocess.run(
                [*command, "--seed", "1", "-o", str(directory)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        buildings = read_buildings(directory / "buildings.geojson")
        grids = read_grids(directory / "general_grids.geojson")
    groups = group_buildings(buildings, grids, community_level=False, default_code="")
    results = {"straight line × 1.3": [], "network": []}
    seconds = dict.fromkeys(results, 0.0)
    for code in sorted(groups):
        network = lattice_and_compounds(groups[code], grids[code], args.spacing)
        for name in results:
            started = time.perf_counter()
            division = divide_grid(
                groups[code],
                code=code,
                boundary=grids[code],
                network=network if name == "network" else None,
            )
            seconds[name] += time.perf_counter() - started
            results[name].extend(m.minutes for m in division.micro_grids if m.households)
    lines = [
        f"{len(groups)} general grids, streets every {args.spacing:g} m, one gate per compound",
        "",
        "| walking | micro-grids | minutes (median) | minutes (max) | seconds |",
        "|---|---|---|---|---|",
    ]
    for name, minutes in results.items():
        lines.append(
            f"| {name} | {len(minutes)} | {statistics.median(minutes):.1f} | "
            f"{max(minutes):.1f} | {seconds[name]:.1f} |"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
