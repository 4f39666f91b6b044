"""The bundled dataset meets its calibration targets and loads quickly."""

from __future__ import annotations

import time

import pytest

from layout_opt import load_district

from .conftest import DATA


def test_load_is_fast():
    start = time.perf_counter()
    load_district(DATA)
    assert time.perf_counter() - start < 5.0


def test_calibration_within_two_percent(mengjin):
    s = mengjin.summary()
    assert s["villages"] == 270
    assert s["residents"] == pytest.approx(486_000, rel=0.02)
    per = s["pupils_per_1000"]
    assert per["primary"] == pytest.approx(80, rel=0.02)
    assert per["junior"] == pytest.approx(40, rel=0.02)
    assert per["senior"] == pytest.approx(20, rel=0.02)


def test_births_fall_from_7000_to_3500(mengjin):
    v = mengjin.villages
    assert v["a0"].sum() == pytest.approx(3_500, rel=0.05)  # born 2023
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
    grades = [f"g{g}" for g in range(1, 13)]
    assert (mengjin.schools[grades].sum() == mengjin.villages[grades].sum()).all()


def test_every_town_has_central_villages(mengjin):
    flagged = mengjin.villages.groupby("town_code")["central_village"].sum()
    assert ((flagged >= 1) & (flagged <= 2)).all()


def test_synthetic_district_is_reproducible():
    from layout_opt.examples import synthetic_district

    a = synthetic_district(n_towns=2, villages_per_town=5, seed=7)
    b = synthetic_district(n_towns=2, villages_per_town=5, seed=7)
    assert a.villages.drop(columns="geometry").equals(b.villages.drop(columns="geometry"))
    assert a.schools["name"].tolist() == b.schools["name"].tolist()
