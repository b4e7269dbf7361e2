"""GeoJSON geometry in and out of the database: WGS-84 longitude/latitude, validated
with Shapely, stored as GeoJSON text next to its bounding box."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

# Six decimals of a degree are ~0.1 m: finer than any boundary drawn on a map.
PRECISION = 6
AREAL_TYPES = ("Polygon", "MultiPolygon")
# A building may be drawn as its footprint or, where none is surveyed, as a point.
PLACE_TYPES = ("Point", *AREAL_TYPES)


class GeometryError(ValueError):
    """A geometry that cannot be stored; the message says why."""


def parse(geometry: dict | str, types: tuple[str, ...] = AREAL_TYPES) -> BaseGeometry:
    """A valid WGS-84 geometry of one of ``types`` from GeoJSON (dict or text)."""
    geom = _decoded(geometry, types)
    if not geom.is_valid:
        raise GeometryError(f"is not valid ({shapely.is_valid_reason(geom)})")
    return geom


def parse_repairing(
    geometry: dict | str, types: tuple[str, ...]
) -> tuple[BaseGeometry, str | None]:
    """Like :func:`parse`, but an invalid footprint is repaired as ``finegrid divide
    --repair-geometry`` does; returns the shape and why it was repaired (or None)."""
    from finegrid.divide.geometry import repair_footprint

    return repair_footprint(_decoded(geometry, types))


def _decoded(geometry: dict | str, types: tuple[str, ...]) -> BaseGeometry:
    """A non-empty WGS-84 geometry of one of ``types``, valid or not."""
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except json.JSONDecodeError as error:
            raise GeometryError(f"not JSON: {error.msg}") from None
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise GeometryError("not a GeoJSON geometry object")
    if geometry["type"] not in types:
        raise GeometryError(f"must be a {' or '.join(types)}, not {geometry['type']}")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise GeometryError(f"malformed coordinates ({error})") from None
    if geom.is_empty:
        raise GeometryError("is empty")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise GeometryError("coordinates are not WGS-84 longitude/latitude")
    return geom


def rounded(geom: BaseGeometry) -> BaseGeometry:
    """Coordinates rounded to PRECISION decimals, as they are stored."""
    return shapely.set_precision(geom, 10**-PRECISION, mode="pointwise")


def dumps(geom: BaseGeometry) -> str:
    """Compact GeoJSON text."""
    return json.dumps(mapping(geom), separators=(",", ":"))


def bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in geom.bounds)
