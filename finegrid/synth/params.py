"""Calibration of the synthetic city: every number the generator draws from, in one place.

docs/synth.md lists each parameter with its source or rationale; keep the two in step.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

# Everyone's age is counted on this day, so output never depends on the clock.
AS_OF = datetime.date(2024, 6, 30)

# --- Community sizes ---------------------------------------------------------------------
# General grids of 300–500 households (national standard). A community is laid out as
# zones, each becoming one general grid whose household count is drawn from this range.
GRID_HOUSEHOLDS = (300, 500)
GRID_HOUSEHOLDS_MODE = 400
# Mean number of general grids per urban community (社区) and rural village (村), chosen so
# that Chengdu's 1,753 社区 and 1,294 村 come to ~8.15 M households (21.19 M residents at
# ~2.6 persons per household) with ~4.3 M residents in villages (urbanization 79.5 %).
MEAN_GRIDS = {"urban": 9.2, "village": 3.1}
GRIDS_SPREAD = 0.5  # lognormal sigma of the grid count
# Land per household relative to an urban community, for sharing a district among its
# communities: villages are larger and sparser.
LAND_PER_HOUSEHOLD = {"urban": 1.0, "village": 8.0}
# Oversized mode: share of grids that merge 2 or 3 neighbouring zones (Chengdu found most
# of its general grids far above 500 households before re-gridding).
OVERSIZED_MERGE = {1: 0.1, 2: 0.7, 3: 0.2}

# --- Streets, blocks, parcels (metres) ---------------------------------------------------
BLOCK_SIZE = {"urban": 200.0, "village": 450.0}  # street spacing
STREET_HALF_WIDTH = {"urban": 10.0, "village": 4.0}
MAX_GRID_ANGLE_DEG = 25.0  # street grids are turned at most this much from north


@dataclass(frozen=True, slots=True)
class Typology:
    """A kind of compound (小区/院落) and the buildings it is made of."""

    name: str
    label: str  # Chinese name of the typology
    kind: str  # building kind: residential / mixed / shop
    floors: tuple[int, int]
    entrances: tuple[int, int]
    dwellings_per_floor: tuple[int, ...]  # per entrance, drawn uniformly from this list
    buildings: tuple[int, int]  # per compound
    elevator_from_floor: int  # buildings this tall or taller have elevators
    vacancy: float  # share of dwellings without a household
    entrance_size: tuple[float, float]  # footprint of one entrance, width x depth (m)
    spacing: float  # clear distance between buildings (m)
    shop_floors: int = 0  # ground floors given to street-front shops
    single_dwelling: bool = False  # one household per house (self-built houses, villas)


# fmt: off
TYPOLOGIES = {t.name: t for t in (
    #        name               label               kind           floors    entrances dwellings/floor/entrance  buildings elevator vacancy  entrance size  spacing
    Typology("high_rise",       "高层电梯小区",     "residential", (18, 33), (2, 4), (2, 2, 3, 4, 4, 6, 8), (2, 6),  1,  0.12, (16.0, 15.0), 30.0),
    Typology("courtyard",       "老旧院落",         "residential", (6, 7),   (2, 4), (2, 2, 3),             (1, 6),  99, 0.06, (14.0, 12.0), 12.0),
    Typology("low_rise",        "多层洋房",         "residential", (4, 6),   (2, 3), (2,),                  (2, 8),  5,  0.10, (15.0, 13.0), 15.0),
    Typology("villa",           "别墅区",           "residential", (2, 3),   (1, 1), (1,),                  (6, 24), 99, 0.20, (14.0, 12.0), 10.0, single_dwelling=True),
    Typology("mixed",           "商住楼",           "mixed",       (7, 12),  (1, 2), (2, 4, 6),             (1, 3),  7,  0.10, (18.0, 14.0), 15.0, shop_floors=1),
    Typology("resettlement",    "农民集中安置小区", "residential", (6, 11),  (2, 3), (2,),                  (3, 10), 7,  0.08, (14.0, 12.0), 14.0),
    Typology("village_cluster", "院子",             "residential", (2, 3),   (1, 1), (1,),                  (6, 40), 99, 0.15, (11.0, 12.0), 7.0,  single_dwelling=True),
    Typology("street_shops",    "临街商铺",         "shop",        (1, 2),   (1, 1), (0,),                  (1, 3),  99, 0.0,  (40.0, 12.0), 6.0,  shop_floors=2),
)}
# fmt: on
# Share of dwellings by typology in urban communities and villages (assumed mix, see docs).
TYPOLOGY_MIX = {
    "urban": {"high_rise": 0.55, "courtyard": 0.28, "low_rise": 0.06, "villa": 0.03, "mixed": 0.08},
    "village": {"village_cluster": 0.70, "resettlement": 0.25, "mixed": 0.05},
}
# No building gets more dwellings than this, so any building fits inside one general grid.
MAX_BUILDING_DWELLINGS = 400
STREET_SHOPS_PER_ZONE = {"urban": 1.5, "village": 0.3}  # Poisson mean of shop rows per zone
SHOPS_PER_ENTRANCE = 4  # ground-floor shop units per entrance of a mixed building

# --- Dedicated sites (专属网格) -----------------------------------------------------------
# Poisson mean per community; ~11,000 dedicated grids over Chengdu's 3,047 communities.
DEDICATED_SITES = {
    "urban": {
        "school": 0.8,
        "hospital": 0.35,
        "market": 0.5,
        "enterprise": 0.6,
        "industrial_park": 0.1,
        "office_tower": 0.8,
        "construction_site": 0.5,
        "agency": 0.6,
    },
    "village": {
        "school": 0.35,
        "hospital": 0.15,
        "market": 0.25,
        "enterprise": 0.9,
        "industrial_park": 0.3,
        "office_tower": 0.0,
        "construction_site": 0.3,
        "agency": 0.2,
    },
}
DEDICATED_STAFF = {  # staff range of a site of each kind
    "school": (40, 180),
    "hospital": (30, 600),
    "market": (15, 80),
    "enterprise": (20, 400),
    "industrial_park": (200, 3000),
    "office_tower": (300, 2500),
    "construction_site": (50, 400),
    "agency": (20, 120),
}
DEDICATED_BUILDINGS = 3  # at most, per site
DEDICATED_SPACING = 20.0  # m between a site's buildings
DEDICATED_DEPTH_RATIO = 0.6  # footprint depth over width
DEDICATED_ELEVATOR_FROM_FLOOR = 7
DEDICATED_FOOTPRINT = {  # building floors and footprint side (m) of a site of each kind
    "school": ((3, 5), 45.0),
    "hospital": ((4, 12), 40.0),
    "market": ((1, 2), 50.0),
    "enterprise": ((2, 6), 40.0),
    "industrial_park": ((1, 4), 70.0),
    "office_tower": ((20, 45), 35.0),
    "construction_site": ((1, 1), 25.0),
    "agency": ((3, 8), 30.0),
}

# --- Households ---------------------------------------------------------------------------
# Household size 1..7 (the 2020 census share of 6+ split 6/7 at about 70/30): the 2020
# census shares for China's family households (average 2.62 persons).
HOUSEHOLD_SIZE_SHARES = (0.254, 0.297, 0.210, 0.132, 0.062, 0.032, 0.013)
# Who lives together, by household size: shares of the templates in population.TEMPLATES.
# Assumed, then tuned so that the age structure matches Chengdu's 2020 census (docs).
HOUSEHOLD_TEMPLATES = {
    "urban": {
        1: {"single_elderly": 0.19, "single_adult": 0.81},
        2: {"elderly_couple": 0.22, "couple": 0.56, "single_parent": 0.22},
        3: {"couple_child": 0.86, "couple_parent": 0.10, "grandparents_1": 0.04},
        4: {"couple_2children": 0.70, "three_gen_4": 0.26, "grandparents_2": 0.04},
        5: {"three_gen_5": 1.0},
        6: {"three_gen_6": 1.0},
        7: {"three_gen_7": 1.0},
    },
    "village": {
        1: {"single_elderly": 0.36, "single_adult": 0.64},
        2: {"elderly_couple": 0.40, "couple": 0.40, "single_parent": 0.20},
        3: {"couple_child": 0.72, "couple_parent": 0.16, "grandparents_1": 0.12},
        4: {"couple_2children": 0.53, "three_gen_4": 0.37, "grandparents_2": 0.10},
        5: {"three_gen_5": 1.0},
        6: {"three_gen_6": 1.0},
        7: {"three_gen_7": 1.0},
    },
}
# Share of households whose members are registered elsewhere (流动).
MIGRANT_HOUSEHOLDS = {"urban": 0.25, "village": 0.06}
LODGER_SHARE = 0.05  # households of 3+ in which one member is a lodger (寄住)
LOW_INCOME_HOUSEHOLDS = {"urban": 0.010, "village": 0.035}  # 低保

# --- Persons ------------------------------------------------------------------------------
ELDERLY_AGE = 60
ELDERLY_AGE_SCALE = 12.0  # years; heads of elderly households are 60 + exponential(this)
MAX_AGE = 100
MALE_HEAD_OF_COUPLE = 0.8
MALE_SINGLE_ELDERLY = 0.38  # widows outnumber widowers
MALE_SINGLE_ADULT = 0.55
MALE_SINGLE_PARENT = 0.4  # single parents are mostly mothers
MALE_LONE_PARENT_OF_HEAD = 0.35  # a widowed parent living with the head is mostly a mother
MALE_BIRTH_SHARE = 0.52  # children's sex ratio ~108 boys per 100 girls
DISABILITY_BY_AGE = ((0, 0.006), (18, 0.018), (60, 0.060))  # 残疾人 (certificate holders)
VETERAN_RATE = {"M": 0.100, "F": 0.004}  # 退役军人, among persons aged VETERAN_MIN_AGE+
VETERAN_MIN_AGE = 22
PARTY_MEMBER_RATE = {"M": 0.120, "F": 0.052}  # 党员, among persons aged PARTY_MIN_AGE+
PARTY_MIN_AGE = 18
MOBILE_OWNERSHIP = ((0, 0.0), (12, 0.6), (16, 0.97), (75, 0.65))  # share with a mobile, by age
# Mainland mobile prefixes of China Mobile, China Unicom and China Telecom.
MOBILE_PREFIXES = (
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178",
    "182", "183", "184", "187", "188", "198", "130", "131", "132", "155", "156", "166", "175", "176",
    "185", "186", "133", "153", "173", "177", "180", "181", "189", "191", "199",
)  # fmt: skip
LEFT_BEHIND_AGE = (
    16  # children under this age in village skipped-generation households are 留守儿童
)
