"""Households and persons: valid identities, one household per dwelling, and the
calibrated distributions on a district-sized sample within stated tolerances."""

import datetime

import numpy as np
import pytest

from finegrid import identity, synth
from finegrid.synth import params
from finegrid.synth.generate import generate
from finegrid.synth.population import ID_SLOTS, IdRange, populate


def test_every_id_number_is_valid_and_matches_birth_date_age_and_sex(street_communities):
    for community in street_communities:
        for person in community.persons.tolist():
            row = dict(zip(synth.PERSON_DTYPE.names, person, strict=True))
            number = identity.validate_id_number(row["id_number"], today=params.AS_OF)
            assert number[:6] == community.division.code[:6]
            birth = identity.id_birth_date(number)
            assert birth.isoformat() == row["birth_date"]
            assert _age(birth) == row["age"]
            assert identity.id_is_male(number) == (row["sex"] == "M")
            if row["mobile"]:
                assert identity.validate_mobile(row["mobile"]) == row["mobile"]


def _age(birth: datetime.date) -> int:
    today = params.AS_OF
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def test_id_numbers_are_unique_across_the_communities_of_a_district(street_communities):
    numbers = np.concatenate([c.persons["id_number"] for c in street_communities])
    assert len(np.unique(numbers)) == len(numbers)


def test_no_dwelling_holds_two_households(street_communities):
    for community in street_communities:
        dwellings = community.households["dwelling"]
        assert len(np.unique(dwellings)) == len(dwellings)
        occupied = community.dwellings[community.dwellings["household"] != ""]
        assert sorted(occupied["household"].tolist()) == sorted(community.households["id"].tolist())
        assert set(dwellings.tolist()) <= set(community.dwellings["id"].tolist())


def test_household_sizes_and_members_agree(street_communities):
    for community in street_communities:
        ids, counts = np.unique(community.persons["household"], return_counts=True)
        sizes = dict(
            zip(
                community.households["id"].tolist(),
                community.households["size"].tolist(),
                strict=True,
            )
        )
        assert dict(zip(ids.tolist(), counts.tolist(), strict=True)) == sizes
        heads = community.persons[community.persons["relation"] == "户主"]
        assert len(heads) == len(community.households)


def test_building_household_counts_match_the_households(street_communities):
    for community in street_communities:
        ids, counts = np.unique(community.households["building"], return_counts=True)
        per_building = dict(zip(ids.tolist(), counts.tolist(), strict=True))
        for building in community.buildings:
            assert building.households == per_building.get(building.id, 0)


def test_an_overfull_community_is_refused_rather_than_repeating_id_numbers():
    tiny_share = IdRange("510116", 0, 1)  # one slot per age and sex
    with pytest.raises(ValueError, match="more than 1 persons of one age and sex"):
        populate(np.random.default_rng(0), "urban", 1000, tiny_share)


# A district-sized sample: 280,000 households, urban and village in Chengdu's proportions.
SAMPLE_HOUSEHOLDS = {"urban": 224_000, "village": 56_000}
# Chengdu's 2020 census and the calibration targets, with the tolerance the test allows.
TARGETS = {
    "mean household size": (2.6, 0.05),
    "aged 60+": (0.1798, 0.015),
    "aged 65+": (0.1362, 0.015),
    "aged 0-14": (0.1328, 0.015),
    "male": (0.51, 0.015),
    "elderly_alone": (0.022, 0.01),
    "empty_nest": (0.05, 0.02),
    "disabled": (0.027, 0.006),
    "low_income": (0.015, 0.006),
    "veteran": (0.04, 0.01),
    "party_member": (0.07, 0.01),
    "left_behind_child": (0.004, 0.003),
}


@pytest.fixture(scope="module")
def district_sample():
    parts = [
        populate(
            np.random.default_rng(index),
            kind,
            households,
            IdRange("510116", index * ID_SLOTS // 2, ID_SLOTS // 2),
        )
        for index, (kind, households) in enumerate(SAMPLE_HOUSEHOLDS.items())
    ]
    columns = {name: np.concatenate([p.columns[name] for p in parts]) for name in parts[0].columns}
    columns["households"] = sum(len(p.household_size) for p in parts)
    return columns


def test_district_sample_matches_the_calibration(district_sample):
    age = district_sample["age"]
    measured = {
        "mean household size": len(age) / district_sample["households"],
        "aged 60+": (age >= 60).mean(),
        "aged 65+": (age >= 65).mean(),
        "aged 0-14": (age < 15).mean(),
        "male": (district_sample["sex"] == "M").mean(),
    }
    for flag in (
        "elderly_alone", "empty_nest", "disabled", "low_income", "veteran", "party_member",
        "left_behind_child",
    ):  # fmt: skip
        measured[flag] = district_sample[flag].mean()
    for name, (target, tolerance) in TARGETS.items():
        assert abs(measured[name] - target) <= tolerance, f"{name}: {measured[name]:.4f}"


def test_flags_are_consistent_with_ages_and_households(district_sample):
    age = district_sample["age"]
    assert (age[district_sample["elderly_alone"]] >= 60).all()
    assert (age[district_sample["empty_nest"]] >= 60).all()
    assert (age[district_sample["left_behind_child"]] < 16).all()
    assert (age[district_sample["party_member"]] >= 18).all()
    assert not (district_sample["elderly_alone"] & district_sample["empty_nest"]).any()


# A real district through the whole generator: 锦江区, 76 urban communities, about 280,000
# households. One district strays further from the city's census figures than the sample
# above (it has no villages), hence its wider tolerance on age.
DISTRICT = "510104"
DISTRICT_TARGETS = {"mean household size": (2.6, 0.05), "aged 60+": (0.1798, 0.025)}


def test_a_real_district_matches_the_calibration(chengdu_outlines):
    households, ages = 0, []
    for community in generate([DISTRICT], seed=1, workers=2, outlines=chengdu_outlines):
        households += len(community.households)
        ages.append(community.persons["age"])
    age = np.concatenate(ages)
    measured = {"mean household size": len(age) / households, "aged 60+": (age >= 60).mean()}
    assert households > 250_000
    for name, (target, tolerance) in DISTRICT_TARGETS.items():
        assert abs(measured[name] - target) <= tolerance, f"{name}: {measured[name]:.4f}"
