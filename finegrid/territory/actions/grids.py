"""Grids: the rules every grid obeys, and creating, changing and removing one."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import transaction

from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction, ScopeAssignment
from finegrid.accounts.scope import require
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory import codes, queries
from finegrid.territory import geometry as geo
from finegrid.territory.models import AdminArea, Grid, GridKind, SiteKind

# Fields a grid update may change; code, kind and place in the tree are fixed at creation.
GRID_EDITABLE = ("name", "geometry", "site_kind")


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


def build_grid(plan: GridPlan, parent: Grid) -> Grid:
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


def check_new_grid(actor, properties: dict, geometry=None) -> GridPlan:
    """Validate a grid to be created; raises the error the caller should show."""
    communities: dict[str, AdminArea] = {}
    known: dict[str, Grid] = {}
    try:
        grid_code = codes.parse(properties.get("code"))
    except (ValueError, TypeError):
        grid_code = None  # plan_grid names the problem
    if grid_code is not None and grid_code.kind != GridKind.COMMUNITY:
        communities = queries.communities_by_code(actor, {grid_code.community})
        if grid_code.community not in communities:
            raise NotFound(f"no community {grid_code.community}")
        if Grid.objects.filter(code=grid_code.code).exists():
            raise Conflict(f"code: grid {grid_code.code} already exists")
        known = queries.grids_by_code(actor, {grid_code.parent_code})
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
    grid = build_grid(plan, plan.parent)
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
def do_update_grid(actor, grid: Grid | int | str, **changes) -> Grid:
    grid = queries.get_grid(actor, grid, "change")
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
def do_delete_grid(actor, grid: Grid | int | str) -> None:
    grid = queries.get_grid(actor, grid, "delete")
    if grid.kind == GridKind.COMMUNITY:
        raise Conflict(f"grid {grid.code}: a community grid exists as long as its community")
    children = grid.children.count()
    if children:
        raise Conflict(f"grid {grid.code}: has {children} child grid(s); delete or move them first")
    assigned = ScopeAssignment.objects.filter(grid=grid).count()
    if assigned:
        raise Conflict(f"grid {grid.code}: {assigned} user(s) are assigned to it")
    before = audit.snapshot(grid)
    audit.record(actor, AuditAction.DELETE, grid, before=before)
    grid.delete()
