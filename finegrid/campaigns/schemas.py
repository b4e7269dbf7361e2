"""API shapes of campaigns, visits and progress."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from finegrid.apicommon import Moment, RefId


class QuestionIn(Schema):
    key: str = ""
    question: str
    type: str = Field(description="yes_no, choice, number or text")
    choices: list[str] = []


class CampaignIn(Schema):
    scope: str = Field(description="code of the area or grid the campaign covers")
    title: str
    purpose: str = ""
    script: str = ""
    checklist: list[QuestionIn] = []
    start: Moment | None = Field(None, description="default: now")
    hours: float | None = Field(None, description="default 3 (when no deadline)")
    deadline: Moment | None = None
    vulnerable_first: bool = True


class CampaignOut(Schema):
    id: int
    title: str
    purpose: str
    script: str
    checklist: list[dict]
    scope: str = Field(alias="node_code")
    scope_name: str = Field(alias="node_name")
    start: dt.datetime
    deadline: dt.datetime
    vulnerable_first: bool
    households: int
    closed_at: dt.datetime | None
    without_worker: list[str]

    @staticmethod
    def resolve_without_worker(campaign) -> list[str]:
        return list(
            campaign.sections.filter(worker__isnull=True)
            .order_by("path")
            .values_list("grid__code", flat=True)
        )


class VisitIn(Schema):
    client_id: uuid.UUID = Field(description="made on the phone; a repeat changes nothing")
    household: RefId
    outcome: str = Field(description="reached, not_home, refused, moved or needs_help")
    answers: dict = {}
    note: str = ""
    at: Moment | None = Field(
        None, description="when the phone recorded it (kept if between the start and now)"
    )


class VisitOut(Schema):
    id: int
    client_id: uuid.UUID
    campaign: int
    household: int
    outcome: str
    answers: dict
    note: str
    recorded_at: dt.datetime
    case: int | None

    @staticmethod
    def resolve_campaign(visit) -> int:
        return visit.campaign_id

    @staticmethod
    def resolve_household(visit) -> int:
        return visit.assignment.household_id

    @staticmethod
    def resolve_case(visit) -> int | None:
        return visit.case_id


class VisitsIn(Schema):
    visits: list[VisitIn] = Field(
        max_length=500, description="a phone's queue of outcomes, in the order they were recorded"
    )


class VisitResultOut(Schema):
    client_id: str = Field(description="as sent")
    status: int = Field(description="201 stored now, 200 stored before (the first record)")
    visit: VisitOut


class VisitsOut(Schema):
    created: int
    results: list[VisitResultOut]


class ReassignIn(Schema):
    grid: str = Field(description="code of the micro-grid whose households change hands")
    worker: RefId = Field(description="id of the neighbouring worker")
    households: list[RefId] | None = Field(None, description="default: all not yet reached")


class ReassignOut(Schema):
    moved: int


class Figures(Schema):
    households: int
    reached: int = Field(description="households whose latest outcome is not 'not at home'")
    outcomes: dict[str, int]
    visits: int
    micro_grids: int
    micro_grids_done: int
    late: int
    without_worker: int
    projected_finish: dt.datetime | None
    on_time: bool


class ChildFigures(Figures):
    code: str
    name: str


class ProgressOut(Figures):
    campaign: int
    title: str
    node: str
    start: dt.datetime
    deadline: dt.datetime
    closed: bool
    elapsed_minutes: float
    children: list[ChildFigures]


class SectionState(Schema):
    grid: str
    name: str
    households: int
    reached: int
    visits: int
    finished: bool
    late: bool
    worker: bool


class AlertOut(Schema):
    id: int
    grid: str
    kind: str
    raised_at: dt.datetime
    resolved_at: dt.datetime | None

    @staticmethod
    def resolve_grid(alert) -> str:
        return alert.section.grid.code
