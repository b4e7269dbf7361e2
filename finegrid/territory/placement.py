"""Placement: the one module that puts dwellings, buildings, households and persons in
the grid tree and moves them between grids.

Every grid-scoped row carries the materialized path of the finest grid it lies in (its
community's path until it is in one); scopes, lists and exports all filter on it. So
those paths are written here and nowhere else: when a row is created in its place, and
when a division, a re-division or a household's move changes it. Everything on a
dwelling follows it — its building, the household living there, the household's members
and the scopes of residents' accounts — and every object that moves gets one audit row
under the request it came from.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, QuerySet

from finegrid import bulk
from finegrid.accounts import audit
from finegrid.accounts.actions import follow_home
from finegrid.accounts.models import AuditAction
from finegrid.accounts.roles import Role
from finegrid.people.models import Household, HouseholdMove, Person
from finegrid.territory.models import (
    AdminArea,
    Building,
    Compound,
    Dwelling,
    Grid,
    GridKind,
)

# --- Where new rows start ---------------------------------------------------------------------


def path_in(community: AdminArea, grid: Grid | None) -> str:
    return grid.path if grid else community.path


def place_new(place: Compound | Building, community: AdminArea, grid: Grid | None) -> None:
    """Put a compound or building that is about to be created in its community and grid."""
    place.community, place.grid, place.path = community, grid, path_in(community, grid)


def on_building(building: Building) -> dict:
    """Where a new dwelling of ``building`` starts (as model attnames)."""
    return {"grid_id": building.grid_id, "path": building.path}


def on_dwelling(dwelling: Dwelling) -> dict:
    """Where a new household on ``dwelling`` lives (as model attnames)."""
    return {"community_id": dwelling.building.community_id, "path": dwelling.path}


def in_household(household: Household) -> dict:
    """Where a new member of ``household`` is registered (as model attnames)."""
    return {"path": household.path}


# --- Moves -----------------------------------------------------------------------------------


def move_dwellings(actor, dwellings: QuerySet[Dwelling], grid: Grid, reason: str) -> int:
    """Put ``dwellings`` in ``grid``; returns how many moved. Call ``settle`` for their
    community once all its dwellings are where they belong."""
    moving = list(
        dwellings.exclude(grid=grid).values_list(
            "pk", "grid_id", "path", "building__name", "entrance__number", "room"
        )
    )
    for chunk in bulk.chunked([row[0] for row in moving]):
        Dwelling.objects.filter(pk__in=chunk).update(grid=grid, path=grid.path)
    audit.record_moved(
        actor,
        Dwelling,
        (
            (
                pk,
                f"{building}{entrance}单元{room}",
                {"grid_id": old_grid, "path": old_path},
                {"grid_id": grid.pk, "path": grid.path},
            )
            for pk, old_grid, old_path, building, entrance, room in moving
        ),
        reason,
    )
    return len(moving)


def general_grid_of(building: Building) -> Grid | None:
    """The general grid a building lies in, whether or not it is cut into micro-grids."""
    grid = building.grid
    return grid.parent if grid is not None and grid.kind == GridKind.MICRO else grid


def move_building(actor, building: Building, grid: Grid, reason: str) -> None:
    """Move a building with its dwellings into another grid of its community (a corrected
    general grid); call ``settle`` for the community afterwards."""
    if not move_dwellings(actor, Dwelling.objects.filter(building=building), grid, reason):
        _move_buildings(actor, [(building, grid)], reason)


def vacate(actor, grid: Grid, into: Grid, reason: str) -> None:
    """Move everything placed in ``grid`` into ``into`` (a micro-grid a re-division drops
    gives its places back to its general grid), so that ``grid`` can be removed."""
    move_dwellings(actor, Dwelling.objects.filter(grid=grid), into, reason)
    # Buildings with dwellings follow them in ``settle``; a row of shops has none.
    empty = Building.objects.filter(grid=grid, dwellings__isnull=True)
    _move_buildings(actor, [(b, into) for b in empty], reason)


def settle(actor, community: AdminArea, reason: str) -> None:
    """After dwellings of ``community`` moved: each building sits in the one grid all its
    dwellings share (else in their common general grid, else in the community), each
    compound likewise in the grid its buildings share, and the households on the
    dwellings, their members and their residents' scopes follow."""
    grids_of: dict[int, set[int | None]] = defaultdict(set)
    for building_id, grid_id in (
        Dwelling.objects.filter(building__community=community)
        .values_list("building_id", "grid_id")
        .distinct()
    ):
        grids_of[building_id].add(grid_id)
    grids = {g.pk: g for g in Grid.objects.filter(community=community)}
    moves = []
    for building in Building.objects.filter(community=community, pk__in=list(grids_of)):
        target = _common_grid(grids_of[building.pk], grids)
        if building.grid_id != (target.pk if target else None):
            moves.append((building, target))
    _move_buildings(actor, moves, reason)
    _settle_compounds(actor, community, grids, reason)
    moved = _follow(
        actor,
        Household.objects.filter(community=community).exclude(path=F("dwelling__path")),
        "dwelling__path",
        HOUSEHOLD_LABEL,
        reason,
    )
    moved_people = _follow(
        actor,
        Person.objects.filter(household__community=community).exclude(path=F("household__path")),
        "household__path",
        PERSON_LABEL,
        reason,
    )
    if moved or moved_people:
        _follow_residents(actor, Person.objects.filter(household__in=moved))


def move_household(actor, household: Household, to: Dwelling, reason: str = "moved") -> None:
    """Move a household with its members to another dwelling, keeping the move in its
    history; residents among the members keep seeing their own household."""
    before = audit.snapshot(household)
    HouseholdMove.objects.create(
        household=household, from_dwelling=household.dwelling, to_dwelling=to, path=to.path
    )
    household.dwelling = to
    for name, value in on_dwelling(to).items():
        setattr(household, name, value)
    household.save()
    audit.record(actor, AuditAction.UPDATE, household, before=before, reason=reason)
    _follow(
        actor,
        Person.objects.filter(household=household).exclude(path=household.path),
        "household__path",
        PERSON_LABEL,
        reason,
    )
    _follow_residents(actor, Person.objects.filter(household=household))


# --- How things follow ---------------------------------------------------------------------

# How an audit row names a household or person that moved: (fields read, their format).
HOUSEHOLD_LABEL = (
    ("dwelling__building__name", "dwelling__entrance__number", "dwelling__room"),
    "{}{}单元{}",
)
PERSON_LABEL = (("name",), "{}")


def _common_grid(held: set[int | None], grids: dict[int, Grid]) -> Grid | None:
    if len(held) == 1:
        return grids.get(next(iter(held)))
    parents = {
        grids[g].parent_id if grids[g].kind == GridKind.MICRO else g for g in held if g in grids
    }
    return grids.get(next(iter(parents))) if len(parents) == 1 else None


def _settle_compounds(actor, community: AdminArea, grids: dict[int, Grid], reason: str) -> None:
    held: dict[int, set[int | None]] = defaultdict(set)
    for compound_id, grid_id in (
        Building.objects.filter(community=community, compound__isnull=False)
        .values_list("compound_id", "grid_id")
        .distinct()
    ):
        held[compound_id].add(grid_id)
    changes, moved = [], []
    for compound in Compound.objects.filter(pk__in=list(held)):
        target = _common_grid(held[compound.pk], grids)
        if compound.grid_id != (target.pk if target else None):
            before = {"grid_id": compound.grid_id, "path": compound.path}
            compound.grid, compound.path = target, path_in(community, target)
            changes.append(
                (
                    compound.pk,
                    compound.name,
                    before,
                    {"grid_id": compound.grid_id, "path": compound.path},
                )
            )
            moved.append(compound)
    Compound.objects.bulk_update(moved, ["grid", "path"], batch_size=2000)
    audit.record_moved(actor, Compound, changes, reason)


def _move_buildings(actor, moves: list[tuple[Building, Grid | None]], reason: str) -> None:
    changes = []
    for building, target in moves:
        before = {"grid_id": building.grid_id, "path": building.path}
        building.grid, building.path = target, path_in(building.community, target)
        after = {"grid_id": building.grid_id, "path": building.path}
        changes.append((building.pk, building.name, before, after))
    Building.objects.bulk_update([b for b, _ in moves], ["grid", "path"], batch_size=2000)
    audit.record_moved(actor, Building, changes, reason)


def _follow(actor, stale: QuerySet, source: str, label: tuple, reason: str) -> list[int]:
    """Give every row of ``stale`` the path at ``source`` again (one UPDATE per distinct
    path, however many rows), with an audit row each; returns the ids that moved."""
    label_fields, label_format = label
    rows = list(stale.values_list("pk", "path", source, *label_fields))
    by_path: dict[str, list[int]] = defaultdict(list)
    for pk, _old, new, *_label in rows:
        by_path[new].append(pk)
    for new, pks in by_path.items():
        for chunk in bulk.chunked(pks):
            stale.model.objects.filter(pk__in=chunk).update(path=new)
    audit.record_moved(
        actor,
        stale.model,
        (
            (pk, label_format.format(*parts), {"path": old}, {"path": new})
            for pk, old, new, *parts in rows
        ),
        reason,
    )
    return [row[0] for row in rows]


def _follow_residents(actor, members: QuerySet[Person]) -> None:
    """A resident's scope is where their household lives."""
    for person in members.filter(user__role=Role.RESIDENT).select_related(
        "user", "household__dwelling__grid", "household__community"
    ):
        home = person.household.dwelling.grid or person.household.community
        follow_home(actor, person.user, home)
