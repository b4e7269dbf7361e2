"""The engine's input and output records, in WGS-84 longitude/latitude."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely import MultiPolygon, Point, Polygon


@dataclass(frozen=True)
class Building:
    """One building (楼栋) as the divider sees it.

    Households are spread evenly over entrances (单元) and floors, lower floors and
    first entrances taking the remainder.
    """

    id: str
    households: int
    geometry: Point | Polygon | MultiPolygon
    floors: int = 1
    entrances: int = 1
    elevator: bool | None = None
    """None means "an elevator when there are more than 6 floors"."""
    compound: str | None = None
    """The compound (小区/院落) it belongs to; compounds are kept whole where possible."""
    general_grid: str | None = None

    @property
    def has_elevator(self) -> bool:
        return self.floors > 6 if self.elevator is None else self.elevator


@dataclass(frozen=True)
class Part:
    """A stretch of one entrance a worker visits in one go: floors lo..hi of it."""

    building: str
    entrance: int
    """1-based entrance (单元) number."""
    floors: tuple[int, int]
    households: int

    def as_json(self) -> dict:
        return {
            "building": self.building,
            "entrance": self.entrance,
            "floors": list(self.floors),
            "households": self.households,
        }


@dataclass
class MicroGrid:
    """One micro-grid (微网格), or one general grid when cutting at the general level."""

    code: str
    """``<general grid code>-NN`` (or ``<community code>-NNN`` at the general level)."""
    number: int
    general_grid: str
    households: int
    minutes: float
    """Estimated door-to-door minutes along ``parts`` in their order."""
    parts: list[Part]
    """The visiting order."""
    polygon: Polygon
    buildings: list[str] = field(default_factory=list)
    """Every building whose footprint cell lies in ``polygon``, households or not."""
