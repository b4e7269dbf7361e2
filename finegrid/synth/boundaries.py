"""Where each district, street and community lies.

Districts use the real outlines of the outline file the caller passes (see
finegrid.synth.outlines: Chengdu's 20, converted at setup, or a file of the user's own).
Any other district, and every district when no file is given, gets a synthetic square
footprint of plausible size; the squares of one city sit side by side on a lattice around
a point inside Sichuan derived from the city code, so they are not on the real map.
Streets partition their district and communities their street, with areas in proportion
to each community's households and land per household (villages are larger and sparser).
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
from shapely.geometry import Polygon, box

from finegrid import divisions
from finegrid.synth import outlines as outline_files
from finegrid.synth.geometry import LocalFrame, frame_at, partition
from finegrid.synth.profiles import community_profile, generator

# Synthetic footprints: land per unit of community land weight (Chengdu's real area over
# its total land weight comes to about this), and the box inside Sichuan for city centres.
SYNTHETIC_M2_PER_LAND_WEIGHT = 700.0
SYNTHETIC_CITY_CENTRES = ((103.0, 28.5), (107.0, 32.0))


def _children(division: divisions.Division) -> list[divisions.Division]:
    return _children_by_parent(division.code[:2]).get(division.code, [])


@functools.cache
def _children_by_parent(province: str) -> dict[str, list[divisions.Division]]:
    """Every division of a province under its parent's code, in code order."""
    children: dict[str, list[divisions.Division]] = {}
    for division in divisions.subtree(province):
        if division.parent:
            children.setdefault(division.parent, []).append(division)
    return children


@functools.lru_cache(maxsize=256)
def land_weight(code: str, seed: int) -> float:
    """Sum of the land weights of the communities under a district or street."""
    division = divisions.get(code)
    if division.level == "community":
        return community_profile(seed, division).land_weight
    return sum(land_weight(child.code, seed) for child in _children(division))


def boundary(code: str, seed: int, outlines: Path | None = None) -> Polygon:
    """The WGS-84 outline of a district, street or community, laid on the district
    outlines of the file ``outlines`` (synthetic squares without one)."""
    division = divisions.get(code)
    if division.level == "district":
        return _district_boundary(division, seed, outlines)
    if division.level in ("street", "community"):
        return _partitioned(division.parent, seed, outlines)[division.code]
    raise ValueError(f"{code}: boundaries exist for districts, streets and communities")


def _district_boundary(district: divisions.Division, seed: int, outlines: Path | None) -> Polygon:
    real = outline_files.load(outlines).get(district.short_code) if outlines else None
    return real if real is not None else _synthetic_district(district, seed)


@functools.lru_cache(maxsize=64)
def _partitioned(parent_code: str, seed: int, outlines: Path | None) -> dict[str, Polygon]:
    """The outlines of every child of a district or street, by code."""
    parent = divisions.get(parent_code)
    outline = boundary(parent_code, seed, outlines)
    children = _children(parent)
    order = generator(seed, parent_code, "footprint").permutation(len(children))
    children = [children[i] for i in order]
    frame = frame_at(outline)
    pieces = partition(frame.to_local(outline), [land_weight(c.code, seed) for c in children])
    return {
        child.code: frame.to_lonlat(piece) for child, piece in zip(children, pieces, strict=True)
    }


def _synthetic_district(district: divisions.Division, seed: int) -> Polygon:
    city = divisions.get(district.parent)
    siblings = _children(city)
    sides = [math.sqrt(land_weight(d.code, seed) * SYNTHETIC_M2_PER_LAND_WEIGHT) for d in siblings]
    pitch = max(sides) * 1.05
    columns = math.ceil(math.sqrt(len(siblings)))
    index = [d.code for d in siblings].index(district.code)
    (west, south), (east, north) = SYNTHETIC_CITY_CENTRES
    place = np.random.default_rng(int(city.code)).random(2)
    centre_lon, centre_lat = west + place[0] * (east - west), south + place[1] * (north - south)
    x = (index % columns - (columns - 1) / 2) * pitch
    y = ((columns - 1) / 2 - index // columns) * pitch
    half = sides[index] / 2
    frame = LocalFrame(centre_lon, centre_lat)
    return frame.to_lonlat(box(x - half, y - half, x + half, y + half))
