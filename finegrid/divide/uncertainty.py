"""How long a round really takes: the 3-hour promise under uncertainty.

The workload model (:mod:`finegrid.divide.profile`) gives one estimate per round. A real
round varies: some doors take longer, some households are not at home (a notice on the
door takes less time), the worker sets off late, walks faster or slower. This module
draws those variations (figures in :class:`~finegrid.divide.profile.Profile`, sources in
docs/divide.md) and answers two questions about a round:

- :func:`simulate_finish`: its finish minutes in many simulated runs (Monte Carlo), for
  ``finegrid simulate`` and for a campaign's projected finish;
- :func:`finish_quantile`: the minutes it finishes within with a given probability, from
  the same model in closed form, for ``finegrid divide --confidence`` (a chance
  constraint checked thousands of times per grid).

In one run, with H households of which each is away with probability ``away_share``::

    finish = start delay                       (exponential, mean start_delay_minutes)
           + entry and floor minutes           (as estimated: no spread)
           + Σ time at each door               (away: away_minutes; at home: lognormal
                                                with coefficient of variation contact_cv)
           + walking minutes ÷ speed factor    (normal around 1, sd walking_speed_cv,
                                                one factor per run)

``contact_minutes`` is the average over every door, at home or not, so without a start
delay the estimate is the mean finish: a round estimated at the window finishes late
about half the time.

For the closed form, the doors and the walk are summed as a normal variable (many
independent doors) and the exponential start delay is added exactly: the finish is
exponentially modified Gaussian, whose quantile scipy computes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import exponnorm, norm

from finegrid.divide.geometry import LocalFrame, entrance_positions, site_points
from finegrid.divide.model import Building, Part
from finegrid.divide.profile import Profile
from finegrid.divide.routing import path_length

SPEED_FACTOR_RANGE = (0.5, 1.5)
"""A worker's speed factor is drawn from a normal clipped to this range."""
DEFAULT_RUNS = 1000


@dataclass(frozen=True)
class Round:
    """What the uncertainty model needs to know of one round (or of what is left of it)."""

    households: int
    """Doors to knock on."""
    fixed_minutes: float
    """Entries into entrances and floors climbed: estimated, no spread."""
    walk_minutes: float
    """Walking at the profile's speed."""

    def estimate(self, profile: Profile) -> float:
        """The workload model's estimate: the minutes a micro-grid reports."""
        return self.fixed_minutes + self.households * profile.contact_minutes + self.walk_minutes


def round_of_parts(
    parts: Sequence[Part], buildings: Mapping[str, Building], profile: Profile
) -> Round:
    """The round that visits ``parts`` in their order (a micro-grid's visiting order, or
    what is left of it): entries and floors as the workload model counts them, walking
    between entrances as the divider places them (straight line × detour)."""
    if not parts:
        return Round(0, 0.0, 0.0)
    fixed = households = 0.0
    spots = []
    frame = LocalFrame.around([buildings[part.building].geometry for part in parts])
    entrances: dict[str, np.ndarray] = {}
    for part in parts:
        building = buildings[part.building]
        if part.building not in entrances:
            footprint = frame.project(building.geometry)
            site = site_points(np.array([footprint], dtype=object))[0]
            entrances[part.building] = entrance_positions(footprint, site, building.entrances)
        spots.append(entrances[part.building][part.entrance - 1])
        fixed += profile.entry_minutes + profile.floor_minutes(building.has_elevator) * (
            part.floors[1] - 1
        )
        households += part.households
    walk = path_length(np.array(spots).reshape(-1, 2)) * profile.walking_minutes_per_m
    return Round(int(households), fixed, walk)


def simulate_finish(
    rounds: Sequence[Round],
    profile: Profile,
    *,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
) -> np.ndarray:
    """Finish minutes (from the planned start) of each round in ``runs`` simulated runs:
    an array of shape (len(rounds), runs). Same rounds, profile and seed, same answer."""
    rng = np.random.default_rng(seed)
    home_mean, home_sigma, home_mu = _at_home(profile)
    finishes = np.empty((len(rounds), runs))
    for index, work in enumerate(rounds):
        delay = (
            rng.exponential(profile.start_delay_minutes, runs)
            if profile.start_delay_minutes > 0
            else np.zeros(runs)
        )
        speed = np.clip(
            rng.normal(1.0, profile.walking_speed_cv, runs)
            if profile.walking_speed_cv > 0
            else np.ones(runs),
            *SPEED_FACTOR_RANGE,
        )
        doors = np.zeros(runs)
        if work.households:
            away = rng.random((runs, work.households)) < profile.away_share
            at_home = (
                rng.lognormal(home_mu, home_sigma, (runs, work.households))
                if home_sigma > 0
                else np.full((runs, work.households), home_mean)
            )
            doors = np.where(away, profile.away_minutes, at_home).sum(axis=1)
        finishes[index] = delay + work.fixed_minutes + doors + work.walk_minutes / speed
    return finishes


def finish_quantile(work: Round, profile: Profile, probability: float) -> float:
    """The minutes within which ``work`` finishes with ``probability`` (closed form).

    The doors' sum is a little skewed (time at a door is lognormal): a Cornish–Fisher
    term for that skew is added to the exponentially modified Gaussian's quantile."""
    mean, sd = _normal_part(work, profile)
    delay = profile.start_delay_minutes
    if sd <= 0:
        return mean - delay * math.log(1 - probability)
    z = _normal_quantile(probability)
    # Third cumulants: the doors', and the walk's (≈ 6 cv⁴ W³ for W / speed factor).
    third = (
        work.households * _door_third_moment(profile)
        + 6 * profile.walking_speed_cv**4 * work.walk_minutes**3
    )
    skew = third / sd**3
    shift = sd * (z * z - 1) * skew / 6
    if delay <= 0:
        return mean + sd * z + shift
    return mean + sd * _standard_quantile(delay / sd, probability) + shift


def is_certain(profile: Profile) -> bool:
    """Whether the profile has no spread at all (then every run is the estimate)."""
    return not (
        profile.contact_cv
        or profile.away_share
        or profile.start_delay_minutes
        or profile.walking_speed_cv
    )


def _at_home(profile: Profile) -> tuple[float, float, float]:
    """Mean minutes at a door where someone is home, and the lognormal's sigma and mu."""
    away = profile.away_share
    mean = (profile.contact_minutes - away * profile.away_minutes) / (1 - away)
    sigma = math.sqrt(math.log1p(profile.contact_cv**2))
    return mean, sigma, math.log(mean) - sigma**2 / 2


@lru_cache(maxsize=64)
def _normal_quantile(probability: float) -> float:
    return float(norm.ppf(probability))


@lru_cache(maxsize=64)
def _door_variance(profile: Profile) -> float:
    """Variance of the minutes at one door."""
    home_mean, _, _ = _at_home(profile)
    away = profile.away_share
    second_moment = away * profile.away_minutes**2 + (1 - away) * home_mean**2 * (
        1 + profile.contact_cv**2
    )
    return max(second_moment - profile.contact_minutes**2, 0.0)


@lru_cache(maxsize=64)
def _door_third_moment(profile: Profile) -> float:
    """Third central moment of the minutes at one door."""
    _, sigma, mu = _at_home(profile)
    away = profile.away_share
    raw = [
        away * profile.away_minutes**k + (1 - away) * math.exp(k * mu + (k * sigma) ** 2 / 2)
        for k in (1, 2, 3)
    ]
    return raw[2] - 3 * raw[0] * raw[1] + 2 * raw[0] ** 3


def _normal_part(work: Round, profile: Profile) -> tuple[float, float]:
    """Mean and standard deviation of everything but the start delay: doors summed
    (central limit) and the walk divided by the speed factor."""
    cv = profile.walking_speed_cv
    # 1 / speed factor, expanded to fourth order in its spread.
    mean = (
        work.fixed_minutes
        + work.households * profile.contact_minutes
        + work.walk_minutes * (1 + cv**2 + 3 * cv**4)
    )
    variance = work.households * _door_variance(profile) + work.walk_minutes**2 * (
        cv**2 + 8 * cv**4
    )
    return mean, math.sqrt(variance)


@lru_cache(maxsize=256)
def _quantile_table(probability: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of the standard exponentially modified Gaussian (unit normal part,
    exponential of mean K) over a log-spaced range of K, to interpolate."""
    shapes = np.geomspace(1e-3, 1e3, 241)
    # Bisection on the closed-form CDF, all shapes at once (scipy's ppf root-finds one
    # shape at a time, which costs a second).
    low = np.full_like(shapes, -10.0)
    high = shapes * -math.log(1 - probability) + 10.0
    for _ in range(60):
        middle = (low + high) / 2
        below = exponnorm.cdf(middle, shapes) < probability
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return np.log(shapes), (low + high) / 2


def _standard_quantile(shape: float, probability: float) -> float:
    log_shapes, quantiles = _quantile_table(round(probability, 6))
    log_shape = math.log(shape)
    if log_shape <= log_shapes[0]:
        return float(norm.ppf(probability)) + shape
    if log_shape >= log_shapes[-1]:
        return -shape * math.log(1 - probability)
    return float(np.interp(log_shape, log_shapes, quantiles))
