"""Every change to areas and grids: permission and scope checks, invariants, audit.

``actor=None`` is the command line, run by the operator with full rights; every other
actor is a User whose role must allow the change and whose scope must cover the place.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from finegrid import bulk, divisions
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.scope import in_scope
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory import codes
from finegrid.territory import geometry as geo
from finegrid.territory.models import (
    AdminArea,
    AreaLevel,
    Building,
    BuildingKind,
    Compound,
    CompoundKind,
    Dwelling,
    DwellingUse,
    Entrance,
    Grid,
    GridKind,
    Route,
    SiteKind,
)

# Fields a grid update may change; code, kind and place in the tree are fixed at creation.
GRID_EDITABLE = ("name", "geometry", "site_kind")


def require(actor, permission: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise PermissionDenied(f"your role may not do this ({permission})")


def require_scope(actor, obj, what: str) -> None:
    """Out of scope answers exactly like missing."""
    if actor is not None and not in_scope(actor, obj.path):
        raise NotFound(f"no {what}")


# --- Administrative areas ------------------------------------------------------------------


@dataclass
class AreaLoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: int = 0
    unchanged: int = 0
    community_grids_created: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or self.updated or self.community_grids_created)


def community_grid_name(area: AdminArea) -> str:
    return f"{divisions.Division(area.code, area.level, area.name, None).short_name}总网格"


@transaction.atomic
def do_load_areas(actor, code: str) -> AreaLoadReport:
    """Load the division data at and under ``code`` (with its ancestors); create each
    community's community grid. Loading the same data again changes nothing."""
    require(actor, "territory.change_adminarea")
    try:
        rows = divisions.subtree(code)
    except divisions.UnknownDivision as error:
        raise InvalidInput(f"area code: {error}") from None
    report = AreaLoadReport()
    existing = {a.code: a for a in AdminArea.objects.filter(code__in=[r.code for r in rows])}
    created: list[AdminArea] = []
    changed: list[tuple[dict, AdminArea]] = []
    for level in divisions.LEVELS:
        new_at_level = []
        for row in (r for r in rows if r.level == level):
            values = {
                "level": row.level,
                "name": row.name,
                "is_village": row.is_village,
                "parent": existing[row.parent] if row.parent else None,
                "path": divisions.path_of(row),
            }
            area = existing.get(row.code)
            if area is None:
                new_at_level.append(AdminArea(code=row.code, **values))
                continue
            before = audit.snapshot(area)
            for name, value in values.items():
                setattr(area, name, value)
            if audit.snapshot(area) == before:
                report.unchanged += 1
            else:
                changed.append((before, area))
        AdminArea.objects.bulk_create(new_at_level, batch_size=1000)
        existing.update((area.code, area) for area in new_at_level)
        created.extend(new_at_level)
        if new_at_level:
            report.created[level] = len(new_at_level)
    AdminArea.objects.bulk_update(
        [area for _, area in changed], ["level", "name", "is_village", "parent", "path"]
    )
    report.updated = len(changed)
    audit.record_created(actor, created, reason=f"areas load {code}")
    audit.record_updated(actor, changed, reason=f"areas load {code}")
    communities = [a for a in existing.values() if a.level == AreaLevel.COMMUNITY]
    report.community_grids_created = _create_community_grids(actor, communities)
    return report


def _create_community_grids(actor, communities: list[AdminArea]) -> int:
    have = set(
        Grid.objects.filter(kind=GridKind.COMMUNITY, community__in=communities).values_list(
            "community_id", flat=True
        )
    )
    grids = [
        Grid(
            code=area.code,
            kind=GridKind.COMMUNITY,
            name=community_grid_name(area),
            community=area,
            path=area.path,
        )
        for area in communities
        if area.pk not in have
    ]
    Grid.objects.bulk_create(grids, batch_size=1000)
    audit.record_created(actor, grids, reason="community grid created with its community")
    return len(grids)


# --- Grids ---------------------------------------------------------------------------------


def name_problem(name) -> str | None:
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        return "must be text of 1 to 100 characters"
    return None


def site_kind_problem(kind: str, site_kind: str) -> str | None:
    if site_kind and kind != GridKind.DEDICATED:
        return "only dedicated grids have a site kind"
    if site_kind and site_kind not in SiteKind.values:
        return f"{site_kind!r} is not one of {', '.join(SiteKind.values)}"
    return None


def parse_geometry(geometry) -> tuple[object | None, str | None]:
    """(shape, None), or (None, reason). An empty geometry means 'no boundary'."""
    if not geometry:
        return None, None
    try:
        return geo.parse(geometry), None
    except geo.GeometryError as error:
        return None, str(error)


def default_grid_name(grid_code: codes.GridCode) -> str:
    if grid_code.kind == "general":
        return f"第{grid_code.segments[0]}网格"
    if grid_code.kind == "micro":
        return f"第{grid_code.segments[0]}-{grid_code.segments[1]}微网格"
    return f"{grid_code.number}专属网格"


@dataclass
class GridPlan:
    """A validated grid, ready to save: what the code and tree say it must be."""

    code: codes.GridCode
    name: str
    community: AdminArea
    parent: Grid | None
    parent_code: str | None
    shape: object | None
    site_kind: str
    given: frozenset[str] = frozenset({"name", "site_kind", "geometry"})
    """What the input set: an existing grid keeps the rest as stored."""


def plan_grid(
    properties: dict,
    geometry,
    *,
    known_grids: dict[str, Grid],
    communities: dict[str, AdminArea],
    planned_codes: set[str] = frozenset(),
) -> tuple[GridPlan | None, list[str]]:
    """Check one grid against every invariant. Returns the plan, or the problems found
    (each naming the property), so callers can report all problems at once."""
    problems: list[str] = []
    raw_code = properties.get("code")
    if not isinstance(raw_code, str) or not raw_code:
        return None, ["property 'code': missing (every grid needs its code)"]
    try:
        grid_code = codes.parse(raw_code)
    except ValueError as error:
        return None, [f"property 'code': {error}"]
    kind = properties.get("kind") or grid_code.kind
    if kind not in GridKind.values:
        problems.append(f"property 'kind': {kind!r} is not one of {', '.join(GridKind.values)}")
    elif kind != grid_code.kind:
        problems.append(
            f"property 'kind': {kind!r} does not match code {raw_code}, "
            f"which is a {grid_code.kind} grid"
        )
    if grid_code.kind == GridKind.COMMUNITY and raw_code not in known_grids:
        problems.append(
            "property 'code': community grids are created with their community "
            "(finegrid areas load)"
        )
    community = communities.get(grid_code.community)
    if community is None:
        problems.append(
            f"property 'code': community {grid_code.community} is not loaded or not in your scope"
        )
    expected_parent = grid_code.parent_code
    given_parent = properties.get("parent")
    if given_parent not in (None, "", expected_parent):
        problems.append(
            f"property 'parent': a {grid_code.kind} grid's parent must be "
            f"{_parent_rule(grid_code)} {expected_parent}, not {given_parent}"
        )
    parent = known_grids.get(expected_parent) if expected_parent else None
    if expected_parent and parent is None and expected_parent not in planned_codes:
        problems.append(
            f"property 'parent': {_parent_rule(grid_code)} {expected_parent} does not exist"
        )
    site_kind = properties.get("site_kind") or ""
    if problem := site_kind_problem(grid_code.kind, site_kind):
        problems.append(f"property 'site_kind': {problem}")
    name = properties.get("name") or default_grid_name(grid_code)
    if problem := name_problem(name):
        problems.append(f"property 'name': {problem}")
    shape, problem = parse_geometry(geometry)
    if problem:
        problems.append(f"geometry: {problem}")
    if problems:
        return None, problems
    given = {"name"} if properties.get("name") else set()
    given |= {"site_kind"} if "site_kind" in properties else set()
    given |= {"geometry"} if geometry is not None else set()
    plan = GridPlan(grid_code, name, community, parent, expected_parent, shape, site_kind)
    return replace(plan, given=frozenset(given)), []


def _parent_rule(grid_code: codes.GridCode) -> str:
    if grid_code.kind == GridKind.MICRO:
        return "the general grid of the same community"
    return "the community grid"


def _build_grid(plan: GridPlan, parent: Grid) -> Grid:
    grid = Grid(
        code=plan.code.code,
        kind=plan.code.kind,
        name=plan.name,
        parent=parent,
        community=plan.community,
        site_kind=plan.site_kind,
        path=codes.grid_path(plan.community.path, plan.code),
    )
    grid.set_geometry(plan.shape)
    return grid


def _communities_for(actor, community_codes: set[str]) -> dict[str, AdminArea]:
    found = AdminArea.objects.filter(code__in=community_codes, level=AreaLevel.COMMUNITY)
    return {a.code: a for a in found if actor is None or in_scope(actor, a.path)}


def _grids_for(actor, grid_codes: set[str]) -> dict[str, Grid]:
    found = Grid.objects.filter(code__in=grid_codes)
    return {g.code: g for g in found if actor is None or in_scope(actor, g.path)}


def check_new_grid(actor, properties: dict, geometry=None) -> GridPlan:
    """Validate a grid to be created; raises the error the caller should show."""
    communities: dict[str, AdminArea] = {}
    known: dict[str, Grid] = {}
    try:
        grid_code = codes.parse(properties.get("code"))
    except (ValueError, TypeError):
        grid_code = None  # plan_grid names the problem
    if grid_code is not None and grid_code.kind != GridKind.COMMUNITY:
        clash = Grid.objects.filter(code=grid_code.code).first()
        if clash is not None:
            if actor is None or in_scope(actor, clash.path):
                raise Conflict(f"code: grid {grid_code.code} already exists")
            raise NotFound(f"no community {grid_code.community}")
        communities = _communities_for(actor, {grid_code.community})
        if grid_code.community not in communities:
            raise NotFound(f"no community {grid_code.community}")
        known = _grids_for(actor, {grid_code.parent_code})
    plan, problems = plan_grid(properties, geometry, known_grids=known, communities=communities)
    if problems:
        raise InvalidInput(problems)
    return plan


@transaction.atomic
def do_create_grid(actor, *, geometry=None, **properties) -> Grid:
    """Create a general, micro or dedicated grid. ``properties``: code (required), name,
    kind, parent, site_kind — the same as a GeoJSON feature's."""
    require(actor, "territory.add_grid")
    plan = check_new_grid(actor, properties, geometry)
    grid = _build_grid(plan, plan.parent)
    grid.save()
    audit.record(actor, AuditAction.CREATE, grid)
    return grid


def grid_change_problems(grid: Grid, changes: dict) -> list[str]:
    """Everything wrong with a proposed update of ``grid``, one line per field."""
    problems = [
        f"{name}: cannot be changed after creation"
        for name in sorted(set(changes) - set(GRID_EDITABLE))
    ]
    if "name" in changes and (problem := name_problem(changes["name"])):
        problems.append(f"name: {problem}")
    if "site_kind" in changes and (
        problem := site_kind_problem(grid.kind, changes["site_kind"] or "")
    ):
        problems.append(f"site_kind: {problem}")
    if "geometry" in changes and (problem := parse_geometry(changes["geometry"])[1]):
        problems.append(f"geometry: {problem}")
    return problems


@transaction.atomic
def do_update_grid(actor, grid: Grid, **changes) -> Grid:
    require(actor, "territory.change_grid")
    require_scope(actor, grid, f"grid {grid.code}")
    problems = grid_change_problems(grid, changes)
    if problems:
        raise InvalidInput(problems)
    before = audit.snapshot(grid)
    if "name" in changes:
        grid.name = changes["name"].strip()
    if "site_kind" in changes:
        grid.site_kind = changes["site_kind"] or ""
    if "geometry" in changes:
        grid.set_geometry(parse_geometry(changes["geometry"])[0])
    if audit.snapshot(grid) != before:
        grid.save()
        audit.record(actor, AuditAction.UPDATE, grid, before=before)
    return grid


@transaction.atomic
def do_delete_grid(actor, grid: Grid) -> None:
    require(actor, "territory.delete_grid")
    require_scope(actor, grid, f"grid {grid.code}")
    if grid.kind == GridKind.COMMUNITY:
        raise Conflict(f"grid {grid.code}: a community grid exists as long as its community")
    children = grid.children.count()
    if children:
        raise Conflict(f"grid {grid.code}: has {children} child grid(s); delete or move them first")
    from finegrid.accounts.models import ScopeAssignment

    assigned = ScopeAssignment.objects.filter(grid=grid).count()
    if assigned:
        raise Conflict(f"grid {grid.code}: {assigned} user(s) are assigned to it")
    before = audit.snapshot(grid)
    audit.record(actor, AuditAction.DELETE, grid, before=before)
    grid.delete()


# --- GeoJSON import --------------------------------------------------------------------------


def features_of(collection) -> list:
    """The features of a GeoJSON FeatureCollection, or the error saying it is none."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise InvalidInput("file: not a GeoJSON FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise InvalidInput("file: 'features' must be a list")
    return features


@dataclass
class GridImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


# Parents before children.
_IMPORT_ORDER = (GridKind.COMMUNITY, GridKind.GENERAL, GridKind.DEDICATED, GridKind.MICRO)


@transaction.atomic
def do_import_grids(actor, collection: dict) -> GridImportReport:
    """Create or update grids from a GeoJSON FeatureCollection, all or nothing. A grid
    that exists keeps what a feature leaves out (its name, site kind or boundary), and a
    community grid, made with its community, can only be updated.

    Every feature is checked first; if any breaks a rule, nothing is written and the
    error lists each problem as ``feature N (code): property 'x': reason``.
    """
    require(actor, "territory.add_grid")
    require(actor, "territory.change_grid")
    features = features_of(collection)

    codes_in_file = [
        (f.get("properties") or {}).get("code") for f in features if isinstance(f, dict)
    ]
    valid_codes = set()
    for value in codes_in_file:
        try:
            valid_codes.add(codes.parse(value).code)
        except (ValueError, TypeError):
            continue
    parsed = [codes.parse(c) for c in valid_codes]
    communities = _communities_for(actor, {c.community for c in parsed})
    known = _grids_for(actor, valid_codes | {c.parent_code for c in parsed if c.parent_code})

    problems: list[str] = []
    plans: list[GridPlan] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"feature {number}: not a GeoJSON Feature")
            continue
        properties = feature.get("properties") or {}
        label = f"feature {number} ({properties.get('code', 'no code')})"
        code = properties.get("code")
        if isinstance(code, str) and code in seen:
            problems.append(f"{label}: property 'code': duplicates feature {seen[code]}")
            continue
        if isinstance(code, str):
            seen[code] = number
        plan, found = plan_grid(
            properties,
            feature.get("geometry"),
            known_grids=known,
            communities=communities,
            planned_codes=valid_codes,
        )
        problems.extend(f"{label}: {p}" for p in found)
        if plan:
            plans.append(plan)
    if problems:
        raise InvalidInput(problems)

    report = GridImportReport()
    created: list[Grid] = []
    updated: list[tuple[dict, Grid]] = []
    for kind in _IMPORT_ORDER:
        new_grids = []
        for plan in (p for p in plans if p.code.kind == kind):
            existing = known.get(plan.code.code)
            if existing is None:
                new_grids.append(_build_grid(plan, plan.parent or known[plan.parent_code]))
                continue
            before = audit.snapshot(existing)
            if "name" in plan.given:
                existing.name = plan.name
            if "site_kind" in plan.given:
                existing.site_kind = plan.site_kind
            if "geometry" in plan.given:
                existing.set_geometry(plan.shape)
            if audit.snapshot(existing) == before:
                report.unchanged += 1
            else:
                existing.updated_at = timezone.now()  # bulk_update skips auto_now
                updated.append((before, existing))
        Grid.objects.bulk_create(new_grids, batch_size=1000)
        known.update((grid.code, grid) for grid in new_grids)
        created.extend(new_grids)
    Grid.objects.bulk_update(
        [grid for _, grid in updated],
        ["name", "site_kind", "geometry", "min_lon", "min_lat", "max_lon", "max_lat", "updated_at"],
        batch_size=1000,
    )
    report.created = len(created)
    report.updated = len(updated)
    audit.record_created(actor, created, reason="grids import")
    audit.record_updated(actor, updated, reason="grids import")
    return report


# --- Places ---------------------------------------------------------------------------------


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
            grid=building.grid,
            path=building.path,
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
    compounds_created: int = 0
    dwellings_created: int = 0


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


def plan_building(properties: dict, geometry, label: str, problems: list[str]) -> dict | None:
    """The stored values of one building feature (the division engine's format), or None
    after adding its problems to ``problems``."""
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
        values["shape"] = geo.parse(geometry, geo.PLACE_TYPES) if geometry else None
    except geo.GeometryError as error:
        found.append(f"{label}: geometry: {error}")
    problems.extend(found)
    return None if found else values


@transaction.atomic
def do_import_buildings(actor, collection: dict, community_code: str | None = None):
    """Create or update buildings from GeoJSON in the division engine's format, all or
    nothing. A new building gets its entrances and dwellings (floors × entrances ×
    dwellings_per_floor) and is placed in its ``general_grid`` when that grid exists."""
    require(actor, "territory.add_building")
    require(actor, "territory.change_building")
    features = features_of(collection)
    fixed_community = None
    if community_code:
        fixed_community = _communities_for(actor, {community_code.ljust(12, "0")}).get(
            community_code.ljust(12, "0")
        )
        if fixed_community is None:
            raise NotFound(f"no community {community_code}")
    problems: list[str] = []
    plans = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        properties = (feature or {}).get("properties") or {}
        label = f"feature {number} ({properties.get('id', 'no id')})"
        values = plan_building(properties, (feature or {}).get("geometry"), label, problems)
        if values is None:
            continue
        if values["ref"] in seen:
            problems.append(f"{label}: property 'id': duplicates feature {seen[values['ref']]}")
            continue
        seen[values["ref"]] = number
        grid_code = properties.get("general_grid") or ""
        community = fixed_community
        if community is None:
            code = str(properties.get("community") or grid_code[:12])
            community = _communities_for(actor, {code}).get(code)
        if community is None:
            problems.append(
                f"{label}: property 'general_grid': names no community in your scope; "
                "give 'community' or --community"
            )
            continue
        plans.append((values, community, grid_code, properties.get("compound")))
    if problems:
        raise InvalidInput(problems)

    report = BuildingImportReport()
    existing = {b.ref: b for b in Building.objects.filter(ref__in=list(seen))}
    compounds = {c.ref: c for c in Compound.objects.filter(ref__in={p[3] for p in plans if p[3]})}
    grids = {g.code: g for g in Grid.objects.filter(code__in={p[2] for p in plans if p[2]})}
    new_compounds = []
    for _values, community, _grid_code, compound_ref in plans:
        if compound_ref and compound_ref not in compounds:
            compound = Compound(ref=compound_ref, name=compound_ref, kind=CompoundKind.OTHER)
            compound.place(community, None)
            compounds[compound_ref] = compound
            new_compounds.append(compound)
    Compound.objects.bulk_create(new_compounds, batch_size=1000)
    report.compounds_created = len(new_compounds)

    created, updated = [], []
    for values, community, grid_code, compound_ref in plans:
        shape = values.pop("shape")
        building = existing.get(values["ref"])
        grid = grids.get(grid_code) if grid_code else None
        if building is None:
            building = Building(**values, compound=compounds.get(compound_ref))
            building.place(community, grid)
            building.set_geometry(shape)
            created.append(building)
            continue
        before = audit.snapshot(building)
        for name in BUILDING_FIELDS:
            setattr(building, name, values[name])
        building.set_geometry(shape)
        if audit.snapshot(building) == before:
            report.unchanged += 1
        else:
            updated.append((before, building))
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
        [*BUILDING_FIELDS, "geometry", "min_lon", "min_lat", "max_lon", "max_lat"],
        batch_size=1000,
    )
    report.created, report.updated = len(created), len(updated)
    report.dwellings_created = len(dwellings)
    audit.record_created(actor, [*new_compounds, *created], reason="buildings import")
    audit.record_updated(actor, updated, reason="buildings import")
    return report


@transaction.atomic
def do_place_dwellings(actor, grid: Grid, dwellings: list[Dwelling]) -> int:
    """Move dwellings (and the households and persons on them) into ``grid``, as a
    division of a general grid into micro-grids does. Returns how many moved."""
    require(actor, "territory.change_building")
    require_scope(actor, grid, f"grid {grid.code}")
    moving = [d.pk for d in dwellings if d.grid_id != grid.pk]
    for chunk in bulk.chunked(moving):
        Dwelling.objects.filter(pk__in=chunk).update(grid=grid, path=grid.path)
    sync_placements(actor, grid.community)
    return len(moving)


def sync_placements(actor, community: AdminArea) -> None:
    """After dwellings moved between grids: each building sits in the one grid all its
    dwellings share (else in their common general grid), and households and persons
    carry their dwelling's path."""
    from finegrid.people.actions import follow_dwellings

    grids_of: dict[int, set[int | None]] = {}
    for building_id, grid_id in (
        Dwelling.objects.filter(building__community=community)
        .values_list("building_id", "grid_id")
        .distinct()
    ):
        grids_of.setdefault(building_id, set()).add(grid_id)
    grids = {g.pk: g for g in Grid.objects.filter(community=community)}
    changed = []
    for building in Building.objects.filter(community=community):
        if building.pk not in grids_of:
            continue  # no dwellings (a row of shops): it stays where it was placed
        held = grids_of[building.pk]
        if len(held) == 1:
            target = grids.get(next(iter(held)))
        else:
            parents = {
                grids[g].parent_id if grids[g].kind == GridKind.MICRO else g
                for g in held
                if g in grids
            }
            target = grids.get(next(iter(parents))) if len(parents) == 1 else None
        if building.grid_id != (target.pk if target else None):
            before = audit.snapshot(building)
            building.place(community, target)
            changed.append((before, building))
    Building.objects.bulk_update([b for _, b in changed], ["grid", "path"], batch_size=2000)
    audit.record_updated(actor, changed, reason="placement")
    follow_dwellings(community)


BUILDING_EDITABLE = (*BUILDING_FIELDS, "geometry", "compound")


@transaction.atomic
def do_update_building(actor, building: Building, **changes) -> Building:
    """Change a building's description. Its entrances and dwellings stay as registered:
    add dwellings by importing a roster."""
    require(actor, "territory.change_building")
    require_scope(actor, building, f"building {building.ref}")
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
        compound = Compound.objects.filter(
            ref=changes["compound"], community=building.community
        ).first()
        if compound is None:
            problems.append(f"compound: no compound {changes['compound']} in this community")
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


@transaction.atomic
def do_save_compound(
    actor,
    *,
    ref: str,
    community: AdminArea,
    name: str,
    kind: str,
    geometry=None,
    compound: Compound | None = None,
) -> Compound:
    """Create a compound, or change one (``compound``): name, kind and boundary."""
    require(actor, "territory.change_compound" if compound else "territory.add_compound")
    require_scope(actor, compound or community, f"community {community.code}")
    problems = []
    if problem := name_problem(name):
        problems.append(f"name: {problem}")
    if kind not in CompoundKind.values:
        problems.append(f"kind: {kind!r} is not one of {', '.join(CompoundKind.values)}")
    shape, problem = parse_geometry(geometry)
    if problem:
        problems.append(f"geometry: {problem}")
    if compound is None and (not ref or Compound.objects.filter(ref=ref).exists()):
        problems.append(f"ref: {ref!r} is empty or already used")
    if problems:
        raise InvalidInput(problems)
    target = compound or Compound(ref=ref)
    before = audit.snapshot(target) if compound else None
    if compound is None:
        target.place(community, None)
    target.name, target.kind = name.strip(), kind
    target.set_geometry(shape)
    if compound is None or audit.snapshot(target) != before:
        target.save()
        audit.record(
            actor, AuditAction.UPDATE if compound else AuditAction.CREATE, target, before=before
        )
    return target


# --- Applying a division -----------------------------------------------------------------------


@dataclass
class DivisionReport:
    general_grids: int = 0
    micro_grids_created: int = 0
    micro_grids_kept: int = 0
    micro_grids_removed: int = 0
    dwellings_placed: int = 0


def _check_division_feature(number, feature, general, buildings) -> tuple[dict | None, list]:
    """One micro-grid of a `finegrid divide` output, checked against the registry."""
    properties = (feature or {}).get("properties") or {}
    label = f"feature {number} ({properties.get('code', 'no code')})"
    problems = []
    try:
        code = codes.parse(properties.get("code"))
    except (ValueError, TypeError) as error:
        return None, [f"{label}: property 'code': {error}"]
    if code.kind != GridKind.MICRO or code.parent_code != general.code:
        problems.append(f"{label}: property 'code': not a micro-grid of {general.code}")
    shape, problem = parse_geometry((feature or {}).get("geometry"))
    if problem:
        problems.append(f"{label}: geometry: {problem}")
    parts = properties.get("parts")
    if not isinstance(parts, list):
        return None, [*problems, f"{label}: property 'parts': must be a list"]
    for part in parts:
        building = buildings.get(str((part or {}).get("building")))
        floors = (part or {}).get("floors") or [0, 0]
        if building is None:
            problems.append(
                f"{label}: property 'parts': building {part.get('building')!r} is not "
                f"registered in {general.community.code}"
            )
        elif not (
            1 <= part.get("entrance", 0) <= building.entrances
            and 1 <= floors[0] <= floors[-1] <= building.floors
        ):
            problems.append(
                f"{label}: property 'parts': {building.ref} has no entrance "
                f"{part.get('entrance')} floors {floors}"
            )
    minutes = properties.get("minutes")
    if not isinstance(minutes, int | float) or minutes < 0:
        problems.append(f"{label}: property 'minutes': must be a number ≥ 0")
    if problems:
        return None, problems
    return {
        "code": code,
        "shape": shape,
        "parts": parts,
        "minutes": float(minutes),
        "households": int(properties.get("households") or 0),
    }, []


@transaction.atomic
def do_apply_division(actor, features: list[dict]) -> DivisionReport:
    """Store the output of `finegrid divide` (micro-grid features with code, general_grid,
    households, minutes, parts): create or update the micro-grids, their boundaries and
    visiting orders, and move every dwelling the parts name into its micro-grid, with the
    households and persons on it. All or nothing; micro-grids of these general grids that
    the division no longer has are removed, unless someone still works there."""
    require(actor, "territory.add_grid")
    require(actor, "territory.change_building")
    by_general: dict[str, list[tuple[int, dict]]] = {}
    for number, feature in enumerate(features, start=1):
        general_code = str(((feature or {}).get("properties") or {}).get("general_grid") or "")
        by_general.setdefault(general_code, []).append((number, feature))
    generals = _grids_for(actor, set(by_general))
    problems, plans = [], []
    for general_code, numbered in by_general.items():
        general = generals.get(general_code)
        if general is None or general.kind != GridKind.GENERAL:
            problems.append(
                f"feature {numbered[0][0]}: property 'general_grid': {general_code!r} is no "
                "general grid in your scope"
            )
            continue
        buildings = {b.ref: b for b in Building.objects.filter(community=general.community)}
        for number, feature in numbered:
            plan, found = _check_division_feature(number, feature, general, buildings)
            problems += found
            if plan:
                plans.append((general, plan, buildings))
    if problems:
        raise InvalidInput(problems)

    report = DivisionReport(general_grids=len(by_general))
    new_codes = {plan["code"].code for _, plan, _ in plans}
    for general in {g.pk: g for g, _, _ in plans}.values():
        report.micro_grids_removed += _remove_vanished(actor, general, new_codes)
    for general, plan, buildings in plans:
        grid, created = _save_micro_grid(actor, general, plan)
        report.micro_grids_created += created
        report.micro_grids_kept += not created
        _save_route(actor, grid, plan)
        report.dwellings_placed += _place_parts(grid, plan["parts"], buildings)
    for community in {general.community_id: general.community for general, _, _ in plans}.values():
        sync_placements(actor, community)
    return report


def _remove_vanished(actor, general: Grid, kept: set[str]) -> int:
    vanished = list(general.children.exclude(code__in=kept))
    from finegrid.accounts.models import ScopeAssignment

    busy = [
        grid.code
        for grid in vanished
        if ScopeAssignment.objects.filter(grid=grid).exists()
        or grid.workers.exists()
        or hasattr(grid, "party_org")
    ]
    if busy:
        raise Conflict(
            f"micro-grids {', '.join(busy)} are not in the new division but still have users, "
            "workers or a party organization; reassign them first"
        )
    for grid in vanished:
        Dwelling.objects.filter(grid=grid).update(grid=general, path=general.path)
        Building.objects.filter(grid=grid).update(grid=general, path=general.path)
        Route.objects.filter(grid=grid).delete()
        audit.record(
            actor, AuditAction.DELETE, grid, before=audit.snapshot(grid), reason="re-division"
        )
        grid.delete()
    return len(vanished)


def _save_micro_grid(actor, general: Grid, plan: dict) -> tuple[Grid, bool]:
    grid = Grid.objects.filter(code=plan["code"].code).first()
    if grid is None:
        grid = Grid(
            code=plan["code"].code,
            kind=GridKind.MICRO,
            name=default_grid_name(plan["code"]),
            parent=general,
            community=general.community,
            path=codes.grid_path(general.community.path, plan["code"]),
        )
        grid.set_geometry(plan["shape"])
        grid.save()
        audit.record(actor, AuditAction.CREATE, grid, reason="division")
        return grid, True
    before = audit.snapshot(grid)
    grid.set_geometry(plan["shape"])
    if audit.snapshot(grid) != before:
        grid.save()
        audit.record(actor, AuditAction.UPDATE, grid, before=before, reason="re-division")
    return grid, False


def _save_route(actor, grid: Grid, plan: dict) -> None:
    """The visiting order is the record of which dwellings the division put here."""
    values = {
        "households": plan["households"],
        "minutes": plan["minutes"],
        "stops": plan["parts"],
        "path": grid.path,
    }
    route = Route.objects.filter(grid=grid).first()
    before = audit.snapshot(route) if route else None
    route = route or Route(grid=grid)
    for name, value in values.items():
        setattr(route, name, value)
    if before is None or {k: before[k] for k in values} != values:
        route.save()
        audit.record(
            actor,
            AuditAction.UPDATE if before else AuditAction.CREATE,
            route,
            before=before,
            reason="division",
        )


def _place_parts(grid: Grid, parts: list[dict], buildings: dict[str, Building]) -> int:
    """Move the dwellings each part names into ``grid`` (paths follow in sync_placements)."""
    placed = 0
    for part in parts:
        low, high = part["floors"][0], part["floors"][-1]
        placed += Dwelling.objects.filter(
            building=buildings[str(part["building"])],
            entrance__number=part["entrance"],
            floor__gte=low,
            floor__lte=high,
        ).update(grid=grid, path=grid.path)
    return placed


@transaction.atomic
def do_save_dwelling(
    actor,
    *,
    building: Building,
    entrance: int,
    floor: int,
    room: str,
    use: str = DwellingUse.RESIDENTIAL,
    dwelling: Dwelling | None = None,
) -> Dwelling:
    """Register a dwelling (or change one: ``dwelling``) in a building's entrance."""
    require(actor, "territory.change_dwelling" if dwelling else "territory.add_dwelling")
    require_scope(actor, building, f"building {building.ref}")
    problems = []
    if not 1 <= entrance <= building.entrances:
        problems.append(f"entrance: {building.name} has entrances 1 to {building.entrances}")
    if not -5 <= floor <= building.floors:
        problems.append(f"floor: {building.name} has floors up to {building.floors}")
    room = (room or "").strip()
    if not room or len(room) > 20:
        problems.append("room: must be 1 to 20 characters")
    if use not in DwellingUse.values:
        problems.append(f"use: {use!r} is not one of {', '.join(DwellingUse.values)}")
    if problems:
        raise InvalidInput(problems)
    door, _ = Entrance.objects.get_or_create(building=building, number=entrance)
    clash = Dwelling.objects.filter(entrance=door, room=room).exclude(
        pk=dwelling.pk if dwelling else None
    )
    if clash.exists():
        raise Conflict(f"room: {building.name}{entrance}单元{room} already exists")
    target = dwelling or Dwelling(building=building, grid=building.grid, path=building.path)
    before = audit.snapshot(target) if dwelling else None
    target.entrance, target.floor, target.room, target.use = door, floor, room, use
    if before is None or audit.snapshot(target) != before:
        target.save()
        audit.record(
            actor, AuditAction.UPDATE if dwelling else AuditAction.CREATE, target, before=before
        )
    return target
