"""Travel times on hand-computed graphs, the river crossing, and the Mengjin matrix.

Speeds used below (km/h -> metres per minute): village 20 -> 333.3, township 30 -> 500,
county 40 -> 666.7, trunk 50 -> 833.3, walking 4 -> 66.67.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point

from layout_opt.examples import METRIC_CRS
from layout_opt.travel import (
    DisconnectedNetworkError,
    TravelMatrix,
    attach_points,
    build_road_graph,
    edge_speed_kmh,
    straight_line_matrix,
    travel_time_matrix,
)


def roads(*lines, crs=METRIC_CRS) -> gpd.GeoDataFrame:
    """Road table from ``(coords, road_class[, extra columns])`` tuples."""
    rows = []
    for k, line in enumerate(lines):
        coords, cls = line[0], line[1]
        extra = line[2] if len(line) > 2 else {}
        rows.append(
            {
                "road_id": f"R{k}",
                "road_class": cls,
                "bridge": False,
                "name": "",
                **extra,
                "geometry": LineString(coords),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def places(id_col: str, pts, names=None, crs=METRIC_CRS) -> gpd.GeoDataFrame:
    prefix = "V" if id_col == "village_id" else "S"
    ids = [f"{prefix}{k}" for k in range(len(pts))]
    names = names or [f"{i}-name" for i in ids]
    return gpd.GeoDataFrame({id_col: ids, "name": names}, geometry=[Point(p) for p in pts], crs=crs)


def villages(*pts, names=None):
    return places("village_id", pts, names)


def schools(*pts, names=None):
    return places("school_id", pts, names)


#: A -(1000 m village road, 3 min)- B -(2000 m county road, 3 min)- C
LINE = roads(([(0, 0), (1000, 0)], "village"), ([(1000, 0), (3000, 0)], "county"))


# --------------------------------------------------------------------------- exact minutes


def test_three_node_line_exact_minutes():
    v = villages((0, 0), (1000, 0), (500, 0), (2000, 300))
    tm = travel_time_matrix(LINE, v, schools((3000, 0)))
    # A->C 3+3; B->C 3; mid of A-B 1.5+3; 300 m walk (4.5 min) to (2000, 0), then 1000 m county (1.5 min)
    assert tm.minutes[:, 0] == pytest.approx([6.0, 3.0, 4.5, 6.0], abs=1e-9)
    assert tm.origin_access_m == pytest.approx([0, 0, 0, 300])
    assert tm.destination_access_m == pytest.approx([0])
    assert not tm.approximate and tm.method == "network"
    assert list(tm.origin_ids) == ["V0", "V1", "V2", "V3"] and list(tm.destination_ids) == ["S0"]


def test_graph_of_the_line():
    g = build_road_graph(LINE)
    assert g.n_nodes == 3 and g.n_edges == 2
    assert sorted(g.edge_minutes) == pytest.approx([3.0, 3.0])
    assert sorted(g.edge_length_m) == pytest.approx([1000.0, 2000.0])
    assert sorted(g.edge_class) == ["county", "village"]
    nxg = g.to_networkx()
    a = int(np.flatnonzero((g.node_xy == [0, 0]).all(axis=1))[0])
    c = int(np.flatnonzero((g.node_xy == [3000, 0]).all(axis=1))[0])
    import networkx as nx

    assert nx.shortest_path_length(nxg, a, c, weight="minutes") == pytest.approx(6.0)
    assert nxg.nodes[c]["x"] == 3000.0


def test_speeds_capped_by_school_bus_law():
    cls = pd.Series(["expressway", "trunk", "county", "village", "county"])
    given = pd.Series([100.0, None, None, None, None])
    posted = pd.Series([None, None, 30.0, None, None])
    got = edge_speed_kmh(cls, speeds_kmh={"trunk": 90.0, "county": 45.0}, given_kmh=given, posted_kmh=posted)
    # 100 -> 80 (expressway cap); 90 -> 60 (ordinary-road cap); posted 30; class 20; class 45
    assert got == pytest.approx([80.0, 60.0, 30.0, 20.0, 45.0])
    # A class speed given by the caller wins over the roads' own bus_speed_kmh.
    own = pd.Series([20.0, 20.0])
    assert edge_speed_kmh(pd.Series(["village", "county"]), {"village": 15.0}, given_kmh=own) == pytest.approx(
        [15.0, 20.0]
    )
    # 6 km of expressway at a claimed 120 km/h takes 4.5 min at the legal 80 km/h
    r = roads(([(0, 0), (6000, 0)], "expressway", {"bus_speed_kmh": 120.0}))
    tm = travel_time_matrix(r, villages((0, 0)), schools((6000, 0)))
    assert tm.minutes[0, 0] == pytest.approx(4.5)


def test_unknown_road_class_is_an_error():
    with pytest.raises(ValueError, match="footway"):
        build_road_graph(roads(([(0, 0), (10, 0)], "footway")))
    # ... unless the road carries its own speed
    g = build_road_graph(roads(([(0, 0), (1000, 0)], "footway", {"bus_speed_kmh": 10.0})))
    assert g.edge_minutes == pytest.approx([6.0])


def test_parallel_roads_keep_the_fastest():
    r = roads(([(0, 0), (2000, 0)], "village"), ([(0, 0), (2000, 0)], "county"))
    g = build_road_graph(r)
    assert g.n_edges == 1 and g.edge_class[0] == "county"
    assert travel_time_matrix(r, villages((0, 0)), schools((2000, 0))).minutes[0, 0] == pytest.approx(3.0)


def test_lines_meet_only_at_shared_vertices():
    # A flyover crossing the line at (1500, 0) without a common vertex: no junction there.
    r = roads(
        *[(line.coords, cls) for line, cls in zip(LINE.geometry, LINE.road_class)],
        ([(1500, -1000), (1500, 1000)], "trunk"),
    )
    g = build_road_graph(r)
    assert g.component.max() == 1  # two pieces


# --------------------------------------------------------------------------- cutoff, unreachable


def test_cutoff_is_inclusive_and_longer_trips_are_inf():
    v = villages((0, 0), (1000, 0), (2000, 300))
    tm = travel_time_matrix(LINE, v, schools((3000, 0)), cutoff_min=6.0)
    assert tm.minutes[:, 0] == pytest.approx([6.0, 3.0, 6.0])
    tm = travel_time_matrix(LINE, v, schools((3000, 0)), cutoff_min=5.9)
    assert np.isinf(tm.minutes[[0, 2], 0]).all() and tm.minutes[1, 0] == pytest.approx(3.0)
    assert tm.cutoff_min == 5.9
    assert (tm.minutes != 0).all()


ISLAND = roads(
    *[(line.coords, cls) for line, cls in zip(LINE.geometry, LINE.road_class)],
    ([(0, 10_000), (2000, 10_000)], "village"),
)


def island_places():
    v = villages((0, 0), (1000, 0), (0, 10_000), names=["东村", "西村", "孤村"])
    s = schools((3000, 0), (2000, 10_000), names=["中心小学", "孤岛教学点"])
    return v, s


def test_cut_off_places_raise_with_id_and_name():
    v, s = island_places()
    with pytest.raises(DisconnectedNetworkError) as err:
        travel_time_matrix(ISLAND, v, s)
    msg = str(err.value)
    assert "V2 孤村" in msg and "S1 孤岛教学点" in msg and "V0" not in msg
    assert list(err.value.places["id"]) == ["V2", "S1"]
    assert list(err.value.places["role"]) == ["village", "school"]


def test_cut_off_places_warn_and_stay_unreachable(caplog):
    v, s = island_places()
    with caplog.at_level(logging.WARNING, logger="layout_opt.travel"):
        tm = travel_time_matrix(ISLAND, v, s, on_disconnected="warn")
    assert "孤村" in caplog.text
    # island village <-> island school: 2000 m village road = 6 min; across: unreachable
    expected = np.array([[6.0, np.inf], [3.0, np.inf], [np.inf, 6.0]])
    np.testing.assert_allclose(tm.minutes, expected)
    assert list(tm.disconnected["id"]) == ["V2", "S1"]
    long = tm.to_long()
    assert len(long) == 3 and np.isfinite(long["travel_min"]).all()


def test_cut_off_places_dropped_keep_ids_aligned(caplog):
    v, s = island_places()
    with caplog.at_level(logging.WARNING, logger="layout_opt.travel"):
        tm = travel_time_matrix(ISLAND, v, s, on_disconnected="drop")
    assert "dropped" in caplog.text
    assert list(tm.origin_ids) == ["V0", "V1"] and list(tm.destination_ids) == ["S0"]
    assert tm.minutes.shape == (2, 1) and tm.minutes[:, 0] == pytest.approx([6.0, 3.0])
    assert tm.to_frame().loc["V1", "S0"] == pytest.approx(3.0)
    with pytest.raises(KeyError, match="V2"):
        tm.subset(["V2"])


# --------------------------------------------------------------------------- snapping


def test_snap_to_segment_beats_snap_to_vertex():
    r = roads(([(0, 0), (3000, 0)], "village"))  # 9 min end to end
    v, s = villages((1400, 100)), schools((3000, 0))
    edge = travel_time_matrix(r, v, s).minutes[0, 0]
    node = travel_time_matrix(r, v, s, snap="node").minutes[0, 0]
    assert edge == pytest.approx(100 / (4000 / 60) + 1600 / (20000 / 60))  # 1.5 + 4.8
    assert node == pytest.approx(np.hypot(1400, 100) / (4000 / 60) + 9.0)  # walk to (0, 0)


def test_places_on_one_segment_travel_along_it():
    r = roads(([(0, 0), (3000, 0)], "village"))
    v = villages((500, 0), (2500, 0), (2000, -50))
    s = schools((2000, 0), (-300, 0))
    tm = travel_time_matrix(r, v, s)
    # 1500 m and 500 m at 20 km/h; 50 m walk; beyond the end: 300 m walk from (0, 0)
    np.testing.assert_allclose(tm.minutes[:, 0], [4.5, 1.5, 0.75], atol=1e-9)
    np.testing.assert_allclose(tm.minutes[:, 1], [1.5 + 4.5, 7.5 + 4.5, 6.0 + 0.75 + 4.5], atol=1e-9)
    att = attach_points(build_road_graph(r), np.array([[500, 0], [2500, 0], [2000, 0]]))
    assert att.graph.n_edges == 4 and att.graph.edge_length_m.sum() == pytest.approx(3000.0)
    # Places at a road node (or beyond a dead end) join that node; nothing is split.
    g = build_road_graph(r)
    att = attach_points(g, np.array([[0, 0], [3000, 0], [3100, 40]]))
    assert att.graph is g and att.access_m == pytest.approx([0, 0, np.hypot(100, 40)])
    assert [tuple(g.node_xy[k]) for k in att.node] == [(0, 0), (3000, 0), (3000, 0)]


def test_places_at_dead_ends():
    # A star: C in the middle, dead ends A (3 min), B (3 min), D (1.5 min); and a road
    # piece of its own, E-F (1000 m village road, 3 min), whose two ends are dead ends.
    r = roads(
        ([(0, 0), (1000, 0)], "village"),
        ([(0, 0), (0, 1000)], "village"),
        ([(0, 0), (-1000, 0)], "county"),
        ([(0, 5000), (1000, 5000)], "village"),
    )
    v = villages((1000, 0), (0, 0), (0, 1000), (0, 5000))
    s = schools((1000, 0), (-1000, 0), (1000, 50), (1000, 5000))
    expected = np.array(
        [
            [0.0, 4.5, 0.75, np.inf],  # at A: the school at A is 0 away, not 2 x 3 min
            [3.0, 1.5, 3.75, np.inf],
            [6.0, 4.5, 6.75, np.inf],
            [np.inf, np.inf, np.inf, 3.0],
        ]
    )
    for engine in ("scipy", "networkx"):
        tm = travel_time_matrix(r, v, s, on_disconnected="warn", engine=engine)
        np.testing.assert_allclose(tm.minutes, expected, atol=1e-9)


def test_far_points_are_reported(caplog):
    v = villages((1000, 2000), (0, 0), names=["山村", "平村"])
    with caplog.at_level(logging.WARNING, logger="layout_opt.travel"):
        tm = travel_time_matrix(LINE, v, schools((3000, 0)), max_access_m=1500)
    assert "山村" in caplog.text
    assert tm.far_points.to_dict("records") == [{"id": "V0", "name": "山村", "role": "village", "access_m": 2000.0}]
    assert tm.minutes[0, 0] == pytest.approx(30.0 + 3.0)  # 2 km walk, then B->C


def test_drive_access_leg():
    v = villages((2000, 300))
    tm = travel_time_matrix(LINE, v, schools((3000, 0)), access="drive", access_drive_kmh=20.0)
    assert tm.minutes[0, 0] == pytest.approx(0.9 + 1.5)


# --------------------------------------------------------------------------- river crossing


def river(bridges_x):
    """South bank road y=-500, north bank road y=+500, both 0..6000 m, township class
    (500 m/min); 1000 m trunk bridges (1.2 min) at ``bridges_x``."""
    xs = sorted({0, 6000, *bridges_x})
    lines = [([(x, -500) for x in xs], "township"), ([(x, 500) for x in xs], "township")]
    lines += [([(x, -500), (x, 500)], "trunk", {"bridge": True, "name": f"桥{x}"}) for x in bridges_x]
    return roads(*lines)


def test_river_crossing_shows_the_bridge_detour():
    v, s = villages((0, 500)), schools((0, -500))
    far = travel_time_matrix(river([5000]), v, s).minutes[0, 0]
    near = travel_time_matrix(river([1000, 5000]), v, s).minutes[0, 0]
    assert far == pytest.approx(10.0 + 1.2 + 10.0)  # 5 km along, bridge, 5 km back
    assert near == pytest.approx(2.0 + 1.2 + 2.0)
    straight = straight_line_matrix(v, s).minutes[0, 0]
    assert straight < 3.0 < far  # the straight line knows no river
    with pytest.raises(DisconnectedNetworkError, match="V0"):
        travel_time_matrix(river([]), v, s)


def test_mengjin_north_bank_crosses_only_at_bridges(mengjin):
    r = mengjin.roads
    assert int(r["bridge"].sum()) == 3
    v, s = mengjin.villages, mengjin.schools
    # Without the bridges the north bank (Jili) is cut off and named.
    with pytest.raises(DisconnectedNetworkError) as err:
        travel_time_matrix(r[~r["bridge"]], v, s)
    cut = err.value.places
    north_v = set(cut.loc[cut["role"] == "village", "id"])
    north_s = set(cut.loc[cut["role"] == "school", "id"])
    assert 5 <= len(north_v) < 100 and len(north_s) >= 1
    assert all(name for name in cut["name"])
    full = travel_time_matrix(r, v, s, cutoff_min=240)
    # Every north -> south trip passes a bridge: at most 60 km/h (the legal cap on these
    # roads) over at least the straight distance through the nearest bridge.
    ends = np.array([list(g.coords)[:: len(g.coords) - 1] for g in r.loc[r["bridge"], "geometry"]])  # (3, 2, 2)
    vxy = {i: (p.x, p.y) for i, p in zip(v["village_id"], v.geometry)}
    sxy = {i: (p.x, p.y) for i, p in zip(s["school_id"], s.geometry)}
    south_s = [i for i in s["school_id"] if i not in north_s]
    frame = full.to_frame()
    sub = frame.loc[sorted(north_v), south_s]
    a = np.array([vxy[i] for i in sub.index])[:, None, None, :]
    b = np.array([sxy[i] for i in sub.columns])[None, :, None, :]
    via = np.minimum(
        np.linalg.norm(a - ends[None, None, :, 0], axis=-1) + np.linalg.norm(b - ends[None, None, :, 1], axis=-1),
        np.linalg.norm(a - ends[None, None, :, 1], axis=-1) + np.linalg.norm(b - ends[None, None, :, 0], axis=-1),
    ).min(axis=-1)
    bound_min = via / (60_000 / 60)
    assert np.isfinite(sub.to_numpy()).all()
    assert (sub.to_numpy() >= bound_min - 1e-6).all()
    # Closing one bridge never shortens a trip and lengthens some north -> south trips.
    for k in np.flatnonzero(r["bridge"].to_numpy()):
        fewer = travel_time_matrix(r.drop(index=r.index[k]), v, s, cutoff_min=240).to_frame()
        diff = fewer.loc[sub.index, sub.columns].to_numpy() - sub.to_numpy()
        assert (diff >= -1e-9).all()
        assert (diff > 0.5).any()


# --------------------------------------------------------------------------- the Mengjin matrix


def test_mengjin_matrix(mengjin):
    v, s = mengjin.villages, mengjin.schools
    tm = travel_time_matrix(mengjin.roads, v, s, cutoff_min=90)
    assert tm.minutes.shape == (270, 383)  # 223 schools and 160 kindergartens
    assert list(tm.origin_ids) == list(v["village_id"]) and list(tm.destination_ids) == list(s["school_id"])
    assert tm.far_points.empty and tm.disconnected.empty
    finite = np.isfinite(tm.minutes)
    assert finite.mean() > 0.9
    assert (tm.minutes[finite] > 0).all() and (tm.minutes[finite] <= 90).all()
    # A shorter cutoff is the same matrix with the longer trips removed.
    short = travel_time_matrix(mengjin.roads, v, s, cutoff_min=30).minutes
    expected = np.where(tm.minutes <= 30, tm.minutes, np.inf)
    np.testing.assert_array_equal(short, expected)


def test_networkx_engine_gives_the_same_matrix(mengjin):
    v, s = mengjin.villages.iloc[::3], mengjin.schools.iloc[::2]
    a = travel_time_matrix(mengjin.roads, v, s, cutoff_min=45).minutes
    b = travel_time_matrix(mengjin.roads, v, s, cutoff_min=45, engine="networkx").minutes
    np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=0, atol=1e-9)


def test_more_villages_than_schools_and_the_reverse_agree(small_district):
    d = small_district
    a = travel_time_matrix(d.roads, d.villages, d.schools)
    swapped_v = d.schools[["school_id", "name", "geometry"]].rename(columns={"school_id": "village_id"})
    swapped_s = d.villages[["village_id", "name", "geometry"]].rename(columns={"village_id": "school_id"})
    assert len(swapped_v) != len(swapped_s)
    b = travel_time_matrix(d.roads, swapped_v, swapped_s)
    np.testing.assert_allclose(a.minutes, b.minutes.T, atol=1e-9)


def test_points_in_another_crs_are_reprojected():
    v = villages((500, 0)).to_crs("EPSG:4326")
    s = schools((3000, 0)).to_crs("EPSG:4326")
    assert travel_time_matrix(LINE, v, s).minutes[0, 0] == pytest.approx(4.5, abs=1e-6)
    with pytest.raises(ValueError, match="metric CRS"):
        travel_time_matrix(LINE.to_crs("EPSG:4326"), v, s)


def test_duplicate_ids_are_an_error():
    v = villages((0, 0), (1000, 0))
    v["village_id"] = ["V0", "V0"]
    with pytest.raises(ValueError, match="duplicate village_id"):
        travel_time_matrix(LINE, v, schools((3000, 0)))


# --------------------------------------------------------------------------- the result object


def test_labels_subset_and_sparse():
    v = villages((0, 0), (1000, 0), (500, 0))
    tm = travel_time_matrix(LINE, v, schools((3000, 0), (0, 0)), cutoff_min=4.0)
    np.testing.assert_allclose(tm.minutes, [[np.inf, 0.0], [3.0, 3.0], [np.inf, 1.5]])
    sub = tm.subset(["V2", "V0"], ["S1"])
    assert list(sub.origin_ids) == ["V2", "V0"] and sub.minutes[:, 0] == pytest.approx([1.5, 0.0])
    assert isinstance(sub, TravelMatrix) and sub.cutoff_min == 4.0
    sparse = tm.to_sparse()
    assert sparse.nnz == 4  # the stored 0.0 (a village at its school) is a reachable pair
    assert sparse[0, 1] == 0.0 and sparse[1, 0] == pytest.approx(3.0)
    frame = tm.to_frame()
    assert frame.index.name == "village_id" and frame.columns.name == "school_id"
    long = tm.to_long()
    assert set(zip(long.village_id, long.school_id)) == {("V0", "S1"), ("V1", "S0"), ("V1", "S1"), ("V2", "S1")}
    with pytest.raises(KeyError, match="S9"):
        tm.subset(destination_ids=["S9"])


def test_straight_line_fallback_is_flagged():
    v, s = villages((0, 0), (0, 100_000)), schools((3000, 4000))
    tm = straight_line_matrix(v, s, speed_kmh=30.0, detour_factor=1.5, cutoff_min=90)
    assert tm.approximate and tm.method == "straight_line"
    assert tm.minutes[0, 0] == pytest.approx(1.5 * 5000 / 500)
    assert np.isinf(tm.minutes[1, 0])
    with pytest.raises(ValueError):
        straight_line_matrix(v, s, detour_factor=0.9)
