"""A small real area generated once per test session: 甘溪镇 in 蒲江县, one urban community
and three villages."""

import pytest

from finegrid import synth

STREET = "510131106"
SEED = 7


@pytest.fixture(scope="session")
def street_communities() -> list[synth.CommunityData]:
    return list(synth.generate([STREET], SEED))


@pytest.fixture(scope="session")
def oversized_communities() -> list[synth.CommunityData]:
    return list(synth.generate([STREET], SEED, oversized_grids=True))
