"""Synthetic districts and their building blocks (examples.py)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from shapely import LineString, box

from layout_opt import District, load_district
from layout_opt.examples import (
    METRIC_CRS,
    Calibration,
    attach_to_backbone,
    cohorts_from_census,
    grade_and_age_totals,
    room_for_cohorts,
    spread_cohorts,
    stem_of,
    synth_children,
    synth_population,
    synthetic_district,
)
from layout_opt.io import write_geojson
from layout_opt.schema import GRADE_COLUMNS
from layout_opt.travel import build_road_graph
from layout_opt.validate import validate_tables

SIZES = [
    dict(n_towns=1, villages_per_town=3, seed=0),
    dict(n_towns=2, villages_per_town=5, seed=1),
    dict(n_towns=3, villages_per_town=6, seed=3),
    dict(n_towns=2, villages_per_town=5, seed=1, scale=2.5),
    dict(n_towns=6, villages_per_town=10, seed=11),
]


@pytest.fixture(scope="module", params=SIZES, ids=lambda a: "-".join(f"{k}{v}" for k, v in a.items()))
def district(request) -> tuple[dict, District]:
    return request.param, synthetic_district(**request.param)


# --------------------------------------------------------------------------- whole districts


def test_reproducible_from_seed():
    a = synthetic_district(n_towns=3, villages_per_town=6, seed=42)
    b = synthetic_district(n_towns=3, villages_per_town=6, seed=42)
    pd.testing.assert_frame_equal(pd.DataFrame(a.villages), pd.DataFrame(b.villages))
    pd.testing.assert_frame_equal(pd.DataFrame(a.schools), pd.DataFrame(b.schools))
    pd.testing.assert_frame_equal(pd.DataFrame(a.roads), pd.DataFrame(b.roads))
    c = synthetic_district(n_towns=3, villages_per_town=6, seed=43)
    assert not np.array_equal(a.villages["population"].to_numpy(), c.villages["population"].to_numpy())


def test_sizes_scale_with_arguments(district):
    args, d = district
    towns = max(1, round(args["n_towns"] * args.get("scale", 1.0)))
    per_town = max(2, args["villages_per_town"])
    assert len(d.towns) == towns + 1  # plus the urban subdistrict
    assert (d.towns["town_kind"] == "subdistrict").sum() == 1
    assert len(d.villages) == (towns + 1) * per_town
    assert d.villages.groupby("town_code").size().eq(per_town).all()
    # residents scale with the number of units (Mengjin: 486,000 in 270 units)
    assert d.villages["population"].sum() == int(486_000 * len(d.villages) / 270)
    assert d.crs == METRIC_CRS


def test_scale_multiplies_towns():
    small = synthetic_district(n_towns=2, villages_per_town=4, seed=5)
    big = synthetic_district(n_towns=2, villages_per_town=4, seed=5, scale=3)
    assert len(small.towns) - 1 == 2 and len(big.towns) - 1 == 6
    assert len(big.villages) == 7 * 4 and len(small.villages) == 3 * 4
    assert len(big.schools) > len(small.schools)


def test_enrolment_comes_from_villages(district):
    _, d = district
    cols = list(GRADE_COLUMNS)
    assert (d.schools[cols].sum() == d.villages[cols].sum()).all()
    assert d.villages[cols].to_numpy().sum() > 0
    assert (d.schools[cols].to_numpy() >= 0).all()


def test_passes_validation_and_round_trips_through_files(district, tmp_path):
    _, d = district
    validate_tables(d.villages, d.schools, d.roads, d.towns, d.base_year)  # raises on any problem
    for name, table in (("villages", d.villages), ("schools", d.schools), ("roads", d.roads), ("towns", d.towns)):
        write_geojson(table, tmp_path / f"{name}.geojson")
    again = load_district(tmp_path)
    assert len(again.villages) == len(d.villages) and len(again.schools) == len(d.schools)
    assert again.villages["village_id"].tolist() == d.villages["village_id"].tolist()
    assert (again.schools[list(GRADE_COLUMNS)].to_numpy() == d.schools[list(GRADE_COLUMNS)].to_numpy()).all()


def test_roads_join_every_village_and_school(district):
    _, d = district
    graph = build_road_graph(d.roads)
    points = np.vstack([np.column_stack([t.geometry.x, t.geometry.y]) for t in (d.villages, d.schools)])
    dist, node = cKDTree(graph.node_xy).query(points)
    assert dist.max() < 1.0, "a village or school is not on the road network"
    assert len(set(graph.component[node].tolist())) == 1, "villages and schools lie in several road components"
    assert len(np.unique(graph.component)) == 1


def test_school_registry_shape(district):
    _, d = district
    s, v = d.schools, d.villages
    towns = d.towns[d.towns["town_kind"] == "town"]["town_code"]
    # every town has a central primary and a junior school at its seat
    for code in towns:
        kinds = set(s.loc[s["town_code"] == code, "kind"])
        assert {"central_primary", "junior"} <= kinds
    # high schools sit in the urban area; sites carry their host's settlement class
    assert (s["kind"] == "high").sum() >= 2
    assert s.loc[s["kind"] == "high", "ur_code"].isin([111, 112]).all()
    host = v.set_index("village_id")
    assert (s["ur_code"].to_numpy() == host.loc[s["village_id"], "ur_code"].to_numpy()).all()
    assert (s["town_code"].to_numpy() == host.loc[s["village_id"], "town_code"].to_numpy()).all()
    # each town (not the urban subdistrict, which has no villages of class 220) flags one
    # or two central villages, always of class 220
    flagged = v.groupby("town_code")["central_village"].sum()
    assert flagged[towns].between(1, 2).all()
    assert (v.loc[v["central_village"], "ur_code"] == 220).all()
    assert (v["coord_source"] == "synthetic").all()


def test_junior_schools_have_room_for_the_cohorts_moving_up():
    """A junior school whose feeder villages have larger primary cohorts than its grades
    7-9 today gets room to grow for them (classes of 50 with 5 % to spare), over the
    next three years: grade 7 in three years is today's grade 4.  A school with room
    enough, and a primary school, keep theirs."""
    grades = {f"g{g}": 0 for g in range(1, 13)}
    villages = pd.DataFrame(
        [
            {"village_id": "A", **grades, "g4": 300, "g5": 150, "g6": 100, "g7": 50, "g8": 50, "g9": 50},
            {"village_id": "B", **grades, "g4": 40, "g7": 40},
        ]
    )
    schools = pd.DataFrame(
        {
            "school_id": ["J1", "J2", "P1"],
            "kind": ["junior", "junior", "primary"],
            "status": ["open", "open", "open"],
            "classrooms": [3, 3, 3],
            "max_added_classrooms": [0, 2, 0],
        }
    )
    attendance = pd.DataFrame(
        {
            "village_id": ["A", "A", "A", "B", "A"],
            "school_id": ["J1", "J1", "J1", "J2", "P1"],
            "grade": [7, 8, 9, 7, 4],
            "pupils": [50, 50, 50, 40, 300],
        }
    )
    room = room_for_cohorts(schools, villages, attendance)
    # J1 in three years: grades 7-9 are today's 4-6 (300, 150, 100 pupils): 7 + 4 + 3 classes
    assert room.tolist() == [7 + 4 + 3 - 3, 2, 0]
    # followed one year only: grades 7-9 are today's 6, 7, 8 (100, 50, 50): 3 + 2 + 2 classes
    assert room_for_cohorts(schools, villages, attendance, years_ahead=1).tolist() == [7 - 3, 2, 0]


def test_pupils_calibrated_per_1000_residents():
    d = synthetic_district(n_towns=8, villages_per_town=12, seed=2)
    v = d.villages
    pop = v["population"].sum()
    per = lambda grades: 1000 * v[[f"g{g}" for g in grades]].to_numpy().sum() / pop  # noqa: E731
    assert per(range(1, 7)) == pytest.approx(80, abs=0.1)
    assert per(range(7, 10)) == pytest.approx(40, abs=0.1)
    assert per(range(10, 13)) == pytest.approx(20, abs=0.1)


# --------------------------------------------------------------------------- building blocks


@pytest.mark.parametrize("total", [1, 999, 486_000, 1_234_567])
def test_synth_population_exact_total(total):
    rng = np.random.default_rng(7)
    ur = rng.choice([111, 112, 121, 122, 220], size=270, p=[0.05, 0.05, 0.05, 0.1, 0.75])
    pop = synth_population(ur, total, rng)
    assert pop.dtype == np.int64
    assert pop.sum() == total
    assert (pop >= 0).all()
    assert len(pop) == 270


def test_synth_population_urban_units_larger():
    rng = np.random.default_rng(0)
    ur = np.array([121] * 100 + [220] * 100)
    pop = synth_population(ur, 200_000, rng)
    assert pop[:100].mean() > 3 * pop[100:].mean()
    again = synth_population(ur, 200_000, np.random.default_rng(0))
    assert np.array_equal(pop, again)


def test_synth_children_totals():
    rng = np.random.default_rng(1)
    population = synth_population(np.full(270, 220), 486_000, rng)
    kids = synth_children(population, Calibration(), rng)
    assert list(kids.columns) == [*[f"g{g}" for g in range(1, 13)], *[f"a{a}" for a in range(6)]]
    assert kids[[f"g{g}" for g in range(1, 7)]].to_numpy().sum() == pytest.approx(80 * 486, abs=6)
    assert kids[["g7", "g8", "g9"]].to_numpy().sum() == pytest.approx(40 * 486, abs=3)
    assert kids[["g10", "g11", "g12"]].to_numpy().sum() == pytest.approx(20 * 486, abs=3)
    # a0 is the 2023 cohort (about 3,500 births), a5 the 2018 one (about 6,300)
    assert kids["a0"].sum() == pytest.approx(3_500 * 0.985, abs=1)
    assert kids["a5"].sum() == pytest.approx(6_300 * 0.985, abs=1)


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("东赵村村民委员会", "东赵"),
        ("卢村村民委员会", "卢村"),
        ("霍村村民委员会", "霍村"),
        ("孟庄社区居民委员会", "孟庄"),
        ("龙马社区", "龙马"),
        ("长华居民委员会", "长华"),
        ("张盘村", "张盘"),
        ("城关镇", "城关镇"),
    ],
)
def test_stem_of(name, stem):
    assert stem_of(name) == stem


# --------------------------------------------------------------------------- census calibration


BIRTHS = {2010 + k: 1000.0 + 100 * k for k in range(14)}  # 2010: 1,000 ... 2023: 2,300


def test_cohorts_from_census_split_age_and_scale():
    ages = {(0, 4): 5_000, (5, 9): 4_000}
    flat = cohorts_from_census(ages, BIRTHS, census_year=2020, base_year=2020)
    # each band is split in proportion to the births of its years and keeps its total
    assert sum(flat[y] for y in range(2011, 2016)) == pytest.approx(4_000)
    assert sum(flat[y] for y in range(2016, 2021)) == pytest.approx(5_000)
    assert flat[2015] / flat[2011] == pytest.approx(BIRTHS[2015] / BIRTHS[2011])
    aged = cohorts_from_census(ages, BIRTHS, census_year=2020, base_year=2023, growth_per_year=1.01)
    assert aged[2012] == pytest.approx(flat[2012] * 1.01**3)
    # born after the census: births times the youngest band's ratio to its births
    ratio = 5_000 / sum(BIRTHS[y] for y in range(2016, 2021))
    assert aged[2022] == pytest.approx(BIRTHS[2022] * ratio)
    assert sorted(aged) == list(range(2011, 2024))
    with pytest.raises(ValueError, match="before the census"):
        cohorts_from_census(ages, BIRTHS, census_year=2020, base_year=2019)
    with pytest.raises(ValueError, match="youngest band"):
        cohorts_from_census({(5, 9): 4_000}, BIRTHS, census_year=2020, base_year=2023)


def test_grades_and_ages_from_cohorts():
    cohorts = {y: float(y - 2000) for y in range(2005, 2024)}  # born 2017 -> 17 people
    grades, ages = grade_and_age_totals(cohorts, 2023, {10: 0.5, 11: 0.5, 12: 0.5})
    assert grades[1] == 17 and grades[9] == 9  # grade 1 born 2017, grade 9 born 2009
    assert grades[12] == 3  # born 2006: 6 people, half in general senior high
    assert ages[0] == 23 and ages[5] == 18


def test_spread_cohorts_keeps_totals():
    population = np.array([100, 1_000, 10_000])
    grades = {g: 50 * g for g in range(1, 13)}
    ages = {a: 30 + a for a in range(6)}
    out = spread_cohorts(population, grades, ages, np.random.default_rng(0))
    assert [int(out[f"g{g}"].sum()) for g in range(1, 13)] == [grades[g] for g in range(1, 13)]
    assert [int(out[f"a{a}"].sum()) for a in range(6)] == [ages[a] for a in range(6)]
    assert (out.iloc[2] > out.iloc[0]).all()


# --------------------------------------------------------------------------- roads on a backbone


def test_synthetic_roads_name_their_source(district):
    _, d = district
    assert set(d.roads["source"]) == {"synthetic"}


def test_attach_to_backbone_joins_every_place_without_crossing():
    rng = np.random.default_rng(4)
    bank = box(0, 0, 20_000, 12_000)
    backbone = gpd.GeoDataFrame(
        {"road_class": ["trunk", "county"], "bridge": [False, False], "name": "", "source": "osm"},
        geometry=[LineString([(0, 6_000), (20_000, 6_000)]), LineString([(10_000, 6_000), (10_000, 12_000)])],
        crs=METRIC_CRS,
    )
    pts = rng.uniform([500, 500], [19_500, 11_500], size=(40, 2))
    pts = pts[np.abs(pts[:, 1] - 6_000) > 300]
    nodes = pd.DataFrame(
        {
            "x": pts[:, 0],
            "y": pts[:, 1],
            "bank": "south",
            "town_code": "T",
            "is_seat": [True] + [False] * (len(pts) - 1),
            "ur_code": [121] + [122] * 4 + [220] * (len(pts) - 5),
            "central_village": False,
        }
    )
    roads = attach_to_backbone(backbone, nodes, {"south": bank}, rng, max_edge_m=5_000.0, extra_edge_share=0.2)
    old, new = roads.iloc[:2], roads.iloc[2:]
    assert (new["source"] == "synthetic").all() and set(new["road_class"]) <= {"township", "village"}
    assert (new["road_class"] == "township").any()
    # the backbone keeps its ends and lies where it did; links join it at added vertices
    for k in range(2):
        line = backbone.geometry.iloc[k]
        assert old.geometry.iloc[k].coords[0] == line.coords[0] and old.geometry.iloc[k].coords[-1] == line.coords[-1]
        assert old.geometry.iloc[k].hausdorff_distance(line) < 1e-6
    assert len(old.geometry.iloc[0].coords) > 2
    for seg in new.geometry:
        for line in old.geometry:
            inter = seg.intersection(line)
            assert inter.is_empty or all(
                min(np.hypot(p.x - c[0], p.y - c[1]) for c in seg.coords) < 1.0
                for p in getattr(inter, "geoms", [inter])
            )
        assert bank.buffer(200).contains(seg)
    roads["road_id"] = [f"R{k}" for k in range(len(roads))]
    graph = build_road_graph(roads)
    _, node = cKDTree(graph.node_xy).query(pts)
    assert len(set(graph.component[node].tolist())) == 1
