"""REST API for party organizations, workers and the coverage report."""

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finegrid.accounts.scope import path_q
from finegrid.apicommon import QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, PathId, actor
from finegrid.org import actions, queries
from finegrid.org.schemas import (
    CoverageOut,
    MembershipIn,
    MembershipOut,
    PartyOrgIn,
    PartyOrgOut,
    PartyOrgPatch,
    WorkerEndIn,
    WorkerIn,
    WorkerOut,
    WorkerPatch,
)
from finegrid.territory import queries as territory

router = Router(tags=["org"])


class UnderGrid(Schema):
    grid: str | None = Field(None, description="code of a grid: at or below it")


def _under(request, queryset, filters: UnderGrid):
    if filters.grid:
        grid = territory.get_grid(actor(request), filters.grid)
        queryset = queryset.filter(path_q((grid.path,)))
    return queryset


@router.get("/party-orgs", response={200: list[PartyOrgOut], **QUERY_ERRORS})
@paginate(Pages)
def list_party_orgs(request, filters: Query[UnderGrid]):
    return _under(request, queries.party_orgs(actor(request)), filters)


@router.get("/party-orgs/{org_id}", response={200: PartyOrgOut, **READ_ERRORS})
def get_party_org(request, org_id: PathId):
    return queries.get_party_org(actor(request), org_id)


@router.post("/party-orgs", response={201: PartyOrgOut, **WRITE_ERRORS})
def create_party_org(request, payload: PartyOrgIn):
    """Set up a grid's party organization, under that of the grid's parent."""
    org = actions.do_create_party_org(
        actor(request), payload.grid, name=payload.name, founded=payload.founded
    )
    return Status(201, org)


@router.patch("/party-orgs/{org_id}", response={200: PartyOrgOut, **WRITE_ERRORS})
def update_party_org(request, org_id: PathId, payload: PartyOrgPatch):
    return actions.do_update_party_org(actor(request), org_id, **payload.dict(exclude_unset=True))


@router.post("/party-orgs/{org_id}/members", response={201: MembershipOut, **WRITE_ERRORS})
def add_member(request, org_id: PathId, payload: MembershipIn):
    membership = actions.do_add_member(actor(request), org_id, payload.person, payload.role)
    return Status(201, membership)


class WorkerFilters(UnderGrid):
    role: str | None = None
    active: bool | None = Field(None, description="only assignments running today")


@router.get("/workers", response={200: list[WorkerOut], **QUERY_ERRORS})
@paginate(Pages)
def list_workers(request, filters: Query[WorkerFilters]):
    queryset = _under(request, queries.workers(actor(request)), filters)
    if filters.role:
        queryset = queryset.filter(role=filters.role)
    if filters.active:
        queryset = queryset.active()
    return queryset


@router.get("/workers/{worker_id}", response={200: WorkerOut, **READ_ERRORS})
def get_worker(request, worker_id: PathId):
    return queries.get_worker(actor(request), worker_id)


@router.post("/workers", response={201: WorkerOut, **WRITE_ERRORS})
def assign_worker(request, payload: WorkerIn):
    values = payload.dict()
    grid = values.pop("grid")
    return Status(201, actions.do_assign_worker(actor(request), grid, **values))


@router.patch("/workers/{worker_id}", response={200: WorkerOut, **WRITE_ERRORS})
def update_worker(request, worker_id: PathId, payload: WorkerPatch):
    """Correct a worker's name or work phone; reassigning means ending and assigning."""
    return actions.do_update_worker(actor(request), worker_id, **payload.dict(exclude_unset=True))


@router.post("/workers/{worker_id}/end", response={200: WorkerOut, **WRITE_ERRORS})
def end_worker(request, worker_id: PathId, payload: WorkerEndIn):
    return actions.do_end_worker(actor(request), worker_id, payload.end)


class CoverageQuery(Schema):
    area: str = Field(description="area or grid code")


@router.get("/coverage", response={200: CoverageOut, **QUERY_ERRORS})
def coverage(request, query: Query[CoverageQuery]):
    """Grids without a worker or party organization, micro-grid workers who do not live in
    their micro-grid, and general grids outside 300–500 households."""
    node = territory.get_node(actor(request), query.area)
    return queries.coverage(actor(request), node).as_dict()
