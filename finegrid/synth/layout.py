"""The physical layout of one community: zones (future general grids), a street grid cutting
them into blocks, and compounds, street shops and dedicated sites on parcels of those blocks.

Everything is planned in metres in a frame turned to the community's street grid and
converted to WGS-84 at the end. Zone boundaries run along streets where the areas allow,
buildings keep inside their parcels, and parcels keep half a street back from every zone
edge, so every building lies inside its community.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from finegrid.synth import params
from finegrid.synth.geometry import frame_at, partition
from finegrid.synth.params import TYPOLOGIES, Typology
from finegrid.synth.profiles import CommunityProfile, generator

MIN_PARCEL_AREA = 400.0  # m²; smaller leftovers at the edge of a zone stay unbuilt
PATH_WIDTH = 6.0  # m; the lane left between the two halves of a split parcel
SHRINK_STEP = 0.8  # footprints shrink by this factor when a parcel is too small for them
MAX_SHRINKS = 30
# The last building of a zone may bring this many times the dwellings still needed.
OVERSHOOT = 1.25


@dataclass(frozen=True, slots=True)
class BuildingPlan:
    kind: str
    floors: int
    entrances: int
    dwellings_per_floor: int
    dwellings: int
    shops: int
    elevator: bool
    vacancy: float
    size: tuple[float, float]  # footprint width x depth (m)
    shop_floors: int = 0
    single_dwelling: bool = False  # a self-built house or villa: one dwelling on all floors


@dataclass(slots=True)
class UnitPlan:
    """A compound or a dedicated site: what is built on one parcel."""

    zone: int
    buildings: list[BuildingPlan]
    spacing: float
    typology: str = ""  # compounds
    site_kind: str = ""  # dedicated sites
    staff: int = 0

    def land(self) -> float:
        return sum((w + self.spacing) * (d + self.spacing) for w, d in self.sizes())

    def sizes(self) -> list[tuple[float, float]]:
        return [plan.size for plan in self.buildings]


@dataclass(frozen=True, slots=True)
class PlacedUnit:
    plan: UnitPlan
    parcel: Polygon  # WGS-84
    footprints: list[Polygon]  # WGS-84, one per building


@dataclass(frozen=True, slots=True)
class Layout:
    zones: list[Polygon]  # WGS-84, one per zone of the profile
    units: list[PlacedUnit]


def lay_out(profile: CommunityProfile, boundary: Polygon, seed: int) -> Layout:
    rng = generator(seed, profile.division.code, "layout")
    kind = profile.settlement
    angle = rng.uniform(-params.MAX_GRID_ANGLE_DEG, params.MAX_GRID_ANGLE_DEG)
    frame = frame_at(boundary, angle)
    block = params.BLOCK_SIZE[kind]
    zones = partition(frame.to_local(boundary), profile.zone_households, snap=block)
    units = [
        unit
        for zone, target in enumerate(profile.zone_households)
        for unit in _plan_zone(rng, kind, zone, target)
    ]
    units += _plan_dedicated_sites(rng, kind, len(zones))
    placed = []
    for zone_index, zone in enumerate(zones):
        zone_units = [unit for unit in units if unit.zone == zone_index]
        parcels = _parcels(zone, block, params.STREET_HALF_WIDTH[kind], len(zone_units))
        for unit, parcel in _match(rng, zone_units, parcels):
            footprints = _place(rng, parcel, unit)
            placed.append(
                PlacedUnit(
                    unit, frame.to_lonlat(parcel), list(frame.to_lonlat(np.asarray(footprints)))
                )
            )
    return Layout([frame.to_lonlat(zone) for zone in zones], placed)


def _min_dwellings(typology: Typology) -> int:
    if typology.single_dwelling:
        return 1
    floors = typology.floors[0] - typology.shop_floors
    return floors * typology.entrances[0] * min(typology.dwellings_per_floor)


def _plan_zone(rng: np.random.Generator, kind: str, zone: int, target: int) -> list[UnitPlan]:
    """Compounds until the dwellings expected to be occupied reach the zone's households."""
    mix = params.TYPOLOGY_MIX[kind]
    units = []
    expected = 0.0
    while expected < target:
        cap = (target - expected) * OVERSHOOT
        names = [name for name in mix if _min_dwellings(TYPOLOGIES[name]) <= max(cap, 1)]
        weights = np.array([mix[name] for name in names])
        typology = TYPOLOGIES[str(rng.choice(names, p=weights / weights.sum()))]
        count = rng.integers(typology.buildings[0], typology.buildings[1] + 1)
        buildings = []
        while len(buildings) < count and expected < target:
            cap = (target - expected) / (1 - typology.vacancy) * OVERSHOOT
            building = _draw_building(rng, typology, cap)
            buildings.append(building)
            expected += building.dwellings * (1 - typology.vacancy)
        units.append(UnitPlan(zone, buildings, typology.spacing, typology=typology.name))
    shops = TYPOLOGIES["street_shops"]
    for _ in range(rng.poisson(params.STREET_SHOPS_PER_ZONE[kind])):
        count = rng.integers(shops.buildings[0], shops.buildings[1] + 1)
        buildings = [_draw_building(rng, shops, 0) for _ in range(count)]
        units.append(UnitPlan(zone, buildings, shops.spacing, typology=shops.name))
    return units


def _draw_building(rng: np.random.Generator, typology: Typology, cap: float) -> BuildingPlan:
    """A building of the typology with at most ``cap`` dwellings if the typology allows."""
    cap = min(cap, params.MAX_BUILDING_DWELLINGS)
    for _ in range(20):
        floors = int(rng.integers(typology.floors[0], typology.floors[1] + 1))
        entrances = int(rng.integers(typology.entrances[0], typology.entrances[1] + 1))
        per_floor = int(rng.choice(typology.dwellings_per_floor))
        dwellings = (
            1
            if typology.single_dwelling
            else (floors - typology.shop_floors) * entrances * per_floor
        )
        if dwellings <= cap:
            break
    else:
        floors, entrances = typology.floors[0], typology.entrances[0]
        per_floor = min(typology.dwellings_per_floor)
        dwellings = _min_dwellings(typology)
    if typology.kind == "shop":
        shops = int(rng.integers(4, 11))
    else:
        shops = entrances * params.SHOPS_PER_ENTRANCE if typology.shop_floors else 0
    width, depth = typology.entrance_size
    return BuildingPlan(
        typology.kind, floors, entrances, per_floor, dwellings, shops,
        floors >= typology.elevator_from_floor, typology.vacancy, (width * entrances, depth),
        typology.shop_floors, typology.single_dwelling,
    )  # fmt: skip


def _plan_dedicated_sites(rng: np.random.Generator, kind: str, zones: int) -> list[UnitPlan]:
    units = []
    for site_kind, mean in params.DEDICATED_SITES[kind].items():
        for _ in range(rng.poisson(mean)):
            count = rng.integers(1, params.DEDICATED_BUILDINGS + 1)
            buildings = [_dedicated_building(rng, site_kind) for _ in range(count)]
            staff = int(rng.integers(*params.DEDICATED_STAFF[site_kind]))
            zone = int(rng.integers(zones))
            spacing = params.DEDICATED_SPACING
            units.append(UnitPlan(zone, buildings, spacing, site_kind=site_kind, staff=staff))
    return units


def _dedicated_building(rng: np.random.Generator, site_kind: str) -> BuildingPlan:
    (low, high), side = params.DEDICATED_FOOTPRINT[site_kind]
    floors = int(rng.integers(low, high + 1))
    elevator = floors >= params.DEDICATED_ELEVATOR_FROM_FLOOR
    size = (side, side * params.DEDICATED_DEPTH_RATIO)
    return BuildingPlan("dedicated", floors, 1, 0, 0, 0, elevator, 0.0, size)


def _parcels(zone: Polygon, block: float, half_width: float, wanted: int) -> list[Polygon]:
    """The blocks of the street grid inside the zone, set back half a street, split in
    halves (largest first) until there is one per unit to place."""
    minx, miny, maxx, maxy = zone.bounds
    xs = np.arange(math.floor(minx / block) * block, maxx, block)
    ys = np.arange(math.floor(miny / block) * block, maxy, block)
    x, y = np.meshgrid(xs, ys)
    cells = shapely.intersection(
        zone, shapely.box(x.ravel(), y.ravel(), x.ravel() + block, y.ravel() + block)
    )
    parcels = _usable(shapely.buffer(cells, -half_width, join_style="mitre"))
    if not parcels:
        parcels = _usable(shapely.buffer(np.array([zone]), -1.0, join_style="mitre"))
    while len(parcels) < wanted:
        parcels.sort(key=lambda parcel: parcel.area)
        halves = _usable(_halves(parcels[-1]))
        if len(halves) < 2:
            raise RuntimeError(f"cannot find {wanted} parcels in a zone of {zone.area:.0f} m²")
        parcels[-1:] = halves
    return parcels


def _usable(geometries) -> list[Polygon]:
    """The largest piece of each geometry, if big enough to build on."""
    usable = []
    for geometry in geometries:
        parts = shapely.get_parts(geometry)
        if len(parts):
            largest = max(parts, key=lambda part: part.area)
            if largest.area >= MIN_PARCEL_AREA:
                usable.append(largest)
    return usable


def _halves(parcel: Polygon) -> list:
    minx, miny, maxx, maxy = parcel.bounds
    gap = PATH_WIDTH / 2
    if maxx - minx >= maxy - miny:
        middle = (minx + maxx) / 2
        boxes = [
            shapely.box(minx, miny, middle - gap, maxy),
            shapely.box(middle + gap, miny, maxx, maxy),
        ]
    else:
        middle = (miny + maxy) / 2
        boxes = [
            shapely.box(minx, miny, maxx, middle - gap),
            shapely.box(minx, middle + gap, maxx, maxy),
        ]
    return [parcel.intersection(b) for b in boxes]


def _match(rng: np.random.Generator, units: list[UnitPlan], parcels: list[Polygon]):
    """Pair units with parcels: a random choice among the larger parcels, the biggest
    unit on the biggest parcel of the choice."""
    parcels = sorted(parcels, key=lambda parcel: -parcel.area)[: 2 * len(units)]
    chosen = sorted(rng.choice(len(parcels), len(units), replace=False))
    by_land = sorted(units, key=lambda unit: -unit.land())
    return zip(by_land, (parcels[i] for i in chosen), strict=True)


def _place(rng: np.random.Generator, parcel: Polygon, unit: UnitPlan) -> list[Polygon]:
    """Footprints on a lattice of slots inside the parcel, clustered around a random slot;
    if too few slots fit, the footprints shrink until they do."""
    sizes = np.array(unit.sizes())
    width, depth = sizes.max(axis=0)
    minx, miny, maxx, maxy = parcel.bounds
    scale = 1.0
    for _ in range(MAX_SHRINKS):
        slot_w, slot_d = (width + unit.spacing) * scale, (depth + unit.spacing) * scale
        xs = np.arange(minx + unit.spacing * scale / 2, maxx - width * scale, slot_w)
        ys = np.arange(miny + unit.spacing * scale / 2, maxy - depth * scale, slot_d)
        x, y = (a.ravel() for a in np.meshgrid(xs, ys))
        inside = shapely.contains_properly(
            parcel, shapely.box(x, y, x + width * scale, y + depth * scale)
        )
        if inside.sum() >= len(sizes):
            x, y = x[inside], y[inside]
            seed_slot = rng.integers(len(x))
            nearest = np.argsort(np.hypot(x - x[seed_slot], y - y[seed_slot]), kind="stable")[
                : len(sizes)
            ]
            cx = x[nearest] + width * scale / 2
            cy = y[nearest] + depth * scale / 2
            half_w, half_d = sizes[:, 0] * scale / 2, sizes[:, 1] * scale / 2
            return list(shapely.box(cx - half_w, cy - half_d, cx + half_w, cy + half_d))
        scale *= SHRINK_STEP
    raise RuntimeError(f"cannot place {len(sizes)} buildings on a parcel of {parcel.area:.0f} m²")
