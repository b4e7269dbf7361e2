"""The promise under uncertainty: simulated rounds, the closed form, the chance constraint."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from finegrid.divide import Profile, divide_grid
from finegrid.divide.uncertainty import (
    Round,
    finish_quantile,
    round_of_parts,
    simulate_finish,
)

from .strategies import general_grids

PROFILE = Profile()
ROUNDS = [
    Round(households=80, fixed_minutes=20.0, walk_minutes=0.0),  # a tower entrance
    Round(households=60, fixed_minutes=20.0, walk_minutes=30.0),  # walk-ups
    Round(households=30, fixed_minutes=10.0, walk_minutes=100.0),  # a village
]


def test_a_round_estimated_at_the_window_is_late_about_half_the_time():
    work = Round(households=70, fixed_minutes=20.0, walk_minutes=20.0)
    assert work.estimate(PROFILE) == 180.0
    finishes = simulate_finish([work], PROFILE, runs=20_000, seed=1)[0]
    assert 0.3 < (finishes <= 180).mean() < 0.5


def test_without_spread_every_run_is_the_estimate():
    certain = Profile(contact_cv=0, away_share=0, start_delay_minutes=0, walking_speed_cv=0)
    finishes = simulate_finish(ROUNDS, certain, runs=50, seed=3)
    assert np.allclose(finishes, [[work.estimate(certain)] for work in ROUNDS])


def test_same_seed_same_runs():
    first = simulate_finish(ROUNDS, PROFILE, runs=100, seed=7)
    assert np.array_equal(first, simulate_finish(ROUNDS, PROFILE, runs=100, seed=7))
    assert not np.array_equal(first, simulate_finish(ROUNDS, PROFILE, runs=100, seed=8))


@pytest.mark.parametrize("work", ROUNDS)
@pytest.mark.parametrize("probability", [0.5, 0.8, 0.9, 0.95])
def test_the_closed_form_quantile_agrees_with_simulation(work, probability):
    finishes = simulate_finish([work], PROFILE, runs=40_000, seed=2)[0]
    simulated = float(np.quantile(finishes, probability))
    assert finish_quantile(work, PROFILE, probability) == pytest.approx(simulated, abs=1.0)


@settings(settings.get_profile("divide"))
@given(general_grids(max_buildings=15))
def test_with_a_confidence_every_micro_grid_finishes_in_time_that_often(grid):
    """The chance constraint holds in simulation: 4,000 runs give the share to ±0.7 %."""
    buildings, boundary = grid
    by_id = {building.id: building for building in buildings}
    division = divide_grid(buildings, code="X", boundary=boundary, confidence=0.95)
    rounds = [round_of_parts(micro.parts, by_id, PROFILE) for micro in division.micro_grids]
    if not rounds:
        return
    finishes = simulate_finish(rounds, PROFILE, runs=4000, seed=5)
    assert (finishes <= PROFILE.window_minutes).mean(axis=1).min() >= 0.95 - 0.02


def test_a_higher_confidence_takes_more_micro_grids_and_never_fewer():
    from finegrid.divide.typical import LAYOUTS

    for make in LAYOUTS.values():
        buildings, boundary = make()
        counts = [
            len(divide_grid(buildings, code="X", boundary=boundary, confidence=c).micro_grids)
            for c in (None, 0.8, 0.95)
        ]
        assert counts == sorted(counts)
        assert counts[2] > counts[0]


def test_a_confidence_outside_its_range_is_refused():
    from finegrid.divide.typical import village

    buildings, boundary = village()
    with pytest.raises(ValueError, match=r"confidence must be at least 0\.5 and below 1, got 1\.0"):
        divide_grid(buildings, code="X", boundary=boundary, confidence=1.0)
