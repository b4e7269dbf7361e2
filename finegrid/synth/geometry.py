"""Plane geometry for laying out a city: a local metric frame, weighted partitions of a
polygon into contiguous pieces, and the west→east, north→south reading order of codes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320.0
# Output coordinates are rounded to 1e-7 degree (about 1 cm).
DECIMALS = 7
# A cut may move to the nearest street line when that keeps each side within this share
# of its target area.
SNAP_TOLERANCE = 0.25
_CUT_SAMPLES = 48


@dataclass(frozen=True, slots=True)
class LocalFrame:
    """Metres east/north of an origin (equirectangular), optionally turned by ``angle``
    degrees so that a street grid runs along the axes. Accurate to well under 1 % over a
    district, which is all a synthetic layout needs."""

    lon0: float
    lat0: float
    angle: float = 0.0

    def _scales(self) -> tuple[float, float, float, float]:
        kx = METRES_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(self.lat0))
        radians = math.radians(self.angle)
        return kx, METRES_PER_DEGREE_LAT, math.cos(radians), math.sin(radians)

    def to_local(self, geometry):
        kx, ky, cos, sin = self._scales()

        def forward(coords: np.ndarray) -> np.ndarray:
            x = (coords[:, 0] - self.lon0) * kx
            y = (coords[:, 1] - self.lat0) * ky
            return np.column_stack((x * cos + y * sin, -x * sin + y * cos))

        return shapely.transform(geometry, forward)

    def to_lonlat(self, geometry):
        """Back to WGS-84 longitude/latitude, rounded to ``DECIMALS``."""
        kx, ky, cos, sin = self._scales()

        def backward(coords: np.ndarray) -> np.ndarray:
            u, v = coords[:, 0], coords[:, 1]
            x, y = u * cos - v * sin, u * sin + v * cos
            return np.round(np.column_stack((x / kx + self.lon0, y / ky + self.lat0)), DECIMALS)

        return shapely.transform(geometry, backward)


def frame_at(geometry, angle: float = 0.0) -> LocalFrame:
    centre = geometry.centroid
    return LocalFrame(centre.x, centre.y, angle)


def partition(
    polygon: Polygon, weights: Sequence[float], *, snap: float | None = None
) -> list[Polygon | MultiPolygon]:
    """Cut ``polygon`` into one piece per weight, with areas in proportion to the weights.

    Recursive bisection across the longer side keeps pieces compact; with ``snap`` the
    cuts prefer multiples of ``snap`` (the street lines of a grid of that spacing) so that
    pieces end at streets. Pieces a cut left in several parts give their small parts to
    the neighbour they share most boundary with, so every piece is one polygon unless
    ``polygon`` itself has several parts.
    """
    if len(weights) == 0:
        raise ValueError("partition needs at least one weight")
    pieces: list = [None] * len(weights)
    _bisect(polygon, list(weights), range(len(weights)), snap, pieces)
    return _give_away_fragments(pieces)


def _bisect(polygon, weights, indices, snap, out) -> None:
    if len(indices) == 1:
        out[indices[0]] = polygon
        return
    half = len(indices) // 2
    share = sum(weights[i] for i in indices[:half]) / sum(weights[i] for i in indices)
    low, high = _cut(polygon, share, snap)
    _bisect(low, weights, indices[:half], snap, out)
    _bisect(high, weights, indices[half:], snap, out)


def _cut(polygon, share: float, snap: float | None):
    """Split by a line across the longer side so that the low side has ``share`` of the area."""
    minx, miny, maxx, maxy = polygon.bounds
    along_x = (maxx - minx) >= (maxy - miny)
    start, stop = (minx, maxx) if along_x else (miny, maxy)
    pad = (stop - start) + 1.0

    def low_side(at):
        if along_x:
            return shapely.box(minx - pad, miny - pad, at, maxy + pad)
        return shapely.box(minx - pad, miny - pad, maxx + pad, at)

    def high_side(at):
        if along_x:
            return shapely.box(at, miny - pad, maxx + pad, maxy + pad)
        return shapely.box(minx - pad, at, maxx + pad, maxy + pad)

    total = polygon.area

    def shares(positions):
        return shapely.area(shapely.intersection(polygon, low_side(positions))) / total

    # Two rounds of sampling bracket the cut, then interpolate linearly inside the bracket.
    for _ in range(2):
        positions = np.linspace(start, stop, _CUT_SAMPLES)
        found = shares(positions)
        index = int(np.clip(np.searchsorted(found, share), 1, _CUT_SAMPLES - 1))
        start, stop = positions[index - 1], positions[index]
        share_start, share_stop = found[index - 1], found[index]
    fraction = (
        (share - share_start) / (share_stop - share_start) if share_stop > share_start else 0.5
    )
    at = start + fraction * (stop - start)
    if snap:
        snapped = round(at / snap) * snap
        error = abs(float(shares(np.array([snapped]))[0]) - share)
        if error <= SNAP_TOLERANCE * min(share, 1 - share):
            at = snapped
    return polygon.intersection(low_side(at)), polygon.intersection(high_side(at))


def _give_away_fragments(pieces: list) -> list:
    pieces = [_polygonal(piece) for piece in pieces]
    for index, piece in enumerate(pieces):
        parts = sorted(shapely.get_parts(piece), key=lambda part: -part.area)
        if len(parts) < 2:
            continue
        keep = [parts[0]]
        for fragment in parts[1:]:
            shared = [
                0.0 if other is piece else shapely.intersection(fragment, other.buffer(1e-9)).area
                for other in pieces
            ]
            neighbour = int(np.argmax(shared))
            if shared[neighbour] > 0:
                pieces[neighbour] = _polygonal(shapely.union(pieces[neighbour], fragment))
            else:
                keep.append(fragment)
        pieces[index] = _polygonal(shapely.union_all(keep))
    return pieces


def _polygonal(geometry) -> Polygon | MultiPolygon:
    """Drop the lines and points an intersection may leave along a cut."""
    parts = [part for part in shapely.get_parts(geometry) if part.area > 0]
    if len(parts) == 1:
        return parts[0]
    flattened = [p for part in parts for p in shapely.get_parts(part)]
    return MultiPolygon(flattened)


def reading_order(geometries: Sequence, band: float) -> list[int]:
    """Indices of ``geometries`` west→east within bands of height ``band``, north→south."""
    if not geometries:
        return []
    points = shapely.get_coordinates(shapely.point_on_surface(np.asarray(geometries)))
    top = points[:, 1].max()
    rows = np.floor((top - points[:, 1]) / band)
    return [int(i) for i in np.lexsort((points[:, 0], rows))]
