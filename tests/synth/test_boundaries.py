"""District outlines: the ECharts decoder, Chengdu's outlines as setup converts them, a
user's own outline file and its errors, and the partitions of districts into streets and
communities."""

import json
import math

import prcoords
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box, mapping

from finegrid import divisions, synth
from finegrid.cli import main
from finegrid.synth import boundaries, outlines


def encode_ring(points: list[tuple[int, int]], offset: tuple[int, int]) -> str:
    """ECharts' compression, written from its description: zig-zag deltas as characters."""
    characters = []
    previous = offset
    for point in points:
        for value, before in zip(point, previous, strict=True):
            delta = value - before
            characters.append(chr((delta << 1 ^ delta >> 31) + 64))
        previous = point
    return "".join(characters)


quantized = st.tuples(st.integers(100_000, 115_000), st.integers(28_000, 34_000))


@given(points=st.lists(quantized, min_size=1, max_size=40), offset=quantized)
def test_decoding_inverts_the_echarts_encoding(points, offset):
    encoded = encode_ring(points, offset)
    decoded = outlines.decode_ring(encoded, offset)
    scale = outlines.ENCODE_SCALE
    assert decoded == [(x / scale, y / scale) for x, y in points]


@given(lon=st.floats(102.9, 105.0), lat=st.floats(30.0, 31.5))
def test_gcj02_conversion_round_trips_to_a_centimetre(lon, lat):
    gcj = prcoords.wgs_gcj((lat, lon))
    back = outlines.gcj02_to_wgs84(shapely.Point(gcj.lon, gcj.lat))
    assert abs(back.x - lon) < 1e-7
    assert abs(back.y - lat) < 1e-7


def test_setup_converts_a_plausible_outline_of_every_chengdu_district(chengdu_outlines):
    converted = outlines.load(chengdu_outlines)
    districts = [d for d in divisions.subtree("5101") if d.level == "district"]
    assert sorted(converted) == sorted(d.short_code for d in districts)
    total_km2 = 0.0
    for outline in converted.values():
        assert outline.geom_type == "Polygon"
        assert outline.is_valid
        km_per_degree = 111.32 * math.cos(math.radians(outline.centroid.y))
        total_km2 += outline.area * km_per_degree * 110.574
    assert 13_500 < total_km2 < 14_800  # Chengdu: 14,335 km²
    # The middle of 锦江区, south-east of the city centre.
    assert converted["510104"].contains(shapely.Point(104.12, 30.60))


def test_the_repository_carries_no_outlines():
    """AMap's terms: the outlines are converted at setup into a git-ignored directory."""
    root = outlines.CONVERTED.parents[1]
    ignored = (root / ".gitignore").read_text().splitlines()
    assert f"/{outlines.CONVERTED.parent.name}/" in ignored
    assert not list((root / "finegrid").rglob("*.geojson"))


def test_streets_partition_their_district(chengdu_outlines):
    district = boundaries.boundary("510131", seed=3, outlines=chengdu_outlines)
    streets = [
        boundaries.boundary(d.code, 3, chengdu_outlines)
        for d in divisions.subtree("510131")
        if d.level == "street"
    ]
    assert all(s.geom_type == "Polygon" for s in streets)
    assert abs(sum(s.area for s in streets) - district.area) < 1e-6 * district.area
    assert shapely.union_all(streets).symmetric_difference(district).area < 1e-6 * district.area


def outline_file(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def district(code, geometry):
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


# 蒲江县 as a 0.1° square of one's own, far from the real one.
OWN_PUJIANG = box(100.0, 25.0, 100.1, 25.1)


def test_an_outline_file_of_ones_own_places_its_districts(tmp_path):
    own = outline_file(tmp_path / "own.geojson", [district("510131", mapping(OWN_PUJIANG))])
    community = synth.generate_community("510131106202", seed=7, outlines=own)
    assert community.boundary.within(OWN_PUJIANG.buffer(1e-9))
    assert all(shapely.within([b.footprint for b in community.buildings], OWN_PUJIANG))
    # A district the file leaves out gets a synthetic square, as without any file.
    assert boundaries.boundary("510104", 7, own).equals(boundaries.boundary("510104", 7))


def test_of_a_multipolygon_the_largest_part_is_used(tmp_path):
    islet = box(100.2, 25.0, 100.21, 25.01)
    geometry = mapping(shapely.MultiPolygon([OWN_PUJIANG, islet]))
    own = outline_file(tmp_path / "own.geojson", [district("510131000000", geometry)])
    assert outlines.load(own) == {"510131": OWN_PUJIANG}


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([], "own.geojson: no features"),
        (
            [district("5101", mapping(OWN_PUJIANG))],
            "own.geojson: feature 1: property 'code': 5101 is a city, not a district",
        ),
        (
            [district("51x", mapping(OWN_PUJIANG))],
            "own.geojson: feature 1: property 'code': '51x' is not an administrative "
            "division code (2, 4, 6, 9 or 12 digits)",
        ),
        (
            [district("510131", mapping(shapely.Point(100, 25)))],
            "own.geojson: feature 1 (510131): geometry: expected a Polygon or MultiPolygon",
        ),
        (
            [district("510131", mapping(box(400_000, 3_300_000, 410_000, 3_310_000)))],
            "own.geojson: feature 1 (510131): geometry: coordinates are not WGS-84 "
            "longitude/latitude",
        ),
        (
            [
                district(
                    "510131",
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [[100, 25], [100.1, 25.1], [100, 25.1], [100.1, 25], [100, 25]]
                        ],
                    },
                )
            ],
            "own.geojson: feature 1 (510131): geometry: Self-intersection[100.05 25.05]",
        ),
        (
            [district("510131", mapping(OWN_PUJIANG)), district("510131", mapping(OWN_PUJIANG))],
            "own.geojson: feature 2: property 'code': 510131 appears twice",
        ),
    ],
)
def test_a_broken_outline_file_is_named_with_its_feature_and_property(tmp_path, features, message):
    own = outline_file(tmp_path / "own.geojson", features)
    with pytest.raises(outlines.OutlineError) as raised:
        outlines.load(own)
    assert str(raised.value) == f"{tmp_path}/{message}"


def test_synth_refuses_a_missing_outline_file_in_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere.geojson"
    arguments = ["synth", "--area", "510131106202", "-o", str(tmp_path / "out")]
    assert main([*arguments, "--outlines", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"finegrid synth: error: {missing}: no such file; `finegrid setup` converts Chengdu's "
        "district outlines from npm, or set FINEGRID_DISTRICT_OUTLINES to a file of your own\n"
    )
    assert not (tmp_path / "out").exists()


def test_synth_reads_the_outline_file_the_setting_names(tmp_path, monkeypatch):
    own = outline_file(tmp_path / "own.geojson", [district("510131", mapping(OWN_PUJIANG))])
    monkeypatch.setenv("FINEGRID_DISTRICT_OUTLINES", str(own))
    assert main(["synth", "--area", "510131106202", "-o", str(tmp_path / "out")]) == 0
    streets = json.loads((tmp_path / "out" / "street_boundaries.geojson").read_text())
    street = shapely.geometry.shape(streets["features"][0]["geometry"])
    assert street.within(OWN_PUJIANG.buffer(1e-6))
