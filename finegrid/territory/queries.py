"""Reads of areas, grids and places, always through ``restrict(user, action)``; the
``get_*`` functions are also how actions look up every object a request names."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import models
from django.db.models import Count, QuerySet

from finegrid import divisions
from finegrid.accounts.scope import access, path_q
from finegrid.errors import InvalidInput, NotFound
from finegrid.territory.models import (
    AdminArea,
    AreaLevel,
    Building,
    Compound,
    Dwelling,
    Grid,
    Route,
)


def lookup(ref, text_key: str) -> dict:
    """How a reference finds its row: a row or a number by primary key, text by
    ``text_key`` (a grid's code, a building's or compound's ref)."""
    if isinstance(ref, models.Model):
        return {"pk": ref.pk}
    if isinstance(ref, int):
        return {"pk": ref}
    return {text_key: ref}


def areas(user, action: str = "view") -> QuerySet[AdminArea]:
    return AdminArea.objects.restrict(user, action)


def grids(user, action: str = "view") -> QuerySet[Grid]:
    return Grid.objects.select_related("community", "parent").restrict(user, action)


def get_area(user, code: str, action: str = "view") -> AdminArea:
    missing = f"no administrative area with code {code}"
    try:
        full = divisions.normalize_code(code)
    except divisions.UnknownDivision:
        raise NotFound(missing) from None
    return access(user, action, AdminArea.objects.all(), missing, code=full)


def get_community(user, code: str, action: str = "view") -> AdminArea:
    """A community (社区/村) by its code, given with or without the trailing zeros."""
    full = str(code).ljust(12, "0")
    return access(
        user,
        action,
        AdminArea.objects.filter(level=AreaLevel.COMMUNITY),
        f"no community {code}",
        code=full,
    )


def get_grid(user, ref: Grid | int | str, action: str = "view") -> Grid:
    """A grid by row, id or code."""
    key = lookup(ref, "code")
    missing = f"no grid with id {key['pk']}" if "pk" in key else f"no grid {ref}"
    return access(user, action, Grid.objects.select_related("community", "parent"), missing, **key)


def get_node(user, code: str, action: str = "view") -> AdminArea | Grid:
    """An area (2–12 digit code) or, for codes with a dash, a grid."""
    if "-" in code:
        return get_grid(user, code, action)
    return get_area(user, code, action)


def communities_by_code(user, community_codes: Iterable[str]) -> dict[str, AdminArea]:
    """The communities among ``community_codes`` the user may see, by code (batch imports
    look up every community their rows name at once)."""
    found = areas(user).filter(code__in=set(community_codes), level=AreaLevel.COMMUNITY)
    return {area.code: area for area in found}


def grids_by_code(user, grid_codes: Iterable[str]) -> dict[str, Grid]:
    """The grids among ``grid_codes`` the user may see, by code."""
    return {grid.code: grid for grid in grids(user).filter(code__in=set(grid_codes))}


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


def compounds(user, action: str = "view") -> QuerySet[Compound]:
    return Compound.objects.select_related("community", "grid").restrict(user, action)


def _buildings() -> QuerySet[Building]:
    return Building.objects.select_related("community", "grid", "compound").annotate(
        households=Count("dwellings__household")
    )


def buildings(user, action: str = "view") -> QuerySet[Building]:
    return _buildings().restrict(user, action)


def _dwellings() -> QuerySet[Dwelling]:
    return Dwelling.objects.select_related("building", "entrance", "grid", "household__head")


def dwellings(user, action: str = "view") -> QuerySet[Dwelling]:
    return _dwellings().restrict(user, action)


def get_compound(
    user, ref: Compound | int | str, action: str = "view", community: AdminArea | None = None
) -> Compound:
    """A compound by row, id, or ref within ``community`` (refs are unique per community)."""
    key = lookup(ref, "ref")
    if "ref" in key:
        key["community"] = community
    missing = f"no compound with id {key['pk']}" if "pk" in key else f"no compound {ref}"
    return access(
        user, action, Compound.objects.select_related("community", "grid"), missing, **key
    )


def get_building(user, ref: Building | str, action: str = "view") -> Building:
    """A building by row or ref."""
    key = lookup(ref, "ref")
    name = ref.ref if isinstance(ref, Building) else ref
    return access(user, action, _buildings(), f"no building {name}", **key)


def get_dwelling(user, ref: Dwelling | int, action: str = "view") -> Dwelling:
    key = lookup(ref, "pk")
    return access(user, action, _dwellings(), f"no dwelling with id {key['pk']}", **key)


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
