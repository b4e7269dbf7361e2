"""The map's data: grids as GeoJSON with the measures the map colours them by."""

from django.conf import settings
from django.http import HttpResponse
from ninja import Query, Router

from finegrid.apicommon import QUERY_ERRORS, actor
from finegrid.territory import queries
from finegrid.territory.api import GEOJSON, GeoJsonFilters, _geojson_doc
from finegrid.territory.schemas import FeatureCollectionOut
from finegrid.web.queries import grid_stats

router = Router(tags=["map"])


@router.get(
    "/map/grids.geojson",
    response={200: FeatureCollectionOut, **QUERY_ERRORS},
    openapi_extra=_geojson_doc(FeatureCollectionOut),
)
def map_grids(request, filters: Query[GeoJsonFilters]):
    """Grids in your scope with households, minutes (micro-grids), active workers and
    whether a party organization exists, for colouring the map."""
    values = filters.dict()
    cap = min(
        values.pop("limit") or settings.API_GEOJSON_MAX_FEATURES, settings.API_GEOJSON_MAX_FEATURES
    )
    grids = list(
        queries.filter_grids(queries.grids(actor(request)), **values).exclude(geometry="")[:cap]
    )
    body = queries.feature_collection(grids, grid_stats(actor(request), grids))
    return HttpResponse(body, content_type=GEOJSON)
