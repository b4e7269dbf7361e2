"""`finegrid synth`: files, determinism (same seed, same bytes; a community alone equals
the same community inside its street) and clear errors without partial output."""

import csv
import json
import subprocess
import sys

import pytest

from finegrid.cli import main
from finegrid.synth import output

from .conftest import SEED, STREET

COMMUNITY = "510131106202"  # 藕塘村, a village of 甘溪镇
# `python -m finegrid.cli` would define a second CommandError class in __main__; run the
# package's main as the console script does.
RUN_CLI = "import sys; from finegrid.cli import main; sys.exit(main(sys.argv[1:]))"


def synth(*arguments):
    return subprocess.run(
        [sys.executable, "-c", RUN_CLI, "synth", *arguments],
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def street_output(tmp_path_factory):
    directory = tmp_path_factory.mktemp("street")
    completed = synth("--area", STREET, "--seed", str(SEED), "-o", str(directory), "--workers", "2")
    assert completed.returncode == 0, completed.stderr
    return directory


def test_every_file_is_written_and_readable(street_output):
    assert sorted(p.name for p in street_output.iterdir()) == sorted(output.FILES)
    for name in output.GEOJSON_FILES:
        collection = json.loads((street_output / name).read_text(encoding="utf-8"))
        assert collection["features"], name
    buildings = json.loads((street_output / output.BUILDINGS).read_text(encoding="utf-8"))
    properties = buildings["features"][0]["properties"]
    for key in (
        "id",
        "households",
        "floors",
        "entrances",
        "elevator",
        "compound",
        "general_grid",
        "kind",
    ):
        assert key in properties
    for name, columns in output.CSV_COLUMNS.items():
        with (street_output / name).open(encoding="utf-8") as table:
            rows = list(csv.reader(table))
        assert tuple(rows[0]) == columns
        assert len(rows) > 1


def test_same_seed_gives_identical_files(street_output, tmp_path):
    assert main(["synth", "--area", STREET, "--seed", str(SEED), "-o", str(tmp_path)]) == 0
    for name in output.FILES:
        assert (tmp_path / name).read_bytes() == (street_output / name).read_bytes(), name


def community_lines(path, code):
    """The features or rows of one community: each is one line naming its code."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.rstrip(",") for line in lines if line.startswith(code) or f'"{code}' in line]


def test_a_community_alone_equals_the_same_community_in_its_street(street_output, tmp_path):
    completed = synth("--area", COMMUNITY, "--seed", str(SEED), "-o", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    for name in output.FILES:
        alone = community_lines(tmp_path / name, COMMUNITY)
        assert alone == community_lines(street_output / name, COMMUNITY), name
        if name != output.STREETS:
            assert alone, name


def test_another_seed_gives_another_city(street_output, tmp_path):
    assert main(["synth", "--area", COMMUNITY, "--seed", str(SEED + 1), "-o", str(tmp_path)]) == 0
    assert (tmp_path / output.PERSONS).read_bytes() not in (
        street_output / output.PERSONS
    ).read_bytes()


def test_an_unknown_area_code_is_refused_clearly(tmp_path):
    completed = synth("--area", "510199", "-o", str(tmp_path / "out"))
    assert completed.returncode == 1
    assert "no administrative division with code 510199" in completed.stderr
    assert not (tmp_path / "out").exists()


def test_a_negative_seed_is_a_usage_error(tmp_path):
    completed = synth("--area", "510104017003", "--seed", "-3", "-o", str(tmp_path / "out"))
    assert completed.returncode == 2
    assert "argument --seed: must be ≥ 0, not -3" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_an_unwritable_output_is_refused_clearly(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["synth", "--area", COMMUNITY, "-o", str(blocker / "out")]) == 1
    assert "cannot write to" in capsys.readouterr().err


def test_a_failure_midway_leaves_no_partial_output(tmp_path, monkeypatch):
    def fail(code, **_):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("finegrid.synth.commands.render_community", fail)
    (tmp_path / "keep.txt").write_text("already here")
    with pytest.raises(RuntimeError, match="disk on fire"):
        main(["synth", "--area", COMMUNITY, "-o", str(tmp_path)])
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
