"""REST API for cases, their steps, units, duty lists, the compound stream and figures."""

from typing import Annotated

from django.conf import settings
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from finegrid.apicommon import (
    MAX_ID,
    QUERY_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Moment,
    Pages,
    PathId,
    actor,
)
from finegrid.cases import actions, dutylists, figures, hotline, queries
from finegrid.cases.schemas import (
    CaseBatchIn,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CaseRatingIn,
    DutyItemOut,
    DutyListImportOut,
    HotlineImportOut,
    MessageCaseIn,
    MessageIn,
    MessageOut,
    RatesOut,
    ReportIn,
    StepIn,
    UnitIn,
    UnitOut,
    WhistleCallOut,
    WhistleIn,
    WhistleOut,
    WhistleRatingIn,
)
from finegrid.errors import InvalidInput
from finegrid.territory import queries as territory

router = Router(tags=["cases"])


class CaseFilters(Schema):
    status: str | None = None
    category: str | None = None
    channel: str | None = None
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="id of the responsible unit")
    area: str | None = Field(None, description="code of an area or grid: at or below it")
    overdue: bool | None = None
    open: bool = Field(False, description="only cases not yet closed, refused or cancelled")
    since: Moment | None = None
    until: Moment | None = None
    q: str | None = Field(
        None,
        max_length=100,
        description="words: text or ref contains them, case ignored; a ref or its beginning"
        " (at least its 8-digit date, e.g. 20261202-3F): ref starts with it",
    )


def _filtered(request, filters: CaseFilters):
    user = actor(request)
    path = territory.get_node(user, filters.area).path if filters.area else None
    return queries.filter_cases(
        queries.cases(user),
        status=filters.status,
        category=filters.category,
        channel=filters.channel,
        unit=filters.unit,
        path=path,
        overdue=filters.overdue,
        open_only=filters.open,
        since=filters.since,
        until=filters.until,
        text=filters.q,
    )


class CasePaging(Pages.Input):
    cursor: str | None = Field(
        None,
        max_length=40,
        description="next or previous of a page: the page after or before it (page is"
        " then ignored); seek paging, so a case opened meanwhile never shifts a page",
    )


class CasePageOut(Schema):
    items: list[CaseOut]
    count: int = Field(description=f"cases the filters select, at most {queries.COUNT_CAP}")
    count_capped: bool = Field(description=f"more than {queries.COUNT_CAP} (shown as 1,000+)")
    next: str | None = Field(description="cursor of the next (older) page, null on the last")
    previous: str | None = Field(description="cursor of the previous page, null on the first")


@router.get("/cases", response={200: CasePageOut, **QUERY_ERRORS})
def list_cases(request, filters: Query[CaseFilters], paging: Query[CasePaging]):
    """Cases newest first, a page at a time: follow ``next``/``previous`` with ``cursor``
    (``page`` still counts pages from the newest, but shifts when cases are opened)."""
    return queries.page_cases(
        _filtered(request, filters),
        size=paging.page_size or settings.NINJA_PAGINATION_PER_PAGE,
        cursor=paging.cursor,
        page=paging.page,
    )


@router.get("/cases/figures", response={200: RatesOut, **QUERY_ERRORS})
def case_figures(request, filters: Query[CaseFilters]):
    """Received, 响应率, 按期结案率, 解决率, 满意率, reopened and 吹哨 of the cases the
    filters select."""
    return figures.rates(_filtered(request, filters))


# Before /cases/{case_id}, whose pattern would take "batch" for an id.
@router.post("/cases/batch", response={201: list[CaseOut], **WRITE_ERRORS})
def open_cases(request, payload: CaseBatchIn):
    """Register up to 500 cases in one request (a hotline export, a phone that was
    offline), all or none: each item is checked, placed in the caller's scope and routed
    as POST /api/cases does it; any problem of any item (``items[3].category: …``) is a
    400 and an item naming a place out of scope a 404, and then nothing is written.
    Answers the cases in the items' order; their duplicates are on GET /api/cases/{id}."""
    items = [item.dict() for item in payload.items]
    return Status(201, actions.do_open_cases(actor(request), items))


def _detail(request, case):
    case.duplicate_candidates = queries.duplicates(actor(request), case) if case.is_open else []
    return case


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **READ_ERRORS})
def get_case(request, case_id: PathId):
    return _detail(request, actions.get_case(actor(request), case_id))


@router.post("/cases", response={201: CaseDetailOut, **WRITE_ERRORS})
def open_case(request, payload: CaseIn):
    """Register a problem; the answer carries the suggested route and open duplicates."""
    case = actions.do_open_case(actor(request), **payload.dict())
    return Status(201, _detail(request, case))


@router.post("/cases/{case_id}/steps", response={200: CaseDetailOut, **WRITE_ERRORS})
def take_step(request, case_id: PathId, payload: StepIn):
    """Take one step of the lifecycle; a step the case's status does not allow is a 400."""
    case = actions.do_step(
        actor(request), case_id, payload.kind, note=payload.note, unit=payload.unit
    )
    return _detail(request, case)


@router.get("/units", response={200: list[UnitOut], **QUERY_ERRORS})
@paginate(Pages)
def list_units(request):
    return queries.units(actor(request))


@router.post("/units", response={201: UnitOut, **WRITE_ERRORS})
def create_unit(request, payload: UnitIn):
    return Status(201, actions.do_create_unit(actor(request), **payload.dict()))


@router.get("/duty-items", response={200: list[DutyItemOut], **QUERY_ERRORS})
@paginate(Pages)
def list_duty_items(request, history: bool = False):
    """Current items of the duty lists in the caller's scope; all versions with history."""
    return queries.duty_items(actor(request), current=not history)


@router.get("/compounds/{compound_id}/messages", response={200: list[MessageOut], **READ_ERRORS})
@paginate(Pages)
def list_messages(request, compound_id: PathId):
    return queries.stream(actor(request), compound_id)


@router.post("/compounds/{compound_id}/messages", response={201: MessageOut, **WRITE_ERRORS})
def post_message(request, compound_id: PathId, payload: MessageIn):
    return Status(201, actions.do_post_message(actor(request), compound_id, payload.text))


@router.post("/messages/{message_id}/case", response={201: CaseDetailOut, **WRITE_ERRORS})
def case_from_message(request, message_id: PathId, payload: MessageCaseIn):
    """Turn a message of a compound's group into a case; its steps post back."""
    case = actions.do_case_from_message(
        actor(request), message_id, category=payload.category, urgency=payload.urgency
    )
    return Status(201, _detail(request, case))


@router.post("/cases/{case_id}/rating", response={200: CaseDetailOut, **WRITE_ERRORS})
def rate_case(request, case_id: PathId, payload: CaseRatingIn):
    """The reporter rates a closed case (满意 / 基本满意 / 不满意); 不满意 within 7 days
    reopens it. Staff who may dispatch record the rating given on the follow-up call."""
    case = actions.do_rate_case(actor(request), case_id, payload.satisfaction, note=payload.note)
    return _detail(request, case)


@router.post("/cases/{case_id}/whistle", response={201: WhistleOut, **WRITE_ERRORS})
def whistle_case(request, case_id: PathId, payload: WhistleIn):
    """吹哨: the street summons departments to an open case; each must report (报到)
    within ``hours``."""
    whistle = actions.do_whistle_case(
        actor(request), case_id, payload.units, note=payload.note, hours=payload.hours
    )
    return Status(201, whistle)


@router.get("/cases/{case_id}/whistles", response={200: list[WhistleOut], **READ_ERRORS})
def list_whistles(request, case_id: PathId):
    """The whistles blown on a case, with each department's report and rating."""
    case = actions.get_case(actor(request), case_id)
    return list(case.whistles.select_related("case", "street").order_by("at", "pk"))


@router.post("/whistle-calls/{call_id}/report", response={200: WhistleCallOut, **WRITE_ERRORS})
def report_whistle(request, call_id: PathId, payload: ReportIn):
    """报到: a summoned department (one of its members, or the street on its behalf)
    says what it does."""
    return actions.do_report_whistle(actor(request), call_id, payload.report)


@router.post("/whistle-calls/{call_id}/rating", response={200: WhistleCallOut, **WRITE_ERRORS})
def rate_whistle(request, call_id: PathId, payload: WhistleRatingIn):
    """The street rates a department's response to its whistle (好 / 较好 / 差)."""
    return actions.do_rate_whistle(actor(request), call_id, payload.rating)


@router.post("/duty-lists/import", response={200: DutyListImportOut, **WRITE_ERRORS})
def import_duty_lists(
    request,
    area: Annotated[str, Form(..., min_length=1, description="code of the publishing area")],
    file: File[UploadedFile] = None,
):
    """Import units and duty-list items (.xlsx, the template's two sheets), all or nothing;
    a 400 lists every problem as row + column + reason."""
    if file is None:
        raise InvalidInput("file: missing or empty; upload the workbook (.xlsx)")
    unit_rows, item_rows = dutylists.read_workbook(file.read())
    return dutylists.do_import_duty_lists(actor(request), area, unit_rows, item_rows)


@router.post("/hotline/import", response={200: HotlineImportOut, **WRITE_ERRORS})
def import_hotline(request, file: File[UploadedFile] = None):
    """Import a 12345 hotline export (.xlsx or .csv), one case per row, all or nothing; a
    400 lists every problem as row + column + reason."""
    if file is None:
        raise InvalidInput("file: missing or empty; upload the hotline export (.xlsx or .csv)")
    rows = hotline.read(file.name, file.read())
    return {"created": hotline.do_import_hotline(actor(request), rows)}
