"""Reads of areas and grids, always through ``restrict(user)``.

``user=None`` means the command line, which runs with the operator's full rights.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db.models import Count, QuerySet

from finegrid import divisions
from finegrid.accounts.scope import path_q
from finegrid.errors import InvalidInput, NotFound, one_or_not_found
from finegrid.territory.models import AdminArea, Building, Compound, Dwelling, Grid, Route


def _restricted(queryset: QuerySet, user) -> QuerySet:
    return queryset if user is None else queryset.restrict(user)


def areas(user) -> QuerySet[AdminArea]:
    return _restricted(AdminArea.objects.all(), user)


def grids(user) -> QuerySet[Grid]:
    return _restricted(Grid.objects.select_related("community", "parent"), user)


def get_area(user, code: str) -> AdminArea:
    try:
        full = divisions.normalize_code(code)
    except divisions.UnknownDivision:
        raise NotFound(f"no administrative area with code {code}") from None
    return one_or_not_found(areas(user), f"no administrative area with code {code}", code=full)


def get_grid(user, *, pk: int | None = None, code: str | None = None) -> Grid:
    lookup = {"pk": pk} if pk is not None else {"code": code}
    return one_or_not_found(
        grids(user), f"no grid {'with id ' + str(pk) if pk is not None else code}", **lookup
    )


def get_node(user, code: str) -> AdminArea | Grid:
    """An area (2–12 digit code) or, for codes with a dash, a grid."""
    if "-" in code:
        return get_grid(user, code=code)
    return get_area(user, code)


BBOX_PATTERN = r"^\s*-?\d+(\.\d+)?(\s*,\s*-?\d+(\.\d+)?){3}\s*$"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``west,south,east,north`` in WGS-84 degrees; any two opposite corners will do."""
    try:
        x1, y1, x2, y2 = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidInput(
            f"bbox: {text!r} must be four numbers west,south,east,north (WGS-84 degrees)"
        ) from None
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def intersecting_bbox(queryset: QuerySet, box: tuple[float, float, float, float]) -> QuerySet:
    west, south, east, north = box
    return queryset.filter(
        min_lon__lte=east, max_lon__gte=west, min_lat__lte=north, max_lat__gte=south
    )


def filter_grids(
    queryset: QuerySet[Grid],
    *,
    kind: str | None = None,
    parent: str | None = None,
    code_prefix: str | None = None,
    community: str | None = None,
    bbox: str | None = None,
) -> QuerySet[Grid]:
    if kind:
        queryset = queryset.filter(kind=kind)
    if parent:
        queryset = queryset.filter(parent__code=parent)
    if code_prefix:
        queryset = queryset.filter(code__startswith=code_prefix)
    if community:
        queryset = queryset.filter(community__code=community.ljust(12, "0"))
    if bbox:
        queryset = intersecting_bbox(queryset, parse_bbox(bbox))
    return queryset


def filter_areas(
    queryset: QuerySet[AdminArea],
    *,
    level: str | None = None,
    parent: str | None = None,
    code_prefix: str | None = None,
    bbox: str | None = None,
) -> QuerySet[AdminArea]:
    if level:
        queryset = queryset.filter(level=level)
    if parent:
        queryset = queryset.filter(parent__code=parent.ljust(12, "0"))
    if code_prefix:
        queryset = queryset.filter(code__startswith=code_prefix)
    if bbox:
        queryset = intersecting_bbox(queryset, parse_bbox(bbox))
    return queryset


def grid_properties(grid: Grid) -> dict:
    return {
        "id": grid.pk,
        "code": grid.code,
        "kind": grid.kind,
        "name": grid.name,
        "parent": grid.parent.code if grid.parent_id else None,
        "community": grid.community.code,
        "site_kind": grid.site_kind or None,
    }


def geojson_feature(geometry_text: str, properties: dict) -> str:
    """One GeoJSON Feature as text, splicing in stored geometry text without parsing it."""
    return (
        f'{{"type":"Feature","geometry":{geometry_text or "null"},'
        f'"properties":{json.dumps(properties, ensure_ascii=False)}}}'
    )


def area_properties(area: AdminArea) -> dict:
    return {
        "code": area.code,
        "level": area.level,
        "name": area.name,
        "parent": area.parent.code if area.parent_id else None,
    }


def feature_collection(
    nodes: Iterable[Grid] | Iterable[AdminArea],
    extra_properties: dict[int, dict] | None = None,
    *,
    properties=grid_properties,
    **members,
) -> str:
    """GeoJSON FeatureCollection text of grids (or, with ``properties=area_properties``,
    areas); stored geometry text is spliced in, not re-parsed. ``extra_properties`` (by
    id) join each node's properties; ``members`` are added as foreign members (e.g.
    numberMatched)."""
    extra = extra_properties or {}
    features = (
        geojson_feature(node.geometry, properties(node) | extra.get(node.pk, {})) for node in nodes
    )
    foreign = "".join(
        f",{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}" for k, v in members.items()
    )
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]" + foreign + "}"


def route_properties(grids_: QuerySet[Grid]) -> dict[int, dict]:
    """Micro-grids' division results in `finegrid divide` output form (general_grid,
    households, minutes, parts), by grid id."""
    routes = Route.objects.filter(grid__in=grids_).select_related("grid__parent")
    return {
        route.grid_id: {
            "general_grid": route.grid.parent.code,
            "households": route.households,
            "minutes": route.minutes,
            "parts": route.stops,
        }
        for route in routes
    }


def grids_under(user, area: AdminArea | Grid) -> QuerySet[Grid]:
    """Every grid in scope at or below an area or grid, parents before children."""
    return grids(user).filter(path_q((area.path,)))


def compounds(user) -> QuerySet[Compound]:
    return _restricted(Compound.objects.select_related("community", "grid"), user)


def buildings(user) -> QuerySet[Building]:
    return _restricted(
        Building.objects.select_related("community", "grid", "compound").annotate(
            households=Count("dwellings__household")
        ),
        user,
    )


def dwellings(user) -> QuerySet[Dwelling]:
    return _restricted(
        Dwelling.objects.select_related("building", "entrance", "grid", "household__head"),
        user,
    )


def get_building(user, ref: str) -> Building:
    return one_or_not_found(buildings(user), f"no building {ref}", ref=ref)


def get_dwelling(user, pk: int) -> Dwelling:
    return one_or_not_found(dwellings(user), f"no dwelling with id {pk}", pk=pk)


def building_features(buildings_: Iterable[Building]) -> str:
    """Buildings as GeoJSON in the division engine's input format (finegrid divide)."""
    features = []
    for building in buildings_:
        grid = building.grid
        general = grid.parent if grid and grid.kind == "micro" else grid
        properties = {
            "id": building.ref,
            "name": building.name,
            "households": building.households,
            "floors": building.floors,
            "entrances": building.entrances,
            "elevator": building.elevator,
            "dwellings_per_floor": building.dwellings_per_floor,
            "compound": building.compound.ref if building.compound_id else None,
            "general_grid": general.code if general and general.kind == "general" else None,
            "community": building.community.code,
            "kind": building.kind,
        }
        features.append(geojson_feature(building.geometry, properties))
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"
