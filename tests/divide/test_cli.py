"""The `finegrid divide` command: its file contract, its report and its errors."""

from __future__ import annotations

import json

import numpy as np
import pyogrio.raw
import pytest
import shapely

from finegrid.cli import main

from .files import GRID_A, GRID_B, LAT0, LON0, feature, two_grid_buildings, two_grids, write


@pytest.fixture
def city(tmp_path):
    return (
        write(tmp_path / "buildings.geojson", two_grid_buildings()),
        write(tmp_path / "grids.geojson", two_grids()),
    )


def divide(*args) -> int:
    return main(["divide", *map(str, args)])


def divide_file(tmp_path, features, grids) -> int:
    """Divide ``features`` written to a file, into micro.geojson beside it."""
    return divide(
        write(tmp_path / "input.geojson", features),
        "-o",
        tmp_path / "micro.geojson",
        "--grids",
        grids,
    )


def load(path):
    return json.loads(path.read_text())


def test_output_and_report_follow_the_contract(city, tmp_path):
    buildings, grids = city
    out, report = tmp_path / "micro.geojson", tmp_path / "report.json"
    assert divide(buildings, "-o", out, "--grids", grids, "--report", report, "--workers", 1) == 0
    features = load(out)["features"]
    codes = [f["properties"]["code"] for f in features]
    assert len(codes) == len(set(codes))
    assert {c.rsplit("-", 1)[0] for c in codes} == {GRID_A, GRID_B}
    assert all(len(c.rsplit("-", 1)[1]) == 2 for c in codes)
    for f in features:
        props = f["properties"]
        assert props["minutes"] <= 180
        assert props["households"] == sum(p["households"] for p in props["parts"])
        assert set(props["parts"][0]) == {"building", "entrance", "floors", "households"}
        assert props["general_grid"] == props["code"].rsplit("-", 1)[0]
    summary = load(report)
    assert summary["general_grids"] == 2
    assert summary["micro_grids"] == len(features)
    assert summary["households"] == 12 * 36 + 4 * 180
    assert summary["over_window"] == 0
    assert summary["max_minutes"] <= 180
    assert summary["lower_bound"] <= summary["micro_grids"]
    assert summary["ratio_to_lower_bound"] == pytest.approx(
        summary["micro_grids"] / summary["lower_bound"], abs=1e-3
    )
    assert "moved_households" not in summary
    assert summary["seconds"] >= 0


def test_a_process_pool_gives_the_same_file(city, tmp_path):
    buildings, grids = city
    divide(buildings, "-o", tmp_path / "one.geojson", "--grids", grids, "--workers", 1)
    divide(buildings, "-o", tmp_path / "two.geojson", "--grids", grids, "--workers", 2)
    assert (tmp_path / "one.geojson").read_text() == (tmp_path / "two.geojson").read_text()


def test_previous_division_keeps_codes_and_reports_moves(city, tmp_path):
    buildings, grids = city
    old, new, report = tmp_path / "old.geojson", tmp_path / "new.geojson", tmp_path / "r.json"
    divide(buildings, "-o", old, "--grids", grids)
    divide(buildings, "-o", new, "--grids", grids, "--previous", old, "--report", report)
    assert load(report)["moved_households"] == 0
    assert [f["properties"]["parts"] for f in load(old)["features"]] == [
        f["properties"]["parts"] for f in load(new)["features"]
    ]


def test_without_grids_the_boundary_is_derived_from_the_buildings(tmp_path):
    features = [
        feature({"type": "Point", "coordinates": [LON0 + i * 2e-4, LAT0]}, id=i, households=30)
        for i in range(8)
    ]
    out = tmp_path / "micro.geojson"
    divide(write(tmp_path / "b.geojson", features), "-o", out, "--code", "510116001005-009")
    micro = load(out)["features"]
    assert all(f["properties"]["code"].startswith("510116001005-009-") for f in micro)
    union = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in micro])
    assert union.contains(shapely.MultiPoint([f["geometry"]["coordinates"] for f in features]))


def test_general_level_cuts_communities_by_households(tmp_path):
    features = [
        feature(
            {"type": "Point", "coordinates": [LON0 + (i % 10) * 3e-4, LAT0 + (i // 10) * 3e-4]},
            id=f"B{i}",
            households=60,
            floors=6,
            entrances=2,
            general_grid=f"510116001005-00{1 + i % 2}",
        )
        for i in range(40)
    ]
    out, report = tmp_path / "general.geojson", tmp_path / "r.json"
    code = divide(
        write(tmp_path / "b.geojson", features),
        "-o",
        out,
        "--level",
        "general",
        "--households",
        "300-500",
        "--report",
        report,
    )
    assert code == 0
    grids = [f["properties"] for f in load(out)["features"]]
    assert all(g["code"].startswith("510116001005-") and len(g["code"]) == 16 for g in grids)
    assert all(g["households"] <= 500 for g in grids)
    assert sum(g["households"] for g in grids) == 2400
    assert load(report)["lower_bound"] == 5
    assert load(report)["below_floor"] == sum(g["households"] < 300 for g in grids)


def test_profile_file_changes_the_window(city, tmp_path):
    buildings, grids = city
    profile = tmp_path / "profile.toml"
    profile.write_text("window_minutes = 120\ncontact_minutes = 2.5\n")
    out, report = tmp_path / "micro.geojson", tmp_path / "r.json"
    divide(buildings, "-o", out, "--grids", grids, "--profile", profile, "--report", report)
    assert load(report)["max_minutes"] <= 120


def test_geopackage_input(tmp_path):
    path = tmp_path / "buildings.gpkg"
    points = shapely.points([[LON0 + i * 1e-4, LAT0] for i in range(5)])
    pyogrio.raw.write(
        path,
        shapely.to_wkb(points),
        [np.array([f"G{i}" for i in range(5)], dtype=object), np.array([20] * 5)],
        fields=["id", "households"],
        geometry_type="Point",
        crs="EPSG:4326",
        driver="GPKG",
    )
    out = tmp_path / "micro.geojson"
    assert divide(path, "-o", out) == 0
    assert sum(f["properties"]["households"] for f in load(out)["features"]) == 100


BAD_INPUTS = [
    ("missing id", {"id": None}, "feature #2: property 'id' is missing"),
    (
        "negative households",
        {"households": -3},
        "feature #2 (id 'A1'): property 'households' must be ≥ 0",
    ),
    ("no households", {"households": None}, "property 'households' is missing"),
    ("fractional floors", {"floors": 2.5}, "property 'floors' must be a whole number, got 2.5"),
    (
        "words for households",
        {"households": "many"},
        "feature #2 (id 'A1'): property 'households' must be a whole number, got 'many'",
    ),
    ("duplicate id", {"id": "A0"}, "feature #2 (id 'A0'): property 'id' repeats feature #1"),
    ("unknown grid", {"general_grid": "510116001005-099"}, "property 'general_grid' names no grid"),
    ("bad elevator", {"elevator": "maybe"}, "property 'elevator' must be true or false"),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_property_names_the_feature_and_leaves_no_file(
    city, tmp_path, capsys, case, change, message
):
    _, grids = city
    features = two_grid_buildings()
    features[1]["properties"].update(change)
    assert divide_file(tmp_path, features, grids) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "micro.geojson").exists()
    assert not list(tmp_path.glob(".micro.geojson.*"))


def test_a_file_without_geometry_is_refused_in_one_line(city, tmp_path, capsys):
    table = tmp_path / "households.csv"
    table.write_text("id,households\nA0,12\n")
    assert divide(table, "-o", tmp_path / "micro.geojson") == 1
    assert f"{table}: has no geometry column" in capsys.readouterr().err


def test_a_malformed_previous_division_names_feature_and_property(city, tmp_path, capsys):
    buildings, grids = city
    previous = tmp_path / "old.geojson"
    feature = {"code": "510116001005-001-x", "general_grid": "510116001005-001", "parts": []}
    previous.write_text(json.dumps({"features": [{"properties": feature}]}))
    arguments = ("-o", tmp_path / "m.geojson", "--grids", grids, "--previous", previous)
    assert divide(buildings, *arguments) == 1
    assert "feature #1 (id '510116001005-001-x'): property 'code' is not a micro-grid code" in (
        capsys.readouterr().err
    )
    feature.update(code="510116001005-001-01", parts=[{"building": "A0"}])
    previous.write_text(json.dumps({"features": [{"properties": feature}]}))
    assert divide(buildings, *arguments) == 1
    assert "property 'parts' must list {building, entrance, floors: [lo, hi], households}" in (
        capsys.readouterr().err
    )


def test_invalid_geometry_is_named(city, tmp_path, capsys):
    _, grids = city
    features = two_grid_buildings()
    bowtie = [
        [LON0, LAT0],
        [LON0 + 1e-4, LAT0 + 1e-4],
        [LON0 + 1e-4, LAT0],
        [LON0, LAT0 + 1e-4],
        [LON0, LAT0],
    ]
    features[3]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    assert divide_file(tmp_path, features, grids) == 1
    assert "feature #4 (id 'A3'): property 'geometry' is invalid" in capsys.readouterr().err


def test_building_outside_every_grid_is_named(city, tmp_path, capsys):
    _, grids = city
    features = two_grid_buildings()
    del features[0]["properties"]["general_grid"]
    features[0]["geometry"] = {"type": "Point", "coordinates": [LON0 + 0.1, LAT0]}
    assert divide_file(tmp_path, features, grids) == 1
    assert (
        "feature #1 (id 'A0'): property 'geometry' lies outside every given grid"
        in capsys.readouterr().err
    )


def test_failed_run_keeps_the_existing_output(city, tmp_path):
    buildings, grids = city
    out = tmp_path / "micro.geojson"
    out.write_text("earlier result")
    profile = write(tmp_path / "tiny.json", [])
    profile.write_text('{"window_minutes": 3}')
    assert divide(buildings, "-o", out, "--grids", grids, "--profile", profile) == 1
    assert out.read_text() == "earlier result"
    assert not list(tmp_path.glob(".micro.geojson.*"))


def test_unknown_profile_field_is_refused(city, tmp_path, capsys):
    buildings, _ = city
    profile = tmp_path / "p.json"
    profile.write_text('{"window": 120}')
    assert divide(buildings, "-o", tmp_path / "o.geojson", "--profile", profile) == 1
    assert "unknown profile field 'window'" in capsys.readouterr().err
