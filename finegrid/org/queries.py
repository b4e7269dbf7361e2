"""Reads of party organizations and workers, and the coverage report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr

from finegrid.accounts.scope import access, by_key, covers, path_q, require
from finegrid.org.models import PartyOrg, Worker, WorkerRole
from finegrid.people.models import Household
from finegrid.territory import queries as territory
from finegrid.territory.models import AdminArea, Grid, GridKind

# Households a general grid should hold (the national standard), and the length of a
# general grid's path: a community's path is always 37 characters, "/NNN" adds four.
GENERAL_GRID_HOUSEHOLDS = (300, 500)
GENERAL_PATH_LENGTH = 41


def party_orgs(user, action: str = "view") -> QuerySet[PartyOrg]:
    return PartyOrg.objects.select_related("grid", "parent").restrict(user, action)


def workers(user, action: str = "view") -> QuerySet[Worker]:
    return Worker.objects.select_related("grid", "person").restrict(user, action)


def get_party_org(user, ref: PartyOrg | int, action: str = "view") -> PartyOrg:
    key = by_key(ref)
    queryset = PartyOrg.objects.select_related("grid__community", "parent")
    return access(user, action, queryset, f"no party organization with id {key['pk']}", **key)


def get_worker(user, ref: Worker | int, action: str = "view") -> Worker:
    key = by_key(ref)
    queryset = Worker.objects.select_related("grid", "person")
    return access(user, action, queryset, f"no worker with id {key['pk']}", **key)


def serving(household: Household) -> QuerySet[Worker]:
    """The workers serving a household now: its micro-grid's and general grid's. Their
    work phones are public contacts of their posts, which the household may reach
    (unlike personal data); the household itself is the reader's, checked by its caller."""
    grid = household.dwelling.grid
    if grid is None:
        return Worker.objects.none()
    return Worker.objects.active().filter(grid__in=[grid.pk, grid.parent_id]).order_by("role")


@dataclass
class Coverage:
    """What a coverage report finds under one area or grid."""

    grids: dict[str, int] = field(default_factory=dict)
    without_worker: dict[str, list[Grid]] = field(default_factory=dict)
    without_party_org: dict[str, list[Grid]] = field(default_factory=dict)
    workers_living_elsewhere: list[Worker] = field(default_factory=list)
    general_households: dict[str, int] = field(default_factory=dict)
    general_out_of_range: list[tuple[Grid, int]] = field(default_factory=list)

    def share_without_party_org(self) -> float:
        total = sum(self.grids.values())
        missing = sum(len(v) for v in self.without_party_org.values())
        return missing / total if total else 0.0

    def as_dict(self) -> dict:
        return {
            "grids": self.grids,
            "without_worker": {k: [g.code for g in v] for k, v in self.without_worker.items()},
            "without_party_org": {
                k: [g.code for g in v] for k, v in self.without_party_org.items()
            },
            "share_without_party_org": round(self.share_without_party_org(), 4),
            "micro_workers_living_elsewhere": [
                {"worker": w.name, "grid": w.grid.code} for w in self.workers_living_elsewhere
            ],
            "general_grids_outside_300_500": [
                {"grid": g.code, "households": n} for g, n in self.general_out_of_range
            ],
        }


def coverage(user, node: AdminArea | Grid, on: dt.date | None = None) -> Coverage:
    """Grids without a worker or a party organization, micro-grid workers who do not live
    in their micro-grid, and general grids outside 300–500 households. It needs the
    right to read workers, party organizations and households: without it every grid
    would look unstaffed."""
    for permission in ("org.view_worker", "org.view_partyorg", "people.view_household"):
        require(user, permission)
    report = Coverage()
    grids = list(
        territory.grids_under(user, node).exclude(kind=GridKind.COMMUNITY).order_by("code")
    )
    staffed = set(workers(user).active(on).filter(grid__in=grids).values_list("grid_id", flat=True))
    organized = set(party_orgs(user).filter(grid__in=grids).values_list("grid_id", flat=True))
    community_grids = territory.grids_under(user, node).filter(kind=GridKind.COMMUNITY)
    for grid in [*community_grids, *grids]:
        report.grids[grid.kind] = report.grids.get(grid.kind, 0) + 1
        if grid.kind != GridKind.COMMUNITY and grid.pk not in staffed:
            report.without_worker.setdefault(grid.kind, []).append(grid)
    organized |= set(
        party_orgs(user).filter(grid__in=community_grids).values_list("grid_id", flat=True)
    )
    for grid in [*community_grids, *grids]:
        if grid.pk not in organized:
            report.without_party_org.setdefault(grid.kind, []).append(grid)
    micro_workers = workers(user).active(on).filter(role=WorkerRole.MICRO_WORKER, grid__in=grids)
    report.workers_living_elsewhere = [
        w for w in micro_workers if w.person is None or not covers((w.grid.path,), w.person.path)
    ]
    counts = dict(
        Household.objects.filter(path_q((node.path,)))
        .annotate(general=Substr("path", 1, GENERAL_PATH_LENGTH))
        .values_list("general")
        .annotate(n=Count("pk"))
        .values_list("general", "n")
    )
    low, high = GENERAL_GRID_HOUSEHOLDS
    for grid in grids:
        if grid.kind == GridKind.GENERAL:
            households = counts.get(grid.path, 0)
            report.general_households[grid.code] = households
            if not low <= households <= high:
                report.general_out_of_range.append((grid, households))
    return report
