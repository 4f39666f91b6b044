"""School-bus routing on tiny hand-made road networks.

Every road is a county road at 60 km/h, so 1 km takes exactly 1 minute; villages and
schools sit on road vertices (no access walk); a bus stops 1 minute at each halt.  The
expected routes can be checked by hand.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import LineString, Point

from layout_opt import Scenario
from layout_opt.routing import (
    ROUTE_COLUMNS,
    VIOLATION_COLUMNS,
    RoutingParams,
    VehicleType,
    forbidden_pairs,
    route_buses,
    route_from_matrix,
)

CRS = "EPSG:32649"
X0, Y0 = 500_000.0, 3_800_000.0
KM = 1000.0


def _xy(x_km: float, y_km: float) -> tuple[float, float]:
    return (X0 + x_km * KM, Y0 + y_km * KM)


def roads(*lines_km: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Road lines through the given km coordinates, 60 km/h county roads."""
    geoms = [LineString([_xy(*p) for p in line]) for line in lines_km]
    return gpd.GeoDataFrame(
        {"road_id": range(len(geoms)), "road_class": "county", "bus_speed_kmh": 60.0}, geometry=geoms, crs=CRS
    )


def points(id_col: str, places: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {id_col: list(places), "name": list(places)}, geometry=[Point(_xy(*p)) for p in places.values()], crs=CRS
    )


def assignments(rows: list[tuple[str, str, str, int]], year: int = 2026, mode: str = "day") -> pd.DataFrame:
    """``(village_id, band, school_id, pupils)`` rows as an assignments table."""
    return pd.DataFrame(
        [
            {"year": year, "village_id": v, "band": b, "school_id": s, "mode": mode, "pupils": n, "travel_min": 0.0}
            for v, b, s, n in rows
        ]
    )


SCHOOL = points("school_id", {"S": (0, 0)})


def test_capacity_splitting_130_pupils_need_three_buses():
    r = roads([(0, 0), (10, 0)])
    v = points("village_id", {"V": (10, 0)})
    bus = route_buses(assignments([("V", "lower_primary", "S", 130)]), v, SCHOOL, r)
    assert sorted(bus.routes["pupils_picked_up"]) == [18, 56, 56]
    assert bus.routes["bus"].nunique() == 3
    assert bus.routes["minutes_on_board"].tolist() == [11.0, 11.0, 11.0]  # 1 min stop + 10 km
    ps = bus.per_school.set_index("school_id").loc["S"]
    assert ps["buses"] == 3 and ps["pupils_bused"] == 130 and ps["seats"] == 168
    # 3 buses x 2 runs x (10 km loaded + 10 km empty from the school)
    assert ps["bus_km_per_day"] == pytest.approx(120.0)
    assert bus.violations.empty
    assert list(bus.routes.columns) == list(ROUTE_COLUMNS)


def test_ride_limit_binds_and_splits_a_shared_bus():
    # A 25 km east, B 5 km north: together they fit one bus by seats, but A -> B -> school
    # takes 1 + 30 + 1 + 5 = 37 min for A's pupils.
    r = roads([(25, 0), (0, 0), (0, 5)])
    v = points("village_id", {"A": (25, 0), "B": (0, 5)})
    table = assignments([("A", "lower_primary", "S", 20), ("B", "lower_primary", "S", 20)])
    tight = route_buses(table, v, SCHOOL, r)  # 30 min for grades 1-3
    assert tight.per_school["buses"].iloc[0] == 2
    assert sorted(tight.routes["minutes_on_board"]) == [6.0, 26.0]
    assert tight.violations.empty
    loose = route_buses(table, v, SCHOOL, r, params=RoutingParams(ride_limit_min={"lower_primary": 40}))
    assert loose.per_school["buses"].iloc[0] == 1
    ride = loose.routes.set_index("village_id")["minutes_on_board"]
    assert ride["A"] == pytest.approx(37.0) and ride["B"] == pytest.approx(6.0)
    assert loose.routes.set_index("village_id")["stop_order"].to_dict() == {"A": 1, "B": 2}


def test_villages_on_the_way_share_a_bus():
    r = roads([(0, 0), (12, 0), (25, 0)])
    v = points("village_id", {"A": (25, 0), "B": (12, 0)})
    bus = route_buses(assignments([("A", "lower_primary", "S", 20), ("B", "lower_primary", "S", 20)]), v, SCHOOL, r)
    assert bus.per_school["buses"].iloc[0] == 1
    ride = bus.routes.set_index("village_id")["minutes_on_board"]
    assert ride["A"] == pytest.approx(27.0)  # 1 + 13 + 1 + 12
    assert ride["B"] == pytest.approx(13.0)
    assert bus.per_school["longest_ride_min"].iloc[0] == pytest.approx(27.0)
    # loaded 25 km + empty 25 km, twice a day
    assert bus.per_school["bus_km_per_day"].iloc[0] == pytest.approx(100.0)
    assert bus.routes["bus"].unique().tolist() == [1]


def test_single_village_school():
    r = roads([(0, 0), (8, 0)])
    v = points("village_id", {"V": (8, 0)})
    bus = route_buses(assignments([("V", "junior", "S", 40)]), v, SCHOOL, r)
    assert len(bus.routes) == 1
    row = bus.routes.iloc[0]
    assert (row["bus"], row["stop_order"], row["pupils_picked_up"], row["minutes_on_board"], row["limit_min"]) == (
        1,
        1,
        40,
        9.0,
        45.0,
    )
    assert bus.per_school["bus_km_per_day"].iloc[0] == pytest.approx(32.0)
    lines = bus.route_lines()
    assert len(lines) == 1 and lines.crs == CRS
    assert lines.geometry.iloc[0].length == pytest.approx(8 * KM)
    assert lines["run_km"].iloc[0] == pytest.approx(8.0)


def test_no_bus_within_walking_distance():
    r = roads([(0, 0), (1.5, 0), (8, 0)])
    v = points("village_id", {"near": (1.5, 0), "far": (8, 0)})
    bus = route_buses(
        assignments([("near", "lower_primary", "S", 30), ("far", "lower_primary", "S", 10)]), v, SCHOOL, r
    )
    assert bus.routes["village_id"].tolist() == ["far"]
    ps = bus.per_school.iloc[0]
    assert (ps["pupils_walking"], ps["pupils_bused"], ps["buses"]) == (30, 10, 1)
    only_near = route_buses(assignments([("near", "lower_primary", "S", 30)]), v, SCHOOL, r)
    assert only_near.routes.empty and only_near.per_school["buses"].iloc[0] == 0
    assert only_near.totals["buses"] == 0 and only_near.totals["pupils_walking"] == 30


def test_walk_measure_network_or_straight_line():
    # 1.5 km as the crow flies, 3.5 km along the road around a field
    r = roads([(0, 0), (0, 1), (1.5, 1), (1.5, 0)])
    v = points("village_id", {"V": (1.5, 0)})
    table = assignments([("V", "lower_primary", "S", 25)])
    assert route_buses(table, v, SCHOOL, r).per_school["buses"].iloc[0] == 1
    straight = route_buses(table, v, SCHOOL, r, params=RoutingParams(walk_measure="straight_line"))
    assert straight.per_school["buses"].iloc[0] == 0


def test_bands_of_one_village_share_the_halt():
    r = roads([(0, 0), (10, 0)])
    v = points("village_id", {"V": (10, 0)})
    bus = route_buses(assignments([("V", "lower_primary", "S", 20), ("V", "upper_primary", "S", 20)]), v, SCHOOL, r)
    assert bus.per_school["buses"].iloc[0] == 1
    assert bus.routes["stop_order"].tolist() == [1, 1]
    assert bus.routes["minutes_on_board"].tolist() == [11.0, 11.0]  # one stop time, not two
    assert bus.per_school["halts"].iloc[0] == 1


def test_violations_are_listed_with_their_cause():
    r = roads([(0, 0), (35, 0)])
    v = points("village_id", {"far": (35, 0)})
    bus = route_buses(assignments([("far", "lower_primary", "S", 20)]), v, SCHOOL, r)
    assert list(bus.violations.columns) == list(VIOLATION_COLUMNS)
    row = bus.violations.iloc[0]
    assert (row["village_id"], row["band"], row["school_id"], row["pupils"], row["cause"]) == (
        "far",
        "lower_primary",
        "S",
        20,
        "direct trip",
    )
    assert row["ride_min"] == pytest.approx(36.0) and row["limit_min"] == 30.0
    # still routed, on a bus of its own, and counted
    assert bus.routes["minutes_on_board"].tolist() == [36.0]
    assert bus.totals["violations"] == 1 and bus.totals["violation_pupils"] == 20
    assert bus.per_school["violation_pupils"].iloc[0] == 20
    pairs = forbidden_pairs(bus.violations)
    assert pairs.to_dict("records") == [{"village_id": "far", "band": "lower_primary", "school_id": "S"}]


def test_stop_time_violation_and_unaffected_neighbour():
    # 29.5 km: the direct trip fits 30 min, the 1-minute stop does not
    r = roads([(0, 0), (29.5, 0)], [(0, 0), (0, -10)])
    v = points("village_id", {"edge": (29.5, 0), "ok": (0, -10)})
    bus = route_buses(assignments([("edge", "lower_primary", "S", 10), ("ok", "lower_primary", "S", 10)]), v, SCHOOL, r)
    assert bus.violations["village_id"].tolist() == ["edge"]
    assert bus.violations["cause"].iloc[0] == "stop time"
    assert bus.violations["ride_min"].iloc[0] == pytest.approx(30.5)
    assert bus.per_school["buses"].iloc[0] == 2  # the late village gets no company
    assert forbidden_pairs(bus.violations, causes=["direct trip"]).empty


def test_village_without_a_road_to_the_school_is_listed():
    r = roads([(0, 0), (10, 0)], [(20, 5), (30, 5)])  # a road piece cut off from the school's
    v = points("village_id", {"ok": (10, 0), "cut": (30, 5)})
    bus = route_buses(assignments([("ok", "junior", "S", 10), ("cut", "junior", "S", 12)]), v, SCHOOL, r)
    assert bus.routes["village_id"].tolist() == ["ok"]
    row = bus.violations.iloc[0]
    assert (row["village_id"], row["cause"], row["pupils"]) == ("cut", "no road", 12)
    assert row["ride_min"] == float("inf")
    assert bus.totals["unserved_pupils"] == 12


def test_limited_fleet_leaves_pupils_unserved_and_says_so():
    r = roads([(-10, 0), (0, 0), (10, 0)])
    v = points("village_id", {"W": (-10, 0), "E": (10, 0)})
    p = RoutingParams(vehicles=(VehicleType(56, count=1),))
    bus = route_buses(assignments([("E", "junior", "S", 40), ("W", "junior", "S", 30)]), v, SCHOOL, r, params=p)
    assert bus.per_school["buses"].iloc[0] == 1
    assert bus.violations["cause"].tolist() == ["fleet too small"]
    assert bus.totals["unserved_pupils"] == int(bus.violations["pupils"].iloc[0])
    assert bus.totals["pupils_bused"] + bus.totals["unserved_pupils"] == 70


def test_mixed_fleet_uses_the_cheaper_small_bus_when_it_suffices():
    r = roads([(0, 0), (10, 0)])
    v = points("village_id", {"V": (10, 0)})
    p = RoutingParams(vehicles=(VehicleType(56), VehicleType(30, fixed_cost_min=300)))
    bus = route_buses(assignments([("V", "lower_primary", "S", 80)]), v, SCHOOL, r, params=p)
    # 80 pupils: one full 56-seat bus and the 24 left on a 30-seat bus
    assert sorted(zip(bus.routes["seats"], bus.routes["pupils_picked_up"])) == [(30, 24), (56, 56)]


def test_boarding_pupils_and_other_years_are_not_routed():
    r = roads([(0, 0), (10, 0)])
    v = points("village_id", {"V": (10, 0)})
    table = pd.concat(
        [
            assignments([("V", "junior", "S", 40)], mode="boarding"),
            assignments([("V", "lower_primary", "S", 15)]),
            assignments([("V", "lower_primary", "S", 99)], year=2025),
        ]
    )
    with pytest.raises(ValueError, match="say which one"):
        route_buses(table, v, SCHOOL, r)
    bus = route_buses(table, v, SCHOOL, r, year=2026)
    assert bus.routes["pupils_picked_up"].tolist() == [15]
    assert bus.totals["day_pupils"] == 15 and bus.year == 2026


def _grid(n: int = 5, step_km: float = 3.0):
    # lines meet only at shared vertices: give every line all its crossings
    lines = [[(i * step_km, j * step_km) for j in range(n)] for i in range(n)]
    lines += [[(i * step_km, j * step_km) for i in range(n)] for j in range(n)]
    r = roads(*lines)
    c = (n // 2) * step_km
    school = points("school_id", {"S": (c, c)})
    places = {
        f"V{i}{j}": (i * step_km, j * step_km)
        for i in range(n)
        for j in range(n)
        if (i * step_km, j * step_km) != (c, c)
    }
    v = points("village_id", places)
    rng = np.random.default_rng(7)
    rows = [(vid, band, "S", int(rng.integers(5, 70))) for vid in places for band in ("lower_primary", "upper_primary")]
    return r, v, school, assignments(rows)


def test_deterministic_on_a_grid():
    r, v, school, table = _grid()
    one = route_buses(table, v, school, r)
    two = route_buses(table, v, school, r)
    pd.testing.assert_frame_equal(one.routes, two.routes)
    pd.testing.assert_frame_equal(one.per_school, two.per_school)
    pd.testing.assert_frame_equal(one.violations, two.violations)
    # every pupil is bused within the limits and no bus is over its seats
    load = one.routes.groupby("bus").agg(p=("pupils_picked_up", "sum"), seats=("seats", "first"))
    assert (load["p"] <= load["seats"]).all()
    assert (one.routes["trip_min"] <= one.routes["limit_min"]).all()
    assert one.routes["pupils_picked_up"].sum() == table["pupils"].sum()
    assert one.violations.empty
    assert one.route_lines()["bus"].tolist() == sorted(one.routes["bus"].unique())


def test_route_from_matrix_core():
    # halts 1 and 2 on one line from the school: 0 -5- 1 -5- 2
    minutes = np.array([[0, 5, 10], [5, 0, 5], [10, 5, 0]], dtype=float)
    res = route_from_matrix(minutes, [2, 1], [30, 20], [30.0, 30.0], RoutingParams())
    assert res.unserved == [] and res.buses == [(56, [0, 1])]
    # a full bus load gets a bus of its own without search
    res = route_from_matrix(minutes, [2, 1], [56, 20], [30.0, 30.0], RoutingParams())
    assert sorted(res.buses) == [(56, [0]), (56, [1])]
    with pytest.raises(ValueError, match="split"):
        route_from_matrix(minutes, [1], [60], [30.0], RoutingParams())


def test_params_from_scenario_and_validation():
    p = RoutingParams.from_scenario(Scenario().replace(day_limit_lower_primary_min=25), stop_min=0.5)
    assert dict(p.ride_limit_min) == {
        "lower_primary": 25.0,
        "upper_primary": 40.0,
        "junior": 45.0,
        "senior": 60.0,
        "preschool": 15.0,
    }
    assert p.stop_min == 0.5
    assert RoutingParams(vehicles=[56, (35, 2)]).vehicles == (VehicleType(56), VehicleType(35, 2))
    with pytest.raises(ValueError, match="unknown band"):
        RoutingParams(ride_limit_min={"grade1": 30})
    with pytest.raises(ValueError, match="seats"):
        RoutingParams(vehicles=(VehicleType(0),))
    with pytest.raises(ValueError, match="missing column"):
        route_buses(pd.DataFrame({"year": [2026]}), SCHOOL, SCHOOL, roads([(0, 0), (1, 0)]))
