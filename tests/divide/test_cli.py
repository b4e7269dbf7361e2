"""The `finegrid divide` command: its file contract, its report and its errors."""

from __future__ import annotations

import json

import numpy as np
import pyogrio.raw
import pytest
import shapely

from finegrid.cli import main

from .files import (
    GRID_A,
    GRID_B,
    LAT0,
    LON0,
    feature,
    square,
    two_grid_buildings,
    two_grids,
    write,
)


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
    error = capsys.readouterr().err
    assert "feature #4 (id 'A3'): property 'geometry' is invalid: Self-intersection" in error
    assert "(--repair-geometry repairs it)" in error


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


def test_simulate_reports_each_micro_grid_and_the_share_in_time(city, tmp_path, capsys):
    buildings, grids = city
    out = tmp_path / "micro.geojson"
    divide(buildings, "-o", out, "--grids", grids, "--workers", 1)
    capsys.readouterr()
    assert (
        main(["simulate", str(out), "--buildings", str(buildings), "--json", "--runs", "400"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"micro_grids", "within_window_share", "p95_minutes"}
    micro = load(out)["features"]
    assert [g["code"] for g in report["micro_grids"]] == sorted(
        f["properties"]["code"] for f in micro
    )
    by_code = {f["properties"]["code"]: f["properties"] for f in micro}
    for grid in report["micro_grids"]:
        assert grid["minutes"] == pytest.approx(by_code[grid["code"]]["minutes"], abs=0.05)
        assert grid["households"] == by_code[grid["code"]]["households"]
        assert 0 <= grid["p_within"] <= 1
    shares = [g["p_within"] >= 0.95 for g in report["micro_grids"]]
    assert report["within_window_share"] == pytest.approx(sum(shares) / len(shares), abs=1e-4)
    again = ["simulate", str(out), "--buildings", str(buildings), "--json", "--runs", "400"]
    main(again)
    assert json.loads(capsys.readouterr().out) == report, "same seed, same report"
    main([*again, "--seed", "1"])
    assert json.loads(capsys.readouterr().out) != report


def test_divide_with_a_confidence_keeps_the_promise_in_simulation(city, tmp_path, capsys):
    buildings, grids = city
    plain, sure = tmp_path / "plain.geojson", tmp_path / "sure.geojson"
    divide(buildings, "-o", plain, "--grids", grids, "--workers", 1)
    divide(buildings, "-o", sure, "--grids", grids, "--confidence", "0.95", "--workers", 1)
    capsys.readouterr()
    assert len(load(sure)["features"]) > len(load(plain)["features"])
    shares = []
    for path in (plain, sure):
        main(["simulate", str(path), "--buildings", str(buildings), "--json", "--runs", "2000"])
        shares.append(json.loads(capsys.readouterr().out)["within_window_share"])
    assert shares[0] < 0.9
    assert shares[1] >= 0.9
    main(["simulate", str(sure), "--buildings", str(buildings)])
    assert "micro-grids, 1000 runs each:" in capsys.readouterr().out


def test_a_confidence_outside_its_range_is_a_usage_error(city, tmp_path, capsys):
    buildings, _ = city
    with pytest.raises(SystemExit):
        divide(buildings, "-o", tmp_path / "m.geojson", "--confidence", "1.2")
    assert "--confidence: must be at least 0.5 and below 1, not 1.2" in capsys.readouterr().err


def test_simulate_names_a_building_the_file_does_not_have(city, tmp_path, capsys):
    buildings, grids = city
    out = tmp_path / "micro.geojson"
    divide(buildings, "-o", out, "--grids", grids, "--workers", 1)
    fewer = write(tmp_path / "fewer.geojson", two_grid_buildings()[1:])
    capsys.readouterr()
    assert main(["simulate", str(out), "--buildings", str(fewer)]) == 1
    assert "names building 'A0', which" in capsys.readouterr().err


def test_repair_geometry_mends_footprints_and_lists_them(city, tmp_path):
    _, grids = city
    features = two_grid_buildings()
    lon, lat = features[3]["geometry"]["coordinates"]
    bowtie = [
        [lon, lat],
        [lon + 1e-4, lat + 1e-4],
        [lon + 1e-4, lat],
        [lon, lat + 1e-4],
        [lon, lat],
    ]
    features[3]["geometry"] = {"type": "Polygon", "coordinates": [bowtie]}
    flat = [[lon + 2e-4, lat], [lon + 3e-4, lat], [lon + 4e-4, lat], [lon + 2e-4, lat]]
    features[5]["geometry"] = {"type": "Polygon", "coordinates": [flat]}
    two_wings = [
        square(lon, lat - 2e-4, 5e-5)["coordinates"],
        square(lon + 1e-4, lat - 2e-4, 5e-5)["coordinates"],
    ]
    features[7]["geometry"] = {"type": "MultiPolygon", "coordinates": two_wings}
    source = write(tmp_path / "input.geojson", features)
    out, report = tmp_path / "micro.geojson", tmp_path / "report.json"
    arguments = ("-o", out, "--grids", grids, "--report", report, "--workers", 1)
    assert divide(source, *arguments, "--repair-geometry") == 0
    assert load(report)["repaired"] == [
        {"id": "A3", "reason": "Self-intersection[104.06215 30.66035]"},
        {
            "id": "A5",
            "reason": "degenerate footprint (Self-intersection[104.0624 30.6603]): "
            "replaced by its centroid",
        },
    ]
    parts = [p for f in load(out)["features"] for p in f["properties"]["parts"]]
    assert {p["building"] for p in parts} >= {"A3", "A5", "A7"}
    assert sum(p["households"] for p in parts) == 12 * 36 + 4 * 180


def test_a_grid_without_households_is_still_covered(tmp_path):
    features = [
        feature({"type": "Point", "coordinates": [LON0 + 1e-4, LAT0 + 1e-4]}, id="E", households=0)
    ]
    grid = [feature(square(LON0, LAT0, 0.0025), code=GRID_A)]
    out, report = tmp_path / "micro.geojson", tmp_path / "report.json"
    source, grids = write(tmp_path / "b.geojson", features), write(tmp_path / "g.geojson", grid)
    assert divide(source, "-o", out, "--grids", grids, "--report", report) == 0
    (micro,) = load(out)["features"]
    assert micro["properties"]["code"] == f"{GRID_A}-01"
    assert micro["properties"]["households"] == 0
    assert micro["properties"]["buildings"] == ["E"]
    assert shapely.geometry.shape(micro["geometry"]).equals(
        shapely.geometry.shape(grid[0]["geometry"])
    )
    assert load(report)["empty_micro_grids"] == 1


def test_a_tower_split_across_general_grids_reports_each_grids_own_minutes(tmp_path):
    tower = feature(
        {"type": "Point", "coordinates": [LON0, LAT0]},
        id="T",
        households=1200,
        floors=30,
        entrances=2,
        general_grid="510116001005-001",
    )
    out = tmp_path / "general.geojson"
    divide(write(tmp_path / "b.geojson", [tower]), "-o", out, "--level", "general", "--workers", 1)
    grids = [f["properties"] for f in load(out)["features"]]
    assert len(grids) == 3
    assert sum(g["households"] for g in grids) == 1200
    whole = 2 * (2 + 0.5 * 29) + 2 * 1200
    assert all(g["minutes"] < whole / 2 for g in grids)
    assert sum(g["minutes"] for g in grids) >= whole
