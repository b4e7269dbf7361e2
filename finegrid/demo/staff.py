"""Staffing the demo: the party tree, a worker on every grid, demo logins — with a few
deliberate gaps, so that the coverage report has something to find."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from finegrid.accounts.actions import do_create_user
from finegrid.accounts.models import User
from finegrid.org.actions import do_assign_worker, do_create_party_org, do_enroll_members
from finegrid.org.models import MemberRole, PartyOrg, WorkerRole
from finegrid.people import protect
from finegrid.people.actions import do_link_account
from finegrid.people.models import Person
from finegrid.territory.models import Grid, GridKind

DEMO_PASSWORD = "finegrid-demo"
# Shares of grids deliberately left without something.
GAPS = {
    "general_without_branch": 0.05,
    "micro_without_group": 0.10,
    "dedicated_without_org": 0.25,
    "micro_without_worker": 0.04,
    "micro_worker_elsewhere": 0.02,
}
ADULTS = (
    dt.date.today().replace(year=dt.date.today().year - 65),
    dt.date.today().replace(year=dt.date.today().year - 25),
)


@dataclass
class Login:
    username: str
    role: str
    scope: str
    lands_on: str


def _residents(grid: Grid, *, adults_only: bool = True):
    residents = Person.objects.filter(path=grid.path).order_by("pk")
    if adults_only:
        residents = residents.filter(birth_date__range=ADULTS)
    return residents


def _phone(person: Person) -> str:
    return protect.decrypt(person.phone_enc)


@dataclass
class Showcase:
    """The grids the demo accounts work in: they are always staffed."""

    community: Grid
    general: Grid
    micro: Grid


def showcase(area_code: str) -> Showcase:
    community = (
        Grid.objects.filter(
            kind=GridKind.COMMUNITY, code__startswith=area_code, children__kind=GridKind.GENERAL
        )
        .order_by("code")
        .distinct()
        .first()
    )
    general = (
        community.children.filter(kind=GridKind.GENERAL, children__isnull=False)
        .order_by("code")
        .distinct()
        .first()
    )
    return Showcase(community, general, general.children.order_by("code").first())


def create_logins(area_code: str, place: Showcase) -> dict[str, tuple[User, Login]]:
    """One demo account per role (demo mode only), in the showcase grids."""
    city = area_code[:4]
    street = place.community.code[:9]
    plan = [
        ("admin", "city_admin", city, "驾驶舱 cockpit"),
        ("street", "street_staff", street, "驾驶舱 cockpit"),
        ("community", "community_staff", place.community.code, "驾驶舱 cockpit"),
        ("gridworker", "grid_worker", place.general.code, f"网格 {place.general.code}"),
        ("microworker", "micro_worker", place.micro.code, f"走访清单 {place.micro.code}"),
        ("resident", "resident", place.micro.code, "本户 own household"),
    ]
    logins = {}
    for username, role, scope, lands_on in plan:
        user = do_create_user(
            None, username=username, role=role, scopes=[scope], password=DEMO_PASSWORD
        )
        user.is_demo = True
        user.save(update_fields=["is_demo"])
        logins[role] = (user, Login(username, role, scope, lands_on))
    return logins


def _gap_grids(rng, grids: list[Grid], share: float, kept: set[int]) -> set[int]:
    """A deterministic sample of grids (at least one where there are any) to leave short."""
    eligible = [grid.pk for grid in grids if grid.pk not in kept]
    if not eligible:
        return set()
    count = min(len(eligible), max(1, round(share * len(eligible))))
    return {int(pk) for pk in rng.choice(eligible, size=count, replace=False)}


def staff(area_path: str, seed: int, place: Showcase, accounts: dict[str, User]) -> dict:
    """Party organizations, members and workers for every grid under ``area_path``;
    the showcase grids are never left as gaps, and their workers get the demo logins."""
    rng = np.random.default_rng([seed, 0x57AFF])
    grids = list(Grid.objects.filter(path__startswith=area_path).order_by("path"))
    kept = {place.community.pk, place.general.pk, place.micro.pk}
    of_kind = {kind: [g for g in grids if g.kind == kind] for kind in GridKind.values}
    no_org = set()
    for kind, share in (
        (GridKind.GENERAL, GAPS["general_without_branch"]),
        (GridKind.MICRO, GAPS["micro_without_group"]),
        (GridKind.DEDICATED, GAPS["dedicated_without_org"]),
    ):
        no_org |= _gap_grids(rng, of_kind[kind], share, kept)
    no_worker = _gap_grids(rng, of_kind[GridKind.MICRO], GAPS["micro_without_worker"], kept)
    elsewhere = _gap_grids(
        rng, of_kind[GridKind.MICRO][1:], GAPS["micro_worker_elsewhere"], kept | no_worker
    )
    counts = {"party_orgs": 0, "members": 0, "workers": 0}

    orgs: dict[int, PartyOrg] = {}
    for grid in grids:
        if grid.kind != GridKind.COMMUNITY and (grid.pk in no_org or grid.parent_id not in orgs):
            continue
        orgs[grid.pk] = do_create_party_org(None, grid)
        counts["party_orgs"] += 1

    enrolments = []
    for org in orgs.values():
        if org.kind == "dedicated_org":
            continue
        members = Person.objects.filter(party_member=True, path=org.path).order_by("pk")
        for number, person in enumerate(members):
            role = MemberRole.SECRETARY if number == 0 else MemberRole.MEMBER
            enrolments.append((org, person, role))
    counts["members"] = do_enroll_members(None, enrolments)

    def assign_resident(grid: Grid, role: str, home: Grid) -> None:
        person = _residents(home).first() or _residents(home, adults_only=False).first()
        if person is not None:
            do_assign_worker(
                None,
                grid,
                role=role,
                person=person,
                phone=_phone(person),
                user=accounts.get(grid.code),
            )
            counts["workers"] += 1

    for grid in grids:
        if grid.kind == GridKind.GENERAL:
            assign_resident(
                grid, WorkerRole.GRID_WORKER, grid.children.order_by("code").first() or grid
            )
        elif grid.kind == GridKind.DEDICATED:
            do_assign_worker(
                None, grid, role=WorkerRole.DEDICATED_WORKER, name=f"{grid.name}联络员"
            )
            counts["workers"] += 1
    micro_grids = of_kind[GridKind.MICRO]
    for index, grid in enumerate(micro_grids):
        if grid.pk not in no_worker:
            home = micro_grids[index - 1] if grid.pk in elsewhere else grid
            assign_resident(grid, WorkerRole.MICRO_WORKER, home)
    return counts


def link_resident(place: Showcase, user: User) -> Person:
    """The resident account belongs to a household of the showcase micro-grid."""
    worker = place.micro.workers.get(role=WorkerRole.MICRO_WORKER)
    person = _residents(place.micro).exclude(pk=worker.person_id).first()
    return do_link_account(None, person, user)
