"""The bundled dataset meets its calibration targets and loads quickly."""

from __future__ import annotations

import json
import time

import pytest

from layout_opt import load_district

from .conftest import DATA

#: The 2020 census of the two former units (data/README.md): residents, urban and rural
#: residents, and children aged 5-9 and 10-14.
CENSUS_2020 = {
    "former county": {"residents": 416_845, "urban": 240_244, "rural": 176_601, "5-9": 26_469, "10-14": 26_539},
    "former Jili": {"residents": 69_142, "urban": 62_017, "rural": 7_125, "5-9": 4_017, "10-14": 3_624},
}
#: Schools the policy names as boarding schools today (孟发〔2023〕13号, 四(三)).
POLICY_BOARDING = (
    "会盟中心小学",
    "白鹤初中",
    "白鹤中心小学",
    "护庄小学",
    "朝阳三小",
    "麻屯初中",
    "平乐中心小学",
    "会盟初中",
)


def _bank(district, name: str):
    """Villages of the former county (towns, 镇) or of the former Jili district (街道)."""
    kind = district.towns.set_index("town_code")["town_kind"]
    is_jili = district.villages["town_code"].map(kind).eq("subdistrict")
    return district.villages[is_jili if name == "former Jili" else ~is_jili]


def test_load_is_fast():
    start = time.perf_counter()
    load_district(DATA)
    assert time.perf_counter() - start < 5.0


@pytest.mark.parametrize("unit", sorted(CENSUS_2020))
def test_residents_are_the_census_counts(mengjin, unit):
    v, census = _bank(mengjin, unit), CENSUS_2020[unit]
    assert v["population"].sum() == census["residents"]
    assert v.loc[v["ur_code"] < 200, "population"].sum() == census["urban"]  # 城镇: settlement classes 1xx
    assert v.loc[v["ur_code"] >= 200, "population"].sum() == census["rural"]  # 乡村: 2xx


@pytest.mark.parametrize("unit", sorted(CENSUS_2020))
def test_school_age_cohorts_follow_the_census(mengjin, unit):
    """Children aged 5-9 in 2020 are grades 3-7 in 2023/24; aged forward three years by at
    most 2 % (the units' cohorts grew 0.3-0.5 % a year between the 2010 and 2020 censuses)."""
    v, census = _bank(mengjin, unit), CENSUS_2020[unit]
    grades_3_7 = v[[f"g{g}" for g in range(3, 8)]].to_numpy().sum()
    assert census["5-9"] < grades_3_7 <= 1.02 * census["5-9"]
    # ages 10-14 in 2020: grades 8-9 whole, grades 10-12 half (general senior high)
    junior, senior = v[["g8", "g9"]].to_numpy().sum(), v[["g10", "g11", "g12"]].to_numpy().sum()
    assert census["10-14"] < junior + 2 * senior <= 1.02 * census["10-14"] + 3


def test_pupils_per_1000_near_the_plan_ratios(mengjin):
    """The census gives fewer pupils than the 80/40/20 per 1,000 of the Luoyang plan."""
    per = mengjin.summary()["pupils_per_1000"]
    assert per["primary"] == pytest.approx(77.4, abs=0.1)
    assert per["junior"] == pytest.approx(37.8, abs=0.1)
    assert per["senior"] == pytest.approx(18.7, abs=0.1)


def test_births_fall_by_half(mengjin):
    v = mengjin.villages
    assert v["a0"].sum() == pytest.approx(3_500 * 0.903, rel=0.01)  # born 2023, scaled like the census's ages 0-4
    assert v["a5"].sum() > 1.7 * v["a0"].sum()  # born 2018


def test_registry_shape(mengjin):
    s = mengjin.summary()
    assert s["closure_candidates"] >= 90
    assert s["oversize_classes"]["schools"] >= 1
    assert {"永和路小学", "麻屯三小"} <= set(s["planned_projects"])
    kinds = s["schools_by_kind"]
    assert 3 <= (mengjin.schools.query("kind == 'high' and ur_code in [111, 112] and status == 'open'").shape[0]) <= 5
    assert kinds["teaching_point"] > 50


def test_urban_units_larger_than_villages(mengjin):
    v = mengjin.villages
    urban = v[v["ur_code"] != 220]["population"].mean()
    rural = v[v["ur_code"] == 220]["population"].mean()
    assert urban > 1.8 * rural


def test_enrolment_matches_villages(mengjin):
    grades = [*(f"g{g}" for g in range(1, 13)), "k1", "k2", "k3"]  # school grades and the kindergarten's
    assert (mengjin.schools[grades].sum() == mengjin.villages[grades].sum()).all()
    e = mengjin.enrolment
    assert e is not None and e["pupils"].sum() == mengjin.villages[grades].to_numpy().sum()
    assert e.loc[e["grade"] > 12, "pupils"].sum() == mengjin.villages[["k1", "k2", "k3"]].to_numpy().sum() > 0


def test_boarding_today_agrees_with_the_policy(mengjin):
    """34 boarding primary and junior schools, the policy's named ones among them; every
    town but 城关镇 has a boarding primary and a boarding junior school."""
    s = mengjin.schools
    open_ = s[s["status"] == "open"]
    boarding = open_[(open_["beds"] > 0) & open_["kind"].isin(["primary", "central_primary", "junior", "nine_year"])]
    assert len(boarding) == 34
    assert set(POLICY_BOARDING) <= set(boarding["name"])
    assert (boarding["beds"] >= 50).all()
    towns = mengjin.towns.loc[mengjin.towns["town_kind"] == "town", "town"]
    for town in towns:
        here = boarding[boarding["town"] == town]
        has = {
            "primary": here["kind"].isin(["primary", "central_primary"]).any(),
            "junior": (here["kind"] == "junior").any(),
        }
        assert has == (
            {"primary": False, "junior": False} if town == "城关镇" else {"primary": True, "junior": True}
        ), town
    e = mengjin.enrolment
    held = e.groupby("school_id")["boarders"].sum()
    beds = s.set_index("school_id")["beds"]
    assert (held <= beds[held.index]).all()
    assert e.loc[e["grade"] <= 3, "boarders"].sum() == 0
    assert (held[boarding["school_id"]] > 0).all()
    board = mengjin.summary()["boarding_today"]
    assert board["schools"]["primary"] + board["schools"]["junior"] == 34
    assert board["boarders_by_band"]["junior"] > board["boarders_by_band"]["upper_primary"] > 0


def test_roads_name_their_source(mengjin):
    r = mengjin.roads
    assert set(r["source"]) == {"osm", "synthetic"}
    assert set(r.loc[r["source"] == "osm", "road_class"]) == {"trunk", "county"}
    assert set(r.loc[r["source"] == "synthetic", "road_class"]) == {"township", "village"}
    bridges = r[r["bridge"]]
    assert len(bridges) == 3 and (bridges["source"] == "osm").all() and (bridges["road_class"] == "trunk").all()
    km = mengjin.summary()["roads"]["km_by_source"]
    assert 250 < km["osm"] < 400
    speeds = r.groupby(["road_class", "terrain"])["bus_speed_kmh"].unique()
    assert {k: float(v[0]) for k, v in speeds.items()} == {
        ("county", "hills"): 30.0,
        ("county", "plain"): 40.0,
        ("township", "hills"): 20.0,
        ("township", "plain"): 30.0,
        ("trunk", "hills"): 60.0,
        ("trunk", "plain"): 60.0,
        ("village", "hills"): 20.0,
        ("village", "plain"): 20.0,
    }


def test_roads_file_carries_the_odbl_attribution():
    meta = json.loads((DATA / "roads.geojson").read_text(encoding="utf-8"))
    assert "OpenStreetMap contributors" in meta["attribution"] and "ODbL" in meta["license"]
    district = json.loads((DATA / "district.json").read_text(encoding="utf-8"))
    assert "OpenStreetMap contributors (ODbL)" in district["attribution"]
    assert "leiii/census" in district["attribution"] and "Vonng/adcode" in district["attribution"]


def test_every_town_has_central_villages(mengjin):
    flagged = mengjin.villages.groupby("town_code")["central_village"].sum()
    assert ((flagged >= 1) & (flagged <= 2)).all()


def test_synthetic_district_is_reproducible():
    from layout_opt.examples import synthetic_district

    a = synthetic_district(n_towns=2, villages_per_town=5, seed=7)
    b = synthetic_district(n_towns=2, villages_per_town=5, seed=7)
    assert a.villages.drop(columns="geometry").equals(b.villages.drop(columns="geometry"))
    assert a.schools["name"].tolist() == b.schools["name"].tolist()
    assert a.enrolment.equals(b.enrolment)
