"""API shapes of training, points and assessment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from finegrid.apicommon import Moment, RefId


class CourseIn(Schema):
    area: str = Field(description="code of the area that runs the course")
    title: str
    kind: str = Field(description="induction (岗前), topical (专题) or refresher (轮训)")
    hours: float = Field(ge=0, le=1000)
    description: str = ""
    pass_mark: int = Field(80, ge=0, le=100)


class CourseChangeIn(Schema):
    """The fields of a course to change; those left out keep their values. The area that
    runs the course stays."""

    title: str | None = None
    kind: str | None = Field(None, description="induction, topical or refresher")
    hours: float | None = Field(None, ge=0, le=1000, description="0.5 to 200")
    description: str | None = None
    pass_mark: int | None = Field(None, description="0 to 100")


class MaterialOut(Schema):
    id: int
    title: str
    url: str

    @staticmethod
    def resolve_url(material) -> str:
        return f"/workforce/materials/{material.pk}/"


class CourseOut(Schema):
    id: int
    title: str
    kind: str
    hours: Decimal
    description: str
    pass_mark: int
    area: str
    questions: int
    materials: list[MaterialOut]

    @staticmethod
    def resolve_area(course) -> str:
        return course.area.code

    @staticmethod
    def resolve_questions(course) -> int:
        return course.questions.count()

    @staticmethod
    def resolve_materials(course) -> list:
        return list(course.materials.all())


class QuizQuestionIn(Schema):
    text: str
    choices: list[str]
    answer: int = Field(ge=0, le=10, description="index of the right choice")


class QuizIn(Schema):
    questions: list[QuizQuestionIn] = Field(max_length=50)
    pass_mark: int | None = Field(None, description="0 to 100; left out: the course's stays")


class QuizQuestionOut(Schema):
    number: int
    text: str
    choices: list[str]


class QuizOut(Schema):
    pass_mark: int
    questions: list[QuizQuestionOut]


class SessionIn(Schema):
    starts_at: Moment
    ends_at: Moment
    place: str
    trainer: str
    capacity: int = Field(ge=1, le=10000)


class SessionOut(Schema):
    id: int
    course: int
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    trainer: str
    capacity: int
    enrolled: int

    @staticmethod
    def resolve_course(session) -> int:
        return session.course_id

    @staticmethod
    def resolve_title(session) -> str:
        return session.course.title

    @staticmethod
    def resolve_enrolled(session) -> int:
        return session.enrolments.count()


class WorkerRefIn(Schema):
    worker: RefId


class EnrolmentOut(Schema):
    id: int
    session: int
    worker: int
    attended: bool

    @staticmethod
    def resolve_session(enrolment) -> int:
        return enrolment.session_id

    @staticmethod
    def resolve_worker(enrolment) -> int:
        return enrolment.worker_id

    @staticmethod
    def resolve_attended(enrolment) -> bool:
        return hasattr(enrolment, "attendance")


class AttendanceOut(Schema):
    id: int
    enrolment: int
    worker: int
    checked_in_at: dt.datetime
    method: str

    @staticmethod
    def resolve_enrolment(attendance) -> int:
        return attendance.enrolment_id

    @staticmethod
    def resolve_worker(attendance) -> int:
        return attendance.enrolment.worker_id


class AttemptIn(Schema):
    worker: RefId
    answers: list[int] = Field(max_length=50)


class AttemptOut(Schema):
    id: int
    course: int
    worker: int
    score: int
    passed: bool
    certificate: str | None

    @staticmethod
    def resolve_course(attempt) -> int:
        return attempt.course_id

    @staticmethod
    def resolve_worker(attempt) -> int:
        return attempt.worker_id

    @staticmethod
    def resolve_certificate(attempt) -> str | None:
        found = attempt.worker.certificates.filter(course=attempt.course).first()
        return found.number if found else None


class TrainingRecordOut(Schema):
    worker: int
    name: str
    attended_hours: str
    sessions: list[dict]
    quizzes: list[dict]
    certificates: list[dict]


class TrainingCoverageOut(Schema):
    workers: int
    trained: int
    share_trained: float
    hours: str
    attended_by_kind: dict[str, int]
    without_induction: list[dict]


class RuleIn(Schema):
    source: str
    points: float = Field(ge=-1000, le=1000)
    component: str = Field(description="grid, duty, worker or bonus")


class SchemeIn(Schema):
    area: str = Field(description="code of the area whose scheme this is")
    effective_from: dt.date
    rules: list[RuleIn] = Field(max_length=50)
    grid_weight: int = Field(50, ge=0, le=100)
    duty_weight: int = Field(30, ge=0, le=100)
    worker_weight: int = Field(20, ge=0, le=100)
    bonus_cap: int = Field(10, ge=0, le=100)
    grid_target: float = Field(100, gt=0, le=100000)
    duty_target: float = Field(60, gt=0, le=100000)
    worker_target: float = Field(20, gt=0, le=100000)
    note: str = ""


class RuleOut(Schema):
    source: str
    points: Decimal
    component: str


class SchemeOut(Schema):
    id: int
    area: str
    version: int
    effective_from: dt.date
    grid_weight: int
    duty_weight: int
    worker_weight: int
    bonus_cap: int
    grid_target: Decimal
    duty_target: Decimal
    worker_target: Decimal
    note: str
    rules: list[RuleOut]

    @staticmethod
    def resolve_area(scheme) -> str:
        return scheme.area.code

    @staticmethod
    def resolve_rules(scheme) -> list:
        return list(scheme.rules.all())


class MonthIn(Schema):
    area: str = Field(description="area code")
    month: dt.date = Field(description="any day of the month")


class RunOut(Schema):
    id: int
    month: dt.date
    appended: int


class EntryOut(Schema):
    id: int
    worker: int
    month: dt.date
    source: str
    record_type: str
    record_id: str
    quantity: Decimal
    points: Decimal
    kind: str
    corrects: int | None
    note: str

    @staticmethod
    def resolve_worker(entry) -> int:
        return entry.worker_id

    @staticmethod
    def resolve_corrects(entry) -> int | None:
        return entry.corrects_id


class AdjustIn(Schema):
    points: float = Field(ge=-1000, le=1000)
    note: str


class RedemptionIn(Schema):
    worker: RefId
    points: float = Field(gt=0, le=100000)
    item: str


class RedemptionOut(Schema):
    id: int
    worker: int
    points: Decimal
    item: str

    @staticmethod
    def resolve_worker(redemption) -> int:
        return redemption.worker_id


class PointsOut(Schema):
    worker: int
    earned: Decimal
    balance: Decimal
    entries: list[EntryOut]
    redemptions: list[RedemptionOut]

    @staticmethod
    def resolve_worker(points) -> int:
        return points["worker"].pk


class PeriodOut(Schema):
    id: int
    area: str
    month: dt.date
    status: str
    computed_at: dt.datetime | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_area(period) -> str:
        return period.area.code


class ResultOut(Schema):
    id: int
    period: int
    kind: str
    worker: int | None
    name: str
    grid: str
    points: Decimal
    grid_score: Decimal
    duty_score: Decimal
    worker_score: Decimal
    bonus: Decimal
    total: Decimal
    rank_community: int
    rank_street: int

    @staticmethod
    def resolve_period(result) -> int:
        return result.period_id

    @staticmethod
    def resolve_worker(result) -> int | None:
        return result.worker_id

    @staticmethod
    def resolve_name(result) -> str:
        return result.worker.name if result.worker_id else result.grid.name

    @staticmethod
    def resolve_grid(result) -> str:
        return result.grid.code


class AppealIn(Schema):
    reason: str


class DecisionIn(Schema):
    status: str = Field(description="upheld or rejected")
    decision: str
    corrected_total: float | None = Field(None, ge=0, le=110)


class AppealOut(Schema):
    id: int
    result: int
    reason: str
    status: str
    decision: str
    corrected_total: Decimal | None
    filed_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_result(appeal) -> int:
        return appeal.result_id
