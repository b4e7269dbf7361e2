"""Walking along a network: shortest paths between entrances, gates of compounds."""

from __future__ import annotations

import json

import numpy as np
import pytest
from shapely import Point

from finegrid.cli import main
from finegrid.divide import Building, Profile, divide_grid
from finegrid.divide.geometry import LocalFrame
from finegrid.divide.network import NetworkError, WalkNetwork

from .files import LAT0, LON0, feature, write

FRAME = LocalFrame(LON0, LAT0)


def lonlat(*metres: tuple[float, float]) -> np.ndarray:
    return FRAME.to_lonlat(np.array(metres, dtype=float))


def line(*metres: tuple[float, float], **properties) -> dict:
    return feature({"type": "LineString", "coordinates": lonlat(*metres).tolist()}, **properties)


def street_with_a_gated_compound(tmp_path):
    """A street along y = −10 m; compound C's path runs from its houses at y = 0 west to
    its only gate at x = −100 m on the street."""
    return write(
        tmp_path / "network.geojson",
        [
            line((-200, -10), (-100, -10), (0, -10), (200, -10)),
            line((60, 0), (0, 0), (-100, 0), (-100, -10), compound="C"),
        ],
    )


def test_a_walk_out_of_a_gated_compound_goes_through_its_gate(tmp_path):
    network = WalkNetwork.read(street_with_a_gated_compound(tmp_path))
    inside, outside = (0.0, 1.0), (20.0, -12.0)
    metres = network.walking_metres(lonlat(inside, outside), ["C", None], FRAME)
    # 1 m to the path, 100 m to the gate, 10 m through it, 120 m along the street, 2 m.
    assert metres[0, 1] == pytest.approx(1 + 100 + 10 + 120 + 2, abs=0.5)
    assert metres[1, 0] == metres[0, 1]
    assert metres[0, 0] == 0


def test_two_doors_on_one_path_are_walked_along_it(tmp_path):
    network = WalkNetwork.read(street_with_a_gated_compound(tmp_path))
    metres = network.walking_metres(lonlat((10, 2), (50, 3)), ["C", "C"], FRAME)
    assert metres[0, 1] == pytest.approx(2 + 40 + 3, abs=0.5)


def test_a_division_along_the_street_network_walks_longer_than_the_crow_flies(tmp_path):
    houses = [
        Building(
            id=f"H{i}",
            households=1,
            geometry=Point(*lonlat((i * 30.0, 0.0))[0]),
            floors=2,
            compound="C",
        )
        for i in range(3)
    ] + [
        Building(id=f"S{i}", households=1, geometry=Point(*lonlat((i * 30.0, -20.0))[0]), floors=2)
        for i in range(3)
    ]
    network = WalkNetwork.read(street_with_a_gated_compound(tmp_path))
    straight = divide_grid(houses, code="X").micro_grids
    along = divide_grid(houses, code="X", network=network).micro_grids
    assert len(straight) == len(along) == 1
    fixed = 6 * (Profile().contact_minutes + Profile().entry_minutes + 0.3)
    walk_straight = straight[0].minutes - fixed
    walk_along = along[0].minutes - fixed
    # Through the gate: at least 2 × 100 m more than the straight-line walk.
    assert walk_along - walk_straight > 200 / (1.2 * 60) - 1


def test_graphml_as_osmnx_writes_it(tmp_path):
    a, b, c = lonlat((0, 0), (100, 0), (100, 100))
    graphml = f"""<?xml version='1.0' encoding='utf-8'?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d4" for="node" attr.name="x" attr.type="string"/>
  <key id="d3" for="node" attr.name="y" attr.type="string"/>
  <key id="d9" for="edge" attr.name="length" attr.type="string"/>
  <graph edgedefault="directed">
    <node id="1"><data key="d3">{a[1]}</data><data key="d4">{a[0]}</data></node>
    <node id="2"><data key="d3">{b[1]}</data><data key="d4">{b[0]}</data></node>
    <node id="3"><data key="d3">{c[1]}</data><data key="d4">{c[0]}</data></node>
    <edge source="1" target="2" id="0"><data key="d9">120.0</data></edge>
    <edge source="2" target="3" id="0"><data key="d9">100.0</data></edge>
  </graph>
</graphml>"""
    path = tmp_path / "walk.graphml"
    path.write_text(graphml)
    network = WalkNetwork.read(path)
    metres = network.walking_metres(lonlat((0, 0), (100, 100)), [None, None], FRAME)
    assert metres[0, 1] == pytest.approx(220, abs=0.5), "edge lengths come from the file"


def test_divide_takes_a_network_file_and_refuses_a_bad_one(tmp_path, capsys):
    buildings = write(
        tmp_path / "b.geojson",
        [
            feature(
                {"type": "Point", "coordinates": lonlat((i * 40.0, 0.0))[0].tolist()},
                id=f"B{i}",
                households=20,
            )
            for i in range(4)
        ],
    )
    network = write(tmp_path / "n.geojson", [line((-50, -10), (200, -10))])
    out = tmp_path / "micro.geojson"
    assert (
        main(
            ["divide", str(buildings), "-o", str(out), "--network", str(network), "--workers", "1"]
        )
        == 0
    )
    assert json.loads(out.read_text())["features"]
    bad = write(tmp_path / "bad.geojson", [feature({"type": "Point", "coordinates": [LON0, LAT0]})])
    assert main(["divide", str(buildings), "-o", str(out), "--network", str(bad)]) == 1
    assert "feature #1: property 'geometry' must be a LineString or MultiLineString, got Point" in (
        capsys.readouterr().err
    )
    with pytest.raises(NetworkError, match="cannot read"):
        WalkNetwork.read(tmp_path / "missing.geojson")
