"""Synthetic cities on the real administrative divisions (no Django).

    from finegrid import synth
    for community in synth.generate(["510116001"], seed=1):
        ...  # community.buildings, community.households, community.persons, …

See docs/synth.md for what is generated, the calibration and the file formats.
"""

from finegrid.synth.boundaries import boundary
from finegrid.synth.generate import communities_in, generate, generate_community
from finegrid.synth.model import (
    DWELLING_DTYPE,
    HOUSEHOLD_DTYPE,
    PERSON_DTYPE,
    Building,
    CommunityData,
    Compound,
    DedicatedSite,
    GeneralGrid,
)

__all__ = [
    "DWELLING_DTYPE",
    "HOUSEHOLD_DTYPE",
    "PERSON_DTYPE",
    "Building",
    "CommunityData",
    "Compound",
    "DedicatedSite",
    "GeneralGrid",
    "boundary",
    "communities_in",
    "generate",
    "generate_community",
]
