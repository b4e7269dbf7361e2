"""The map's measures: what each grid is coloured by, counted for the grids asked for."""

from tests.conftest import COMMUNITY_A


def test_map_measures_count_the_households_of_each_grid(world, registry, login):
    """Household counts add up the tree: a micro-grid's own, its general grid's the sum of
    its micro-grids' (and of dwellings placed in it directly), whatever part of the scope
    the request asks for."""
    staff = login(world.users.street_staff)
    features = staff.get("/api/map/grids.geojson", {"code_prefix": f"{COMMUNITY_A}-001"}).json()[
        "features"
    ]
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    assert by_code[world.grids.micro.code]["households"] == 1
    assert by_code[world.grids.micro2.code]["households"] == 1
    assert by_code[world.grids.general.code]["households"] == 2
    assert set(by_code) == {
        world.grids.general.code,
        world.grids.micro.code,
        world.grids.micro2.code,
    }
    whole = staff.get("/api/map/grids.geojson").json()["features"]
    general = next(f for f in whole if f["properties"]["code"] == world.grids.general.code)
    assert general["properties"]["households"] == 2
