"""API shapes of partners, committees, assemblies, ratings, services and ledgers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from finegrid.apicommon import RefId

# Amounts and areas travel as decimal text ("12000", "95.50"), never as binary floats.
Decimal2 = Annotated[
    str, Field(pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$", examples=["12000", "95.50"])
]


class PartnerOut(Schema):
    id: int
    kind: str
    name: str
    credit_code: str
    area: str
    party_org: int | None
    contact_name: str
    contact_post: str
    phone: str
    address: str
    units: list[int] = Field(description="the cases app's responsible units it is")

    @staticmethod
    def resolve_area(partner) -> str:
        return partner.area.code

    @staticmethod
    def resolve_units(partner) -> list[int]:
        return sorted(unit.pk for unit in partner.units.all())

    @staticmethod
    def resolve_party_org(partner) -> int | None:
        return partner.party_org_id


class PartnerIn(Schema):
    kind: str
    name: str
    area: str = Field(description="code of the street or community it registers in")
    credit_code: str = Field("", description="unified social credit code (GB 32100-2015)")
    party_org: RefId | None = None
    contact_name: str = ""
    contact_post: str = ""
    phone: str = Field("", description="the organization's public service number")
    address: str = ""


class PartnerPatch(Schema):
    name: str | None = None
    credit_code: str | None = None
    party_org: RefId | None = None
    contact_name: str | None = None
    contact_post: str | None = None
    phone: str | None = None
    address: str | None = None


class ServiceOut(Schema):
    id: int
    partner: int
    compound: int | None
    grid: str | None
    start: dt.date
    end: dt.date | None

    @staticmethod
    def resolve_partner(service) -> int:
        return service.partner_id

    @staticmethod
    def resolve_compound(service) -> int | None:
        return service.compound_id

    @staticmethod
    def resolve_grid(service) -> str | None:
        return service.grid.code if service.grid_id else None


class UnitLinkIn(Schema):
    unit: RefId = Field(description="a property unit (责任单位) of the cases app")


class ServiceIn(Schema):
    compound: RefId
    start: dt.date | None = None
    end: dt.date | None = None


class GridServiceIn(Schema):
    grid: str = Field(description="code of a grid")
    start: dt.date | None = None
    end: dt.date | None = None


class EndIn(Schema):
    end: dt.date | None = None


class CommitteeMemberIn(Schema):
    person: RefId
    partner: RefId
    post: str
    committee: str = Field(description="code of the street or community")
    start: dt.date | None = None
    end: dt.date | None = None


class CommitteeMemberOut(Schema):
    id: int
    person: int
    name: str
    partner: int
    post: str
    committee: str
    start: dt.date
    end: dt.date | None

    @staticmethod
    def resolve_person(member) -> int:
        return member.person_id

    @staticmethod
    def resolve_name(member) -> str:
        return member.person.name

    @staticmethod
    def resolve_partner(member) -> int:
        return member.partner_id

    @staticmethod
    def resolve_committee(member) -> str:
        return member.committee.code


class TermIn(Schema):
    start: dt.date
    end: dt.date


class TermOut(Schema):
    id: int
    committee: int
    compound: int
    number: int
    start: dt.date
    end: dt.date

    @staticmethod
    def resolve_committee(term) -> int:
        return term.committee_id

    @staticmethod
    def resolve_compound(term) -> int:
        return term.compound_id


class TermMemberIn(Schema):
    person: RefId
    role: str = "member"


class TermMemberOut(Schema):
    id: int
    term: int
    person: int
    role: str

    @staticmethod
    def resolve_term(member) -> int:
        return member.term_id

    @staticmethod
    def resolve_person(member) -> int:
        return member.person_id


class DwellingAreaIn(Schema):
    floor_area: Decimal2 = Field(description="floor area of the exclusive part in m²")


class DwellingAreaOut(Schema):
    dwelling: int
    floor_area: Decimal

    @staticmethod
    def resolve_dwelling(row) -> int:
        return row.dwelling_id

    @staticmethod
    def resolve_floor_area(row) -> Decimal:
        return row.area


class AssemblyDecisionIn(Schema):
    compound: RefId
    title: str
    matter: str = Field(
        description="rules, statute, committee, manager, use_fund, raise_fund, "
        "rebuild, common_use or other (Civil Code Art. 278 items 1–9)"
    )
    held_on: dt.date


class DecisionOut(Schema):
    id: int
    compound: int
    title: str
    matter: str
    held_on: dt.date
    status: str
    outcome: dict

    @staticmethod
    def resolve_compound(decision) -> int:
        return decision.compound_id

    @staticmethod
    def resolve_outcome(decision) -> dict:
        from finegrid.partners.queries import outcome

        return outcome(decision)


class VoteIn(Schema):
    dwelling: RefId
    choice: str = Field(description="yes, no or abstain")


class VoteOut(Schema):
    id: int
    decision: int
    dwelling: int
    choice: str

    @staticmethod
    def resolve_decision(vote) -> int:
        return vote.decision_id

    @staticmethod
    def resolve_dwelling(vote) -> int:
        return vote.dwelling_id


class PeriodIn(Schema):
    area: str = Field(description="code of the area whose property companies are rated")
    name: str
    start: dt.date
    end: dt.date


class RatingPeriodOut(Schema):
    id: int
    area: str
    name: str
    start: dt.date
    end: dt.date
    status: str
    config: dict

    @staticmethod
    def resolve_area(period) -> str:
        return period.area.code


class AnswerIn(Schema):
    household: RefId
    score: int = Field(description="1 very dissatisfied … 5 very satisfied")
    comment: str = ""


class AnswerOut(Schema):
    id: int
    period: int
    compound: int
    household: int
    score: int
    comment: str

    @staticmethod
    def resolve_period(answer) -> int:
        return answer.period_id

    @staticmethod
    def resolve_compound(answer) -> int:
        return answer.compound_id

    @staticmethod
    def resolve_household(answer) -> int:
        return answer.household_id


class PartyRoleIn(Schema):
    partner: RefId
    level: str = Field(description="strong, fair, weak or none")
    reason: str


class PartyRoleOut(Schema):
    id: int
    period: int
    partner: int
    level: str
    reason: str

    @staticmethod
    def resolve_period(role) -> int:
        return role.period_id

    @staticmethod
    def resolve_partner(role) -> int:
        return role.partner_id


class RecordIn(Schema):
    partner: RefId
    compound: RefId
    kind: str = Field(description="good or bad")
    points: int
    occurred_on: dt.date
    description: str


class RecordOut(Schema):
    id: int
    partner: int
    compound: int
    kind: str
    points: int
    occurred_on: dt.date
    description: str

    @staticmethod
    def resolve_partner(record) -> int:
        return record.partner_id

    @staticmethod
    def resolve_compound(record) -> int:
        return record.compound_id


class RatingOut(Schema):
    id: int
    period: int
    partner: int
    partner_name: str
    compound: int
    compound_name: str
    version: int
    current: bool
    score: Decimal
    grade: str
    inputs: dict
    reason: str

    @staticmethod
    def resolve_period(rating) -> int:
        return rating.period_id

    @staticmethod
    def resolve_partner(rating) -> int:
        return rating.partner_id

    @staticmethod
    def resolve_partner_name(rating) -> str:
        return rating.partner.name

    @staticmethod
    def resolve_compound(rating) -> int:
        return rating.compound_id

    @staticmethod
    def resolve_compound_name(rating) -> str:
        return rating.compound.name


class ConfirmIn(Schema):
    on_behalf_of: RefId | None = Field(
        None, description="staff record the confirmation a side gave on paper: its partner id"
    )


class ReasonIn(Schema):
    reason: str


class OfferIn(Schema):
    item: str = Field(description="code of a catalogue item")
    area: str = Field(description="code of the buying street or community")
    year: int
    budget: Decimal2


class OfferOut(Schema):
    id: int
    item: str
    item_name: str
    area: str
    year: int
    budget: Decimal
    awarded_to: int | None

    @staticmethod
    def resolve_item(offer) -> str:
        return offer.item.code

    @staticmethod
    def resolve_item_name(offer) -> str:
        return offer.item.name

    @staticmethod
    def resolve_area(offer) -> str:
        return offer.area.code

    @staticmethod
    def resolve_awarded_to(offer) -> int | None:
        award = getattr(offer, "award", None)
        return award.partner_id if award else None


class RankOut(Schema):
    rank: int
    partner: int
    name: str
    grade: str
    score: str
    period: str


class AwardIn(Schema):
    partner: RefId
    amount: Decimal2
    reason: str = Field("", description="required when the partner is not ranked first")


class AwardOut(Schema):
    id: int
    offer: int
    partner: int
    amount: Decimal
    rank: int
    reason: str
    awarded_on: dt.date

    @staticmethod
    def resolve_offer(award) -> int:
        return award.offer_id

    @staticmethod
    def resolve_partner(award) -> int:
        return award.partner_id


class LedgerIn(Schema):
    compound: RefId
    year: int
    quarter: int


class EntryIn(Schema):
    kind: str
    amount: Decimal2
    description: str


class LedgerEntryOut(Schema):
    id: int
    kind: str
    amount: Decimal
    description: str


class LedgerOut(Schema):
    id: int
    compound: int
    year: int
    quarter: int
    version: int
    status: str
    entered_by: int | None
    confirmed_by: int | None
    confirmed_by_community: bool
    published_on: dt.date | None
    correction: str
    entries: list[LedgerEntryOut]

    @staticmethod
    def resolve_compound(ledger) -> int:
        return ledger.compound_id

    @staticmethod
    def resolve_entered_by(ledger) -> int | None:
        return ledger.entered_by_id

    @staticmethod
    def resolve_confirmed_by(ledger) -> int | None:
        return ledger.confirmed_by_id

    @staticmethod
    def resolve_entries(ledger) -> list:
        return list(ledger.entries.all())


class LedgerQuestionIn(Schema):
    text: str = Field(description="the question about this line of a published notice")


class QuestionOut(Schema):
    case: int
    ref: str
