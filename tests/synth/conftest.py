"""A small real area generated once per test session: 甘溪镇 in 蒲江县, one urban community
and three villages, on Chengdu's district outlines as `make setup` converts them."""

from pathlib import Path

import pytest

from finegrid import synth
from finegrid.synth import outlines

STREET = "510131106"
SEED = 7


@pytest.fixture(scope="session")
def chengdu_outlines() -> Path:
    assert outlines.CONVERTED.exists(), f"{outlines.CONVERTED} is missing: run `make setup`"
    return outlines.CONVERTED


@pytest.fixture(scope="session")
def street_communities(chengdu_outlines) -> list[synth.CommunityData]:
    return list(synth.generate([STREET], SEED, outlines=chengdu_outlines))


@pytest.fixture(scope="session")
def oversized_communities(chengdu_outlines) -> list[synth.CommunityData]:
    return list(synth.generate([STREET], SEED, oversized_grids=True, outlines=chengdu_outlines))
