"""Walking along paths: a street and footpath network instead of straight line × detour.

A network is read from GeoJSON (LineStrings or MultiLineStrings; vertices shared by two
lines join them) or from GraphML as OSMnx writes it (nodes with ``x``/``y`` longitude and
latitude, edges with ``length`` in metres). Every edge is walkable both ways. An edge
with a ``compound`` property is a path inside that gated compound (小区): the entrances
of the compound's buildings are snapped to its own paths, which meet the streets only
where the data joins them (its gates), so a walk into or out of the compound goes
through a gate. Other entrances are snapped to the nearest public edge.

Walking metres between two entrances are then the metres from the first door to its
snapped point, along shortest paths (Dijkstra, scipy) to the second's snapped point, and
to its door. Pairs the network does not connect fall back to straight line × detour.
"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from finegrid.divide.geometry import LocalFrame

NODE_DIGITS = 7
"""Vertices equal to this many decimals of a degree (~1 cm) are one node."""
AROUND_MARGIN_DEG = 0.005
"""A grid's part of a network: edges within about 500 m of it."""
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


class NetworkError(ValueError):
    """A network file that cannot be used; the message names the file and the place."""


@dataclass(frozen=True)
class WalkNetwork:
    """Nodes in longitude/latitude, undirected edges between them with their metres and
    the compound whose paths they are (None for public streets)."""

    nodes: np.ndarray
    """(n, 2) longitude, latitude."""
    edges: np.ndarray
    """(m, 2) node indices."""
    metres: np.ndarray
    """(m,) edge lengths; NaN where the file gave none (measured then)."""
    compounds: tuple[str | None, ...]

    @classmethod
    def read(cls, path: str | Path) -> WalkNetwork:
        """GeoJSON (or another pyogrio-readable layer) or ``.graphml``."""
        path = Path(path)
        network = _read_graphml(path) if path.suffix.lower() == ".graphml" else _read_lines(path)
        if not len(network.edges):
            raise NetworkError(f"{path}: has no edges to walk along")
        return network

    def around(self, bounds: tuple[float, float, float, float]) -> WalkNetwork:
        """The edges with an end within :data:`AROUND_MARGIN_DEG` of ``bounds``."""
        xmin, ymin, xmax, ymax = bounds
        lon, lat = self.nodes[:, 0], self.nodes[:, 1]
        near = (
            (lon >= xmin - AROUND_MARGIN_DEG)
            & (lon <= xmax + AROUND_MARGIN_DEG)
            & (lat >= ymin - AROUND_MARGIN_DEG)
            & (lat <= ymax + AROUND_MARGIN_DEG)
        )
        keep = near[self.edges].any(axis=1)
        used, edges = np.unique(self.edges[keep], return_inverse=True)
        return WalkNetwork(
            self.nodes[used],
            edges.reshape(-1, 2),
            self.metres[keep],
            tuple(c for c, k in zip(self.compounds, keep, strict=True) if k),
        )

    def walking_metres(
        self, points: np.ndarray, compounds: Sequence[str | None], frame: LocalFrame
    ) -> np.ndarray:
        """Metres between every pair of ``points`` (longitude/latitude), each snapped to
        its compound's paths when the network has some, else to the public edges; NaN
        where the network does not connect them."""
        nodes = frame.to_local(self.nodes)
        ends = nodes[self.edges]
        measured = np.hypot(*(ends[:, 1] - ends[:, 0]).T)
        lengths = np.where(np.isnan(self.metres), measured, self.metres)
        snapped = _snap(frame.to_local(points), compounds, ends, self.compounds)
        edge, along, reach = snapped
        # Metres from each point to the two ends of its edge, scaled to the edge's length.
        scale = np.divide(
            lengths[edge], measured[edge], out=np.ones(len(edge)), where=measured[edge] > 0
        )
        to_first = reach + along * scale
        to_second = reach + (measured[edge] - along) * scale
        sources = np.unique(self.edges[edge])
        count = len(nodes)
        graph = coo_matrix(
            (np.maximum(lengths, 1e-9), (self.edges[:, 0], self.edges[:, 1])), shape=(count, count)
        )
        paths = dijkstra(graph, directed=False, indices=sources)
        row = {node: i for i, node in enumerate(sources)}
        first_row = np.array([row[n] for n in self.edges[edge, 0]])
        second_row = np.array([row[n] for n in self.edges[edge, 1]])
        first_node, second_node = self.edges[edge, 0], self.edges[edge, 1]
        options = [
            to_a[:, None] + paths[rows_a][:, nodes_b] + to_b[None, :]
            for to_a, rows_a in ((to_first, first_row), (to_second, second_row))
            for to_b, nodes_b in ((to_first, first_node), (to_second, second_node))
        ]
        same_edge = edge[:, None] == edge[None, :]
        direct = (
            reach[:, None]
            + np.abs(along[:, None] - along[None, :]) * scale[:, None]
            + reach[None, :]
        )
        options.append(np.where(same_edge, direct, np.inf))
        metres = np.minimum.reduce(options)
        np.fill_diagonal(metres, 0.0)
        return np.where(np.isinf(metres), np.nan, metres)


def _snap(
    points: np.ndarray,
    compounds: Sequence[str | None],
    ends: np.ndarray,
    edge_compounds: Sequence[str | None],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point: the nearest allowed edge, the metres along it from its first end to the
    snapped point, and the metres from the point to the edge."""
    segments = shapely.linestrings(ends)
    labels = np.array([c if c is not None else "" for c in edge_compounds], dtype=object)
    public = np.flatnonzero(labels == "")
    edge = np.empty(len(points), dtype=np.intp)
    for compound in sorted({c or "" for c in compounds}):
        members = np.flatnonzero(np.array([(c or "") == compound for c in compounds]))
        allowed = np.flatnonzero(labels == compound) if compound else public
        if not len(allowed):
            allowed = public if len(public) else np.arange(len(segments))
        tree = shapely.STRtree(segments[allowed])
        found = tree.query_nearest(shapely.points(points[members]), all_matches=False)
        edge[members[found[0]]] = allowed[found[1]]
    spots = shapely.points(points)
    along = shapely.line_locate_point(segments[edge], spots)
    reach = shapely.distance(segments[edge], spots)
    return edge, along, reach


def _read_lines(path: Path) -> WalkNetwork:
    import pyogrio
    import pyogrio.errors

    try:
        meta, _fids, geometries, columns = pyogrio.raw.read(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as error:
        raise NetworkError(f"{path}: cannot read: {error}") from error
    if geometries is None:
        raise NetworkError(f"{path}: has no geometry column")
    fields = dict(zip(meta["fields"], columns, strict=True))
    labels = fields.get("compound", [None] * len(geometries))
    coordinates: list[np.ndarray] = []
    compounds: list[str | None] = []
    for index, shape in enumerate(shapely.from_wkb(geometries, on_invalid="ignore")):
        if shape is None or shape.geom_type not in ("LineString", "MultiLineString"):
            kind = "nothing" if shape is None else shape.geom_type
            raise NetworkError(
                f"{path}: feature #{index + 1}: property 'geometry' must be a LineString "
                f"or MultiLineString, got {kind}"
            )
        label = labels[index]
        label = (
            None
            if label is None or (isinstance(label, float) and math.isnan(label))
            else str(label)
        )
        for line in shapely.get_parts(shape):
            points = shapely.get_coordinates(line)
            for start, end in itertools.pairwise(points):
                coordinates.append(np.array([start, end]))
                compounds.append(label)
    pairs = np.array(coordinates).reshape(-1, 2, 2)
    keys = np.round(pairs.reshape(-1, 2), NODE_DIGITS)
    nodes, index = np.unique(keys, axis=0, return_inverse=True)
    edges = index.reshape(-1, 2)
    keep = edges[:, 0] != edges[:, 1]
    return WalkNetwork(
        nodes,
        edges[keep],
        np.full(int(keep.sum()), np.nan),
        tuple(c for c, k in zip(compounds, keep, strict=True) if k),
    )


def _read_graphml(path: Path) -> WalkNetwork:
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        raise NetworkError(f"{path}: cannot read GraphML: {error}") from error
    names = {
        (key.get("for"), key.get("attr.name")): key.get("id") for key in root.iter(f"{GRAPHML}key")
    }
    x_key, y_key = names.get(("node", "x")), names.get(("node", "y"))
    length_key = names.get(("edge", "length"))
    compound_key = names.get(("edge", "compound"))
    if x_key is None or y_key is None:
        raise NetworkError(f"{path}: nodes need 'x' and 'y' (longitude, latitude), as OSMnx writes")
    position: dict[str, int] = {}
    nodes = []
    for node in root.iter(f"{GRAPHML}node"):
        data = {item.get("key"): item.text for item in node.iter(f"{GRAPHML}data")}
        try:
            nodes.append((float(data[x_key]), float(data[y_key])))
        except (KeyError, TypeError, ValueError):
            raise NetworkError(
                f"{path}: node {node.get('id')!r}: 'x' and 'y' must be numbers"
            ) from None
        position[node.get("id")] = len(nodes) - 1
    edges, metres, compounds = [], [], []
    for edge in root.iter(f"{GRAPHML}edge"):
        data = {item.get("key"): item.text for item in edge.iter(f"{GRAPHML}data")}
        source, target = edge.get("source"), edge.get("target")
        if source not in position or target not in position:
            raise NetworkError(f"{path}: edge {source!r}–{target!r} names a node that is not there")
        try:
            length = float(data[length_key]) if length_key in data else math.nan
        except (TypeError, ValueError):
            raise NetworkError(
                f"{path}: edge {source!r}–{target!r}: 'length' must be a number"
            ) from None
        edges.append((position[source], position[target]))
        metres.append(length)
        compounds.append(data.get(compound_key) if compound_key else None)
    return WalkNetwork(
        np.array(nodes, dtype=float).reshape(-1, 2),
        np.array(edges, dtype=np.intp).reshape(-1, 2),
        np.array(metres, dtype=float),
        tuple(compounds),
    )
