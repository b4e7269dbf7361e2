"""REST API for areas, grids and places (Django Ninja). Thin: queries read, actions change."""

import json

from django.conf import settings
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from finegrid.accounts.scope import path_q
from finegrid.apicommon import QUERY_ERRORS, READ_ERRORS, WRITE_ERRORS, Pages, PathId, actor
from finegrid.errors import Conflict
from finegrid.territory import actions, queries
from finegrid.territory.models import AreaLevel, GridKind
from finegrid.territory.schemas import (
    AreaOut,
    BuildingFeatureIn,
    BuildingOut,
    BuildingPatch,
    CompoundIn,
    CompoundOut,
    CompoundPatch,
    DwellingIn,
    DwellingOut,
    DwellingPatch,
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


class FeatureLimit(Schema):
    limit: int | None = Field(None, ge=1, description="most features to return")


class AreaGeoJsonFilters(AreaFilters, FeatureLimit):
    pass


class GeoJsonFilters(GridFilters, FeatureLimit):
    pass


@router.get("/areas", response={200: list[AreaOut], **QUERY_ERRORS})
@paginate(Pages)
def list_areas(request, filters: Query[AreaFilters]):
    """Administrative areas in your scope; bbox is west,south,east,north."""
    queryset = queries.areas(actor(request)).select_related("parent")
    return queries.filter_areas(queryset, **filters.dict())


@router.get(
    "/areas.geojson",
    response={200: FeatureCollectionOut, **QUERY_ERRORS},
    openapi_extra=_geojson_doc(FeatureCollectionOut),
)
def areas_geojson(request, filters: Query[AreaGeoJsonFilters]):
    """The same areas as a GeoJSON FeatureCollection. The NBS codes carry no boundaries:
    an area's geometry is null unless one was loaded (a community's boundary is its
    community grid's)."""
    queryset = queries.filter_areas(
        queries.areas(actor(request)).select_related("parent"), **filters.dict(exclude={"limit"})
    )
    return _capped_collection(queryset, filters.limit, properties=queries.area_properties)


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
    queryset = queries.filter_grids(
        queries.grids(actor(request)), **filters.dict(exclude={"limit"})
    )
    return _capped_collection(queryset, filters.limit)


def _capped_collection(queryset, limit: int | None, **options) -> HttpResponse:
    """At most ``limit`` features, and never more than the server's
    FINEGRID_GEOJSON_MAX_FEATURES, with the counts matched and returned."""
    cap = min(limit or settings.API_GEOJSON_MAX_FEATURES, settings.API_GEOJSON_MAX_FEATURES)
    matched = queryset.count()
    body = queries.feature_collection(
        queryset[:cap], numberMatched=matched, numberReturned=min(matched, cap), **options
    )
    return HttpResponse(body, content_type=GEOJSON)


@router.get("/grids/code/{code}", response={200: GridOut, **READ_ERRORS})
def get_grid_by_code(request, code: str):
    return queries.get_grid(actor(request), code)


@router.get("/grids/{grid_id}", response={200: GridOut, **READ_ERRORS})
def get_grid(request, grid_id: PathId):
    return queries.get_grid(actor(request), grid_id)


@router.get(
    "/grids/{grid_id}/geojson",
    response={200: FeatureOut, **READ_ERRORS},
    openapi_extra=_geojson_doc(FeatureOut),
)
def get_grid_geojson(request, grid_id: PathId):
    grid = queries.get_grid(actor(request), grid_id)
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
def update_grid(request, grid_id: PathId, payload: GridPatch):
    return actions.do_update_grid(actor(request), grid_id, **payload.dict(exclude_unset=True))


@router.delete("/grids/{grid_id}", response={204: None, **WRITE_ERRORS})
def delete_grid(request, grid_id: PathId):
    actions.do_delete_grid(actor(request), grid_id)
    return Status(204, None)


# --- Places -----------------------------------------------------------------------------------


class PlaceFilters(Schema):
    community: str | None = Field(None, description="code of the community")
    grid: str | None = Field(None, description="code of a grid: places at or below it")
    bbox: str | None = BBOX


def _filter_places(user, queryset, filters: PlaceFilters):
    values = filters.dict()
    if values["community"]:
        queryset = queryset.filter(community__code=values["community"].ljust(12, "0"))
    if values["grid"]:
        grid = queries.get_grid(user, values["grid"])
        queryset = queryset.filter(path_q((grid.path,)))
    if values["bbox"]:
        queryset = queries.intersecting_bbox(queryset, queries.parse_bbox(values["bbox"]))
    return queryset


@router.get("/compounds", response={200: list[CompoundOut], **QUERY_ERRORS})
@paginate(Pages)
def list_compounds(request, filters: Query[PlaceFilters]):
    """Compounds (小区/院落) in your scope."""
    return _filter_places(actor(request), queries.compounds(actor(request)), filters)


@router.get("/compounds/{compound_id}", response={200: CompoundOut, **READ_ERRORS})
def get_compound(request, compound_id: PathId):
    return queries.get_compound(actor(request), compound_id)


@router.post("/compounds", response={201: CompoundOut, **WRITE_ERRORS})
def create_compound(request, payload: CompoundIn):
    compound = actions.do_create_compound(actor(request), **payload.dict())
    return Status(201, compound)


@router.patch("/compounds/{compound_id}", response={200: CompoundOut, **WRITE_ERRORS})
def update_compound(request, compound_id: PathId, payload: CompoundPatch):
    return actions.do_update_compound(
        actor(request), compound_id, **payload.dict(exclude_unset=True)
    )


class BuildingFilters(PlaceFilters):
    compound: str | None = Field(None, description="ref of the compound")


def _buildings(request, filters: BuildingFilters):
    queryset = queries.buildings(actor(request))
    if filters.compound:
        queryset = queryset.filter(compound__ref=filters.compound)
    return _filter_places(actor(request), queryset, filters).order_by("ref")


@router.get("/buildings", response={200: list[BuildingOut], **QUERY_ERRORS})
@paginate(Pages)
def list_buildings(request, filters: Query[BuildingFilters]):
    """Buildings (楼栋) in your scope with their registered households."""
    return _buildings(request, filters)


@router.get(
    "/buildings.geojson",
    response={200: FeatureCollectionOut, **QUERY_ERRORS},
    openapi_extra=_geojson_doc(FeatureCollectionOut),
)
def buildings_geojson(request, filters: Query[BuildingFilters]):
    """Buildings as GeoJSON in the input format of `finegrid divide`."""
    features = queries.building_features(_buildings(request, filters))
    return HttpResponse(features, content_type=GEOJSON)


@router.get("/buildings/{ref}", response={200: BuildingOut, **READ_ERRORS})
def get_building(request, ref: str):
    return queries.get_building(actor(request), ref)


@router.post("/buildings", response={201: BuildingOut, **WRITE_ERRORS})
def create_building(request, payload: BuildingFeatureIn):
    """Register one building with its entrances and dwellings."""
    ref = str(payload.properties.get("id") or "")
    if ref and queries.buildings(actor(request)).filter(ref=ref).exists():
        raise Conflict(f"id: building {ref} already exists")
    actions.do_import_buildings(
        actor(request), {"type": "FeatureCollection", "features": [payload.dict()]}
    )
    return Status(201, queries.get_building(actor(request), ref))


@router.patch("/buildings/{ref}", response={200: BuildingOut, **WRITE_ERRORS})
def update_building(request, ref: str, payload: BuildingPatch):
    actions.do_update_building(actor(request), ref, **payload.dict(exclude_unset=True))
    return queries.get_building(actor(request), ref)


class DwellingFilters(Schema):
    building: str | None = Field(None, description="ref of the building")


@router.get("/dwellings", response={200: list[DwellingOut], **QUERY_ERRORS})
@paginate(Pages)
def list_dwellings(request, filters: Query[DwellingFilters]):
    """Dwellings (房屋) in your scope."""
    queryset = queries.dwellings(actor(request))
    if filters.building:
        queryset = queryset.filter(building__ref=filters.building)
    return queryset


@router.get("/dwellings/{dwelling_id}", response={200: DwellingOut, **READ_ERRORS})
def get_dwelling(request, dwelling_id: PathId):
    return queries.get_dwelling(actor(request), dwelling_id)


@router.post("/dwellings", response={201: DwellingOut, **WRITE_ERRORS})
def create_dwelling(request, payload: DwellingIn):
    dwelling = actions.do_create_dwelling(actor(request), **payload.dict())
    return Status(201, queries.get_dwelling(actor(request), dwelling.pk))


@router.patch("/dwellings/{dwelling_id}", response={200: DwellingOut, **WRITE_ERRORS})
def update_dwelling(request, dwelling_id: PathId, payload: DwellingPatch):
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    actions.do_update_dwelling(actor(request), dwelling_id, **changes)
    return queries.get_dwelling(actor(request), dwelling_id)
