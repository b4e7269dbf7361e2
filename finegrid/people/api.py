"""REST API for households and persons, rosters, and unmasking (audited)."""

from typing import Annotated

from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from finegrid.accounts.scope import path_q
from finegrid.apicommon import QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, PathId, RefId, actor
from finegrid.downloads import XLSX, attachment
from finegrid.errors import InvalidInput
from finegrid.people import actions, queries, roster
from finegrid.people.schemas import (
    HouseholdIn,
    HouseholdOut,
    HouseholdPatch,
    ImportReportOut,
    MoveIn,
    PersonIn,
    PersonOut,
    PersonPatch,
    UnmaskedOut,
    UnmaskIn,
)
from finegrid.territory import queries as territory

router = Router(tags=["people"])


class HouseholdFilters(Schema):
    grid: str | None = Field(None, description="code of a grid: households at or below it")
    building: str | None = Field(None, description="ref of the building")


@router.get("/households", response={200: list[HouseholdOut], **QUERY_ERRORS})
@paginate(Pages)
def list_households(request, filters: Query[HouseholdFilters]):
    queryset = queries.households(actor(request))
    if filters.grid:
        grid = territory.get_grid(actor(request), filters.grid)
        queryset = queryset.filter(path_q((grid.path,)))
    if filters.building:
        queryset = queryset.filter(dwelling__building__ref=filters.building)
    return queryset


@router.get("/households/{household_id}", response={200: HouseholdOut, **READ_ERRORS})
def get_household(request, household_id: PathId):
    return queries.get_household(actor(request), household_id)


@router.post("/households", response={201: HouseholdOut, **WRITE_ERRORS})
def create_household(request, payload: HouseholdIn):
    """Register a household on an empty dwelling, with its head."""
    household = actions.do_create_household(
        actor(request), payload.dwelling, payload.head.dict(exclude_none=True)
    )
    return Status(201, queries.get_household(actor(request), household.pk))


@router.patch("/households/{household_id}", response={200: HouseholdOut, **WRITE_ERRORS})
def update_household(request, household_id: PathId, payload: HouseholdPatch):
    """Change the head of household (户主) to another member; a move has its own call."""
    actions.do_set_head(actor(request), household_id, payload.head)
    return queries.get_household(actor(request), household_id)


@router.post("/households/{household_id}/move", response={200: HouseholdOut, **WRITE_ERRORS})
def move_household(request, household_id: PathId, payload: MoveIn):
    """Move a household to another (empty) dwelling; the move is kept in its history."""
    actions.do_move_household(actor(request), household_id, payload.dwelling)
    return queries.get_household(actor(request), household_id)


class PersonFilters(Schema):
    name: str | None = Field(None, description="part of the name")
    household: RefId | None = None


@router.get("/persons", response={200: list[PersonOut], **QUERY_ERRORS})
@paginate(Pages)
def list_persons(request, filters: Query[PersonFilters]):
    """Persons in your scope, masked; filter by part of the name or by household."""
    queryset = queries.search_persons(actor(request), name=filters.name or "")
    if filters.household:
        queryset = queryset.filter(household_id=filters.household)
    return queryset


class PersonSearch(Schema):
    name: str = ""
    id_number: str = Field("", description="a whole ID number (exact match)")
    phone: str = Field("", description="a whole mobile number (exact match)")


@router.post("/persons/search", response={200: list[PersonOut], **WRITE_ERRORS})
@paginate(Pages)
def search_persons(request, payload: PersonSearch):
    """Find persons in your scope by a whole ID or phone number (or name). A POST, so that
    the numbers never land in URLs and server logs."""
    return queries.search_persons(actor(request), **payload.dict())


@router.get("/persons/{person_id}", response={200: PersonOut, **READ_ERRORS})
def get_person(request, person_id: PathId):
    return queries.get_person(actor(request), person_id)


@router.post("/persons", response={201: PersonOut, **WRITE_ERRORS})
def create_person(request, payload: PersonIn):
    values = payload.dict(exclude_none=True)
    household = values.pop("household")
    return Status(201, actions.do_add_person(actor(request), household, **values))


@router.patch("/persons/{person_id}", response={200: PersonOut, **WRITE_ERRORS})
def update_person(request, person_id: PathId, payload: PersonPatch):
    return actions.do_update_person(actor(request), person_id, **payload.dict(exclude_unset=True))


@router.post("/persons/{person_id}/unmask", response={200: UnmaskedOut, **WRITE_ERRORS})
def unmask_person(request, person_id: PathId, payload: UnmaskIn):
    """The person's ID number, phone and sensitive flags in clear. Needs the unmask
    permission and a reason; every call is written to the audit log."""
    return actions.do_unmask_person(actor(request), person_id, payload.reason)


@router.get(
    "/registry/template.xlsx",
    response={200: bytes, **READ_ERRORS},
    openapi_extra={
        "responses": {200: {"description": "the roster template", "content": {XLSX: {}}}}
    },
)
def roster_template(request):
    """The household roster template (.xlsx) with one example row."""
    return attachment(roster.template_bytes("xlsx"), "roster-template.xlsx")


@router.post("/registry/import", response={200: ImportReportOut, **WRITE_ERRORS})
def import_roster(
    request,
    community: Annotated[str, Form(..., min_length=1, description="code of the community")],
    file: File[UploadedFile] = None,
):
    """Import a roster (.xlsx or .csv) into a community, all or nothing; a 400 lists every
    problem as row + column + reason."""
    # An empty upload reaches Django as no file at all; say so as a problem of the input.
    if file is None:
        raise InvalidInput("file: missing or empty; upload the roster as .xlsx or .csv")
    try:
        cells = list(roster.read(file.name, file.read()))
    except roster.RosterFormatError as error:
        raise InvalidInput(str(error)) from None
    return actions.do_import_roster(actor(request), community, cells)


class ExportFilters(Schema):
    area: str = Field(description="area or grid code")
    format: str = Field("xlsx", pattern="^(xlsx|csv)$")


@router.get(
    "/registry/export",
    response={200: bytes, **QUERY_ERRORS},
    openapi_extra={
        "responses": {
            200: {"description": "the roster, masked", "content": {XLSX: {}, "text/csv": {}}}
        }
    },
)
def export_roster(request, filters: Query[ExportFilters]):
    """The roster of an area or grid, masked."""
    rows = actions.do_export_roster(actor(request), filters.area)
    content = roster.to_bytes(rows, filters.format)
    return attachment(content, f"roster-{filters.area}.{filters.format}")
