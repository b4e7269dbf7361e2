"""The workload model: profile, household spread, cutting big entrances, typical sizes."""

from __future__ import annotations

import statistics
from itertools import pairwise

import pytest
import shapely
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
        ('{"away_share": 1}', "away_share must be < 1, got 1"),
        ('{"away_minutes": 3}', "away_minutes must be ≤ contact_minutes"),
        ('{"walking_speed_cv": 0.6}', "walking_speed_cv must be < 0.5"),
    ],
)
def test_bad_profiles_are_refused_by_field(tmp_path, text, message):
    path = tmp_path / "profile.json"
    path.write_text(text)
    with pytest.raises(ProfileError, match=message):
        Profile.load(path)


def test_entrances_of_one_building_go_to_different_workers_when_that_saves_one():
    """Three 4-entrance walk-ups of 110 minutes each: whole buildings need three workers,
    entrance by entrance two do (one building's entrances are shared between them)."""
    buildings = [
        Building(
            id=f"W{i}",
            households=48,
            geometry=Point(LON0 + i * 2e-4, LAT0),
            floors=6,
            entrances=4,
            elevator=False,
        )
        for i in range(3)
    ]
    division = divide_grid(buildings, code="X")
    assert len(division.micro_grids) == division.lower_bound == 2
    assert all(m.minutes <= 180 for m in division.micro_grids)
    first, second = ({p.building for p in m.parts} for m in division.micro_grids)
    (shared,) = first & second
    cells = [m.polygon for m in division.micro_grids]
    assert cells[0].intersection(cells[1]).area > 0, f"both micro-grids hold {shared}'s cell"


def test_top_floors_left_alone_share_the_entrance_with_the_floors_below():
    """A 25-floor entrance of 214 minutes needs two workers: two halves of about 107
    minutes, not a full 180 and a tiny top."""
    tower = Building(id="T", households=100, geometry=Point(LON0, LAT0), floors=25)
    division = divide_grid([tower], code="X")
    minutes = sorted(m.minutes for m in division.micro_grids)
    assert len(minutes) == 2
    assert minutes[1] - minutes[0] < 10
    ranges = sorted(part.floors for m in division.micro_grids for part in m.parts)
    assert ranges[0][0] == 1
    assert ranges[-1][1] == 25


def test_the_typical_village_takes_no_more_workers_than_a_split_of_one_walk():
    """380 houses 38 m apart (bound 10): cutting one walk through the village into
    stretches that fit finds 12 rounds, where tree partitioning alone made 13."""
    buildings, boundary = LAYOUTS["village"]()
    division = divide_grid(buildings, code="X", boundary=boundary)
    assert division.lower_bound == 10
    assert len(division.micro_grids) <= 12


def test_a_grid_without_buildings_is_one_micro_grid_of_no_households():
    from .strategies import boundary_of

    boundary = boundary_of("two", 20)
    micro_grids = divide_grid([], code="X", boundary=boundary).micro_grids
    assert [(m.code, m.households, m.parts) for m in micro_grids] == [
        ("X-01", 0, []),
        ("X-02", 0, []),
    ]
    assert all(m.polygon.geom_type == "Polygon" for m in micro_grids)
    assert shapely.union_all([m.polygon for m in micro_grids]).equals(boundary)
    assert divide_grid([], code="X").micro_grids == []
