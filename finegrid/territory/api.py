"""REST API for areas and grids (Django Ninja). Thin: queries read, actions change."""

import json

from django.conf import settings
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finegrid.apicommon import QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, actor
from finegrid.territory import actions, queries
from finegrid.territory.models import AreaLevel, GridKind
from finegrid.territory.schemas import (
    AreaOut,
    FeatureCollectionOut,
    FeatureOut,
    GridIn,
    GridOut,
    GridPatch,
)

router = Router(tags=["territory"])

GEOJSON = "application/geo+json"


def _geojson_doc(schema: type[Schema]) -> dict:
    """OpenAPI text saying a 200 answer is GeoJSON of this shape."""
    return {
        "responses": {
            200: {
                "description": "GeoJSON (RFC 7946), WGS-84",
                "content": {GEOJSON: {"schema": schema.model_json_schema()}},
            }
        }
    }


BBOX = Field(
    None,
    pattern=queries.BBOX_PATTERN,
    description="west,south,east,north in WGS-84 degrees (any two opposite corners)",
    examples=["104.0,30.5,104.1,30.6"],
)


class AreaFilters(Schema):
    level: AreaLevel | None = None
    parent: str | None = Field(None, description="code of the parent area")
    code_prefix: str | None = None
    bbox: str | None = BBOX


class GridFilters(Schema):
    kind: GridKind | None = None
    parent: str | None = Field(None, description="code of the parent grid")
    code_prefix: str | None = None
    community: str | None = Field(None, description="code of the community")
    bbox: str | None = BBOX


class GeoJsonFilters(GridFilters):
    limit: int | None = Field(None, ge=1, description="most features to return")


@router.get("/areas", response={200: list[AreaOut], **QUERY_ERRORS})
@paginate(Pages)
def list_areas(request, filters: Query[AreaFilters]):
    """Administrative areas in your scope; bbox is west,south,east,north."""
    queryset = queries.areas(actor(request)).select_related("parent")
    return queries.filter_areas(queryset, **filters.dict())


@router.get("/areas/{code}", response={200: AreaOut, **READ_ERRORS})
def get_area(request, code: str):
    return queries.get_area(actor(request), code)


@router.get("/grids", response={200: list[GridOut], **QUERY_ERRORS})
@paginate(Pages)
def list_grids(request, filters: Query[GridFilters]):
    """Grids in your scope, filtered by kind, parent code, code prefix, community or bbox."""
    return queries.filter_grids(queries.grids(actor(request)), **filters.dict())


@router.get(
    "/grids.geojson",
    response={200: FeatureCollectionOut, **QUERY_ERRORS},
    openapi_extra=_geojson_doc(FeatureCollectionOut),
)
def grids_geojson(request, filters: Query[GeoJsonFilters]):
    """The same grids as a GeoJSON FeatureCollection, at most ``limit`` features (and never
    more than the server's FINEGRID_GEOJSON_MAX_FEATURES)."""
    values = filters.dict()
    limit = values.pop("limit") or settings.API_GEOJSON_MAX_FEATURES
    cap = min(limit, settings.API_GEOJSON_MAX_FEATURES)
    queryset = queries.filter_grids(queries.grids(actor(request)), **values)
    matched = queryset.count()
    body = queries.feature_collection(
        queryset[:cap], numberMatched=matched, numberReturned=min(matched, cap)
    )
    return HttpResponse(body, content_type=GEOJSON)


@router.get("/grids/code/{code}", response={200: GridOut, **READ_ERRORS})
def get_grid_by_code(request, code: str):
    return queries.get_grid(actor(request), code=code)


@router.get("/grids/{grid_id}", response={200: GridOut, **READ_ERRORS})
def get_grid(request, grid_id: int):
    return queries.get_grid(actor(request), pk=grid_id)


@router.get(
    "/grids/{grid_id}/geojson",
    response={200: FeatureOut, **READ_ERRORS},
    openapi_extra=_geojson_doc(FeatureOut),
)
def get_grid_geojson(request, grid_id: int):
    grid = queries.get_grid(actor(request), pk=grid_id)
    feature = json.loads(queries.feature_collection([grid]))["features"][0]
    return HttpResponse(json.dumps(feature, ensure_ascii=False), content_type=GEOJSON)


@router.post("/grids", response={201: GridOut, **WRITE_ERRORS})
def create_grid(request, payload: GridIn):
    """Create a general, micro or dedicated grid; its parent follows from its code."""
    values = payload.dict()
    grid = actions.do_create_grid(
        actor(request), **{k: v for k, v in values.items() if v is not None}
    )
    return Status(201, grid)


@router.patch("/grids/{grid_id}", response={200: GridOut, **WRITE_ERRORS})
def update_grid(request, grid_id: int, payload: GridPatch):
    grid = queries.get_grid(actor(request), pk=grid_id)
    return actions.do_update_grid(actor(request), grid, **payload.dict(exclude_unset=True))


@router.delete("/grids/{grid_id}", response={204: None, **WRITE_ERRORS})
def delete_grid(request, grid_id: int):
    grid = queries.get_grid(actor(request), pk=grid_id)
    actions.do_delete_grid(actor(request), grid)
    return Status(204, None)
