"""What a community is before it is laid out: its settlement type and the household
count of each of its zones. Drawn from the community's own random stream, so a district
can size its streets and communities without laying any of them out."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from finegrid.divisions import Division
from finegrid.synth import params

# Independent random streams per (seed, area code); adding one never shifts another.
STREAMS = ("profile", "layout", "occupancy", "population", "grids", "footprint", "names")


def generator(seed: int, code: str, stream: str) -> np.random.Generator:
    """The random stream ``stream`` of area ``code``: the same whatever else is generated."""
    return np.random.default_rng([seed, int(code), STREAMS.index(stream)])


def settlement(division: Division) -> str:
    return "village" if division.is_village else "urban"


@dataclass(frozen=True, slots=True)
class CommunityProfile:
    division: Division
    settlement: str  # "urban" (社区) or "village" (村)
    zone_households: tuple[int, ...]  # one zone per general grid (normal mode)

    @property
    def households(self) -> int:
        return sum(self.zone_households)

    @property
    def land_weight(self) -> float:
        """Share of its district's land, relative to the other communities."""
        return self.households * params.LAND_PER_HOUSEHOLD[self.settlement]


def community_profile(seed: int, division: Division) -> CommunityProfile:
    kind = settlement(division)
    rng = generator(seed, division.code, "profile")
    mean = params.MEAN_GRIDS[kind]
    sigma = params.GRIDS_SPREAD
    zones = max(1, round(rng.lognormal(math.log(mean) - sigma**2 / 2, sigma)))
    low, high = params.GRID_HOUSEHOLDS
    households = np.rint(rng.triangular(low, params.GRID_HOUSEHOLDS_MODE, high, size=zones))
    return CommunityProfile(division, kind, tuple(int(h) for h in households))
