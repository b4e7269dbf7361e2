"""District boundaries: the ECharts decoder of scripts/extract_district_boundaries.py, the
shipped Chengdu outlines, and the partitions of districts into streets and communities."""

import importlib.util
import math
from pathlib import Path

import prcoords
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from finegrid import divisions
from finegrid.synth import boundaries

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "extract_district_boundaries.py"


@pytest.fixture(scope="module")
def extractor():
    spec = importlib.util.spec_from_file_location("extract_district_boundaries", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
def test_decoding_inverts_the_echarts_encoding(extractor, points, offset):
    encoded = encode_ring(points, offset)
    decoded = extractor.decode_ring(encoded, offset)
    scale = extractor.ENCODE_SCALE
    assert decoded == [(x / scale, y / scale) for x, y in points]


@given(lon=st.floats(102.9, 105.0), lat=st.floats(30.0, 31.5))
def test_gcj02_conversion_round_trips_to_a_centimetre(extractor, lon, lat):
    gcj = prcoords.wgs_gcj((lat, lon))
    back = extractor.gcj02_to_wgs84(shapely.Point(gcj.lon, gcj.lat))
    assert abs(back.x - lon) < 1e-7
    assert abs(back.y - lat) < 1e-7


def test_every_chengdu_district_has_a_plausible_outline():
    shipped = boundaries.shipped_districts()
    districts = [d for d in divisions.subtree("5101") if d.level == "district"]
    assert sorted(shipped) == sorted(d.short_code for d in districts)
    total_km2 = 0.0
    for outline in shipped.values():
        assert outline.geom_type == "Polygon"
        assert outline.is_valid
        km_per_degree = 111.32 * math.cos(math.radians(outline.centroid.y))
        total_km2 += outline.area * km_per_degree * 110.574
    assert 13_500 < total_km2 < 14_800  # Chengdu: 14,335 km²
    # The middle of 锦江区, south-east of the city centre.
    assert shipped["510104"].contains(shapely.Point(104.12, 30.60))


def test_streets_partition_their_district():
    district = boundaries.boundary("510131", seed=3)
    streets = [
        boundaries.boundary(d.code, 3) for d in divisions.subtree("510131") if d.level == "street"
    ]
    assert all(s.geom_type == "Polygon" for s in streets)
    assert abs(sum(s.area for s in streets) - district.area) < 1e-6 * district.area
    assert shapely.union_all(streets).symmetric_difference(district).area < 1e-6 * district.area
