"""A local metric frame for one grid and where the entrances of a building are.

A general grid spans a few hundred metres, so an equirectangular projection around its
centre is accurate to well under a metre — plenty for walking estimates and cells.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

METRES_PER_DEGREE_LATITUDE = 110_574.0
METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR = 111_320.0


class LocalFrame:
    """Metres east/north of a reference point, and back to longitude/latitude."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        self.kx = METRES_PER_DEGREE_LONGITUDE_AT_EQUATOR * math.cos(math.radians(lat0))
        self.ky = METRES_PER_DEGREE_LATITUDE

    @classmethod
    def around(cls, geometries: list[BaseGeometry]) -> LocalFrame:
        xmin, ymin, xmax, ymax = shapely.total_bounds(geometries)
        return cls((xmin + xmax) / 2, (ymin + ymax) / 2)

    def to_local(self, lonlat: np.ndarray) -> np.ndarray:
        return np.column_stack(
            ((lonlat[:, 0] - self.lon0) * self.kx, (lonlat[:, 1] - self.lat0) * self.ky)
        )

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack((xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0))

    def project(self, geometry):
        return shapely.transform(geometry, self.to_local)

    def unproject(self, geometry):
        return shapely.transform(geometry, self.to_lonlat)


def site_points(footprints: np.ndarray) -> np.ndarray:
    """One point per building inside its footprint (the centroid when it is inside)."""
    centroids = shapely.centroid(footprints)
    inside = shapely.contains(footprints, centroids) | (shapely.get_type_id(footprints) == 0)
    points = np.where(inside, centroids, shapely.point_on_surface(footprints))
    return shapely.get_coordinates(points)


def entrance_positions(footprint: BaseGeometry, site: np.ndarray, entrances: int) -> np.ndarray:
    """Entrances evenly spaced along the long axis of a polygon footprint; a point
    footprint has all its entrances at the point."""
    if footprint.geom_type == "Point" or entrances == 1:
        return np.repeat(site[None, :], entrances, axis=0)
    corners = shapely.get_coordinates(shapely.oriented_envelope(footprint))[:4]
    edge_a, edge_b = corners[1] - corners[0], corners[2] - corners[1]
    axis, across = (edge_a, edge_b) if np.hypot(*edge_a) >= np.hypot(*edge_b) else (edge_b, edge_a)
    fractions = (np.arange(entrances) + 0.5) / entrances
    return corners[0] + across / 2 + fractions[:, None] * axis[None, :]


FOOTPRINT_TYPES = ("Point", "Polygon", "MultiPolygon")


def repair_footprint(shape: BaseGeometry) -> tuple[BaseGeometry, str | None]:
    """A footprint the engine can use, and why it had to be repaired (None when it was
    already valid). ``shapely.make_valid`` mends self-intersections and the like; its
    polygonal part is kept. A footprint with no area left (a degenerate ring) becomes the
    centroid of what is left of it (its lines or points). Shared by ``finegrid divide``
    and the buildings import."""
    if shape.is_valid and (shape.geom_type == "Point" or shape.area > 0):
        return shape, None
    reason = shapely.is_valid_reason(shape) if not shape.is_valid else "no area"
    valid = shapely.make_valid(shape)
    polygons = [
        part
        for part in shapely.get_parts(valid)
        if part.geom_type in ("Polygon", "MultiPolygon") and part.area > 0
    ]
    if polygons:
        return shapely.union_all(polygons), reason
    return shapely.centroid(valid), f"degenerate footprint ({reason}): replaced by its centroid"
