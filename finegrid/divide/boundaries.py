"""Footprint cells and micro-grid polygons.

Each building gets the Voronoi cell of its site point, clipped to the general grid.
When the grid is not convex a clipped cell can fall apart; the piece holding the site is
the building's *cell* and the other pieces (*strays*) go to the micro-grid whose cells
they share the longest border with. Cells and strays tile the general grid, so micro-grid
polygons made of them are disjoint unless they share a building, and cover the grid.
Two buildings are *adjacent* when their cells share a border of positive length; the
partitioner keeps every micro-grid connected in that graph, hence in space.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from scipy.spatial import Voronoi
from shapely import Polygon, STRtree
from shapely.geometry.base import BaseGeometry

SHARED_BORDER_MIN_M = 1e-3
INSIDE_MARGIN_M = 0.5
DUPLICATE_SPOT_M = 0.05
"""Sites closer than this share a spot and are pulled apart."""
DUPLICATE_NUDGE_M = 0.5
GOLDEN_ANGLE = np.pi * (3 - np.sqrt(5))


def place_sites(points: np.ndarray, region: BaseGeometry) -> np.ndarray:
    """Move sites that lie outside the grid just inside it and pull apart sites that
    share a spot, so every building gets a cell of its own."""
    points = points.copy()
    inner = region.buffer(-INSIDE_MARGIN_M)
    if inner.is_empty:
        inner = region
    outside = ~shapely.contains_xy(inner, points[:, 0], points[:, 1])
    if outside.any():
        nearest = shapely.get_coordinates(
            shapely.shortest_line(shapely.points(points[outside]), inner)
        )[1::2]
        points[outside] = nearest
    spots = np.round(points / DUPLICATE_SPOT_M).astype(np.int64)
    _, spot_of, counts = np.unique(spots, axis=0, return_inverse=True, return_counts=True)
    for spot in np.flatnonzero(counts > 1):
        same = np.flatnonzero(spot_of.ravel() == spot)
        # A Fermat spiral: no three nudged sites on one line or four on one circle.
        rank = np.arange(len(same))
        radius = DUPLICATE_NUDGE_M * np.sqrt(rank)
        angle = rank * GOLDEN_ANGLE
        points[same] = points[same[0]] + np.column_stack(
            (radius * np.cos(angle), radius * np.sin(angle))
        )
    # Whole millimetres: near-equal coordinates become equal, which Voronoi handles
    # better than differences in the last bits.
    return np.round(points, 3)


def footprint_cells(points: np.ndarray, region: BaseGeometry) -> tuple[np.ndarray, list[Polygon]]:
    """Each site's cell (an array of polygons, in site order) and the stray pieces."""
    if len(points) == 1:  # the whole grid, each of its pieces apart
        clipped = np.array([region], dtype=object)
    else:
        clipped = shapely.intersection(voronoi_cells(points, region.bounds), region)
    cells = np.empty(len(points), dtype=object)
    strays: list[Polygon] = []
    for index, shape in enumerate(clipped):
        pieces = [piece for piece in shapely.get_parts(shape) if piece.geom_type == "Polygon"]
        if len(pieces) <= 1:
            cells[index] = pieces[0] if pieces else Polygon()
            continue
        site = shapely.Point(points[index])
        own = min(range(len(pieces)), key=lambda i: pieces[i].distance(site))
        cells[index] = pieces[own]
        strays.extend(piece for i, piece in enumerate(pieces) if i != own)
    return cells, strays


def voronoi_cells(points: np.ndarray, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """Each point's Voronoi cell, as a polygon reaching past ``bounds``.

    Qhull (through scipy) rather than GEOS: GEOS's diagram can come out invalid or with
    cells in the wrong order when sites are pulled half a metre apart. Four far corners
    added to the sites make every real cell bounded; a cell is convex and holds its site,
    so its vertices are put in order by their angle around the site.
    """
    low = np.minimum(points.min(axis=0), bounds[:2])
    high = np.maximum(points.max(axis=0), bounds[2:])
    centre, reach = (low + high) / 2, 10 * (float((high - low).max()) + 1.0)
    corners = centre + reach * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])
    diagram = Voronoi(np.vstack((points, corners)))
    cells = np.empty(len(points), dtype=object)
    for index, site in enumerate(points):
        corners_of_cell = diagram.vertices[diagram.regions[diagram.point_region[index]]]
        offset = corners_of_cell - site
        cells[index] = Polygon(corners_of_cell[np.argsort(np.arctan2(offset[:, 1], offset[:, 0]))])
    return cells


def shared_borders(cells: Sequence[BaseGeometry]) -> np.ndarray:
    """Pairs (i, j), i < j, of cells whose boundaries meet along a line, as an (m, 2)
    array (cells meeting at a corner only are not adjacent)."""
    cells = np.asarray(cells, dtype=object)
    first, second = STRtree(cells).query(cells, predicate="intersects")
    keep = first < second
    first, second = first[keep], second[keep]
    along_a_line = shapely.relate_pattern(cells[first], cells[second], "****1****")
    return np.column_stack((first[along_a_line], second[along_a_line]))


def grid_polygons(
    groups: Sequence[Sequence[int]], cells: np.ndarray, strays: list[Polygon]
) -> tuple[list[BaseGeometry], list[list[int]], list[tuple[BaseGeometry, list[int]]]]:
    """Polygons of ``groups`` (disjoint lists of sites), per group the sites in no group
    whose cells it received (they are handed out like strays), and the pieces of the grid
    that border no group at all, each with the sites whose cells it holds (a part of a
    MultiPolygon grid without households: a micro-grid of its own, never a second piece
    of another)."""
    owner = np.full(len(cells), -1)
    for index, group in enumerate(groups):
        owner[list(group)] = index
    members: list[list[BaseGeometry]] = [[cells[site] for site in group] for group in groups]
    unowned = np.flatnonzero(owner < 0)
    loose = [cells[site] for site in unowned] + strays
    placed = [(cells[site], owner[site]) for site in np.flatnonzero(owner >= 0)]
    received: list[list[int]] = [[] for _ in groups]
    apart: list[tuple[BaseGeometry, int]] = []
    for index, (shape, group) in enumerate(zip(loose, _stray_owners(loose, placed), strict=True)):
        site = int(unowned[index]) if index < len(unowned) else -1
        if group < 0:
            apart.append((shape, site))
            continue
        members[group].append(shape)
        if site >= 0:
            received[group].append(site)
    return [_union(shapes) for shapes in members], received, _pieces_apart(apart)


def _pieces_apart(apart: list[tuple[BaseGeometry, int]]) -> list[tuple[BaseGeometry, list[int]]]:
    """Shapes that border no group, joined into connected pieces, with their sites."""
    if not apart:
        return []
    union = shapely.union_all([shape for shape, _ in apart])
    pieces = []
    for piece in shapely.get_parts(union):
        sites = sorted(
            site for shape, site in apart if site >= 0 and piece.intersects(shape.buffer(-1e-6))
        )
        pieces.append((piece, sites))
    return pieces


def _union(cells: list[BaseGeometry]) -> BaseGeometry:
    """The union of cells of one diagram. They tile without overlapping, so the much
    faster coverage union usually applies; where clipping left edges noded differently
    it refuses or returns an invalid shape, and the full union takes over."""
    try:
        union = shapely.coverage_union_all(cells)
    except shapely.errors.GEOSException:
        return shapely.union_all(cells)
    return union if union.is_valid else shapely.union_all(cells)


def _stray_owners(strays: list[Polygon], placed: list[tuple[BaseGeometry, int]]) -> list[int]:
    """The group of the placed shape each stray shares most border with, placing strays
    one by one (a stray may border only other strays at first); -1 for a stray that
    borders no group even through other strays."""
    shapes = [shape for shape, _ in placed]
    owners = [group for _, group in placed]
    result: dict[int, int] = {}
    pending = list(range(len(strays)))
    while pending:
        placed_any = False
        for index in list(pending):
            stray = strays[index]
            borders = shapely.length(shapely.intersection(np.array(shapes, dtype=object), stray))
            best = int(np.argmax(borders))
            if borders[best] > SHARED_BORDER_MIN_M:
                result[index] = owners[best]
                shapes.append(stray)
                owners.append(owners[best])
                pending.remove(index)
                placed_any = True
        if not placed_any:
            # What borders no group lies apart (an empty piece of a MultiPolygon grid).
            for index in pending:
                result[index] = -1
            break
    return [result[index] for index in range(len(strays))]
