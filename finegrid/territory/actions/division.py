"""Storing a division: micro-grids with their boundaries and visiting orders, and every
dwelling moved into the micro-grid the division gave it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from finegrid import killpoint
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction, AuditEntry, ScopeAssignment
from finegrid.accounts.scope import require
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory import codes, placement, queries
from finegrid.territory.actions.grids import default_grid_name, parse_geometry
from finegrid.territory.models import Building, Dwelling, Grid, GridKind, Route


@transaction.atomic
def do_place_dwellings(actor, grid: Grid | str, dwellings: list[Dwelling | int]) -> int:
    """Move dwellings (and the households and persons on them) into a grid of their
    community, as a division of a general grid into micro-grids does. Returns how many
    moved."""
    grid = queries.get_grid(actor, grid, "view")
    ids = [getattr(d, "pk", d) for d in dwellings]
    found = queries.dwellings(actor, "change").filter(pk__in=ids)
    if found.count() != len(set(ids)):
        missing = sorted(set(ids) - set(found.values_list("pk", flat=True)))
        raise NotFound(f"no dwelling with id {missing[0]}")
    if found.exclude(building__community=grid.community_id).exists():
        raise InvalidInput(f"grid: {grid.code} is not in the dwellings' community")
    moved = placement.move_dwellings(actor, found, grid, reason="placed by hand")
    placement.settle(actor, grid.community, reason="placed by hand")
    return moved


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
    require(actor, "territory.change_dwelling")
    by_general: dict[str, list[tuple[int, dict]]] = {}
    for number, feature in enumerate(features, start=1):
        general_code = str(((feature or {}).get("properties") or {}).get("general_grid") or "")
        by_general.setdefault(general_code, []).append((number, feature))
    generals = queries.grids_by_code(actor, set(by_general))
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
    generals = list({g.pk: g for g, _, _ in plans}.values())
    for general, plan, buildings in plans:
        grid, created = _save_micro_grid(actor, general, plan)
        report.micro_grids_created += created
        report.micro_grids_kept += not created
        _save_route(actor, grid, plan)
        report.dwellings_placed += _place_parts(actor, grid, plan["parts"], buildings)
    vanished = [
        grid for general in generals for grid in general.children.exclude(code__in=new_codes)
    ]
    for grid in vanished:
        placement.vacate(actor, grid, grid.parent, reason="re-division")
    for community in {general.community_id: general.community for general in generals}.values():
        placement.settle(actor, community, reason="division")
    report.micro_grids_removed = _remove_vanished(actor, vanished)
    killpoint.pause("apply-division", Route, AuditEntry)
    return report


def _remove_vanished(actor, vanished: list[Grid]) -> int:
    """Remove micro-grids the new division no longer has, once everything placed in them
    has gone back to their general grid and residents' scopes have followed their homes;
    a grid someone still works in stops the whole division."""
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


def _place_parts(actor, grid: Grid, parts: list[dict], buildings: dict[str, Building]) -> int:
    """Move the dwellings each part names into ``grid`` (the rest follows in settle)."""
    placed = 0
    for part in parts:
        low, high = part["floors"][0], part["floors"][-1]
        dwellings = Dwelling.objects.filter(
            building=buildings[str(part["building"])],
            entrance__number=part["entrance"],
            floor__gte=low,
            floor__lte=high,
        )
        placed += placement.move_dwellings(actor, dwellings, grid, reason="division")
    return placed
