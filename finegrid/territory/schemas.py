"""API shapes of areas and grids."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


def bbox_of(obj) -> list[float] | None:
    if obj.min_lon is None:
        return None
    return [obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat]


class AreaOut(Schema):
    id: int
    code: str = Field(description="12-digit NBS statistical code")
    short_code: str
    level: str
    name: str
    is_village: bool
    parent: str | None = Field(description="code of the parent area")
    path: str
    bbox: list[float] | None = Field(description="[west, south, east, north], WGS-84")

    @staticmethod
    def resolve_parent(area) -> str | None:
        return area.parent.code if area.parent_id else None

    @staticmethod
    def resolve_bbox(area) -> list[float] | None:
        return bbox_of(area)


class GridOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    parent: str | None = Field(description="code of the parent grid")
    community: str = Field(description="12-digit code of the community")
    site_kind: str | None
    path: str
    bbox: list[float] | None = Field(description="[west, south, east, north], WGS-84")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_parent(grid) -> str | None:
        return grid.parent.code if grid.parent_id else None

    @staticmethod
    def resolve_community(grid) -> str:
        return grid.community.code

    @staticmethod
    def resolve_site_kind(grid) -> str | None:
        return grid.site_kind or None

    @staticmethod
    def resolve_bbox(grid) -> list[float] | None:
        return bbox_of(grid)


class GridIn(Schema):
    code: str = Field(examples=["510116001005-003-07"])
    kind: str | None = Field(None, description="community/general/micro/dedicated; read from code")
    name: str | None = None
    parent: str | None = Field(None, description="must be the parent the code implies")
    geometry: dict | None = Field(None, description="GeoJSON Polygon or MultiPolygon, WGS-84")
    site_kind: str | None = Field(None, description="dedicated grids only")


class GridPatch(Schema):
    name: str | None = None
    geometry: dict | None = None
    site_kind: str | None = None


class FeatureCollectionOut(Schema):
    type: str = "FeatureCollection"
    features: list[dict]
    numberMatched: int | None = None  # OGC API Features names
    numberReturned: int | None = None


class FeatureOut(Schema):
    type: str = "Feature"
    geometry: dict | None
    properties: dict


class CompoundOut(Schema):
    id: int
    ref: str
    name: str
    kind: str
    community: str
    grid: str | None
    bbox: list[float] | None

    @staticmethod
    def resolve_community(compound) -> str:
        return compound.community.code

    @staticmethod
    def resolve_grid(compound) -> str | None:
        return compound.grid.code if compound.grid_id else None

    @staticmethod
    def resolve_bbox(compound) -> list[float] | None:
        return bbox_of(compound)


class CompoundIn(Schema):
    ref: str
    community: str
    name: str
    kind: str = "other"
    geometry: dict | None = None


class CompoundPatch(Schema):
    name: str | None = None
    kind: str | None = None
    geometry: dict | None = None


class BuildingOut(Schema):
    id: int
    ref: str
    name: str
    kind: str
    community: str
    compound: str | None
    grid: str | None
    floors: int
    entrances: int
    elevator: bool
    dwellings_per_floor: int
    households: int
    bbox: list[float] | None

    @staticmethod
    def resolve_community(building) -> str:
        return building.community.code

    @staticmethod
    def resolve_compound(building) -> str | None:
        return building.compound.ref if building.compound_id else None

    @staticmethod
    def resolve_grid(building) -> str | None:
        return building.grid.code if building.grid_id else None

    @staticmethod
    def resolve_bbox(building) -> list[float] | None:
        return bbox_of(building)


class BuildingFeatureIn(Schema):
    """One building as a GeoJSON Feature in the division engine's format."""

    type: str = "Feature"
    geometry: dict | None = None
    properties: dict = Field(
        description="id (required), name, households, floors, entrances, elevator, "
        "dwellings_per_floor, compound, general_grid or community, kind"
    )


class BuildingPatch(Schema):
    name: str | None = None
    kind: str | None = None
    floors: int | None = None
    entrances: int | None = None
    elevator: bool | None = None
    dwellings_per_floor: int | None = None
    compound: str | None = None
    geometry: dict | None = None


class DwellingOut(Schema):
    id: int
    building: str
    entrance: int
    floor: int
    room: str
    use: str
    grid: str | None
    household: int | None

    @staticmethod
    def resolve_building(dwelling) -> str:
        return dwelling.building.ref

    @staticmethod
    def resolve_entrance(dwelling) -> int:
        return dwelling.entrance.number

    @staticmethod
    def resolve_grid(dwelling) -> str | None:
        return dwelling.grid.code if dwelling.grid_id else None

    @staticmethod
    def resolve_household(dwelling) -> int | None:
        return getattr(getattr(dwelling, "household", None), "pk", None)


class DwellingIn(Schema):
    building: str = Field(description="ref of the building")
    entrance: int
    floor: int
    room: str
    use: str = "residential"


class DwellingPatch(Schema):
    entrance: int | None = None
    floor: int | None = None
    room: str | None = None
    use: str | None = None
