"""REST API of campaigns: launch, visits from the phone, progress, reassignment, close."""

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finegrid.apicommon import QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, PathId, actor
from finegrid.campaigns import actions, queries
from finegrid.campaigns.schemas import (
    AlertOut,
    CampaignIn,
    CampaignOut,
    ProgressOut,
    ReassignIn,
    ReassignOut,
    SectionState,
    VisitIn,
    VisitOut,
    VisitsIn,
    VisitsOut,
)

router = Router(tags=["campaigns"])


@router.get("/campaigns", response={200: list[CampaignOut], **QUERY_ERRORS})
@paginate(Pages)
def list_campaigns(request):
    """Campaigns over, or reaching into, your scope; the newest first."""
    return queries.campaigns(actor(request))


@router.post("/campaigns", response={201: CampaignOut, **WRITE_ERRORS})
def launch_campaign(request, payload: CampaignIn):
    """Launch: every household under the scope is assigned to its grid's worker."""
    values = payload.dict()
    values["checklist"] = [dict(q) for q in values["checklist"]]
    return Status(201, actions.do_launch_campaign(actor(request), **values))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **READ_ERRORS})
def get_campaign(request, campaign_id: PathId):
    return queries.get_campaign(actor(request), campaign_id)


@router.post(
    "/campaigns/{campaign_id}/visits", response={200: VisitOut, 201: VisitOut, **WRITE_ERRORS}
)
def record_visit(request, campaign_id: PathId, payload: VisitIn):
    """One outcome at one door (201). A `client_id` sent before answers with the first
    record (200) and changes nothing."""
    visit, created = actions.do_record_visit(actor(request), campaign_id, **payload.dict())
    return Status(201 if created else 200, visit)


@router.post("/campaigns/{campaign_id}/visits/batch", response={200: VisitsOut, **WRITE_ERRORS})
def record_visits(request, campaign_id: PathId, payload: VisitsIn):
    """A phone's queue of outcomes (up to 500) in one request and one transaction, each
    item as `POST …/visits` would take it; a result per item, in order (201 stored now,
    200 a `client_id` stored before, answered with its first record). All or nothing:
    the first item refused answers as `POST …/visits` would (400, 404, 409), naming it
    `visits[N]`, and nothing is stored."""
    items = [actions.VisitItem(**item.dict()) for item in payload.visits]
    results = actions.do_record_visits(actor(request), campaign_id, items)
    return {
        "created": sum(r.created for r in results),
        "results": [
            {"client_id": str(i.client_id), "status": 201 if r.created else 200, "visit": r.visit}
            for i, r in zip(items, results, strict=True)
        ],
    }


class NodeQuery(Schema):
    grid: str | None = Field(None, description="code of an area or grid: figures under it")


@router.get("/campaigns/{campaign_id}/progress", response={200: ProgressOut, **QUERY_ERRORS})
def progress(request, campaign_id: PathId, query: Query[NodeQuery]):
    """Households reached, outcomes, micro-grids done and late, the projected finish, for
    the node and each node one level below it."""
    campaign = queries.get_campaign(actor(request), campaign_id)
    return queries.progress(actor(request), campaign, query.grid)


@router.get("/campaigns/{campaign_id}/grids", response={200: list[SectionState], **QUERY_ERRORS})
def section_states(request, campaign_id: PathId, query: Query[NodeQuery]):
    """Each micro-grid's state, for the live map."""
    campaign = queries.get_campaign(actor(request), campaign_id)
    return queries.section_states(actor(request), campaign, query.grid)


@router.get("/campaigns/{campaign_id}/alerts", response={200: list[AlertOut], **READ_ERRORS})
def alerts(request, campaign_id: PathId):
    campaign = queries.get_campaign(actor(request), campaign_id)
    return queries.alerts(actor(request), campaign)


@router.post("/campaigns/{campaign_id}/reassign", response={200: ReassignOut, **WRITE_ERRORS})
def reassign(request, campaign_id: PathId, payload: ReassignIn):
    """Hand a micro-grid's households not yet reached (all, or those listed) to a
    neighbouring worker."""
    moved = actions.do_reassign(actor(request), campaign_id, **payload.dict())
    return {"moved": moved}


class CloseIn(Schema):
    pass


@router.post("/campaigns/{campaign_id}/close", response={200: CampaignOut, **WRITE_ERRORS})
def close(request, campaign_id: PathId, payload: CloseIn):
    return actions.do_close_campaign(actor(request), campaign_id)
