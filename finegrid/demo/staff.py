"""Staffing the demo: the party tree, a worker on every grid, demo logins — with a few
deliberate gaps, so that the coverage report has something to find.

Every post goes to a different person, and no two posts to one household: a micro-grid
worker is a resident volunteer of their micro-grid; a full-time grid worker is a paid
community employee of working age, living in their general grid but not sharing a home
with any volunteer; a dedicated-grid worker is a staff member of the unit (not in the
community's roster). The deliberate gaps (``GAPS``) are grids without a party
organization, micro-grids without a worker, and micro-grids whose worker lives in a
neighbouring micro-grid of the same general grid. A micro-grid with no free adult
resident gets the closest fit the same way (a neighbour, reported as living elsewhere),
or no worker when its general grid has none either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from finegrid.accounts.actions import do_create_user
from finegrid.accounts.models import User
from finegrid.accounts.scope import covers, path_q
from finegrid.org.actions import do_assign_worker, do_create_party_org, do_enroll_members
from finegrid.org.models import MemberRole, PartyOrg, Worker, WorkerRole
from finegrid.people import protect
from finegrid.people.actions import do_link_account
from finegrid.people.models import Person
from finegrid.synth import names, params
from finegrid.territory.models import Grid, GridKind

DEMO_PASSWORD = "finegrid-demo"
# Shares of grids deliberately left short (at least one of each where there are any): no
# party organization, no micro-grid worker, or a micro-grid worker from a neighbouring
# micro-grid. They never hit the demo logins' grids.
GAPS = {
    "general_without_branch": 0.05,
    "micro_without_group": 0.10,
    "dedicated_without_org": 0.25,
    "micro_without_worker": 0.04,
    "micro_worker_elsewhere": 0.02,
}


def posts_start() -> dt.date:
    """Demo workers took their posts on the first of the month before last, so that the
    demo has a whole month of their training, points and assessment behind it."""
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return (last_month - dt.timedelta(days=1)).replace(day=1)


def _born_between(oldest: int, youngest: int) -> tuple[int, int]:
    """Birth years (inclusive) of those who reach an age from ``youngest`` to ``oldest``
    this year: the registry keeps only the year of a birth date in clear."""
    year = dt.date.today().year
    return year - oldest, year - youngest


# Ages (inclusive, as reached this year) of residents who volunteer as micro-grid workers,
# and of the community's full-time grid workers.
ADULTS = _born_between(65, 25)
WORKING_AGE = _born_between(50, 25)


@dataclass
class Login:
    username: str
    role: str
    scope: str
    lands_on: str


@dataclass(frozen=True)
class Candidate:
    """An adult resident who might take a post, as far as choosing one needs."""

    pk: int
    household: int
    path: str
    born: int  # the birth year
    phone: bool


class Residents:
    """The adult residents of an area by the micro-grid they live in, read once: asking
    the database per grid would scan every person for each of a street's grids."""

    def __init__(self, area_path: str):
        rows = (
            Person.objects.filter(path_q((area_path,)), birth_year__range=ADULTS)
            .order_by("pk")
            .values_list("pk", "household_id", "path", "birth_year", "phone_masked")
        )
        self.by_path: dict[str, list[Candidate]] = {}
        for pk, household, path, born, phone in rows:
            self.by_path.setdefault(path, []).append(
                Candidate(pk, household, path, born, bool(phone))
            )

    def of(self, grid: Grid, born: tuple[int, int] = ADULTS) -> list[Candidate]:
        """Those living in the grid, born in a range, in roster order."""
        paths = [path for path in self.by_path if covers((grid.path,), path)]
        people = [c for path in paths for c in self.by_path[path] if born[0] <= c.born <= born[1]]
        return sorted(people, key=lambda c: c.pk)


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


def create_logins(actor, area_code: str, place: Showcase) -> dict[str, tuple[User, Login]]:
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
            actor, username=username, role=role, scopes=[scope], password=DEMO_PASSWORD
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


@dataclass
class Posts:
    """The households that already hold a post: no person takes two, no household two."""

    households: set[int] = field(default_factory=set)

    def free(self, people: list[Candidate]) -> list[Candidate]:
        return [p for p in people if p.household not in self.households]

    def take(self, person: Candidate) -> None:
        self.households.add(person.household)


def _outside_worker(rng) -> tuple[str, str]:
    """The name and mobile number of a dedicated grid's worker, one of the unit's own staff
    (not in the community's roster)."""
    sex = np.array([str(rng.choice(["M", "F"]))])
    born = np.array([int(rng.integers(1972, 2000))])
    name = names.person_names(rng, sex, born, names.surnames(rng, 1))[0]
    phone = f"{rng.choice(params.MOBILE_PREFIXES)}{int(rng.integers(0, 10**8)):08d}"
    return name, phone


def staff(actor, area_path: str, seed: int, place: Showcase, accounts: dict[str, User]) -> dict:
    """Party organizations, members and workers for every grid under ``area_path``;
    the showcase grids are never left as gaps, and their workers get the demo logins."""
    rng = np.random.default_rng([seed, 0x57AFF])
    grids = list(Grid.objects.filter(path__startswith=area_path).order_by("path"))
    kept = {place.community.pk, place.general.pk, place.micro.pk}
    of_kind = {kind: [g for g in grids if g.kind == kind] for kind in GridKind.values}
    siblings: dict[int, list[Grid]] = {}
    for grid in of_kind[GridKind.MICRO]:
        siblings.setdefault(grid.parent_id, []).append(grid)
    no_org = set()
    for kind, share in (
        (GridKind.GENERAL, GAPS["general_without_branch"]),
        (GridKind.MICRO, GAPS["micro_without_group"]),
        (GridKind.DEDICATED, GAPS["dedicated_without_org"]),
    ):
        no_org |= _gap_grids(rng, of_kind[kind], share, kept)
    no_worker = _gap_grids(rng, of_kind[GridKind.MICRO], GAPS["micro_without_worker"], kept)
    with_neighbour = [g for g in of_kind[GridKind.MICRO] if len(siblings[g.parent_id]) > 1]
    elsewhere = _gap_grids(rng, with_neighbour, GAPS["micro_worker_elsewhere"], kept | no_worker)
    counts = {"party_orgs": 0, "members": 0, "workers": 0}

    orgs: dict[int, PartyOrg] = {}
    for grid in grids:
        if grid.kind != GridKind.COMMUNITY and (grid.pk in no_org or grid.parent_id not in orgs):
            continue
        orgs[grid.pk] = do_create_party_org(actor, grid)
        counts["party_orgs"] += 1

    enrolments = []
    for org in orgs.values():
        if org.kind == "dedicated_org":
            continue
        members = Person.objects.filter(party_member=True, path=org.path).order_by("pk")
        for number, person in enumerate(members):
            role = MemberRole.SECRETARY if number == 0 else MemberRole.MEMBER
            enrolments.append((org, person, role))
    counts["members"] = do_enroll_members(actor, enrolments)

    posts, residents = Posts(), Residents(area_path)

    def assign(grid: Grid, role: str, candidates: list[Candidate]) -> bool:
        """Give the post to a candidate drawn with the seed among those who hold none and
        share no home with anyone who does, preferring those with a phone."""
        free = posts.free(candidates)
        free = [candidate for candidate in free if candidate.phone] or free
        if not free:
            return False
        chosen = free[int(rng.integers(len(free)))]
        posts.take(chosen)
        person = Person.objects.get(pk=chosen.pk)
        do_assign_worker(
            actor,
            grid,
            role=role,
            person=person,
            phone=_phone(person),
            user=accounts.get(grid.code),
            start=posts_start(),
        )
        counts["workers"] += 1
        return True

    def neighbours(grid: Grid) -> list[Grid]:
        """The other micro-grids of the same general grid, nearest in number first."""
        family = siblings[grid.parent_id]
        at = family.index(grid)
        return sorted((g for g in family if g is not grid), key=lambda g: abs(family.index(g) - at))

    # Volunteers first: they must live in their micro-grid, and a micro-grid has few
    # residents; the showcase micro-grid goes first so that its worker always lives in it.
    micro_grids = sorted(of_kind[GridKind.MICRO], key=lambda g: g.pk != place.micro.pk)
    for grid in micro_grids:
        if grid.pk in no_worker:
            continue
        homes = neighbours(grid) if grid.pk in elsewhere else [grid, *neighbours(grid)]
        for home in homes:
            if assign(grid, WorkerRole.MICRO_WORKER, residents.of(home)):
                break
    for grid in of_kind[GridKind.GENERAL]:
        # A paid employee of the community, living in their grid where anyone free does.
        for home in (grid, grid.parent):
            if assign(grid, WorkerRole.GRID_WORKER, residents.of(home, WORKING_AGE)):
                break
    outsiders = np.random.default_rng([seed, 0xDED1])
    for grid in of_kind[GridKind.DEDICATED]:
        name, phone = _outside_worker(outsiders)
        do_assign_worker(
            actor,
            grid,
            role=WorkerRole.DEDICATED_WORKER,
            name=name,
            phone=phone,
            start=posts_start(),
        )
        counts["workers"] += 1
    return counts


def link_resident(actor, place: Showcase, user: User) -> Person:
    """The resident account belongs to a household of the showcase micro-grid where
    nobody holds a worker post, so that her grid workers are neighbours, not family."""
    posts = Worker.objects.filter(person__isnull=False).values("person__household_id")
    person = (
        Person.objects.filter(path=place.micro.path, birth_year__range=ADULTS)
        .exclude(household_id__in=posts)
        .order_by("pk")
        .first()
    )
    return do_link_account(actor, person, user)
