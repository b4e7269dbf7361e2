"""API shapes of households and persons. Protected values appear masked only; the
unmask endpoint is the one way to read them in clear."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from finegrid.apicommon import RefId


class PersonOut(Schema):
    id: int
    household: int
    name: str
    sex: str
    birth_year: int | None = Field(description="the full date only unmasked")
    age: int | None
    relation: str
    residence_type: str
    id_number: str = Field(description="masked: 510116********123X")
    phone: str = Field(description="masked: 138****8000")
    flags: list[str] = Field(description="the plain flags; sensitive ones are never listed")
    tags: list[str]

    @staticmethod
    def resolve_household(person) -> int:
        return person.household_id

    @staticmethod
    def resolve_age(person) -> int | None:
        return person.age()

    @staticmethod
    def resolve_id_number(person) -> str:
        return person.id_number_masked

    @staticmethod
    def resolve_phone(person) -> str:
        return person.phone_masked

    @staticmethod
    def resolve_flags(person) -> list[str]:
        from finegrid.people.models import PLAIN_FLAGS

        return [name for name in PLAIN_FLAGS if getattr(person, name)]


class PersonIn(Schema):
    household: RefId
    name: str
    relation: str = "other"
    residence_type: str = "permanent"
    sex: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    phone: str | None = None
    sensitive_flags: list[str] = []
    tags: list[str] = []
    elderly_alone: bool = False
    empty_nest: bool = False
    veteran: bool = False
    party_member: bool = False


class PersonPatch(Schema):
    name: str | None = None
    relation: str | None = None
    residence_type: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    id_number: str | None = None
    phone: str | None = None
    sensitive_flags: list[str] | None = None
    tags: list[str] | None = None
    elderly_alone: bool | None = None
    empty_nest: bool | None = None
    veteran: bool | None = None
    party_member: bool | None = None


class UnmaskIn(Schema):
    reason: str = Field(description="why you need the values; written to the audit log")


class UnmaskedOut(Schema):
    id_number: str
    phone: str
    birth_date: dt.date | None
    sensitive_flags: list[str]


class HouseholdOut(Schema):
    id: int
    dwelling: int
    address: str
    community: str
    head: str | None
    size: int

    @staticmethod
    def resolve_dwelling(household) -> int:
        return household.dwelling_id

    @staticmethod
    def resolve_address(household) -> str:
        return str(household.dwelling)

    @staticmethod
    def resolve_community(household) -> str:
        return household.community.code

    @staticmethod
    def resolve_head(household) -> str | None:
        return household.head.name if household.head_id else None


class HouseholdIn(Schema):
    dwelling: RefId
    head: PersonPatch = Field(description="the head of household (户主)")


class HouseholdPatch(Schema):
    head: RefId = Field(description="id of the member who becomes head (户主)")


class MoveIn(Schema):
    dwelling: RefId


class ImportReportOut(Schema):
    rows: int
    buildings_created: int
    dwellings_created: int
    households: dict[str, int]
    persons: dict[str, int]
