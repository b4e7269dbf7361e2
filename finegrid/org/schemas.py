"""API shapes of party organizations, members, workers and coverage."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from finegrid.apicommon import RefId


class PartyOrgOut(Schema):
    id: int
    kind: str
    name: str
    grid: str
    parent: int | None
    founded: dt.date | None
    members: int

    @staticmethod
    def resolve_grid(org) -> str:
        return org.grid.code

    @staticmethod
    def resolve_parent(org) -> int | None:
        return org.parent_id

    @staticmethod
    def resolve_members(org) -> int:
        return org.memberships.count()


class PartyOrgIn(Schema):
    grid: str
    name: str = ""
    founded: dt.date | None = None


class PartyOrgPatch(Schema):
    name: str | None = None
    founded: dt.date | None = None


class MembershipIn(Schema):
    person: RefId
    role: str = "member"


class MembershipOut(Schema):
    id: int
    org: int
    person: int
    name: str
    role: str

    @staticmethod
    def resolve_org(membership) -> int:
        return membership.org_id

    @staticmethod
    def resolve_person(membership) -> int:
        return membership.person_id

    @staticmethod
    def resolve_name(membership) -> str:
        return membership.person.name


class WorkerOut(Schema):
    id: int
    role: str
    grid: str
    name: str
    person: int | None
    phone: str
    start: dt.date
    end: dt.date | None

    @staticmethod
    def resolve_grid(worker) -> str:
        return worker.grid.code

    @staticmethod
    def resolve_person(worker) -> int | None:
        return worker.person_id

    @staticmethod
    def resolve_phone(worker) -> str:
        return worker.phone_masked


class WorkerIn(Schema):
    grid: str
    role: str
    name: str = ""
    phone: str = ""
    person: RefId | None = None
    start: dt.date | None = None
    end: dt.date | None = None


class WorkerPatch(Schema):
    name: str | None = None
    phone: str | None = Field(None, description='a mainland mobile number; "" removes it')


class WorkerEndIn(Schema):
    end: dt.date | None = None


class CoverageOut(Schema):
    grids: dict[str, int]
    without_worker: dict[str, list[str]]
    without_party_org: dict[str, list[str]]
    share_without_party_org: float
    micro_workers_living_elsewhere: list[dict]
    general_grids_outside_300_500: list[dict]
