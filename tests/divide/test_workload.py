"""The workload model: profile, household spread, cutting big entrances, typical sizes."""

from __future__ import annotations

import statistics
from itertools import pairwise

import pytest
from shapely import Point

from finegrid.divide import Building, Profile, divide_grid
from finegrid.divide.profile import ProfileError
from finegrid.divide.typical import LAYOUTS
from finegrid.divide.workload import DivisionError, spread_households

from .strategies import LAT0, LON0


def test_households_spread_evenly_lower_floors_first():
    assert spread_households(10, 2, 3) == [[2, 2, 1], [2, 2, 1]]
    assert spread_households(9, 2, 3) == [[2, 2, 1], [2, 1, 1]]
    assert sum(map(sum, spread_households(97, 3, 11))) == 97


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_typical_micro_grid_holds_30_to_100_households(layout):
    buildings, boundary = LAYOUTS[layout]()
    micro_grids = divide_grid(buildings, code="X", boundary=boundary).micro_grids
    assert 30 <= statistics.median(m.households for m in micro_grids) <= 100


def test_a_tower_entrance_is_split_by_floor_ranges():
    tower = Building(id="T", households=330, geometry=Point(LON0, LAT0), floors=33, elevator=True)
    division = divide_grid([tower], code="X")
    ranges = sorted(part.floors for m in division.micro_grids for part in m.parts)
    assert ranges[0][0] == 1
    assert ranges[-1][1] == 33
    for (_, hi), (lo, _) in pairwise(ranges):
        assert lo in (hi, hi + 1)
    assert all(m.minutes <= 180 for m in division.micro_grids)
    assert len(division.micro_grids) == division.lower_bound


def test_a_crowded_floor_is_split_by_dwellings_never_finer():
    hostel = Building(id="H", households=250, geometry=Point(LON0, LAT0), floors=1)
    micro_grids = divide_grid([hostel], code="X").micro_grids
    assert [part.floors for m in micro_grids for part in m.parts] == [(1, 1)] * len(micro_grids)
    assert sum(m.households for m in micro_grids) == 250
    assert all(m.minutes <= 180 for m in micro_grids)


def test_a_dwelling_longer_than_the_window_cannot_be_divided():
    tower = Building(id="T", households=100, geometry=Point(LON0, LAT0), floors=100)
    with pytest.raises(DivisionError, match="'T': one dwelling on floor 54 "):
        divide_grid([tower], code="X", profile=Profile(window_minutes=30))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"window_minutes": -1}', "window_minutes must be"),
        ('{"detour_factor": 0.5}', "detour_factor must be ≥ 1"),
        ('{"contact_minutes": "two"}', "contact_minutes must be a number"),
        ("[1, 2]", "a profile is a table"),
    ],
)
def test_bad_profiles_are_refused_by_field(tmp_path, text, message):
    path = tmp_path / "profile.json"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        Profile.load(path)
