"""Validity of generated layouts: buildings inside communities, general grids of whole
compounds, 300–500 households, contiguous, covering the community, coded in reading order."""

import re

import shapely

from finegrid import synth
from finegrid.synth import params
from finegrid.synth.geometry import reading_order

# Float tolerance for coverage, as a share of the community's area.
COVER_TOLERANCE = 1e-6


def test_both_settlement_types_are_present(street_communities):
    assert {c.division.is_village for c in street_communities} == {True, False}


def test_every_building_lies_inside_its_community(street_communities):
    for community in street_communities:
        footprints = [b.footprint for b in community.buildings]
        assert all(shapely.within(footprints, community.boundary))


def test_general_grids_hold_300_to_500_households(street_communities):
    low, high = params.GRID_HOUSEHOLDS
    for community in street_communities:
        for grid in community.general_grids:
            assert low <= grid.households <= high, grid.code
        assert sum(g.households for g in community.general_grids) == len(community.households)


def test_general_grids_are_contiguous_and_cover_the_community(street_communities):
    for community in street_communities:
        grids = [g.boundary for g in community.general_grids]
        assert all(g.geom_type == "Polygon" for g in grids)
        area = community.boundary.area
        union = shapely.union_all(grids)
        assert union.symmetric_difference(community.boundary).area < COVER_TOLERANCE * area
        assert abs(sum(g.area for g in grids) - union.area) < COVER_TOLERANCE * area


def test_grids_consist_of_whole_compounds(street_communities):
    for community in street_communities:
        grid_of = {c.id: c.general_grid for c in community.compounds}
        grids = {g.code: g.boundary for g in community.general_grids}
        for building in community.buildings:
            if building.compound:
                assert building.general_grid == grid_of[building.compound]
            assert grids[building.general_grid].contains(building.footprint.centroid)


def test_households_per_grid_match_the_households_table(street_communities):
    for community in street_communities:
        for grid in community.general_grids:
            in_grid = community.households["general_grid"] == grid.code
            assert in_grid.sum() == grid.households


def test_codes_follow_the_conventions(street_communities):
    for community in street_communities:
        code = community.division.code
        grid_codes = [g.code for g in community.general_grids]
        assert grid_codes == [f"{code}-{n:03d}" for n in range(1, len(grid_codes) + 1)]
        site_codes = [s.code for s in community.dedicated_sites]
        assert site_codes == [f"{code}-Z{n:02d}" for n in range(1, len(site_codes) + 1)]
        assert all(re.fullmatch(rf"{code}-B\d{{4,}}", b.id) for b in community.buildings)
        dedicated = {b.dedicated_grid for b in community.buildings if b.kind == "dedicated"}
        assert dedicated == set(site_codes)


def test_grids_are_numbered_west_to_east_north_to_south(street_communities):
    for community in street_communities:
        boundaries = [g.boundary for g in community.general_grids]
        band = (sum(b.area for b in boundaries) / len(boundaries)) ** 0.5
        assert reading_order(boundaries, band) == list(range(len(boundaries)))


def test_building_attributes_follow_their_typology(street_communities):
    for community in street_communities:
        typology_of = {c.id: params.TYPOLOGIES[c.typology] for c in community.compounds}
        for b in community.buildings:
            if not b.compound:
                assert b.kind == "dedicated"
                assert b.households == 0
                continue
            typology = typology_of[b.compound]
            assert typology.floors[0] <= b.floors <= typology.floors[1]
            assert b.elevator == (b.floors >= typology.elevator_from_floor)
            assert 0 <= b.households <= b.dwellings <= params.MAX_BUILDING_DWELLINGS
            if not typology.single_dwelling:
                assert (
                    b.dwellings
                    == (b.floors - typology.shop_floors) * b.entrances * b.dwellings_per_floor
                )


def test_urban_and_village_typologies_differ(street_communities):
    for community in street_communities:
        kind = "village" if community.division.is_village else "urban"
        allowed = set(params.TYPOLOGY_MIX[kind]) | {"street_shops"}
        assert {c.typology for c in community.compounds} <= allowed


def test_oversized_grids_keep_the_city_and_exceed_500(street_communities, oversized_communities):
    grids = [g for c in oversized_communities for g in c.general_grids]
    assert sum(g.households > 500 for g in grids) > len(grids) / 2
    for normal, oversized in zip(street_communities, oversized_communities, strict=True):
        assert [b.footprint.wkb for b in normal.buildings] == [
            b.footprint.wkb for b in oversized.buildings
        ]
        assert (normal.persons == oversized.persons).all()
        assert all(g.boundary.geom_type == "Polygon" for g in oversized.general_grids)
        assert sum(g.households for g in oversized.general_grids) == len(oversized.households)


def test_an_area_outside_chengdu_gets_a_synthetic_footprint():
    community = synth.generate_community("510302001002", seed=1)  # 自贡市自流井区
    assert community.boundary.within(synth.boundary("510302", seed=1).buffer(1e-9))
    assert all(shapely.within([b.footprint for b in community.buildings], community.boundary))
