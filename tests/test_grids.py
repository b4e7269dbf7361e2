import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finegrid.accounts.models import AuditEntry
from finegrid.cli import main
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory import codes
from finegrid.territory.actions import (
    do_create_grid,
    do_delete_grid,
    do_import_grids,
    do_update_grid,
)
from finegrid.territory.models import Grid
from finegrid.territory.queries import feature_collection, grids_under
from tests.conftest import COMMUNITY_A, COMMUNITY_B, square, system

community = st.from_regex(r"\A51\d{10}\Z")
number3 = st.integers(1, 999).map(lambda n: f"{n:03d}")
number2 = st.integers(1, 99).map(lambda n: f"{n:02d}")


@given(community, number3, number2)
def test_well_formed_codes_parse_back_to_themselves(community_code, general, micro):
    for code, kind in [
        (community_code, "community"),
        (f"{community_code}-{general}", "general"),
        (f"{community_code}-{general}-{micro}", "micro"),
        (f"{community_code}-Z{micro}", "dedicated"),
    ]:
        parsed = codes.parse(code)
        assert parsed.code == code
        assert parsed.kind == kind
        if kind == "micro":
            assert parsed.parent_code == f"{community_code}-{general}"
        if kind == "dedicated":
            assert parsed.parent_code == community_code


@pytest.mark.parametrize(
    "code",
    [
        "510116001005-3",
        "510116001005-000",
        "510116001005-003-7",
        "510116001005-003-00",
        "510116001005-Z4",
        "51011600100-003",
        "510116001005-003-07-01",
        "",
        "510116001005-z04",
    ],
)
def test_malformed_codes_are_refused_with_the_rule(code):
    with pytest.raises(ValueError, match="is not a grid code: expected 12 digits"):
        codes.parse(code)


def test_paths_follow_the_tree(world):
    assert world.grids.micro.path == "51/5101/510116/510116001/510116001005/001/01"
    assert world.grids.dedicated.path == "51/5101/510116/510116001/510116001005/Z01"
    assert world.grids.micro.parent == world.grids.general
    assert world.grids.dedicated.parent.code == COMMUNITY_A
    assert world.grids.general.parent.kind == "community"


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"code": f"{COMMUNITY_A}-009-01"},
            f"property 'parent': the general grid of the same community {COMMUNITY_A}-009 does not exist",
        ),
        (
            {"code": f"{COMMUNITY_A}-001-03", "parent": f"{COMMUNITY_B}-001"},
            f"a micro grid's parent must be the general grid of the same community {COMMUNITY_A}-001, "
            f"not {COMMUNITY_B}-001",
        ),
        (
            {"code": f"{COMMUNITY_A}-Z02", "parent": f"{COMMUNITY_A}-001"},
            f"a dedicated grid's parent must be the community grid {COMMUNITY_A}, not {COMMUNITY_A}-001",
        ),
        (
            {"code": f"{COMMUNITY_A}-003", "kind": "micro"},
            "property 'kind': 'micro' does not match code",
        ),
        ({"code": COMMUNITY_A}, "community grids are created with their community"),
        (
            {"code": f"{COMMUNITY_A}-003", "site_kind": "school"},
            "property 'site_kind': only dedicated grids have a site kind",
        ),
        (
            {"code": f"{COMMUNITY_A}-Z02", "site_kind": "spaceport"},
            "property 'site_kind': 'spaceport' is not one of",
        ),
        ({"code": f"{COMMUNITY_A}-3"}, "property 'code': '510116001005-3' is not a grid code"),
    ],
)
def test_invariants_are_enforced_with_the_property_named(world, properties, message):
    before = Grid.objects.count()
    with pytest.raises(InvalidInput) as error:
        do_create_grid(system(), **properties)
    assert message in str(error.value)
    assert Grid.objects.count() == before


def test_invalid_geometry_is_refused(world):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    with pytest.raises(InvalidInput, match=r"geometry: is not valid \(Self-intersection"):
        do_create_grid(system(), code=f"{COMMUNITY_A}-003", geometry=bowtie)
    with pytest.raises(
        InvalidInput, match="geometry: must be a Polygon or MultiPolygon, not Point"
    ):
        do_create_grid(
            system(), code=f"{COMMUNITY_A}-003", geometry={"type": "Point", "coordinates": [0, 0]}
        )
    projected = square(400000, 3300000, 100)
    with pytest.raises(InvalidInput, match="geometry: coordinates are not WGS-84"):
        do_create_grid(system(), code=f"{COMMUNITY_A}-003", geometry=projected)


def test_duplicate_codes_conflict(world):
    with pytest.raises(Conflict, match=f"grid {COMMUNITY_A}-001 already exists"):
        do_create_grid(system(), code=f"{COMMUNITY_A}-001")


def test_a_community_that_is_not_loaded_is_not_found(world):
    with pytest.raises(NotFound, match="no community 510116002001"):
        do_create_grid(system(), code="510116002001-001")


def test_created_grid_stores_geometry_bbox_and_audit(world):
    grid = do_create_grid(system(), code=f"{COMMUNITY_A}-003", geometry=square(103.9, 30.5, 0.01))
    assert grid.name == "第003网格"
    assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == pytest.approx(
        (103.9, 30.5, 103.91, 30.51)
    )
    entry = AuditEntry.objects.get(object_type="territory.grid", object_id=str(grid.pk))
    assert entry.action == "create"
    assert entry.after["code"] == f"{COMMUNITY_A}-003"
    assert entry.actor_label == "system:tests"


def test_update_records_before_and_after_and_refuses_fixed_fields(world):
    grid = world.grids.general
    do_update_grid(system(), grid, name="东区网格")
    entry = AuditEntry.objects.filter(object_id=str(grid.pk), action="update").get()
    assert entry.before["name"] == "第001网格"
    assert entry.after["name"] == "东区网格"
    assert entry.changed_fields == ["name", "updated_at"]
    with pytest.raises(InvalidInput, match="code: cannot be changed after creation"):
        do_update_grid(system(), grid, code=f"{COMMUNITY_A}-009")
    do_update_grid(system(), grid, name="东区网格")  # no change, no audit row
    assert AuditEntry.objects.filter(object_id=str(grid.pk), action="update").count() == 1


def test_delete_refuses_grids_that_others_depend_on(world):
    with pytest.raises(Conflict, match="has 2 child grid"):
        do_delete_grid(system(), world.grids.general)
    with pytest.raises(Conflict, match="a community grid exists as long as its community"):
        do_delete_grid(system(), world.grids.general.parent)
    with pytest.raises(Conflict, match="1 user\\(s\\) are assigned to it"):
        do_delete_grid(system(), world.grids.dedicated)
    pk = world.grids.micro2.pk
    do_delete_grid(system(), world.grids.micro2)
    assert not Grid.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(object_id=str(pk), action="delete")
    assert entry.before["code"] == f"{COMMUNITY_A}-001-02"
    assert entry.after is None


def _collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry=None, **properties):
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def test_import_creates_children_listed_before_their_parents(world):
    report = do_import_grids(
        system(),
        _collection(
            _feature(square(103.96, 30.59), code=f"{COMMUNITY_B}-002-01", name="一号微网格"),
            _feature(square(103.96, 30.59, 0.004), code=f"{COMMUNITY_B}-002"),
        ),
    )
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    micro = Grid.objects.get(code=f"{COMMUNITY_B}-002-01")
    assert micro.parent.code == f"{COMMUNITY_B}-002"
    assert micro.name == "一号微网格"


def test_import_is_all_or_nothing_and_lists_every_problem(world):
    before = Grid.objects.count()
    with pytest.raises(InvalidInput) as error:
        do_import_grids(
            system(),
            _collection(
                _feature(square(103.96, 30.59, 0.004), code=f"{COMMUNITY_B}-002"),
                _feature(None, name="无编码"),
                _feature(square(103.96, 30.59), code=f"{COMMUNITY_B}-005-01"),
                _feature(None, code=f"{COMMUNITY_B}-002"),
            ),
        )
    assert error.value.problems == [
        "feature 2 (no code): property 'code': missing (every grid needs its code)",
        f"feature 3 ({COMMUNITY_B}-005-01): property 'parent': the general grid of the same "
        f"community {COMMUNITY_B}-005 does not exist",
        f"feature 4 ({COMMUNITY_B}-002): property 'code': duplicates feature 1",
    ]
    assert Grid.objects.count() == before


def test_export_then_import_changes_nothing(world, tmp_path, capsys):
    target = tmp_path / "grids.geojson"
    assert main(["grids", "export", "--area", "510116001", "-o", str(target)]) == 0
    assert "wrote 29 grids" in capsys.readouterr().out
    exported = json.loads(target.read_text())
    assert [f["properties"]["code"] for f in exported["features"]][:3] == [
        "510116001001",
        f"{COMMUNITY_B}-001",
        "510116001002",
    ]
    audit_rows = AuditEntry.objects.count()
    assert main(["grids", "import", str(target)]) == 0
    assert "created 0; updated 0; unchanged 29" in capsys.readouterr().out
    assert AuditEntry.objects.count() == audit_rows


def test_import_keeps_what_a_feature_leaves_out_and_updates_community_grids(world):
    """A feature with a code only changes nothing stored; a community grid, made by
    `areas load` without a boundary, takes the one a file gives it."""
    general = world.grids.general
    stored = (general.name, general.geometry)
    boundary = square(103.92, 30.56, 0.02)
    report = do_import_grids(
        system(),
        _collection(_feature(code=general.code), _feature(boundary, code=COMMUNITY_A)),
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    general.refresh_from_db()
    assert (general.name, general.geometry) == stored
    community = Grid.objects.get(code=COMMUNITY_A)
    assert community.shape.bounds == pytest.approx((103.92, 30.56, 103.94, 30.58))


def test_import_cli_names_feature_and_property(world, tmp_path, capsys):
    source = tmp_path / "bad.geojson"
    source.write_text(
        json.dumps(
            _collection(
                _feature({"type": "Point", "coordinates": [1, 2]}, code=f"{COMMUNITY_A}-004")
            )
        )
    )
    assert main(["grids", "import", str(source)]) == 1
    err = capsys.readouterr().err
    assert f"feature 1 ({COMMUNITY_A}-004): geometry: must be a Polygon or MultiPolygon" in err
    source.write_text("{not json")
    assert main(["grids", "import", str(source)]) == 1
    assert "not valid JSON" in capsys.readouterr().err


def test_export_leaves_no_partial_file_on_error(world, tmp_path, capsys):
    target = tmp_path / "out.geojson"
    assert main(["grids", "export", "--area", "510199", "-o", str(target)]) == 1
    assert "no administrative area with code 510199" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_feature_collection_is_valid_geojson(world):
    collection = json.loads(feature_collection(grids_under(system(), world.grids.general)))
    assert [f["properties"]["code"] for f in collection["features"]] == [
        f"{COMMUNITY_A}-001",
        f"{COMMUNITY_A}-001-01",
        f"{COMMUNITY_A}-001-02",
    ]
    assert collection["features"][0]["geometry"]["type"] == "Polygon"
