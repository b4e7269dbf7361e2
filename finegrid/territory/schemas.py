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
