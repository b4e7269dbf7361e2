"""Writing a synthetic city (finegrid.synth) into the registry, and dividing it.

Each community goes in the way a community office would load its own data: grids and
buildings as GeoJSON, households and persons as a roster, then the division engine's
output applied to the grid tree.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import mapping

from finegrid import divide, synth
from finegrid.divide import io as divide_io
from finegrid.people.actions import do_import_roster
from finegrid.people.roster import COLUMNS
from finegrid.territory import geometry as geo
from finegrid.territory import queries
from finegrid.territory.actions import (
    do_apply_division,
    do_import_buildings,
    do_import_grids,
    do_set_area_boundary,
    do_update_compound,
    do_update_grid,
    room_number,
)
from finegrid.territory.models import AdminArea, CompoundKind, Grid, GridKind

COMPOUND_KINDS = {
    "high_rise": CompoundKind.ESTATE,
    "low_rise": CompoundKind.ESTATE,
    "villa": CompoundKind.ESTATE,
    "resettlement": CompoundKind.ESTATE,
    "courtyard": CompoundKind.COURTYARD,
    "village_cluster": CompoundKind.VILLAGE,
    "mixed": CompoundKind.STREET_FRONT,
}
SENSITIVE_LABELS = {"disabled": "残疾人", "low_income": "低保", "left_behind_child": "留守儿童"}
PLAIN_LABELS = {
    "elderly_alone": "独居老人",
    "empty_nest": "空巢老人",
    "veteran": "退役军人",
    "party_member": "党员",
}


@dataclass
class LoadReport:
    communities: int = 0
    general_grids: int = 0
    dedicated_grids: int = 0
    buildings: int = 0
    households: int = 0
    persons: int = 0
    micro_grids: int = 0
    over_window: int = 0
    divide_tasks: list = field(default_factory=list, repr=False)


def feature(geometry, **properties) -> dict:
    return {
        "type": "Feature",
        "geometry": mapping(geometry) if geometry else None,
        "properties": properties,
    }


def building_names(community: synth.CommunityData) -> dict[str, str]:
    """Names as a roster writes them: 玉林花园3栋; shops 玉林花园商铺2; sites 实验小学1号楼."""
    compounds = {c.id: c.name for c in community.compounds}
    sites = {s.code: s.name for s in community.dedicated_sites}
    counters: dict[str, int] = {}
    names = {}
    for building in community.buildings:
        owner = compounds.get(building.compound) or sites.get(building.dedicated_grid) or ""
        counters[owner] = counters.get(owner, 0) + 1
        number = counters[owner]
        if building.kind == "dedicated":
            names[building.id] = f"{owner}{number}号楼"
        elif building.kind == "shop":
            names[building.id] = f"{owner}商铺{number}"
        else:
            names[building.id] = f"{owner}{number}栋"
    return names


def roster_cells(community: synth.CommunityData, names: dict[str, str]) -> list[tuple[int, dict]]:
    """The community's households and persons as roster rows (one per person)."""
    dwellings = {d["id"]: d for d in community.dwellings}
    households = {h["id"]: h for h in community.households}
    heads = {p["household"]: p["name"] for p in community.persons if p["relation"] == "户主"}
    cells = []
    for number, person in enumerate(community.persons, start=2):
        household = households[person["household"]]
        dwelling = dwellings[household["dwelling"]]
        flags = [
            label for name, label in {**PLAIN_LABELS, **SENSITIVE_LABELS}.items() if person[name]
        ]
        values = [
            names[str(dwelling["building"])],
            int(dwelling["entrance"]),
            int(dwelling["floor"]),
            room_number(int(dwelling["floor"]), int(dwelling["unit"])),
            heads[person["household"]],
            str(person["name"]),
            str(person["relation"]),
            str(person["residence_type"]),
            str(person["id_number"]),
            str(person["mobile"]),
            "",
            "",
            "、".join(flags),
            "",
        ]
        cells.append((number, dict(zip(COLUMNS, (str(v) for v in values), strict=True))))
    return cells


def write_community(actor, community: synth.CommunityData, report: LoadReport) -> None:
    """Boundaries, grids, buildings and the roster of one community."""
    code = community.division.code
    boundary = mapping(community.boundary)
    do_set_area_boundary(actor, code, boundary)
    do_update_grid(actor, code, geometry=boundary)

    grid_features = [
        feature(grid.boundary, code=grid.code, name=grid.name) for grid in community.general_grids
    ] + [
        feature(site.boundary, code=site.code, name=site.name, site_kind=site.kind)
        for site in community.dedicated_sites
    ]
    do_import_grids(actor, {"type": "FeatureCollection", "features": grid_features})

    names = building_names(community)
    building_features = [
        feature(
            building.footprint,
            id=building.id,
            name=names[building.id],
            households=0,
            floors=building.floors,
            entrances=building.entrances,
            elevator=building.elevator,
            dwellings_per_floor=building.dwellings_per_floor,
            compound=building.compound or None,
            general_grid=building.dedicated_grid or building.general_grid,
            kind=building.kind,
        )
        for building in community.buildings
    ]
    do_import_buildings(actor, {"type": "FeatureCollection", "features": building_features}, code)
    _describe_compounds(actor, community)
    if len(community.persons):
        do_import_roster(actor, code, roster_cells(community, names))

    report.communities += 1
    report.general_grids += len(community.general_grids)
    report.dedicated_grids += len(community.dedicated_sites)
    report.buildings += len(community.buildings)
    report.households += len(community.households)
    report.persons += len(community.persons)
    report.divide_tasks += division_tasks(actor, community)


def _describe_compounds(actor, community: synth.CommunityData) -> None:
    """Name the compounds the buildings import made; each sits where its buildings are."""
    area = queries.get_community(actor, community.division.code)
    for compound in community.compounds:
        do_update_compound(
            actor,
            queries.get_compound(actor, compound.id, community=area),
            name=compound.name,
            kind=COMPOUND_KINDS.get(compound.typology, CompoundKind.OTHER),
            geometry=mapping(geo.rounded(compound.boundary)),
        )


def division_tasks(actor, community: synth.CommunityData) -> list[divide.GridTask]:
    """One task per general grid, read from the registry exactly as
    `finegrid registry buildings export` writes it — so that a later re-division from
    the exports starts from the same input and keeps every code."""
    area = AdminArea.objects.get(code=community.division.code)
    generals = {g.code: g.shape for g in Grid.objects.filter(community=area, kind=GridKind.GENERAL)}
    buildings = queries.buildings(actor).filter(community=area).order_by("ref")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "buildings.geojson"
        path.write_text(queries.building_features(buildings), encoding="utf-8")
        read = divide_io.read_buildings(path)
    groups = divide_io.group_buildings(read, generals, community_level=False, default_code="")
    return [divide.GridTask(code, groups.get(code, []), shape) for code, shape in generals.items()]


def divide_and_apply(
    actor,
    tasks: Iterable[divide.GridTask],
    seed: int,
    workers: int,
    report: LoadReport,
    on_done: Callable | None = None,
) -> None:
    """Run the division engine on every general grid and store the micro-grids."""
    profile = divide.Profile()
    features = []
    with divide.open_executor(workers) as executor:
        for division in divide.divide_city(tasks, seed=seed, executor=executor, on_done=on_done):
            for micro in division.micro_grids:
                report.micro_grids += 1
                report.over_window += micro.minutes > profile.window_minutes
                features.append(json.loads(divide_io.micro_grid_feature(micro)))
    do_apply_division(actor, features)
