"""Generating whole communities, one at a time or many in parallel, as a stream.

A community's data depends only on the seed and its own code (its boundary comes from
the deterministic partitions of its district and street), so generating it alone or as
part of a city gives the same result.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry import Polygon

from finegrid import divisions
from finegrid.synth import boundaries, names
from finegrid.synth.geometry import reading_order
from finegrid.synth.grids import dedicated_grid_code, general_grid_code, row_height, zone_groups
from finegrid.synth.layout import BuildingPlan, Layout, lay_out
from finegrid.synth.model import (
    DWELLING_DTYPE,
    HOUSEHOLD_DTYPE,
    PERSON_DTYPE,
    Building,
    CommunityData,
    Compound,
    DedicatedSite,
    GeneralGrid,
)
from finegrid.synth.population import ID_SLOTS, IdRange, populate
from finegrid.synth.profiles import community_profile, generator


def communities_in(area_codes: Iterable[str]) -> list[divisions.Division]:
    """Every community (社区/村) under the given areas of any level, by code, once each.

    Raises divisions.UnknownDivision for a code that is not in the division data.
    """
    found = {}
    for code in area_codes:
        root = divisions.get(code)
        for division in divisions.subtree(code):
            if division.level == "community" and division.code.startswith(root.short_code):
                found[division.code] = division
    return [found[code] for code in sorted(found)]


def generate(
    area_codes: Iterable[str],
    seed: int,
    *,
    oversized_grids: bool = False,
    workers: int = 1,
    outlines: Path | None = None,
) -> Iterator[CommunityData]:
    """Generate every community under ``area_codes``, in code order, as a stream, laid on
    the district outlines of the file ``outlines`` (see finegrid.synth.outlines)."""
    codes = [division.code for division in communities_in(area_codes)]
    task = functools.partial(
        generate_community, seed=seed, oversized_grids=oversized_grids, outlines=outlines
    )
    yield from parallel_map(task, codes, workers)


def parallel_map(function: Callable, items: list, workers: int) -> Iterator:
    """``map`` in order over worker processes, keeping only a few results in flight so
    memory stays bounded however many items there are."""
    if workers <= 1:
        yield from map(function, items)
        return
    with ProcessPoolExecutor(workers) as executor:
        pending: deque = deque()
        for item in items:
            pending.append(executor.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def generate_community(
    code: str, seed: int, *, oversized_grids: bool = False, outlines: Path | None = None
) -> CommunityData:
    """Everything for one community (12-digit code); the same alone or inside any area."""
    division = divisions.get(code)
    if division.level != "community":
        raise ValueError(f"{code} is a {division.level}, not a community")
    profile = community_profile(seed, division)
    outline = boundaries.boundary(division.code, seed, outlines)
    layout = lay_out(profile, outline, seed)
    groups = zone_groups(layout.zones, generator(seed, code, "grids"), oversized=oversized_grids)
    grid_of_zone = {
        zone: general_grid_code(code, number)
        for number, group in enumerate(groups, 1)
        for zone in group
    }
    general_grids = tuple(
        GeneralGrid(
            general_grid_code(code, number),
            code,
            f"{division.short_name}第{number}网格",
            sum(profile.zone_households[zone] for zone in group),
            shapely.union_all([layout.zones[zone] for zone in group]),
        )
        for number, group in enumerate(groups, 1)
    )
    compounds, sites, rows = _name_units(layout, division, grid_of_zone, seed)
    dwellings, households, persons = _people(rows, profile, seed)
    found, counts = np.unique(households["building"], return_counts=True)
    occupied = dict(zip(found.tolist(), counts.tolist(), strict=True))
    buildings = tuple(
        Building(
            row.id,
            row.compound,
            row.plan.kind,
            row.plan.floors,
            row.plan.entrances,
            row.plan.elevator,
            row.plan.dwellings_per_floor,
            row.plan.dwellings,
            occupied.get(row.id, 0),
            row.plan.shops,
            row.general_grid,
            row.dedicated_grid,
            row.footprint,
        )
        for row in rows
    )
    return CommunityData(
        division,
        outline,
        compounds,
        buildings,
        general_grids,
        sites,
        dwellings,
        households,
        persons,
    )


class _BuildingRow(NamedTuple):
    id: str
    compound: str
    general_grid: str
    dedicated_grid: str
    zone: int
    plan: BuildingPlan
    footprint: Polygon


def _name_units(layout: Layout, division: divisions.Division, grid_of_zone: dict, seed: int):
    """Compounds and dedicated sites with their ids, codes and names, and a row per building."""
    code = division.code
    rng = generator(seed, code, "names")
    stem = names.place_stem(division.short_name)
    site_units = [unit for unit in layout.units if unit.plan.site_kind]
    band = row_height(layout.zones)
    in_reading_order = reading_order([unit.parcel for unit in site_units], band)
    site_number = {id(site_units[index]): n for n, index in enumerate(in_reading_order, 1)}
    compounds, sites, rows, used_names = [], [], [], {}
    for unit in layout.units:
        plan = unit.plan
        grid = grid_of_zone[plan.zone]
        if plan.site_kind:
            site_code = dedicated_grid_code(code, site_number[id(unit)])
            name = names.dedicated_site_name(rng, plan.site_kind, stem)
            sites.append(
                DedicatedSite(site_code, code, plan.site_kind, name, plan.staff, grid, unit.parcel)
            )
            compound_id, dedicated = "", site_code
        else:
            compound_id = f"{code}-C{len(compounds) + 1:03d}"
            name = _compound_name(rng, plan.typology, stem, len(compounds) + 1, used_names)
            compounds.append(Compound(compound_id, name, plan.typology, grid, unit.parcel))
            dedicated = ""
        for building, footprint in zip(plan.buildings, unit.footprints, strict=True):
            building_id = f"{code}-B{len(rows) + 1:04d}"
            rows.append(
                _BuildingRow(
                    building_id, compound_id, grid, dedicated, plan.zone, building, footprint
                )
            )
    sites.sort(key=lambda site: site.code)
    return tuple(compounds), tuple(sites), rows


def _compound_name(rng, typology: str, stem: str, number: int, used: dict) -> str:
    if typology == "courtyard":
        return f"{stem}{number}号院"
    if typology == "village_cluster":
        return f"{names.surnames(rng, 1)[0]}家院子"
    if typology == "street_shops":
        return f"{stem}临街商铺{number}"
    base = f"{stem}安置小区" if typology == "resettlement" else names.estate_name(rng)
    used[base] = used.get(base, 0) + 1
    phase = used[base]
    return base if phase == 1 else f"{base}{names.ORDINALS[min(phase, 10) - 1]}期"


def _dwelling_units(plan: BuildingPlan) -> list[tuple[int, int, int]]:
    """(entrance, floor, unit) of every dwelling; a house is one dwelling, 1-01-01."""
    if plan.single_dwelling:
        return [(1, 1, 1)]
    return [
        (entrance, floor, unit)
        for entrance in range(1, plan.entrances + 1)
        for floor in range(1 + plan.shop_floors, plan.floors + 1)
        for unit in range(1, plan.dwellings_per_floor + 1)
    ]


def _people(rows: list[_BuildingRow], profile, seed: int):
    """Dwellings of every building, the households occupying exactly each zone's household
    count of them, and the persons in those households."""
    code = profile.division.code
    dwelling_rows, zones, weights = [], [], []
    for row in rows:
        for entrance, floor, unit in _dwelling_units(row.plan) if row.plan.dwellings else ():
            dwelling_rows.append(
                (f"{row.id}-{entrance}-{floor:02d}{unit:02d}", row.id, entrance, floor, unit, "")
            )
            zones.append(row.zone)
            weights.append(1 - row.plan.vacancy)
    dwellings = np.array(dwelling_rows, dtype=DWELLING_DTYPE)
    occupied = _occupy(
        generator(seed, code, "occupancy"),
        np.array(zones),
        np.array(weights),
        profile.zone_households,
    )
    count = len(occupied)
    household_ids = np.array([f"{code}-H{n:05d}" for n in range(1, count + 1)])
    dwellings["household"][occupied] = household_ids
    grid_of_building = {row.id: row.general_grid for row in rows}
    population = populate(
        generator(seed, code, "population"),
        profile.settlement,
        count,
        _id_ranges(code[:6], seed)[code],
    )

    households = np.zeros(count, dtype=HOUSEHOLD_DTYPE)
    households["id"] = household_ids
    households["dwelling"] = dwellings["id"][occupied]
    households["building"] = dwellings["building"][occupied]
    households["general_grid"] = [grid_of_building[b] for b in households["building"].tolist()]
    households["size"] = population.household_size
    households["residence_type"] = population.household_residence
    households["low_income"] = population.household_low_income

    persons = np.zeros(len(population.person_household), dtype=PERSON_DTYPE)
    persons["id"] = [f"{code}-P{n:06d}" for n in range(1, len(persons) + 1)]
    persons["household"] = household_ids[population.person_household]
    for column, values in population.columns.items():
        persons[column] = values
    return dwellings, households, persons


def _occupy(rng, zones: np.ndarray, weights: np.ndarray, zone_households) -> np.ndarray:
    """Indices (ascending) of the occupied dwellings: in each zone exactly its household
    count, drawn with probability in proportion to 1 - the typology's vacancy rate
    (weighted sampling without replacement by Efraimidis-Spirakis keys)."""
    keys = rng.random(len(zones)) ** (1 / weights)
    chosen = []
    for zone, households in enumerate(zone_households):
        in_zone = np.flatnonzero(zones == zone)
        chosen.append(in_zone[np.argsort(-keys[in_zone], kind="stable")[:households]])
    return np.sort(np.concatenate(chosen))


@functools.lru_cache(maxsize=32)
def _id_ranges(district: str, seed: int) -> dict[str, IdRange]:
    """Each community's share of its district's ID slots, in proportion to its households."""
    communities = [d for d in divisions.subtree(district) if d.level == "community"]
    households = [community_profile(seed, d).households for d in communities]
    total = sum(households)
    ranges, start = {}, 0
    for division, count in zip(communities, households, strict=True):
        size = ID_SLOTS * count // total
        ranges[division.code] = IdRange(district, start, size)
        start += size
    return ranges
