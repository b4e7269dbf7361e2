"""REST API of training, points and assessment (the phone's check-in is a page)."""

import datetime as dt
from typing import Annotated

from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from finegrid.accounts.scope import path_q
from finegrid.apicommon import MAX_ID, QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, PathId, actor
from finegrid.errors import InvalidInput
from finegrid.territory import queries as territory
from finegrid.workforce import actions, queries
from finegrid.workforce.schemas import (
    AdjustIn,
    AppealIn,
    AppealOut,
    AttemptIn,
    AttemptOut,
    AttendanceOut,
    CourseChangeIn,
    CourseIn,
    CourseOut,
    DecisionIn,
    EnrolmentOut,
    EntryOut,
    MaterialOut,
    MonthIn,
    PeriodOut,
    PointsOut,
    QuizIn,
    QuizOut,
    RedemptionIn,
    RedemptionOut,
    ResultOut,
    RunOut,
    SchemeIn,
    SchemeOut,
    SessionIn,
    SessionOut,
    TrainingCoverageOut,
    TrainingRecordOut,
    WorkerRefIn,
)

router = Router(tags=["workforce"])

# The fields of a course its edit may change (the page's form edits the same).
COURSE_FIELDS = ("title", "kind", "hours", "description", "pass_mark")


class Under(Schema):
    area: str | None = Field(None, description="code of an area or grid: at or below it")


def _under(request, queryset, filters: Under):
    if filters.area:
        node = territory.get_node(actor(request), filters.area)
        queryset = queryset.filter(path_q((node.path,)))
    return queryset


# --- Training -----------------------------------------------------------------------------


@router.get("/workforce/courses", response={200: list[CourseOut], **QUERY_ERRORS})
@paginate(Pages)
def list_courses(request):
    """Courses open to the caller: run in their scope or by an area above it."""
    return queries.courses(actor(request)).prefetch_related("materials")


@router.get("/workforce/courses/{course_id}", response={200: CourseOut, **READ_ERRORS})
def get_course(request, course_id: PathId):
    return queries.get_course(actor(request), course_id)


@router.post("/workforce/courses", response={201: CourseOut, **WRITE_ERRORS})
def create_course(request, payload: CourseIn):
    values = payload.dict()
    course = actions.do_create_course(actor(request), values.pop("area"), **values)
    return Status(201, course)


@router.patch("/workforce/courses/{course_id}", response={200: CourseOut, **WRITE_ERRORS})
def update_course(request, course_id: PathId, payload: CourseChangeIn):
    """Correct a course's title, kind, hours, description or pass mark; fields left out
    keep their values."""
    user = actor(request)
    course = queries.get_course(user, course_id, "change")
    values = {name: getattr(course, name) for name in COURSE_FIELDS}
    values.update(payload.dict(exclude_unset=True))
    return actions.do_update_course(user, course, **values)


@router.post(
    "/workforce/courses/{course_id}/materials", response={201: MaterialOut, **WRITE_ERRORS}
)
def add_material(
    request,
    course_id: PathId,
    title: Annotated[str, Form(..., min_length=1, max_length=100)],
    file: File[UploadedFile] = None,
):
    """Attach a file to a course (multipart: ``title`` and ``file``, at most 20 MB)."""
    if file is None:
        raise InvalidInput("file: missing or empty")
    return Status(201, actions.do_add_material(actor(request), course_id, title=title, file=file))


@router.get("/workforce/courses/{course_id}/quiz", response={200: QuizOut, **READ_ERRORS})
def get_quiz(request, course_id: PathId):
    """The quiz's pass mark and questions, without their answers."""
    course = queries.get_course(actor(request), course_id)
    return {"pass_mark": course.pass_mark, "questions": list(course.questions.order_by("number"))}


@router.put("/workforce/courses/{course_id}/quiz", response={200: QuizOut, **WRITE_ERRORS})
def set_quiz(request, course_id: PathId, payload: QuizIn):
    """Replace the course's quiz, and its pass mark where given."""
    questions = [q.dict() for q in payload.questions]
    user = actor(request)
    created = actions.do_set_quiz(user, course_id, questions, pass_mark=payload.pass_mark)
    course = queries.get_course(user, course_id)
    return {"pass_mark": course.pass_mark, "questions": created}


@router.post("/workforce/courses/{course_id}/attempts", response={201: AttemptOut, **WRITE_ERRORS})
def submit_quiz(request, course_id: PathId, payload: AttemptIn):
    """A worker's answers (indexes of the chosen choices, in question order)."""
    attempt = actions.do_submit_quiz(actor(request), course_id, payload.worker, payload.answers)
    return Status(201, attempt)


@router.get("/workforce/sessions", response={200: list[SessionOut], **QUERY_ERRORS})
@paginate(Pages)
def list_sessions(request):
    return queries.sessions(actor(request)).order_by("-starts_at")


@router.post("/workforce/courses/{course_id}/sessions", response={201: SessionOut, **WRITE_ERRORS})
def schedule_session(request, course_id: PathId, payload: SessionIn):
    session = actions.do_schedule_session(actor(request), course_id, **payload.dict())
    return Status(201, session)


@router.post(
    "/workforce/sessions/{session_id}/enrolments", response={201: EnrolmentOut, **WRITE_ERRORS}
)
def enrol(request, session_id: PathId, payload: WorkerRefIn):
    return Status(201, actions.do_enrol(actor(request), session_id, payload.worker))


@router.post(
    "/workforce/sessions/{session_id}/attendance", response={201: AttendanceOut, **WRITE_ERRORS}
)
def record_attendance(request, session_id: PathId, payload: WorkerRefIn):
    """Staff record a worker's attendance (补签); workers check in by QR on their phone page."""
    attendance = actions.do_record_attendance(actor(request), session_id, payload.worker)
    return Status(201, attendance)


@router.get(
    "/workforce/workers/{worker_id}/training", response={200: TrainingRecordOut, **READ_ERRORS}
)
def training_record(request, worker_id: PathId):
    return queries.training_record(actor(request), worker_id).as_dict()


class TrainingCoverageQuery(Schema):
    area: str = Field(description="area or grid code")
    days: int | None = Field(None, ge=0, le=3650, description="induction within this many days")


@router.get("/workforce/coverage", response={200: TrainingCoverageOut, **QUERY_ERRORS})
def training_coverage(request, query: Query[TrainingCoverageQuery]):
    """Training coverage under an area, and workers without induction in time."""
    node = territory.get_node(actor(request), query.area)
    return queries.training_coverage(actor(request), node, days=query.days).as_dict()


# --- Points -------------------------------------------------------------------------------


@router.get("/workforce/schemes", response={200: list[SchemeOut], **QUERY_ERRORS})
@paginate(Pages)
def list_schemes(request):
    return queries.schemes(actor(request))


@router.post("/workforce/schemes", response={201: SchemeOut, **WRITE_ERRORS})
def create_scheme(request, payload: SchemeIn):
    """A new version of an area's points rules and assessment weights."""
    values = payload.dict()
    area = values.pop("area")
    scheme = actions.do_create_scheme(actor(request), area, **values)
    return Status(201, scheme)


@router.post("/workforce/points/compute", response={201: RunOut, **WRITE_ERRORS})
def compute_points(request, payload: MonthIn):
    """Bring an area's ledger for a month in line with its records; appends only."""
    return Status(201, actions.do_compute_points(actor(request), payload.area, payload.month))


class EntryFilters(Under):
    worker: int | None = Field(None, ge=1, le=MAX_ID)
    month: dt.date | None = Field(None, description="any day of the month")


@router.get("/workforce/point-entries", response={200: list[EntryOut], **QUERY_ERRORS})
@paginate(Pages)
def list_entries(request, filters: Query[EntryFilters]):
    queryset = _under(request, queries.entries(actor(request)), filters)
    if filters.worker:
        queryset = queryset.filter(worker_id=filters.worker)
    if filters.month:
        queryset = queryset.filter(month=filters.month.replace(day=1))
    return queryset.order_by("pk")


@router.post("/workforce/point-entries/{entry_id}/adjust", response={201: EntryOut, **WRITE_ERRORS})
def adjust_points(request, entry_id: PathId, payload: AdjustIn):
    """Correct an entry by hand: a new entry for the same record, with the reason."""
    entry = actions.do_adjust_points(actor(request), entry_id, payload.points, payload.note)
    return Status(201, entry)


@router.get("/workforce/workers/{worker_id}/points", response={200: PointsOut, **READ_ERRORS})
def worker_points(request, worker_id: PathId):
    return queries.points_of(actor(request), worker_id)


@router.post("/workforce/redemptions", response={201: RedemptionOut, **WRITE_ERRORS})
def redeem(request, payload: RedemptionIn):
    redemption = actions.do_redeem(actor(request), payload.worker, payload.points, payload.item)
    return Status(201, redemption)


# --- Assessment ---------------------------------------------------------------------------


@router.get("/workforce/assessments", response={200: list[PeriodOut], **QUERY_ERRORS})
@paginate(Pages)
def list_periods(request, filters: Query[Under]):
    return _under(request, queries.periods(actor(request)), filters)


@router.post("/workforce/assessments", response={201: PeriodOut, **WRITE_ERRORS})
def compute_assessment(request, payload: MonthIn):
    """Compute (or recompute, while a draft) an area's assessment of a month."""
    period = actions.do_compute_assessment(actor(request), payload.area, payload.month)
    return Status(201, period)


@router.post(
    "/workforce/assessments/{period_id}/publish", response={200: PeriodOut, **WRITE_ERRORS}
)
def publish_assessment(request, period_id: PathId):
    """Publish: the results and the month's points are closed from now on."""
    return actions.do_publish_assessment(actor(request), period_id)


class ResultFilters(Schema):
    kind: str | None = Field(None, pattern="^(worker|grid)$")


@router.get(
    "/workforce/assessments/{period_id}/results",
    response={200: list[ResultOut], **QUERY_ERRORS},
)
@paginate(Pages)
def list_results(request, period_id: PathId, filters: Query[ResultFilters]):
    period = queries.get_period(actor(request), period_id)
    queryset = queries.results(actor(request)).filter(period=period)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    return queryset.order_by("kind", "rank_street", "path")


@router.post("/workforce/results/{result_id}/appeals", response={201: AppealOut, **WRITE_ERRORS})
def file_appeal(request, result_id: PathId, payload: AppealIn):
    """A worker's appeal (申诉) against their published result."""
    return Status(201, actions.do_file_appeal(actor(request), result_id, payload.reason))


@router.get("/workforce/appeals", response={200: list[AppealOut], **QUERY_ERRORS})
@paginate(Pages)
def list_appeals(request, filters: Query[Under]):
    return _under(request, queries.appeals(actor(request)), filters)


@router.post("/workforce/appeals/{appeal_id}/decide", response={200: AppealOut, **WRITE_ERRORS})
def decide_appeal(request, appeal_id: PathId, payload: DecisionIn):
    return actions.do_decide_appeal(actor(request), appeal_id, **payload.dict())
