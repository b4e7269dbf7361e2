"""API shapes of cases, their steps, units and the compound stream."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from finegrid.apicommon import RefId


def _staff_sees(case, context) -> bool:
    """An anonymous reporter is hidden from other residents and partners, never from staff."""
    from finegrid.cases.views import reporter_visible

    request = (context or {}).get("request")
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    return reporter_visible(user, case)


class CaseIn(Schema):
    category: str = Field(description="parking, elevator, sanitation, utilities, noise, …")
    text: str
    channel: str = "staff"
    urgency: str | None = None
    household: RefId | None = Field(None, description="id of the household that raises it")
    compound: RefId | None = Field(None, description="id of the compound it is about")
    grid: str | None = Field(None, description="code of the grid it is in")
    community: str | None = Field(None, description="code of the community it is in")
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    source: str = ""


class StepIn(Schema):
    kind: str = Field(
        description="accept, refuse, dispatch, start, send_back, reassign, handle, verify, "
        "fail, close, suspend, resume, extend, cancel, note"
    )
    note: str = ""
    unit: RefId | None = Field(None, description="id of the unit (dispatch, reassign)")


class StepOut(Schema):
    kind: str
    from_status: str
    to_status: str
    actor: str
    unit: str | None
    at: dt.datetime
    note: str
    on_time: bool | None

    @staticmethod
    def resolve_actor(step) -> str:
        return step.actor_label

    @staticmethod
    def resolve_unit(step) -> str | None:
        return step.unit.name if step.unit_id else None


class CaseOut(Schema):
    id: int
    ref: str
    category: str
    urgency: str
    text: str
    channel: str
    status: str
    community: str
    grid: str | None
    compound: int | None
    household: int | None
    address: str
    reporter: str
    reporter_phone: str
    unit: str | None
    route_rule: str
    opened_at: dt.datetime
    due_at: dt.datetime | None
    handle_due_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool
    escalation: str
    satisfaction: str
    reopened: int

    @staticmethod
    def resolve_community(case) -> str:
        return case.community.code

    @staticmethod
    def resolve_grid(case) -> str | None:
        return case.grid.code if case.grid_id else None

    @staticmethod
    def resolve_compound(case) -> int | None:
        return case.compound_id

    @staticmethod
    def resolve_household(case) -> int | None:
        return case.household_id

    @staticmethod
    def resolve_reporter(case, context) -> str:
        return case.reporter_name if _staff_sees(case, context) else "匿名"

    @staticmethod
    def resolve_reporter_phone(case, context) -> str:
        return case.reporter_phone_masked if _staff_sees(case, context) else ""

    @staticmethod
    def resolve_unit(case) -> str | None:
        return case.unit.name if case.unit_id else None


class CaseDetailOut(CaseOut):
    steps: list[StepOut]
    duplicates: list[str]

    @staticmethod
    def resolve_steps(case) -> list:
        return list(case.steps.select_related("unit").order_by("at", "pk"))

    @staticmethod
    def resolve_duplicates(case) -> list[str]:
        return [c.ref for c in getattr(case, "duplicate_candidates", [])]


class UnitIn(Schema):
    name: str
    kind: str = Field(description="department, street_office, community, grid, property")
    area: str = Field(description="code of the area the unit belongs to")
    compound: RefId | None = Field(None, description="id of the compound a property serves")
    contact_name: str = ""
    contact_phone: str = ""


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    area: str
    compound: int | None
    contact_name: str
    contact_phone: str
    illustrative: bool

    @staticmethod
    def resolve_area(unit) -> str:
        return unit.area.code

    @staticmethod
    def resolve_compound(unit) -> int | None:
        return unit.compound_id


class DutyItemOut(Schema):
    id: int
    list: str
    code: str
    version: int
    title: str
    category: str
    level: str
    lead_unit: str | None
    handle_days: int | None
    legal_basis: str
    active: bool
    retired_reason: str
    illustrative: bool

    @staticmethod
    def resolve_lead_unit(item) -> str | None:
        return item.lead_unit.name if item.lead_unit_id else None


class MessageIn(Schema):
    text: str


class MessageOut(Schema):
    id: int
    author: str
    text: str
    at: dt.datetime
    case: str | None

    @staticmethod
    def resolve_author(message) -> str:
        return message.author_label

    @staticmethod
    def resolve_case(message) -> str | None:
        return message.case.ref if message.case_id else None


class MessageCaseIn(Schema):
    category: str
    urgency: str | None = None


class RatesOut(Schema):
    total: int
    closed: int
    on_time: float | None
    satisfied: float | None
    responded: float | None
    resolved: float | None
    rated: int
    reopened: int
    overdue: int
    whistled: int


class WhistleIn(Schema):
    units: list[RefId] = Field(
        min_length=1, max_length=20, description="ids of the departments summoned"
    )
    note: str = Field("", max_length=2000)
    hours: int | None = Field(
        None, ge=1, le=720, description="hours each has to report (default 24)"
    )


class WhistleCallOut(Schema):
    id: int
    case: str
    unit: int
    unit_name: str
    due_at: dt.datetime
    reported_at: dt.datetime | None
    report: str
    rating: str

    @staticmethod
    def resolve_case(call) -> str:
        return call.whistle.case.ref

    @staticmethod
    def resolve_unit(call) -> int:
        return call.unit_id

    @staticmethod
    def resolve_unit_name(call) -> str:
        return call.unit.name


class WhistleOut(Schema):
    id: int
    case: str
    street: str
    at: dt.datetime
    note: str
    calls: list[WhistleCallOut]

    @staticmethod
    def resolve_case(whistle) -> str:
        return whistle.case.ref

    @staticmethod
    def resolve_street(whistle) -> str:
        return whistle.street.code

    @staticmethod
    def resolve_calls(whistle) -> list:
        return list(whistle.calls.select_related("unit", "whistle__case").order_by("pk"))


class ReportIn(Schema):
    report: str = Field(description="what the department does (报到说明)")


class WhistleRatingIn(Schema):
    rating: str = Field(description="good (好), fair (较好) or poor (差)")


class CaseRatingIn(Schema):
    satisfaction: str = Field(
        description="satisfied (满意), basically (基本满意), unsatisfied (不满意)"
    )
    note: str = Field("", max_length=2000)


class DutyListImportOut(Schema):
    units_created: int
    units_updated: int
    items_created: int
    items_changed: int
    items_retired: int
    items_unchanged: int


class HotlineImportOut(Schema):
    created: int


class CaseBatchIn(Schema):
    items: list[CaseIn] = Field(
        min_length=1,
        max_length=500,
        description="1 to 500 cases, each as POST /api/cases takes it",
    )
