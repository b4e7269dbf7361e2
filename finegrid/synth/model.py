"""The generated data of one community, as plain values the database loader and the file
writers both read. Geometry is WGS-84 longitude/latitude (shapely); people and dwellings,
being the bulk, are numpy structured arrays with one row each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from finegrid.divisions import Division


@dataclass(frozen=True, slots=True)
class Compound:
    """A gated estate, an old courtyard, a village cluster or a row of street shops."""

    id: str  # 510116001005-C003
    name: str
    typology: str  # a key of params.TYPOLOGIES
    general_grid: str
    boundary: Polygon  # the parcel the compound occupies


@dataclass(frozen=True, slots=True)
class Building:
    id: str  # 510116001005-B0042
    compound: str  # compound id, or "" for a dedicated site's building
    kind: str  # residential / mixed / shop / dedicated
    floors: int
    entrances: int
    elevator: bool
    dwellings_per_floor: int  # per entrance; a self-built house or villa is one dwelling
    dwellings: int
    households: int  # occupied dwellings
    shops: int  # street-front shop units
    general_grid: str  # the general grid whose area holds the building
    dedicated_grid: str  # the dedicated grid's code for dedicated sites, else ""
    footprint: Polygon


@dataclass(frozen=True, slots=True)
class GeneralGrid:
    code: str  # 510116001005-003
    community: str
    name: str
    households: int
    boundary: Polygon


@dataclass(frozen=True, slots=True)
class DedicatedSite:
    code: str  # 510116001005-Z01
    community: str
    kind: str  # school, hospital, market, enterprise, industrial_park, office_tower, …
    name: str
    staff: int
    general_grid: str
    boundary: Polygon


DWELLING_DTYPE = np.dtype(
    [
        ("id", "U32"),  # 510116001005-B0042-2-1203: building, entrance, floor and unit
        ("building", "U24"),
        ("entrance", "u1"),
        ("floor", "u1"),
        ("unit", "u1"),
        ("household", "U24"),  # "" when vacant
    ]
)

HOUSEHOLD_DTYPE = np.dtype(
    [
        ("id", "U24"),  # 510116001005-H00042
        ("dwelling", "U32"),
        ("building", "U24"),
        ("general_grid", "U20"),
        ("size", "u1"),
        ("residence_type", "U2"),  # 常住 / 流动 of the household's members
        ("low_income", "?"),  # 低保
    ]
)

PERSON_DTYPE = np.dtype(
    [
        ("id", "U24"),  # 510116001005-P000042
        ("household", "U24"),
        ("name", "U6"),
        ("sex", "U1"),  # M / F
        ("birth_date", "U10"),  # ISO date
        ("age", "u1"),  # full years on params.AS_OF
        ("relation", "U4"),  # to the head: 户主 配偶 子女 父母 孙子女 其他
        ("residence_type", "U2"),  # 常住 / 流动 / 寄住
        ("id_number", "U18"),
        ("mobile", "U11"),  # "" without a phone
        ("elderly_alone", "?"),  # 独居老人
        ("empty_nest", "?"),  # 空巢老人
        ("disabled", "?"),  # 残疾人
        ("low_income", "?"),  # 低保
        ("veteran", "?"),  # 退役军人
        ("left_behind_child", "?"),  # 留守儿童
        ("party_member", "?"),  # 党员
    ]
)


@dataclass(frozen=True, slots=True)
class CommunityData:
    """Everything generated for one community (社区 or 村)."""

    division: Division
    boundary: Polygon
    compounds: tuple[Compound, ...]
    buildings: tuple[Building, ...]
    general_grids: tuple[GeneralGrid, ...]
    dedicated_sites: tuple[DedicatedSite, ...]
    dwellings: np.ndarray  # DWELLING_DTYPE
    households: np.ndarray  # HOUSEHOLD_DTYPE
    persons: np.ndarray  # PERSON_DTYPE
