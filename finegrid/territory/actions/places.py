"""Places (人房关联's 房): compounds, buildings with their entrances, and dwellings."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.scope import require, require_place
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory import geometry as geo
from finegrid.territory import placement, queries
from finegrid.territory.actions.grid_import import features_of
from finegrid.territory.actions.grids import name_problem, parse_geometry
from finegrid.territory.models import (
    AdminArea,
    Building,
    BuildingKind,
    Compound,
    CompoundKind,
    Dwelling,
    DwellingUse,
    Entrance,
    Grid,
    GridKind,
)


def room_number(floor: int, door: int) -> str:
    """Room numbers as Chengdu buildings print them: floor 3, door 2 → 302."""
    return f"{floor}{door:02d}"


def _build_entrances_and_dwellings(building: Building) -> tuple[list, list]:
    entrances = [Entrance(building=building, number=n) for n in range(1, building.entrances + 1)]
    dwellings = [
        Dwelling(
            building=building,
            entrance=entrance,
            floor=floor,
            room=room_number(floor, door),
            use=DwellingUse.SHOP if building.kind == BuildingKind.SHOP else DwellingUse.RESIDENTIAL,
            **placement.on_building(building),
        )
        for entrance in entrances
        for floor in range(1, building.floors + 1)
        for door in range(1, building.dwellings_per_floor + 1)
    ]
    return entrances, dwellings


@dataclass
class BuildingImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    compounds_created: int = 0
    dwellings_created: int = 0
    repaired: list[dict] = field(default_factory=list)
    """``{id, reason}`` of every footprint repaired (with ``repair_geometry``)."""


BUILDING_FIELDS = ("name", "kind", "floors", "entrances", "elevator", "dwellings_per_floor")


def _whole(
    properties: dict, name: str, default: int, problems: list[str], label: str, low: int = 1
) -> int:
    value = properties.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 200:
        problems.append(f"{label}: property '{name}': must be a whole number from {low} to 200")
        return default
    return value


def plan_building(
    properties: dict,
    geometry,
    label: str,
    problems: list[str],
    repaired: list[dict] | None = None,
    hint: str = "",
) -> dict | None:
    """The stored values of one building feature (the division engine's format), or None
    after adding its problems to ``problems``. When a ``repaired`` list is given, an
    invalid footprint is repaired and listed there as ``{id, reason}``; else its problem
    ends with ``hint``."""
    found: list[str] = []
    ref = properties.get("id")
    if ref in (None, ""):
        found.append(f"{label}: property 'id': missing")
    floors = _whole(properties, "floors", 1, found, label)
    values = {
        "ref": str(ref),
        "name": str(properties.get("name") or ref),
        "kind": properties.get("kind") or BuildingKind.RESIDENTIAL,
        "floors": floors,
        "entrances": _whole(properties, "entrances", 1, found, label),
        # A row of street-front shops has no dwellings at all.
        "dwellings_per_floor": _whole(properties, "dwellings_per_floor", 2, found, label, low=0),
        "elevator": properties.get("elevator", floors > 6),
    }
    if values["kind"] not in BuildingKind.values:
        found.append(
            f"{label}: property 'kind': {values['kind']!r} is not one of "
            f"{', '.join(BuildingKind.values)}"
        )
    if not isinstance(values["elevator"], bool):
        found.append(f"{label}: property 'elevator': must be true or false")
    households = properties.get("households", 0)
    if isinstance(households, bool) or not isinstance(households, int) or households < 0:
        found.append(f"{label}: property 'households': must be a whole number ≥ 0")
    try:
        if geometry and repaired is not None:
            values["shape"], reason = geo.parse_repairing(geometry, geo.PLACE_TYPES)
            if reason:
                repaired.append({"id": values["ref"], "reason": reason})
        else:
            values["shape"] = geo.parse(geometry, geo.PLACE_TYPES) if geometry else None
    except geo.GeometryError as error:
        found.append(f"{label}: geometry: {error}{hint if 'not valid' in str(error) else ''}")
    problems.extend(found)
    return None if found else values


@dataclass
class _BuildingPlan:
    values: dict
    community: AdminArea
    grid: Grid | None
    compound_ref: str


def _in_scope(actor, action: str, queryset, key: str, wanted: set[str]) -> dict:
    """The rows among ``wanted`` (values of ``key``) the actor may ``action``, by value."""
    found = queryset.restrict(actor, action).filter(**{f"{key}__in": wanted})
    return {getattr(row, key): row for row in found}


def _refuse_taken(model, key: str, wanted: set[str], found: dict, what: str) -> None:
    """A ref is unique city-wide, so one taken outside the actor's reach can be neither
    updated nor created: it answers like a missing object, before anything is written."""
    for value in model.objects.filter(**{f"{key}__in": wanted - set(found)}).values_list(
        key, flat=True
    )[:1]:
        raise NotFound(f"no {what} {value}")


@transaction.atomic
def do_import_buildings(
    actor,
    collection: dict,
    community_code: str | None = None,
    repair_geometry: bool | None = None,
) -> BuildingImportReport:
    """Create or update buildings from GeoJSON in the division engine's format, all or
    nothing. A new building gets its entrances and dwellings (floors × entrances ×
    dwellings_per_floor) and is placed in its ``general_grid``; a registered building
    named in another general grid of its community moves there with its dwellings.

    Every place a feature names — its community, general grid and compound, and the
    building itself when it is registered — is looked up in the actor's scope; a name
    outside it is refused exactly like a missing one. With ``repair_geometry`` invalid
    footprints are repaired and listed in the report; False (rather than None) means the
    caller offers the option, so a refusal names it."""
    require(actor, "territory.add_building")
    require(actor, "territory.change_building")
    features = features_of(collection)
    fixed = queries.get_community(actor, community_code, "change") if community_code else None
    problems: list[str] = []
    numbered = []
    repaired: list[dict] | None = [] if repair_geometry else None
    hint = " (--repair-geometry repairs it)" if repair_geometry is False else ""
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        label = f"feature {number} ({properties.get('id', 'no id')})"
        geometry = (feature or {}).get("geometry")
        values = plan_building(properties, geometry, label, problems, repaired, hint)
        if values is not None:
            numbered.append((label, values, properties))
    refs = [values["ref"] for _, values, _ in numbered]
    grid_codes = {str(p.get("general_grid")) for _, _, p in numbered if p.get("general_grid")}
    community_codes = {
        str(p.get("community") or p.get("general_grid") or "")[:12].ljust(12, "0")
        for _, _, p in numbered
    }
    communities = queries.communities_by_code(actor, community_codes)
    grids = _in_scope(actor, "view", Grid.objects.all(), "code", grid_codes)
    compound_refs = {str(p["compound"]) for _, _, p in numbered if p.get("compound")}
    compounds = {
        (c.community_id, c.ref): c
        for c in Compound.objects.restrict(actor).filter(ref__in=compound_refs)
    }
    existing = _in_scope(actor, "change", Building.objects.select_related("grid"), "ref", set(refs))
    _refuse_taken(Building, "ref", set(refs), existing, "building")

    plans: list[_BuildingPlan] = []
    seen: dict[str, str] = {}
    for label, values, properties in numbered:
        if values["ref"] in seen:
            problems.append(f"{label}: property 'id': duplicates {seen[values['ref']]}")
            continue
        seen[values["ref"]] = label
        plan, found = _plan_place(label, values, properties, fixed, communities, grids)
        building = existing.get(values["ref"])
        if plan and building is not None and building.community_id != plan.community.pk:
            found.append(
                f"{label}: property 'community': building {building.ref} is registered in "
                f"{building.community.code}"
            )
        problems += found
        if plan:
            plans.append(plan)
    if problems:
        raise InvalidInput(problems)
    report = _write_buildings(actor, plans, existing, compounds)
    report.repaired = repaired or []
    return report


def _plan_place(label, values, properties, fixed, communities, grids):
    """Where one building feature goes: its community, general grid and compound."""
    problems = []
    grid_code = str(properties.get("general_grid") or "")
    community = fixed
    if community is None:
        code = str(properties.get("community") or grid_code[:12])
        community = communities.get(code.ljust(12, "0"))
        if community is None:
            return None, [
                f"{label}: property 'community': no community {code or '(none given)'} in "
                "your scope; give 'community', 'general_grid' or --community"
            ]
    grid = grids.get(grid_code) if grid_code else None
    if grid_code and grid is None:
        problems.append(f"{label}: property 'general_grid': no grid {grid_code} in your scope")
    elif grid is not None and (
        grid.kind not in (GridKind.GENERAL, GridKind.DEDICATED) or grid.community_id != community.pk
    ):
        problems.append(
            f"{label}: property 'general_grid': {grid_code} is not a general or dedicated grid "
            f"of {community.code}"
        )
    compound_ref = str(properties.get("compound") or "")
    if problems:
        return None, problems
    return _BuildingPlan(values, community, grid, compound_ref), []


def _write_buildings(actor, plans, existing, compounds) -> BuildingImportReport:
    report = BuildingImportReport()
    new_compounds = []
    for plan in plans:
        key = (plan.community.pk, plan.compound_ref)
        if plan.compound_ref and key not in compounds:
            compound = Compound(
                ref=plan.compound_ref, name=plan.compound_ref, kind=CompoundKind.OTHER
            )
            placement.place_new(compound, plan.community, None)
            compounds[key] = compound
            new_compounds.append(compound)
    Compound.objects.bulk_create(new_compounds, batch_size=1000)
    report.compounds_created = len(new_compounds)

    created, updated, moving = [], [], []
    for plan in plans:
        shape = plan.values.pop("shape")
        building = existing.get(plan.values["ref"])
        compound = compounds.get((plan.community.pk, plan.compound_ref))
        if building is None:
            building = Building(**plan.values, compound=compound)
            placement.place_new(building, plan.community, plan.grid)
            building.set_geometry(shape)
            created.append(building)
            continue
        before = audit.snapshot(building)
        for name in BUILDING_FIELDS:
            setattr(building, name, plan.values[name])
        if compound is not None:
            building.compound = compound
        building.set_geometry(shape)
        if audit.snapshot(building) == before:
            report.unchanged += 1
        else:
            updated.append((before, building))
        if plan.grid is not None and placement.general_grid_of(building) != plan.grid:
            moving.append((building, plan.grid))
    Building.objects.bulk_create(created, batch_size=1000)
    entrances, dwellings = [], []
    for building in created:
        more_entrances, more_dwellings = _build_entrances_and_dwellings(building)
        entrances += more_entrances
        dwellings += more_dwellings
    Entrance.objects.bulk_create(entrances, batch_size=2000)
    Dwelling.objects.bulk_create(dwellings, batch_size=2000)
    Building.objects.bulk_update(
        [b for _, b in updated],
        [*BUILDING_FIELDS, "compound", "geometry", "min_lon", "min_lat", "max_lon", "max_lat"],
        batch_size=1000,
    )
    report.created, report.updated = len(created), len(updated)
    report.dwellings_created = len(dwellings)
    audit.record_created(actor, [*new_compounds, *created], reason="buildings import")
    audit.record_updated(actor, updated, reason="buildings import")
    for building, grid in moving:
        placement.move_building(actor, building, grid, reason="buildings import")
    for community in {plan.community.pk: plan.community for plan in plans}.values():
        placement.settle(actor, community, reason="buildings import")
    report.moved = len(moving)
    return report


BUILDING_EDITABLE = (*BUILDING_FIELDS, "geometry", "compound")


@transaction.atomic
def do_update_building(actor, building: Building | str, **changes) -> Building:
    """Change a building's description. Its entrances and dwellings stay as registered:
    add dwellings by importing a roster."""
    building = queries.get_building(actor, building, "change")
    unknown = sorted(set(changes) - set(BUILDING_EDITABLE))
    if unknown:
        raise InvalidInput([f"{name}: cannot be changed here" for name in unknown])
    current = {name: getattr(building, name) for name in BUILDING_FIELDS}
    properties = {**current, **changes, "id": building.ref}
    geometry = changes.get("geometry", building.geometry or None)
    problems: list[str] = []
    values = plan_building(properties, geometry, f"building {building.ref}", problems)
    compound = building.compound
    if changes.get("compound"):
        compound = queries.get_compound(
            actor, str(changes["compound"]), community=building.community
        )
    elif "compound" in changes:
        compound = None
    if problems:
        raise InvalidInput(problems)
    before = audit.snapshot(building)
    for name in BUILDING_FIELDS:
        setattr(building, name, values[name])
    building.compound = compound
    building.set_geometry(values["shape"])
    if audit.snapshot(building) != before:
        building.save()
        audit.record(actor, AuditAction.UPDATE, building, before=before)
    return building


def _compound_problems(name: str, kind: str, geometry) -> tuple[object | None, list[str]]:
    problems = []
    if problem := name_problem(name):
        problems.append(f"name: {problem}")
    if kind not in CompoundKind.values:
        problems.append(f"kind: {kind!r} is not one of {', '.join(CompoundKind.values)}")
    shape, problem = parse_geometry(geometry)
    if problem:
        problems.append(f"geometry: {problem}")
    return shape, problems


@transaction.atomic
def do_create_compound(
    actor, *, ref: str, community: AdminArea | str, name: str, kind: str, geometry=None
) -> Compound:
    """Register a compound (小区/院落) in a community."""
    community = queries.get_community(actor, getattr(community, "code", community), "view")
    require_place(actor, "add", Compound, community.path, f"no community {community.code}")
    shape, problems = _compound_problems(name, kind, geometry)
    ref = (ref or "").strip()
    if not ref or len(ref) > 40:
        problems.append("ref: must be 1 to 40 characters")
    if problems:
        raise InvalidInput(problems)
    if Compound.objects.filter(community=community, ref=ref).exists():
        raise Conflict(f"ref: compound {ref} already exists")
    compound = Compound(ref=ref, name=name.strip(), kind=kind)
    placement.place_new(compound, community, None)
    compound.set_geometry(shape)
    compound.save()
    audit.record(actor, AuditAction.CREATE, compound)
    return compound


@transaction.atomic
def do_update_compound(actor, compound: Compound | int | str, **changes) -> Compound:
    """Change a compound's name, kind or boundary."""
    compound = queries.get_compound(actor, compound, "change")
    unknown = sorted(set(changes) - {"name", "kind", "geometry"})
    if unknown:
        raise InvalidInput([f"{name}: cannot be changed here" for name in unknown])
    name = changes.get("name", compound.name)
    kind = changes.get("kind", compound.kind)
    shape, problems = _compound_problems(
        name, kind, changes.get("geometry", compound.geometry or None)
    )
    if problems:
        raise InvalidInput(problems)
    before = audit.snapshot(compound)
    compound.name, compound.kind = name.strip(), kind
    compound.set_geometry(shape)
    if audit.snapshot(compound) != before:
        compound.save()
        audit.record(actor, AuditAction.UPDATE, compound, before=before)
    return compound


def _dwelling_problems(building: Building, entrance: int, floor: int, room: str, use: str):
    problems = []
    if not 1 <= entrance <= building.entrances:
        problems.append(f"entrance: {building.name} has entrances 1 to {building.entrances}")
    if not -5 <= floor <= building.floors:
        problems.append(f"floor: {building.name} has floors up to {building.floors}")
    if not room or len(room) > 20:
        problems.append("room: must be 1 to 20 characters")
    if use not in DwellingUse.values:
        problems.append(f"use: {use!r} is not one of {', '.join(DwellingUse.values)}")
    return problems


def _check_room_free(building: Building, door: Entrance, room: str, dwelling=None) -> None:
    clash = Dwelling.objects.filter(entrance=door, room=room)
    if dwelling is not None:
        clash = clash.exclude(pk=dwelling.pk)
    if clash.exists():
        raise Conflict(f"room: {building.name}{door.number}单元{room} already exists")


@transaction.atomic
def do_create_dwelling(
    actor,
    *,
    building: Building | str,
    entrance: int,
    floor: int,
    room: str,
    use: str = DwellingUse.RESIDENTIAL,
) -> Dwelling:
    """Register a dwelling in a building's entrance; it starts where its building is."""
    building = queries.get_building(actor, building, "view")
    require_place(actor, "add", Dwelling, building.path, f"no building {building.ref}")
    room = (room or "").strip()
    problems = _dwelling_problems(building, entrance, floor, room, use)
    if problems:
        raise InvalidInput(problems)
    door, _ = Entrance.objects.get_or_create(building=building, number=entrance)
    _check_room_free(building, door, room)
    dwelling = Dwelling(
        building=building,
        entrance=door,
        floor=floor,
        room=room,
        use=use,
        **placement.on_building(building),
    )
    dwelling.save()
    audit.record(actor, AuditAction.CREATE, dwelling)
    return dwelling


@transaction.atomic
def do_update_dwelling(actor, dwelling: Dwelling | int, **changes) -> Dwelling:
    """Correct a dwelling's entrance, floor, room number or use, within its building."""
    dwelling = queries.get_dwelling(actor, dwelling, "change")
    unknown = sorted(set(changes) - {"entrance", "floor", "room", "use"})
    if unknown:
        raise InvalidInput([f"{name}: cannot be changed here" for name in unknown])
    building = dwelling.building
    entrance = changes.get("entrance", dwelling.entrance.number)
    floor = changes.get("floor", dwelling.floor)
    room = (changes.get("room", dwelling.room) or "").strip()
    use = changes.get("use", dwelling.use)
    problems = _dwelling_problems(building, entrance, floor, room, use)
    if problems:
        raise InvalidInput(problems)
    door, _ = Entrance.objects.get_or_create(building=building, number=entrance)
    _check_room_free(building, door, room, dwelling)
    before = audit.snapshot(dwelling)
    dwelling.entrance, dwelling.floor, dwelling.room, dwelling.use = door, floor, room, use
    if audit.snapshot(dwelling) != before:
        dwelling.save()
        audit.record(actor, AuditAction.UPDATE, dwelling, before=before)
    return dwelling
