"""Every change to party organizations, memberships and worker assignments."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from finegrid import bulk, identity
from finegrid.accounts import audit
from finegrid.accounts.models import AuditAction
from finegrid.accounts.queries import get_user
from finegrid.accounts.scope import covers, require, require_place
from finegrid.errors import Conflict, InvalidInput
from finegrid.org import queries
from finegrid.org.models import (
    MIRRORS,
    ORG_KIND_FOR_GRID,
    SERVES,
    MemberRole,
    PartyMembership,
    PartyOrg,
    PartyOrgKind,
    Worker,
    WorkerRole,
)
from finegrid.people import protect
from finegrid.people import queries as people
from finegrid.people.models import Person
from finegrid.territory import queries as territory
from finegrid.territory.models import Grid, GridKind

# What a party organization is called after its grid: 五洞桥社区党委, 五洞桥社区第1网格党支部,
# 第001-01微网格党小组, 五洞桥小学党支部. The grid's name already says what kind of grid
# it is, so the kind's label ("网格党支部") is not appended whole.
ORG_NAME_SUFFIX = {
    PartyOrgKind.COMMUNITY_COMMITTEE: "党委",
    PartyOrgKind.GRID_BRANCH: "党支部",
    PartyOrgKind.MICRO_GROUP: "党小组",
    PartyOrgKind.DEDICATED_ORG: "党支部",
}


def default_org_name(grid: Grid, kind: str) -> str:
    name = grid.name
    if kind == PartyOrgKind.COMMUNITY_COMMITTEE:
        name = name.removesuffix("总网格")
    return name + ORG_NAME_SUFFIX[PartyOrgKind(kind)]


@transaction.atomic
def do_create_party_org(
    actor, grid: Grid | int | str, *, name: str = "", founded: dt.date | None = None
) -> PartyOrg:
    """Set up the party organization of a grid, under its parent grid's organization."""
    grid = territory.get_grid(actor, grid)
    require_place(actor, "add", PartyOrg, grid.path, f"no grid {grid.code}")
    kind = ORG_KIND_FOR_GRID[grid.kind]
    if PartyOrg.objects.filter(grid=grid).exists():
        raise Conflict(f"grid {grid.code}: already has a party organization")
    parent = None
    parent_kind = MIRRORS[kind][1]
    if parent_kind is not None:
        parent = PartyOrg.objects.filter(grid=grid.parent).first()
        if parent is None:
            raise InvalidInput(
                f"parent: grid {grid.parent.code} has no party organization yet "
                f"(a {PartyOrgKind(kind).label} sits under a {PartyOrgKind(parent_kind).label})"
            )
    org = PartyOrg.objects.create(
        kind=kind,
        name=name or default_org_name(grid, kind),
        grid=grid,
        parent=parent,
        founded=founded,
        path=grid.path,
    )
    audit.record(actor, AuditAction.CREATE, org)
    return org


@transaction.atomic
def do_add_member(
    actor, org: PartyOrg | int, person: Person | int, role: str = MemberRole.MEMBER
) -> PartyMembership:
    """Add a party member to an organization: a person flagged 党员 who lives in the
    organization's grid (a dedicated-grid organization takes members from its community)."""
    org = queries.get_party_org(actor, org)
    require_place(
        actor, "add", PartyMembership, org.path, f"no party organization with id {org.pk}"
    )
    person = people.get_person(actor, person)
    if role not in MemberRole.values:
        raise InvalidInput(f"role: {role!r} is not one of {', '.join(MemberRole.values)}")
    if not person.party_member:
        raise InvalidInput(f"person: {person.name} is not registered as a party member (党员)")
    area = org.grid.community.path if org.kind == PartyOrgKind.DEDICATED_ORG else org.path
    if not covers((area,), person.path):
        raise InvalidInput(f"person: {person.name} does not live in {org.grid.name}")
    if PartyMembership.objects.filter(org=org, person=person).exists():
        raise Conflict(f"person: {person.name} is already a member of {org.name}")
    membership = PartyMembership.objects.create(org=org, person=person, role=role, path=org.path)
    audit.record(actor, AuditAction.CREATE, membership)
    return membership


@transaction.atomic
def do_assign_worker(
    actor,
    grid: Grid | int | str,
    *,
    role: str,
    name: str = "",
    phone: str = "",
    person: Person | int | None = None,
    user=None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Worker:
    """Assign a worker to a grid of the kind their role serves; ``person`` is the registered
    resident who serves, ``user`` their login."""
    grid = territory.get_grid(actor, grid)
    require_place(actor, "add", Worker, grid.path, f"no grid {grid.code}")
    if user is not None:
        user = get_user(actor, getattr(user, "username", user))
    problems = []
    if role not in WorkerRole.values:
        raise InvalidInput(f"role: {role!r} is not one of {', '.join(WorkerRole.values)}")
    if grid.kind != SERVES[role]:
        problems.append(
            f"grid: a {WorkerRole(role).label} serves a {GridKind(SERVES[role]).label}, "
            f"not a {grid.get_kind_display()}"
        )
    if person is not None:
        person = people.get_person(actor, person)
        name = name or person.name
    name, phone, found = _checked_contact(name, phone)
    problems.extend(found)
    start = start or dt.date.today()
    if end is not None and end < start:
        problems.append("end: is before start")
    if problems:
        raise InvalidInput(problems)
    worker = Worker.objects.create(
        role=role,
        grid=grid,
        name=name,
        person=person,
        user=user,
        start=start,
        end=end,
        path=grid.path,
        **sealed_phone(phone),
    )
    audit.record(actor, AuditAction.CREATE, worker)
    return worker


def _checked_contact(name: str, phone: str) -> tuple[str, str, list[str]]:
    """A worker's name and mobile number, normalized, and the problems with them."""
    problems = []
    name = (name or "").strip()
    if not name or len(name) > 50:
        problems.append("name: must be 1 to 50 characters")
    if phone:
        try:
            phone = identity.validate_mobile(phone)
        except identity.IdentityError as error:
            problems.append(f"phone: {error.reason}")
    return name, phone, problems


@transaction.atomic
def do_update_worker(
    actor, worker: Worker | int, *, name: str | None = None, phone: str | None = None
) -> Worker:
    """Correct a worker's name or work phone (``phone=""`` removes it)."""
    worker = queries.get_worker(actor, worker, "change")
    current_phone = protect.decrypt(worker.phone_enc)
    name, new_phone, problems = _checked_contact(
        worker.name if name is None else name, current_phone if phone is None else phone
    )
    if problems:
        raise InvalidInput(problems)
    before = audit.snapshot(worker)
    worker.name = name
    if new_phone != current_phone:
        for field_name, value in sealed_phone(new_phone).items():
            setattr(worker, field_name, value)
    after = audit.snapshot(worker)
    if after != before:
        worker.save()
        audit.record(actor, AuditAction.UPDATE, worker, before=before, after=after)
    return worker


def sealed_phone(phone: str) -> dict:
    return {
        "phone_enc": protect.encrypt(phone),
        "phone_hash": protect.lookup_hash("phone", phone),
        "phone_masked": identity.mask_phone(phone) if phone else "",
    }


@transaction.atomic
def do_end_worker(actor, worker: Worker | int, end: dt.date | None = None) -> Worker:
    """End an assignment (the history stays)."""
    worker = queries.get_worker(actor, worker, "change")
    end = end or dt.date.today()
    if end < worker.start:
        raise InvalidInput("end: is before the assignment's start")
    before = audit.snapshot(worker)
    worker.end = end
    worker.save(update_fields=["end"])
    audit.record(actor, AuditAction.UPDATE, worker, before=before)
    return worker


def do_reseal_workers() -> int:
    """Re-seal workers' phone numbers with the current keys (see people.do_rotate_keys)."""
    primary = protect.primary_key_id()
    stale = []
    for worker in Worker.objects.only("pk", "phone_enc", "phone_hash", "phone_masked"):
        phone = protect.decrypt(worker.phone_enc)
        fresh = sealed_phone(phone)
        if protect.key_id_of(worker.phone_enc) in (None, primary) and (
            worker.phone_hash == fresh["phone_hash"]
        ):
            continue
        for name, value in fresh.items():
            setattr(worker, name, value)
        stale.append(worker)
    with transaction.atomic():
        Worker.objects.bulk_update(
            stale, ["phone_enc", "phone_hash", "phone_masked"], batch_size=2000
        )
    return len(stale)


@transaction.atomic
def do_enroll_members(actor, enrolments: list[tuple[PartyOrg, Person, str]]) -> int:
    """Add many members at once (a party roster): each enrolment follows the rules of
    ``do_add_member``; all are checked first, and nothing is written if any breaks one."""
    require(actor, "org.add_partymembership")
    orgs = queries.party_orgs(actor).filter(pk__in={org.pk for org, _, _ in enrolments})
    persons = people.persons(actor).filter(pk__in={person.pk for _, person, _ in enrolments})
    reachable = set(orgs.values_list("pk", flat=True))
    known = set(persons.values_list("pk", flat=True))
    taken = set(
        PartyMembership.objects.filter(org__in={org.pk for org, _, _ in enrolments}).values_list(
            "org_id", "person_id"
        )
    )
    problems, rows = [], []
    for number, (org, person, role) in enumerate(enrolments, start=1):
        where = f"enrolment {number} ({person.name} → {org.name})"
        area = org.grid.community.path if org.kind == PartyOrgKind.DEDICATED_ORG else org.path
        if org.pk not in reachable:
            problems.append(f"{where}: no party organization {org.pk}")
        elif person.pk not in known:
            problems.append(f"{where}: no person {person.pk}")
        elif not person.party_member:
            problems.append(f"{where}: {person.name} is not registered as a party member (党员)")
        elif not covers((area,), person.path):
            problems.append(f"{where}: {person.name} does not live in {org.grid.name}")
        elif role not in MemberRole.values or (org.pk, person.pk) in taken:
            problems.append(f"{where}: role {role!r} is unknown or the person is already a member")
        else:
            taken.add((org.pk, person.pk))
            rows.append({"org_id": org.pk, "person_id": person.pk, "role": role, "path": org.path})
    if problems:
        raise InvalidInput(problems)
    for row, pk in zip(rows, bulk.reserve_ids(PartyMembership, len(rows)), strict=True):
        row["id"] = pk
    if rows:
        bulk.insert(PartyMembership, list(rows[0]), ([*row.values()] for row in rows))
        audit.record_created_rows(
            actor, PartyMembership, rows, [p.name for _, p, _ in enrolments], "party roster"
        )
    return len(rows)


@transaction.atomic
def do_update_party_org(
    actor, org: PartyOrg | int, *, name: str | None = None, founded: dt.date | None = None
) -> PartyOrg:
    """Rename an organization or record its founding date; its place mirrors its grid."""
    org = queries.get_party_org(actor, org, "change")
    before = audit.snapshot(org)
    if name is not None:
        if not name.strip() or len(name) > 100:
            raise InvalidInput("name: must be 1 to 100 characters")
        org.name = name.strip()
    if founded is not None:
        org.founded = founded
    if audit.snapshot(org) != before:
        org.save()
        audit.record(actor, AuditAction.UPDATE, org, before=before)
    return org
