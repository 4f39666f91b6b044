"""OpenStreetMap input: files the test writes itself (.osm XML, .osm.pbf, GraphML).

No network access: every file is made here in a temporary folder.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer
from shapely import LineString, Point

from layout_opt.errors import ValidationError
from layout_opt.examples import METRIC_CRS
from layout_opt.io import read_osm_roads
from layout_opt.osm import osm_road_class, parse_maxspeed_kmh
from layout_opt.travel import travel_time_matrix

#: node id -> (lon, lat), near the Mengjin seat.
NODES = {
    1: (112.400, 34.800),
    2: (112.410, 34.800),
    3: (112.420, 34.800),
    4: (112.410, 34.810),
    5: (112.405, 34.795),
    6: (112.405, 34.805),
    7: (112.420, 34.790),
    9: (112.415, 34.815),
    11: (112.430, 34.800),
}
#: way id -> (node ids, tags).  Way 102 is a bridge crossing way 100 between nodes 1 and
#: 2 without a common node: it must not connect there.
WAYS = {
    100: ([1, 2, 3], {"highway": "secondary", "name": "孟津大道"}),
    101: ([2, 4], {"highway": "residential", "maxspeed": "10"}),
    102: ([5, 6], {"highway": "trunk", "bridge": "yes", "layer": "1", "name": "黄河桥"}),
    107: ([6, 4], {"highway": "primary"}),
    103: ([3, 7], {"highway": "footway"}),
    104: ([4, 9], {"highway": "service", "access": "private"}),
    105: ([3, 11], {"highway": "track"}),
}
BUS_WAYS = {100: "county", 101: "village", 102: "trunk", 107: "trunk"}

_TO_UTM = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def utm(node: int) -> np.ndarray:
    return np.array(_TO_UTM.transform(*NODES[node]))


def metres(a: int, b: int) -> float:
    return float(np.hypot(*(utm(a) - utm(b))))


def write_xml(path):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in NODES.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, (refs, tags) in WAYS.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_pbf(path):
    osmium = pytest.importorskip("osmium")
    from osmium.osm.mutable import Node, Way

    writer = osmium.SimpleWriter(str(path), overwrite=True)
    try:
        for nid, loc in NODES.items():
            writer.add_node(Node(id=nid, version=1, location=loc, tags={}))
        for wid, (refs, tags) in WAYS.items():
            writer.add_way(Way(id=wid, version=1, nodes=refs, tags=tags))
    finally:
        writer.close()


@pytest.fixture(params=["xml", "pbf"])
def osm_file(request, tmp_path):
    pytest.importorskip("osmium")
    if request.param == "xml":
        path = tmp_path / "mini.osm"
        write_xml(path)
    else:
        path = tmp_path / "mini.osm.pbf"
        write_pbf(path)
    return path


def test_read_osm_maps_classes_and_drops_non_bus_ways(osm_file):
    roads = read_osm_roads(osm_file)
    assert roads.crs.to_epsg() == 32649  # UTM 49N, estimated from the data
    got = dict(zip(roads["osm_id"], roads["road_class"]))
    assert got == {str(k): v for k, v in BUS_WAYS.items()}
    assert set(roads["road_id"]) == {f"osm{k}" for k in BUS_WAYS}
    by_id = roads.set_index("osm_id")
    assert by_id.loc["102", "bridge"] and not by_id.loc["100", "bridge"]
    assert by_id.loc["100", "name"] == "孟津大道" and by_id.loc["100", "highway"] == "secondary"
    assert by_id.loc["101", "maxspeed_kmh"] == 10.0 and np.isnan(by_id.loc["100", "maxspeed_kmh"])
    assert by_id.loc["100", "geometry"].length == pytest.approx(metres(1, 2) + metres(2, 3), rel=1e-9)


def test_osm_travel_time_by_hand(osm_file):
    roads = read_osm_roads(osm_file)
    to_utm = lambda n: Point(utm(n))  # noqa: E731
    v = gpd.GeoDataFrame({"village_id": ["V5"], "name": ["桥南村"]}, geometry=[to_utm(5)], crs=METRIC_CRS)
    s = gpd.GeoDataFrame({"school_id": ["S3"], "name": ["东小学"]}, geometry=[to_utm(3)], crs=METRIC_CRS)
    tm = travel_time_matrix(roads, v, s)
    per_min = lambda kmh: kmh * 1000 / 60  # noqa: E731
    # 5 -> 6 bridge (trunk 50), 6 -> 4 primary (trunk 50), 4 -> 2 residential posted 10
    # km/h, 2 -> 3 secondary (county 40); the bridge does not touch way 100 below it.
    expected = (
        metres(5, 6) / per_min(50)
        + metres(6, 4) / per_min(50)
        + metres(4, 2) / per_min(10)
        + metres(2, 3) / per_min(40)
    )
    assert tm.minutes[0, 0] == pytest.approx(expected, rel=1e-6)
    crossing_shortcut = metres(5, 6) / 2 / per_min(50) + (metres(1, 2) / 2 + metres(2, 3)) / per_min(40)
    assert tm.minutes[0, 0] > crossing_shortcut + 1.0


def test_xml_and_pbf_read_alike(tmp_path):
    pytest.importorskip("osmium")
    write_xml(tmp_path / "a.osm")
    write_pbf(tmp_path / "b.osm.pbf")
    a = read_osm_roads(tmp_path / "a.osm").sort_values("road_id").reset_index(drop=True)
    b = read_osm_roads(tmp_path / "b.osm.pbf").sort_values("road_id").reset_index(drop=True)
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    assert all(ga.equals_exact(gb, 1e-6) for ga, gb in zip(a.geometry, b.geometry))


def test_read_osm_in_a_chosen_crs(osm_file):
    roads = read_osm_roads(osm_file, crs="EPSG:32650")
    assert roads.crs.to_epsg() == 32650
    with pytest.raises(ValueError, match="projected"):
        read_osm_roads(osm_file, crs="EPSG:4326")


def graphml_file(path) -> None:
    """An osmnx-style MultiDiGraph in UTM metres: two-way edges stored both ways."""
    g = nx.MultiDiGraph(crs=METRIC_CRS)
    for n, (x, y) in {0: (0.0, 0.0), 1: (1000.0, 0.0), 2: (1600.0, 800.0), 3: (0.0, 500.0)}.items():
        g.add_node(n, x=x, y=y)
    bend = "LINESTRING (1000 0, 1600 0, 1600 800)"  # 600 + 800 m
    for u, v, d in [
        (0, 1, {"highway": "secondary", "osmid": "11", "name": "县道"}),
        (1, 0, {"highway": "secondary", "osmid": "11", "name": "县道"}),
        (1, 2, {"highway": "['tertiary', 'unclassified']", "osmid": "[12, 13]", "geometry": bend}),
        (
            2,
            1,
            {
                "highway": "['tertiary', 'unclassified']",
                "osmid": "[12, 13]",
                "geometry": "LINESTRING (1600 800, 1600 0, 1000 0)",
            },
        ),
        (0, 3, {"highway": "footway", "osmid": "14"}),
    ]:
        g.add_edge(u, v, **d)
    nx.write_graphml(g, path)


def test_graphml_by_hand(tmp_path):
    path = tmp_path / "net.graphml"
    graphml_file(path)
    roads = read_osm_roads(path)
    assert len(roads) == 2  # both directions become one line; the footway is dropped
    assert sorted(roads["road_class"]) == ["county", "township"]
    assert roads.crs.to_epsg() == 32649
    v = gpd.GeoDataFrame({"village_id": ["V0"], "name": ["西村"]}, geometry=[Point(0, 0)], crs=METRIC_CRS)
    s = gpd.GeoDataFrame({"school_id": ["S2"], "name": ["北小学"]}, geometry=[Point(1600, 800)], crs=METRIC_CRS)
    # 1000 m county at 40 km/h (1.5 min) + 1400 m township at 30 km/h (2.8 min)
    assert travel_time_matrix(roads, v, s).minutes[0, 0] == pytest.approx(4.3)


def test_osm_file_errors(tmp_path):
    with pytest.raises(ValidationError, match="not found"):
        read_osm_roads(tmp_path / "missing.osm.pbf")
    (tmp_path / "roads.csv").write_text("a,b\n")
    with pytest.raises(ValidationError, match="not an OpenStreetMap file"):
        read_osm_roads(tmp_path / "roads.csv")
    g = nx.MultiDiGraph(crs=METRIC_CRS)
    g.add_node(0, x=0.0, y=0.0)
    g.add_node(1, x=10.0, y=0.0)
    g.add_edge(0, 1, highway="footway")
    nx.write_graphml(g, tmp_path / "paths.graphml")
    with pytest.raises(ValidationError, match="usable by a bus") as err:
        read_osm_roads(tmp_path / "paths.graphml")
    assert err.value.first.file == "paths.graphml" and err.value.first.field == "highway"


def test_broken_osm_file_is_a_validation_error(tmp_path):
    pytest.importorskip("osmium")
    path = tmp_path / "broken.osm"
    path.write_text("<osm><node id=", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"broken\.osm"):
        read_osm_roads(path)


def test_highway_table():
    assert osm_road_class("motorway") == "expressway"
    assert osm_road_class("primary") == "trunk"
    assert osm_road_class("secondary_link") == "county"
    assert osm_road_class("tertiary") == "township"
    assert osm_road_class("unclassified") == "village"
    assert osm_road_class("footway") is None and osm_road_class(None) is None
    assert osm_road_class(["residential", "secondary"]) == "county"
    assert osm_road_class("['unclassified', 'tertiary']") == "township"
    assert osm_road_class("track", {"track": "village"}) == "village"


def test_maxspeed_parsing():
    assert parse_maxspeed_kmh("60") == 60.0
    assert parse_maxspeed_kmh("30 mph") == pytest.approx(48.28, abs=0.01)
    assert parse_maxspeed_kmh("50;60") == 50.0
    assert np.isnan(parse_maxspeed_kmh("none")) and np.isnan(parse_maxspeed_kmh("CN:rural"))
    assert np.isnan(parse_maxspeed_kmh(None))


def test_osm_roads_feed_a_line_graph():
    # A projected frame built in memory needs no file and no OSM library.
    from layout_opt.osm import osm_roads_frame

    raw = gpd.GeoDataFrame(
        {"highway": ["secondary", "footway"], "osm_id": [1, 2]},
        geometry=[LineString([(0, 0), (2000, 0)]), LineString([(0, 0), (0, 10)])],
        crs=METRIC_CRS,
    )
    roads = osm_roads_frame(raw)
    assert list(roads["road_class"]) == ["county"] and roads.crs.to_epsg() == 32649
